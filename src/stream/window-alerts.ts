/**
 * The risky-source alerts of the source windows that closed (source-windows.ts), flood senders
 * folded: a source known only as one of many senders towards a flooded host (the flow-alert
 * gate's per-target limit held its flows back) with nothing else against it is marked
 * `floodSender`, as analyze marks it, and the senders towards one host in the same closing become
 * one alert about the flooded host (a 2 s flood from forged sources gave a worker 7,323 alerts, one
 * per address). The other sources, one alert each. Shared by the streaming worker's batch scorer
 * and `capture`'s live risky sources (cli/live-source-windows.ts), so both say the same thing the
 * same way.
 */
import { floodSendersAlertInput, keyedAlert, type Alert } from '../analysis/alerts.js';
import type { FlowAlertGate } from '../analysis/flow-alert-limit.js';
import type { IpRow } from '../report/analysis-result.js';
import { alertKey } from '../report/eve-alert.js';
import type { SourceWindows } from './source-windows.js';

export interface WindowAlertOptions {
  /** the gate that decided the risky flows (its per-target limit knows the flood senders) */
  readonly gate: FlowAlertGate;
  /** senders named in a folded alert */
  readonly sampleSize: number;
  /** what keys a folded alert besides its target (a worker's partition), '' for none */
  readonly sourceless: string;
  /** one alert per flood sender (marked) instead of one per flooded host (`respond.banFloodSenders`) */
  readonly keepFloodSenderAlerts?: boolean;
}

/** The alerts of `rows` (closed by `w`), appended to `out`. */
export function windowAlerts(w: SourceWindows, rows: readonly IpRow[], o: WindowAlertOptions, now: number, out: Alert[]): void {
  const limited = o.gate.limited;
  let flooded: Map<string, IpRow[]> | undefined;
  for (const row of rows) {
    const m: IpRow = limited && o.gate.floodSenderRow(row) ? { ...row, floodSender: true } : row;
    const target = m.floodSender && !o.keepFloodSenderAlerts ? o.gate.floodTarget(m.ip) : null;
    if (target === null) {
      out.push(w.alert(m, now));
      continue;
    }
    flooded ??= new Map();
    const list = flooded.get(target);
    if (list) list.push(m);
    else flooded.set(target, [m]);
  }
  if (!flooded) return;
  for (const [target, senders] of flooded) {
    const input = floodSendersAlertInput(target, senders, o.sampleSize);
    out.push(keyedAlert(input, alertKey(input, `${o.sourceless}|${senders[0].ip}|${senders.length}`), now));
  }
}
