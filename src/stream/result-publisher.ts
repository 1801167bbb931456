/**
 * Publishing a commit's results (one JetStream message per alert and per finding, msg id = key)
 * with a bounded window of publishes awaiting their acknowledgement, instead of all at once.
 *
 * Why a window: a commit groups up to 64 flow messages, so it can carry thousands of alerts.
 * Issued all together, the last of them wait behind every other one at the server; on a loaded
 * machine they outlived the publish timeout, the whole step failed and was retried from the start
 * (thousands of publishes again, the worker stalled ~30 s, bench script stream-throughput with
 * STREAM_BENCH_RESULTS=1). With at most WINDOW pending, each waits for few others. A publish that
 * fails leaves the ones acknowledged before it done: a retry (outage-retry.ts) sends only those not
 * yet acknowledged, which JetStream deduplicates by msg id anyway.
 *
 * Why not `js.publish`: it is a request per message (nats.js: a request object with its own
 * deferred, a timer, a Promise.race, and on every success an Error object made and thrown away by
 * its cancel), a MsgHdrs map per message, and an await per message here: ~30 µs of CPU per result
 * (src/bench/result-publish-bench.ts), a fifth of a worker's CPU with results on. A JetStream
 * publish is only a core publish with a reply subject, answered by a PubAck
 * (`{"stream","seq","duplicate"?}` or `{"error"}`) or, when no stream captures the subject, by the
 * server's 503 "no responders" status. So here: one subscription per publisher on `<inbox>.>`,
 * each message published with the reply `<inbox>.<call>.<index>` (the reply says which message it
 * acknowledges: no table of pending requests; a late reply to an earlier, failed call names
 * another call and is ignored), the Nats-Msg-Id header as bytes made once per message
 * (`ResultMessage.headers`), the window refilled by halves (publishes leave together, one socket
 * write), and one timer per call that fails the call when no reply came for `timeoutMs`. About
 * 6 µs per result. What is kept: every message stored once per message id (the header is the one
 * js.publish sends), marked done only on a PubAck, a refusal or no-responders or silence an error.
 */
import { createInbox, type MsgHdrs, type NatsConnection, type Msg, type Subscription } from '@nats-io/transport-node';
import { findingAlertKey, type Alert } from '../analysis/alerts.js';
import type { Finding } from '../detect/finding.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** most publishes awaiting their acknowledgement at once */
export const PUBLISH_WINDOW = 256;
/** a call fails when no acknowledgement arrived for this long (js.publish's default timeout) */
export const ACK_TIMEOUT_MS = 5000;

export interface ResultMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgID: string;
  /** the NATS header block carrying `Nats-Msg-Id: msgID`, what nats.js sends for a MsgHdrs */
  readonly headers: MsgHdrs;
}

/**
 * The header block of a message whose only header is its JetStream message id, encoded once.
 * nats.js's publish asks a MsgHdrs for its bytes only (`encode()`); the other MsgHdrs methods
 * answer from the id (tests and anyone inspecting a message before it goes out).
 */
class MsgIdHeader {
  constructor(
    readonly msgID: string,
    private readonly bytes: Uint8Array,
  ) {}
  encode(): Uint8Array {
    return this.bytes;
  }
  get(k: string): string {
    return /^nats-msg-id$/i.test(k) ? this.msgID : '';
  }
  has(k: string): boolean {
    return /^nats-msg-id$/i.test(k);
  }
  values(k: string): string[] {
    return this.has(k) ? [this.msgID] : [];
  }
  keys(): string[] {
    return ['Nats-Msg-Id'];
  }
  last(k: string): string {
    return this.get(k);
  }
  get hasError(): boolean {
    return false;
  }
  get code(): number {
    return 0;
  }
  get description(): string {
    return '';
  }
  get status(): string {
    return '';
  }
  set(): void {
    throw new Error('a result message header is read-only');
  }
  append(): void {
    throw new Error('a result message header is read-only');
  }
  delete(): void {
    throw new Error('a result message header is read-only');
  }
  toString(): string {
    return dec.decode(this.bytes);
  }
}

/** the header block `NATS/1.0\r\nNats-Msg-Id: <id>\r\n\r\n` nats.js would make of the id, as text */
function msgIdHeaderText(msgID: string): string {
  if (/[\r\n]/.test(msgID)) throw new Error(`message id ${JSON.stringify(msgID)} cannot hold a line break`);
  return `NATS/1.0\r\nNats-Msg-Id: ${msgID}\r\n\r\n`;
}

export function msgIdHeaders(msgID: string): MsgHdrs {
  return new MsgIdHeader(msgID, enc.encode(msgIdHeaderText(msgID))) as unknown as MsgHdrs;
}

/** a publish JetStream refused, did not answer, or that nothing captured: said in one line */
export class ResultPublishError extends Error {}

/** what one call of publish did */
export interface PublishCount {
  /** messages JetStream acknowledged in this call */
  readonly acked: number;
  /** of those, the ones JetStream already held under their message id (not stored again) */
  readonly duplicates: number;
}

