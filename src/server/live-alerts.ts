/**
 * The live alert feed: one poller reads alerts newer than the last id it saw from the store
 * (every second, and at once when the API itself inserts one) and hands them to every subscriber
 * (the server-sent-events route). Polling the store rather than hooking the writer means alerts
 * that `netsentinel analyze` writes into the same database from another process appear too.
 *
 * Each open stream is tracked with the key it was opened with: when the key table no longer holds
 * that key (revoked with `netsentinel keys revoke`, seen at the next refresh, every 5 s) the stream
 * gets a last `revoked` event and is closed; before, a revoked key kept its feed for as long as
 * the connection lived.
 */
import type { AlertReader, AlertWithId } from '../store/alert-query.js';

export class LiveAlerts {
  private subscribers = new Set<(a: AlertWithId[]) => void>();
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private streams = new Map<{ end(): void; write(chunk: string): unknown }, string | undefined>();

  constructor(
    private readonly reader: AlertReader,
    private readonly onError: (e: Error) => void,
    private readonly intervalMs = 1000,
  ) {}

  async start(): Promise<void> {
    this.last = await this.reader.lastId();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  subscribe(fn: (a: AlertWithId[]) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  get count(): number {
    return this.subscribers.size;
  }

  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (;;) {
        const batch = await this.reader.after(this.last, 500);
        if (batch.length === 0) break;
        this.last = batch[batch.length - 1].id;
        for (const s of this.subscribers) s(batch);
        if (batch.length < 500) break;
      }
    } catch (e) {
      this.onError(e as Error);
    } finally {
      this.polling = false;
    }
  }

  /**
   * an open event stream and the id of the key it was opened with (none on a service without
   * keys), ended when the service shuts down (it would otherwise hold the close) or the key goes
   */
  track(stream: { end(): void; write(chunk: string): unknown; once(ev: 'close', fn: () => void): unknown }, keyId?: string): void {
    this.streams.set(stream, keyId);
    stream.once('close', () => this.streams.delete(stream));
  }

  /** bytes of events written to open streams and not yet taken by their sockets (the largest one) */
  maxWaitingBytes(): number {
    let max = 0;
    for (const s of this.streams.keys()) max = Math.max(max, (s as { writableLength?: number }).writableLength ?? 0);
    return max;
  }

  /** close, with a last `revoked` event, every stream whose key `holds` no longer knows; how many */
  closeRevoked(holds: (keyId: string) => boolean): number {
    let n = 0;
    for (const [s, id] of this.streams) {
      if (id === undefined || holds(id) || (s as { writableEnded?: boolean }).writableEnded) continue;
      this.streams.delete(s);
      s.write(`event: revoked\ndata: ${JSON.stringify({ error: `API key ${id} was revoked; this feed is closed` })}\n\n`);
      s.end();
      n++;
    }
    return n;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.streams.keys()) s.end();
    this.streams.clear();
  }
}
