/**
 * Small synthetic flow tables for the rule tests: one object per flow in, a FlowTable with the
 * corrected CIC-IDS2017 column names out (so the tests also go through flow-fields.ts). Test support
 * only; the product never imports it.
 */
import { categoricalFrom, numericColumn, type Column, type FlowTable } from '../flows/table.js';

export interface FlowSpec {
  src?: string | null;
  dst?: string | null;
  sport?: number;
  dport?: number;
  /** seconds after `base` */
  t?: number;
  /** seconds */
  dur?: number;
  proto?: number;
  fwdPkts?: number;
  bwdPkts?: number;
  fwdBytes?: number;
  bwdBytes?: number;
  syn?: number;
  rst?: number;
  ttl?: number;
}

/** 2017-07-07 12:00:00 UTC, in ms */
export const BASE_MS = Date.UTC(2017, 6, 7, 12, 0, 0);

export interface FixtureOptions {
  /** leave the Timestamp column out */
  noTime?: boolean;
  /** leave out the flag and payload columns (an input that cannot tell failed attempts) */
  noFlags?: boolean;
  /** add a TTL column (`sttl`, as UNSW-NB15) */
  ttl?: boolean;
  format?: string;
}

export function flowTable(flows: readonly FlowSpec[], opts: FixtureOptions = {}): FlowTable {
  const num = (f: (x: FlowSpec) => number | undefined, dflt: number) => Float64Array.from(flows, (x) => f(x) ?? dflt);
  const columns: Column[] = [
    categoricalFrom('Src IP', 'meta', flows.map((f) => (f.src === undefined ? '10.0.0.1' : f.src))),
    numericColumn('Src Port', 'meta', num((f) => f.sport, 40000)),
    categoricalFrom('Dst IP', 'meta', flows.map((f) => (f.dst === undefined ? '10.0.0.2' : f.dst))),
    numericColumn('Dst Port', 'feature', num((f) => f.dport, 80)),
    categoricalFrom('Protocol', 'feature', flows.map((f) => String(f.proto ?? 6))),
    numericColumn('Flow Duration', 'feature', num((f) => (f.dur === undefined ? undefined : f.dur * 1e6), 1000)),
    numericColumn('Total Fwd Packet', 'feature', num((f) => f.fwdPkts, 3)),
    numericColumn('Total Bwd packets', 'feature', num((f) => f.bwdPkts, 3)),
  ];
  if (!opts.noTime) columns.push(numericColumn('Timestamp', 'meta', num((f) => (f.t === undefined ? undefined : BASE_MS + f.t * 1000), BASE_MS)));
  if (!opts.noFlags) {
    columns.push(
      numericColumn('Total Length of Fwd Packet', 'feature', num((f) => f.fwdBytes, 100)),
      numericColumn('Total Length of Bwd Packet', 'feature', num((f) => f.bwdBytes, 1000)),
      numericColumn('SYN Flag Count', 'feature', num((f) => f.syn, 1)),
      numericColumn('RST Flag Count', 'feature', num((f) => f.rst, 0)),
    );
  }
  if (opts.ttl) columns.push(numericColumn('sttl', 'feature', num((f) => f.ttl, NaN)));
  return { rowCount: flows.length, columns, format: opts.format ?? 'cicflowmeter' };
}

/** A probe that got no answer but a reset: SYN, RST, no payload (a closed port). */
export function probe(src: string, dst: string, dport: number, t: number): FlowSpec {
  return { src, dst, dport, t, dur: 0.0001, fwdPkts: 1, bwdPkts: 1, fwdBytes: 0, bwdBytes: 0, syn: 1, rst: 1 };
}