interface Call {
  readonly messages: readonly ResultMessage[];
  readonly done: Uint8Array;
  inFlight: number;
  acked: number;
  duplicates: number;
  failure: ResultPublishError | undefined;
  /** replies of any kind so far (the timer's measure of progress) */
  replies: number;
  /** send more when no more than this many are in flight */
  readonly refillAt: number;
  /** send more, up to the window; ends the call when nothing is in flight and nothing is left */
  fill(): void;
  /** resolve or reject, once */
  finish(): void;
}

/**
 * Publishes result messages to JetStream over one reply subscription (see the top comment). One
 * per connection and worker; `close()` unsubscribes. Calls may overlap (each has its own id).
 */
export class ResultPublisher {
  private readonly inbox: string;
  private readonly sub: Subscription;
  private readonly calls = new Map<number, Call>();
  private nextCall = 1;

  constructor(private readonly nc: NatsConnection, private readonly timeoutMs = ACK_TIMEOUT_MS) {
    this.inbox = `${createInbox()}.`;
    this.sub = nc.subscribe(`${this.inbox}>`, { callback: (err, m) => this.reply(err, m) });
  }

  /**
   * Publish `messages[i]` for every i not yet set in `done`, at most `window` pending at a time,
   * marking each acknowledged one in `done` (kept by the caller across retries). Throws the first
   * failure once the publishes in flight have settled, or when no acknowledgement came for
   * `timeoutMs` (one timer per call, checking progress: a stall fails within 1 to 2 × timeoutMs).
   */
  publish(messages: readonly ResultMessage[], done: Uint8Array, window = PUBLISH_WINDOW): Promise<PublishCount> {
    return new Promise<PublishCount>((resolve, reject) => {
      const id = this.nextCall++;
      const prefix = `${this.inbox}${id}.`;
      let next = 0;
      let ended = false;
      let seen = -1;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const call: Call = {
        messages,
        done,
        inFlight: 0,
        acked: 0,
        duplicates: 0,
        failure: undefined,
        replies: 0,
        refillAt: window >> 1,
        fill: () => {
          while (call.failure === undefined && call.inFlight < window) {
            while (next < messages.length && done[next]) next++;
            if (next >= messages.length) break;
            const i = next++;
            const m = messages[i];
            try {
              this.nc.publish(m.subject, m.data, { reply: `${prefix}${i}`, headers: m.headers });
            } catch (e) {
              call.failure = new ResultPublishError(`cannot publish to ${m.subject}: ${(e as Error)?.message ?? e}`);
              break;
            }
            call.inFlight++;
          }
          if (call.inFlight === 0) call.finish();
        },
        finish: () => {
          if (ended) return;
          ended = true;
          if (timer !== undefined) clearTimeout(timer);
          this.calls.delete(id);
          if (call.failure) reject(call.failure);
          else resolve({ acked: call.acked, duplicates: call.duplicates });
        },
      };
      // no reply (acknowledgement or refusal) since the last tick: the server, or the connection,
      // has stalled; the messages in flight stay unmarked and a retry sends them again
      const tick = (): void => {
        if (call.replies === seen) {
          call.failure ??= new ResultPublishError(`no acknowledgement from JetStream for ${call.inFlight} of ${messages.length} result messages within ${(this.timeoutMs / 1000).toFixed(1)} s`);
          timer = undefined;
          call.finish();
          return;
        }
        seen = call.replies;
        timer = setTimeout(tick, this.timeoutMs);
      };
      this.calls.set(id, call);
      call.fill();
      if (!ended) {
        seen = call.replies;
        timer = setTimeout(tick, this.timeoutMs);
      }
    });
  }

  /** one reply: a PubAck, a JetStream error, or a no-responders status */
  private reply(err: Error | null, m: Msg): void {
    if (err) {
      // the subscription itself failed (permissions, connection closed): every call in flight fails
      for (const call of [...this.calls.values()]) {
        call.failure ??= new ResultPublishError(`the reply subscription failed: ${err.message}`);
        call.finish();
      }
      return;
    }
    const s = m.subject;
    const dot = s.lastIndexOf('.');
    const call = this.calls.get(Number(s.slice(this.inbox.length, dot)));
    if (!call) return; // a late reply to a call that ended (timed out): its message is sent again by the retry
    const i = Number(s.slice(dot + 1));
    if (!(i >= 0 && i < call.messages.length) || call.done[i]) return;
    call.inFlight--;
    call.replies++;
    const problem = pubAckProblem(m, call.messages[i].subject);
    if (problem === undefined || problem === DUPLICATE) {
      call.done[i] = 1;
      call.acked++;
      if (problem === DUPLICATE) call.duplicates++;
    } else call.failure ??= new ResultPublishError(problem);
    // refilled once half the window has come back, not after every reply: the publishes go out
    // together, in one socket write instead of one per reply
    if (call.inFlight <= call.refillAt || call.failure !== undefined) call.fill();
  }

  /** stop listening for replies (calls still in flight time out) */
  close(): void {
    try {
      this.sub.unsubscribe();
    } catch {
      // the connection is closed already
    }
  }
}

