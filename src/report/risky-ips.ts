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
  await writeFile(csvPath, riskyIpsCsv(rows, findings));
  await writeFile(txtPath, riskyIpsTxt(rows));
}

export function riskyIpsTxt(rows: readonly IpRow[]): string {
  return rows.map((r) => r.ip).join('\n') + (rows.length ? '\n' : '');
}

/** `reasons`: a source's findings grouped by rule (one sentence per rule), then the other reasons. */
export function riskyIpsCsv(rows: readonly IpRow[], findings: readonly Finding[] = []): string {
  const groups = findingGroupsBySource(findings);
  // the header first in the lines' own list, and every line ending in its newline: no copy of the
  // 10k-line list to put the header in front, nor of the joined text (2.4 MB) to end it
  const lines: string[] = ['ip,risk,flows,risky_flows,peak_flow_risk,mean_flow_risk,decided_by,rules,detectors_fired,attack_classes,first_seen,last_seen,reasons\n'];
  // one template per row, not an array of thirteen cells joined (the same text: join writes a
  // number as String does, and null as '', which ?? '' does here)
  for (const r of rows) {
    const own = groups.get(r.ip);
    const reasons = own ? groupedReasons(r.reasons, own) : r.reasons;
    lines.push(
      `${r.ip},${r.risk.toFixed(6)},${r.flows},${r.riskyFlows},${r.peakFlowRisk.toFixed(6)},${r.meanFlowRisk.toFixed(6)},${r.decidedBy},${csvCell(r.rules.join(' '))},${csvCell(counts(r.detectorsFired))},${csvCell(counts(r.attackClasses))},${r.firstSeen ?? ''},${r.lastSeen ?? ''},${csvCell(reasons.join('; '))}\n`,
    );
  }
  return lines.join('');
}

/** "name:count name:count" (in Object.entries' order; most sources have none: no entries array made) */
function counts(o: Readonly<Record<string, number>>): string {
  let out = '';
  for (const k in o) if (Object.hasOwn(o, k)) out += out ? ` ${k}:${o[k]}` : `${k}:${o[k]}`;
  return out;
}
