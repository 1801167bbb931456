/**
 * Publishing a commit's results (one JetStream message per alert and per finding, msg id = key)
 * with a bounded window of publishes awaiting their acknowledgement, instead of all at once.
 *
 * Why: a commit groups up to 64 flow messages, so it can carry thousands of alerts. Issued all
 * together, the last of them wait behind every other one at the server; on a loaded machine they
 * outlived the client's publish timeout, the whole step failed and was retried from the start
 * (thousands of publishes again, the worker stalled ~30 s, bench script stream-throughput with
 * STREAM_BENCH_RESULTS=1). With at most WINDOW pending, each waits for few others. A publish that
 * fails leaves the ones acknowledged before it done: a retry (outage-retry.ts) sends only those not
 * yet acknowledged, which JetStream deduplicates by msg id anyway.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { findingAlert, type Alert } from '../analysis/alerts.js';
import type { Finding } from '../detect/finding.js';

const enc = new TextEncoder();

/** most publishes awaiting their acknowledgement at once */
export const PUBLISH_WINDOW = 256;

export interface ResultMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgID: string;
}

/**
 * Publish `messages[i]` for every i not yet set in `done`, at most `window` pending at a time,
 * marking each acknowledged one in `done` (kept by the caller across retries). Throws the first
 * failure once the publishes in flight have settled.
 */
export async function publishWindowed(js: JetStreamClient, messages: readonly ResultMessage[], done: Uint8Array, window = PUBLISH_WINDOW): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    while (failure === undefined) {
      while (next < messages.length && done[next]) next++;
      if (next >= messages.length) return;
      const i = next++;
      const m = messages[i];
      try {
        await js.publish(m.subject, m.data, { msgID: m.msgID });
        done[i] = 1;
      } catch (e) {
        failure ??= e;
      }
    }
  };
  const lanes: Promise<void>[] = [];
  for (let k = 0; k < Math.min(window, messages.length); k++) lanes.push(lane());
  await Promise.all(lanes);
  if (failure !== undefined) throw failure;
}

/**
 * The results stream's messages for these alerts and findings: `{"key": …, …the EVE record}` per
 * alert (the record's JSON made once, at the alert, spliced in rather than serialised again: the
 * same text as JSON.stringify({ key, ...record })), `{"key": …, …the finding}` per finding.
 */
export function resultMessages(prefix: string, alerts: readonly Alert[], findings: readonly Finding[]): ResultMessage[] {
  const out: ResultMessage[] = [];
  const alertSubject = `${prefix}.alerts`;
  for (const a of alerts) {
    const spliced = a.json.length > 2 && a.json[0] === '{' && !('key' in a.record);
    const text = spliced ? `{"key":${JSON.stringify(a.key)},${a.json.slice(1)}` : JSON.stringify({ key: a.key, ...a.record });
    out.push({ subject: alertSubject, data: enc.encode(text), msgID: `a-${a.key}` });
  }
  for (const f of findings) {
    const key = findingAlert(f, 0).key;
    out.push({ subject: `${prefix}.findings`, data: enc.encode(JSON.stringify({ key, ...f })), msgID: `f-${key}` });
  }
  return out;
}

