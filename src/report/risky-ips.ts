/**
 * risky_ips.csv (IP, risk, counts, reasons: what the seeds wrote, with the why) and risky_ips.txt
 * (one address per line, riskiest first: ready for a blocklist or `ipset restore` tooling).
 */
import { writeFile } from 'node:fs/promises';
import type { IpRow } from './analysis-result.js';
import { csvCell } from './csv.js';

export async function writeRiskyIps(rows: readonly IpRow[], csvPath: string, txtPath: string): Promise<void> {
  const header = 'ip,risk,flows,risky_flows,peak_flow_risk,mean_flow_risk,decided_by,rules,detectors_fired,attack_classes,first_seen,last_seen,reasons';
  const lines = rows.map((r) =>
    [
      r.ip,
      r.risk.toFixed(6),
      r.flows,
      r.riskyFlows,
      r.peakFlowRisk.toFixed(6),
      r.meanFlowRisk.toFixed(6),
      r.decidedBy,
      csvCell(r.rules.join(' ')),
      csvCell(Object.entries(r.detectorsFired).map(([d, n]) => `${d}:${n}`).join(' ')),
      csvCell(Object.entries(r.attackClasses).map(([c, n]) => `${c}:${n}`).join(' ')),
      r.firstSeen ?? '',
      r.lastSeen ?? '',
      csvCell(r.reasons.join('; ')),
    ].join(','),
  );
  await writeFile(csvPath, [header, ...lines].join('\n') + '\n');
  await writeFile(txtPath, rows.map((r) => r.ip).join('\n') + (rows.length ? '\n' : ''));
}