const DUPLICATE = 1;
const STREAM_ACK = enc.encode('{"stream":"');
const QUOTE = 0x22;
const D = 0x64;
const E = 0x65;

/** starts `{"stream":"` and no `"d` or `"e` follows: nothing but the stream and the sequence */
function plainStreamAck(data: Uint8Array): boolean {
  if (data.length < STREAM_ACK.length) return false;
  for (let i = 0; i < STREAM_ACK.length; i++) if (data[i] !== STREAM_ACK[i]) return false;
  for (let i = STREAM_ACK.length; i < data.length - 1; i++) if (data[i] === QUOTE && (data[i + 1] === D || data[i + 1] === E)) return false;
  return true;
}

/** undefined for a PubAck of a newly stored message, DUPLICATE for one already held, else what went wrong */
function pubAckProblem(m: Msg, subject: string): string | typeof DUPLICATE | undefined {
  const data = m.data;
  if (data.length === 0) {
    const h = m.headers;
    if (h?.code === 503) return `no JetStream stream captures ${subject} (no responders): was the results stream deleted or its subjects changed?`;
    return `JetStream answered the publish to ${subject} with status ${h?.code ?? '?'} ${h?.description ?? ''}`.trimEnd();
  }
  // the usual answer, read without decoding: a PubAck `{"stream":"NAME","seq":N}` with no other field
  // (a duplicate, a domain, an error all have a key starting `"d` or `"e`; those are parsed)
  if (plainStreamAck(data)) return undefined;
  let ack: { stream?: string; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } };
  try {
    ack = JSON.parse(dec.decode(data));
  } catch {
    return `JetStream answered the publish to ${subject} with something not JSON: ${dec.decode(data.subarray(0, 100))}`;
  }
  if (ack.error) return `JetStream refused the publish to ${subject}: ${ack.error.description ?? 'no description'} (code ${ack.error.code ?? '?'}, error ${ack.error.err_code ?? '?'})`;
  if (typeof ack.stream !== 'string' || ack.stream === '') return `JetStream answered the publish to ${subject} without naming a stream: ${dec.decode(data.subarray(0, 100))}`;
  return ack.duplicate ? DUPLICATE : undefined;
}

/**
 * The results stream's messages for these alerts and findings: `{"key": …, …the EVE record}` per
 * alert (the record's JSON made once, at the alert, spliced in rather than serialised again: the
 * same text as JSON.stringify({ key, ...record })), `{"key": …, …the finding}` per finding.
 * Every message's header block and text are written into one buffer, each message a view of it:
 * two small Uint8Arrays allocated per result (TextEncoder.encode) cost as much as writing them.
 */
export function resultMessages(prefix: string, alerts: readonly Alert[], findings: readonly Finding[]): ResultMessage[] {
  // what each message says: [msg id, text before the spliced JSON (or the whole text), the alert's JSON from its second character]
  const n = alerts.length + findings.length;
  const ids: string[] = new Array(n);
  const heads: string[] = new Array(n);
  const tails: (string | undefined)[] = new Array(n);
  let k = 0;
  for (const a of alerts) {
    const spliced = a.json.length > 2 && a.json[0] === '{' && !('key' in a.record);
    ids[k] = `a-${a.key}`;
    heads[k] = spliced ? `{"key":${JSON.stringify(a.key)},` : JSON.stringify({ key: a.key, ...a.record });
    tails[k] = spliced ? a.json.slice(1) : undefined;
    k++;
  }
  for (const f of findings) {
    const key = findingAlertKey(f);
    ids[k] = `f-${key}`;
    heads[k] = JSON.stringify({ key, ...f });
    k++;
  }
  // the exact size (27: the header block's own bytes), not the bound of 3 bytes per character:
  // a buffer three times too large made V8 collect garbage more often (external memory)
  let bytes = 27 * n;
  for (let i = 0; i < n; i++) {
    bytes += Buffer.byteLength(ids[i]) + Buffer.byteLength(heads[i]);
    const tail = tails[i];
    if (tail !== undefined) bytes += Buffer.byteLength(tail);
  }
  const buf = Buffer.allocUnsafeSlow(bytes);
  const out: ResultMessage[] = new Array(n);
  const alertSubject = `${prefix}.alerts`;
  const findingSubject = `${prefix}.findings`;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const h0 = at;
    at += buf.write(msgIdHeaderText(ids[i]), at);
    const d0 = at;
    at += buf.write(heads[i], at);
    const tail = tails[i];
    if (tail !== undefined) at += buf.write(tail, at);
    const headers = new MsgIdHeader(ids[i], buf.subarray(h0, d0)) as unknown as MsgHdrs;
    out[i] = { subject: i < alerts.length ? alertSubject : findingSubject, data: buf.subarray(d0, at), msgID: ids[i], headers };
  }
  if (at !== bytes) throw new Error(`result messages: wrote ${at} bytes into ${bytes}`); // never: the sizes above are exact
  return out;
}
