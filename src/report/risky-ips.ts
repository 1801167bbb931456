/**
 * risky_ips.csv (IP, risk, counts, reasons: what the seeds wrote, with the why) and risky_ips.txt
 * (one address per line, riskiest first: ready for a blocklist or `ipset restore` tooling).
 */
import { writeFile } from 'node:fs/promises';
import type { IpRow } from './analysis-result.js';
import { csvCell } from './csv.js';
import type { Finding } from '../detect/finding.js';
import { findingGroupsBySource, groupedReasons } from './finding-groups.js';

export async function writeRiskyIps(rows: readonly IpRow[], csvPath: string, txtPath: string, findings: readonly Finding[] = []): Promise<void> {
  await writeFile(csvPath, riskyIpsCsvBytes(rows, findings));
  await writeFile(txtPath, riskyIpsTxt(rows));
}

export function riskyIpsTxt(rows: readonly IpRow[]): string {
  return rows.map((r) => r.ip).join('\n') + (rows.length ? '\n' : '');
}

const HEADER = 'ip,risk,flows,risky_flows,peak_flow_risk,mean_flow_risk,decided_by,rules,detectors_fired,attack_classes,first_seen,last_seen,reasons\n';

/** `reasons`: a source's findings grouped by rule (one sentence per rule), then the other reasons. */
export function riskyIpsCsv(rows: readonly IpRow[], findings: readonly Finding[] = []): string {
  const line = csvLines(findings);
  const lines: string[] = [HEADER];
  for (const r of rows) lines.push(line(r));
  return lines.join('');
}

/**
 * riskyIpsCsv's text as UTF-8 (what writing that text to a file gives), each line encoded as soon
 * as it is made: the lines (a template of some 25 pieces each) are not all kept for a join and
 * then the joined text encoded again. ord3.pcap's 10,590 risky sources: the risky_ips stage took
 * 108 ms of main-thread CPU instead of 124 (3 alternated runs each).
 */
export function riskyIpsCsvBytes(rows: readonly IpRow[], findings: readonly Finding[] = []): Buffer {
  const line = csvLines(findings);
  // ~230 bytes a line on captures: room for most files at once, grown (doubled) when not
  let buf = Buffer.allocUnsafe(HEADER.length + rows.length * 256);
  let at = buf.write(HEADER, 0, 'latin1');
  for (const r of rows) {
    const text = line(r);
    // a UTF-16 unit is at most 3 bytes of UTF-8: the whole line always fits, never cut
    const most = text.length * 3;
    if (at + most > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + most));
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    }
    at += buf.write(text, at, 'utf8');
  }
  return buf.subarray(0, at);
}

/** the line (newline included) of a row, with its findings grouped */
function csvLines(findings: readonly Finding[]): (r: IpRow) => string {
  const groups = findingGroupsBySource(findings);
  // one template per row, not an array of thirteen cells joined (the same text: join writes a
  // number as String does, and null as '', which ?? '' does here)
  return (r) => {
    const own = groups.get(r.ip);
    const reasons = own ? groupedReasons(r.reasons, own) : r.reasons;
    return `${r.ip},${r.risk.toFixed(6)},${r.flows},${r.riskyFlows},${r.peakFlowRisk.toFixed(6)},${r.meanFlowRisk.toFixed(6)},${r.decidedBy},${csvCell(r.rules.join(' '))},${csvCell(counts(r.detectorsFired))},${csvCell(counts(r.attackClasses))},${r.firstSeen ?? ''},${r.lastSeen ?? ''},${csvCell(reasons.join('; '))}\n`;
  };
}

/** "name:count name:count" (in Object.entries' order; most sources have none: no entries array made) */
function counts(o: Readonly<Record<string, number>>): string {
  let out = '';
  for (const k in o) if (Object.hasOwn(o, k)) out += out ? ` ${k}:${o[k]}` : `${k}:${o[k]}`;
  return out;
}
