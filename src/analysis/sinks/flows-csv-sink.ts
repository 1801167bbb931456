/**
 * flows_scored.csv: one row per flow, in input order, with where it came from (file, line), its
 * addresses, every detector's raw score and calibrated p, the classifier's verdict when there is
 * one, the fused risk, the normal/attack verdict and the reasons; the label when the input had one.
 */
import { join } from 'node:path';
import { openOutput, type OutputStream } from '../../util/output-stream.js';
import { protoName } from '../../report/eve-alert.js';
import { csvCell } from '../../report/csv.js';
import { sig6 } from '../numbers.js';
import type { RunInfo, Sink } from '../sink.js';

export const FLOWS_FILE = 'flows_scored.csv';

export function flowsCsvSink(): Sink {
  let out: OutputStream;
  let path = '';
  let run: RunInfo;
  let headerDone = false;
  return {
    name: FLOWS_FILE,
    async open(info) {
      run = info;
      path = join(info.outDir, FLOWS_FILE);
      out = await openOutput(path, 'analyze');
    },
    async batch(s) {
      const verdictAt = run.thresholds.verdict;
      const ff = s.fields;
      if (!headerDone) {
        const cols = ['file', 'line', 'time', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto'];
        for (const d of s.detectors) cols.push(`${d}_score`, `${d}_p`);
        if (run.hasClassifier) cols.push('class', 'class_probability', 'p_attack');
        cols.push('risk', 'verdict', 'reasons');
        if (s.truth) cols.push('label_attack');
        await out.write(cols.join(',') + '\n');
        headerDone = true;
      }
      const lines: string[] = [];
      let lastFile = '\0';
      let fileCell = '';
      for (let r = 0; r < s.rows; r++) {
        const risk = s.risk[r];
        const time = s.time(r);
        const file = s.file(r);
        if (file !== lastFile) {
          lastFile = file;
          fileCell = csvCell(file);
        }
        let row = `${fileCell},${s.line(r)},${Number.isFinite(time) ? new Date(time).toISOString() : ''},${s.srcIp(r) ?? ''},${numCell(ff.srcPort?.[r])},${s.dstIp(r) ?? ''},${numCell(ff.dstPort?.[r])},${protoName(ff.proto ? ff.proto[r] : null) ?? ''}`;
        for (let j = 0; j < s.raw.length; j++) row += `,${sig6(s.raw[j][r])},${sig6(s.p[j][r])}`;
        if (run.hasClassifier) row += `,${csvCell(s.predictedClass?.[r] ?? '')},${sig6(s.classProbability![r])},${s.pAttack ? sig6(s.pAttack[r]) : ''}`;
        const reasons = s.reasons[r];
        row += `,${sig6(risk)},${risk >= verdictAt ? 'attack' : 'normal'},${reasons && reasons.length ? csvCell(reasons.join('; ')) : ''}`;
        if (s.truth) row += `,${s.truth[r]}`;
        lines.push(row);
      }
      await out.write(lines.join('\n') + (lines.length ? '\n' : ''));
    },
    async finish(ctx) {
      await out.close();
      ctx.addOutput('flows', path);
    },
    async abort() {
      await out?.close().catch(() => undefined);
    },
  };
}

function numCell(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '' : String(v);
}
