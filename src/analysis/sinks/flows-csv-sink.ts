/**
 * flows_scored.csv: one row per flow, in input order, with where it came from (file, line), its
 * addresses, every detector's raw score and calibrated p, the classifier's verdict when there is
 * one, the fused risk, the normal/attack verdict and the reasons; the label when the input had one.
 */
import { join } from 'node:path';
import { openStaged, type StagedOutput } from './staged-output.js';
import type { OutputStream } from '../../util/output-stream.js';
import { protoName } from '../../report/eve-alert.js';
import { csvCell } from '../../report/csv.js';
import { CsvBytes } from './csv-bytes.js';
import type { RunInfo, Sink } from '../sink.js';
import type { ScoredFlows } from '../score-stage.js';

export const FLOWS_FILE = 'flows_scored.csv';

export function flowsCsvSink(): Sink {
  let out: (OutputStream & StagedOutput) | undefined;
  let path = '';
  let run: RunInfo;
  let headerDone = false;
  return {
    name: FLOWS_FILE,
    async open(info) {
      run = info;
      path = join(info.outDir, FLOWS_FILE);
      out = await openStaged(path);
    },
    async batch(s) {
      if (!headerDone) {
        const cols = ['file', 'line', 'time', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto'];
        for (const d of s.detectors) cols.push(`${d}_score`, `${d}_p`);
        if (run.hasClassifier) cols.push('class', 'class_probability', 'p_attack');
        cols.push('risk', 'verdict', 'reasons');
        if (s.truth) cols.push('label_attack');
        await out!.write(cols.join(',') + '\n');
        headerDone = true;
      }
      const w = formatRows(s, run);
      if (w.at > 0) await out!.write(w.take());
    },
    async finish(ctx) {
      ctx.addOutput('flows', path);
    },
    async commit() {
      await out?.commit();
      out = undefined;
    },
    async abort() {
      await out?.abort().catch(() => undefined);
      out = undefined;
    },
  };
}

/**
 * The batch's rows as CSV bytes. Its own function, not inside the async `batch`: TurboFan compiled
 * the row loop on the stack at the first batch, and the `await` after it (never run then) threw
 * that code away at its end, so the loop was compiled twice (~50 ms of compile per run).
 */
function formatRows(s: ScoredFlows, run: RunInfo): CsvBytes {
  const verdictAt = run.thresholds.verdict;
  const ff = s.fields;
  // every cell straight into one buffer (csv-bytes.ts): the same text as String/sig6/toISOString
  // sized for the whole batch, reasons included, so the buffer is not grown (and copied) half
  // way: pages never written cost nothing, a regrowth copied ~17 MB per 65k-flow batch
  let reasonChars = 0;
  for (let r = 0; r < s.rows; r++) {
    const rs = s.reasons[r];
    if (rs) for (let i = 0; i < rs.length; i++) reasonChars += rs[i].length + 4;
  }
  const w = new CsvBytes(Math.max(1 << 16, s.rows * (160 + 26 * s.raw.length + (run.hasClassifier ? 64 : 0)) + reasonChars));
  let lastFile = '\0';
  // the file's cell encoded once per file (a path is most often longer than text() copies itself)
  let fileCell: Buffer = Buffer.alloc(0);
  const detectors = s.raw.length;
  for (let r = 0; r < s.rows; r++) {
    const risk = s.risk[r];
    const file = s.file(r);
    if (file !== lastFile) {
      lastFile = file;
      fileCell = Buffer.from(csvCell(file), 'utf8');
    }
    w.bytes(fileCell);
    w.byte(44);
    w.int(s.line(r));
    w.byte(44);
    w.isoTime(s.time(r));
    w.byte(44);
    w.text(s.srcIp(r) ?? '');
    w.byte(44);
    w.num(ff.srcPort?.[r]);
    w.byte(44);
    w.text(s.dstIp(r) ?? '');
    w.byte(44);
    w.num(ff.dstPort?.[r]);
    w.byte(44);
    w.text(protoName(ff.proto ? ff.proto[r] : null) ?? '');
    for (let j = 0; j < detectors; j++) {
      w.byte(44);
      w.sig6(s.raw[j][r]);
      w.byte(44);
      w.sig6(s.p[j][r]);
    }
    if (run.hasClassifier) {
      w.byte(44);
      w.text(csvCell(s.predictedClass?.[r] ?? ''));
      w.byte(44);
      w.sig6(s.classProbability![r]);
      w.byte(44);
      if (s.pAttack) w.sig6(s.pAttack[r]);
    }
    w.byte(44);
    w.sig6(risk);
    w.text(risk >= verdictAt ? ',attack,' : ',normal,');
    const reasons = s.reasons[r];
    if (reasons && reasons.length) w.joinedCell(reasons, '; ');
    if (s.truth) {
      w.byte(44);
      w.uint(s.truth[r]);
    }
    w.byte(10);
  }
  return w;
}
