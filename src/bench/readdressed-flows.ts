/**
 * The benches' streaming flows: copies of the CIC-IDS2017 sample with their sources re-addressed
 * (seeded, so every run makes the same flows) and each copy's timestamps a number of weeks later,
 * for stream-throughput.ts (published through NATS) and stream-scoring.ts (scored in process).
 * Why re-addressed and why later: stream-throughput.ts's top comment.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** consecutive flows of one original source that keep one new address (so per-source rules still see runs of a source's flows) */
export const RUN = 32;

/** mulberry32: a small seeded generator, so every run of the bench publishes the same flows */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Copy `copy` of the sample's CSVs into `out`, sources re-addressed (see the top comment). The
 * sample has no quoted fields (checked: a quote stops the bench rather than mis-split a row).
 */
export function readdressCopy(dir: string, out: string, copy: number, weeksLater: number, sources: number): { flows: number; sources: number } {
  mkdirSync(out, { recursive: true });
  const rnd = seeded(0x5eed + copy);
  const pool = Array.from({ length: sources }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  const assigned = new Map<string, string>();
  const seenOf = new Map<string, number>();
  let flows = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.csv')).sort()) {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n');
    const header = lines[0].split(',');
    const src = header.indexOf('Src IP');
    const fid = header.indexOf('Flow ID');
    const ts = header.indexOf('Timestamp');
    if (src < 0) throw new Error(`${f}: no Src IP column`);
    for (let i = 1; i < lines.length; i++) {
      if (!lines[i]) continue;
      if (lines[i].includes('"')) throw new Error(`${f} line ${i + 1}: a quoted field; the bench's re-addressing splits on commas only`);
      const cells = lines[i].split(',');
      const orig = cells[src];
      const k = seenOf.get(orig) ?? 0;
      seenOf.set(orig, k + 1);
      const run = `${orig}#${Math.floor(k / RUN)}`;
      let ip = assigned.get(run);
      if (ip === undefined) assigned.set(run, (ip = pool[Math.floor(rnd() * pool.length)]));
      cells[src] = ip;
      if (fid >= 0) cells[fid] = cells[fid].replace(orig, ip);
      if (ts >= 0 && weeksLater > 0) cells[ts] = laterBy(cells[ts], weeksLater * 7, `${f} line ${i + 1}`);
      lines[i] = cells.join(',');
      flows++;
    }
    writeFileSync(join(out, f), lines.join('\n'));
  }
  return { flows, sources: new Set(assigned.values()).size };
}

/**
 * "2017-07-07 12:59:21.088203" `days` later (the time of day and its digits kept). Each copy of the
 * sample is published a week after the one before, as a live stream's flows keep moving forward:
 * copies replaying the same times left the rules' clock at the first copy's end, so every later
 * copy was late, no group was ever swept, and the rules held ~75k groups at the end of a 100k-flow
 * run (a worker's state on no real stream).
 */
function laterBy(text: string, days: number, where: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})([ T].*)$/.exec(text);
  if (!m) throw new Error(`${where}: Timestamp ${JSON.stringify(text)} is not YYYY-MM-DD hh:mm:ss; the bench shifts copies by date`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return `${d.toISOString().slice(0, 10)}${m[4]}`;
}

