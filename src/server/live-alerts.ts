/**
 * The live alert feed: one poller reads alerts newer than the last id it saw from the store
 * (every second, and at once when the API itself inserts one) and hands them to every subscriber
 * (the server-sent-events route). Polling the store rather than hooking the writer means alerts
 * that `netsentinel analyze` writes into the same database from another process appear too.
 */
import type { AlertReader, AlertWithId } from '../store/alert-query.js';

export class LiveAlerts {
  private subscribers = new Set<(a: AlertWithId[]) => void>();
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private streams = new Set<{ end(): void }>();

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

  /** an open event stream, ended when the service shuts down (it would otherwise hold the close) */
  track(stream: { end(): void; once(ev: 'close', fn: () => void): unknown }): void {
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.streams) s.end();
    this.streams.clear();
  }
}
