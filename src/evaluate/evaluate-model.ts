/**
 * Evaluate a trained model on labelled rows it never saw, and lay the result out for people
 * (scikit-learn's classification report, a confusion matrix) and machines (a summary object).
 *
 * Classifiers: accuracy, per-class precision/recall/F1, macro and weighted averages, confusion
 * matrix, one-vs-rest ROC-AUC, and when the model knows its normal class, the normal-vs-attack
 * view (binary accuracy, ROC-AUC of 1 − P(normal)). Test rows whose class the model never saw in
 * training (NSL-KDD's KDDTest+ has such attacks under raw names) are kept: they are reported under
 * their own class names and count as errors, as scikit-learn counts them.
 *
 * Detectors: ROC-AUC of the score against normal/attack, and precision/recall/F1 at the model's
 * threshold.
 *
 * What can be evaluated is evaluated, and what cannot is said in `notes` rather than failing the
 * whole evaluation: a test file with one class has an accuracy and a per-class report but no
 * ROC-AUC ("ROC-AUC not defined: only one class present (normal)"); a --target whose values the
 * model never predicts (a family model against `binary` or raw `attack` names) is compared as
 * normal vs attack, through the model's normal class, and says so.
 */
import type { FlowTable } from '../flows/table.js';
import { getColumn } from '../flows/table.js';
import { encodeTarget, targetColumn } from '../features/pipeline.js';
import { predictTable, type Prediction, type TrainedModel } from '../models/trained-model.js';
import { accuracy, averagedScores, classScores, confusionMatrix } from './metrics.js';
import { rocAucOrNaN, rocAucOvr, rocCurve } from './roc.js';
import { classificationReport } from './classification-report.js';
import { plural } from '../util/plural.js';
import { inModelSpelling } from '../sources/label-case.js';
import { UserError } from '../util/errors.js';

export interface EvaluationSummary {
  readonly rows: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly weightedF1: number;
  readonly rocAucOvr?: number;
  /** normal vs attack */
  readonly binaryAccuracy?: number;
  readonly binaryRocAuc?: number;
  readonly precision?: number;
  readonly recall?: number;
}

export interface EvaluationReport {
  readonly how: string;
  readonly kind: 'classifier' | 'detector';
  readonly classes: readonly string[];
  readonly summary: EvaluationSummary;
  readonly perClass: { class: string; precision: number; recall: number; f1: number; support: number }[];
  /** rows = true class, columns = predicted class, in `classes` order */
  readonly confusion: number[][];
  readonly report: string;
  /** test classes the model never saw in training */
  readonly unseenClasses: readonly string[];
  /** ROC points of the binary view, downsampled, for charts */
  readonly roc?: { fpr: number[]; tpr: number[]; auc: number };
  /** what could not be evaluated and why, or how the comparison was made, one sentence each */
  readonly notes: readonly string[];
}

export function evaluateModel(
  model: TrainedModel,
  table: FlowTable,
  opts: { how: string; target?: string; /** the model's prediction of these rows, when the caller has it */ prediction?: Prediction },
): EvaluationReport {
  const where = table.origin?.files.join(', ');
  // a header and no records: "Evaluation on 0 rows, accuracy 0.0000" and exit 0 read as a model
  // that got everything wrong, or let a CI job's --fail-below pass on nothing
  if (table.rowCount === 0) throw new UserError(`${where ?? 'test data'}: no rows to evaluate on (a header and no flow records)`);
  const p = opts.prediction ?? predictTable(model, table, where);
  if (model.kind === 'classifier') {
    const known = model.classes!;
    // "benign" in the test file is the model's "BENIGN": every such row counted wrong before, and
    // normal-vs-attack saw no normal row (labels.ts merges spellings within a dataset; this, across)
    // Only for the model's own target column: another (a family model against --target binary's
    // normal/attack) stays the normal-vs-attack comparison below
    const asRead = targetColumn(table, opts.target ?? model.target, where);
    const { col, renamed } = asRead.name === model.target ? inModelSpelling(asRead, known) : { col: asRead, renamed: [] as [string, string][] };
    const enc = encodeTarget(col, known);
    const spellingNotes = renamed.map(([from, to]) => `test label "${from}" read as the model's class "${to}" (they differ only in case)`);
    if (enc.unknownRows === table.rowCount && model.normalClass && p.score) {
      // no test value is a class the model predicts: compare what both sides can say, normal vs attack
      const normalValue = col.dictionary.find((v) => v.toLowerCase() === model.normalClass!.toLowerCase()) ?? col.dictionary.find((v) => /^(normal|benign)$/i.test(v)) ?? table.normalClass;
      if (normalValue !== undefined) return evaluateAsNormalVsAttack(model, table, col, normalValue, p, opts.how, where);
    }
    const unseen = [...enc.unknownValues].sort();
    const classes = [...known, ...unseen];
    const unseenIndex = new Map(unseen.map((c, i) => [c, known.length + i]));
    const yTrue = new Int32Array(table.rowCount);
    let missing = 0;
    for (let r = 0; r < table.rowCount; r++) {
      if (enc.y[r] >= 0) yTrue[r] = enc.y[r];
      else {
        const code = col.codes[r];
        if (code < 0) {
          missing++;
          yTrue[r] = -1;
        } else yTrue[r] = unseenIndex.get(col.dictionary[code])!;
      }
    }
    if (missing) throw new UserError(`${where ?? 'test data'}: ${missing} rows have no value in label column "${col.name}"; evaluation needs a label on every row`);
    const yPred = p.predicted!;
    const k = classes.length;
    const notes: string[] = [...spellingNotes];
    if (unseen.length) notes.push(`test classes the model never saw in training count as errors: ${unseen.join(', ')}`);
    const cs = classScores(yTrue, yPred, k);
    const macro = averagedScores(yTrue, yPred, k, 'macro');
    const weighted = averagedScores(yTrue, yPred, k, 'weighted');
    // one-vs-rest AUC over the rows whose class the model knows
    let ovr: number | undefined;
    {
      const keep: number[] = [];
      for (let r = 0; r < yTrue.length; r++) if (yTrue[r] < known.length) keep.push(r);
      const kk = known.length;
      const pr = new Float64Array(keep.length * kk);
      const yk = new Int32Array(keep.length);
      keep.forEach((r, i) => {
        yk[i] = yTrue[r];
        pr.set(p.proba!.subarray(r * kk, (r + 1) * kk), i * kk);
      });
      const present = new Set(yk);
      if (present.size >= 2) {
        const o = rocAucOvr(yk, pr, kk);
        ovr = Number.isFinite(o.macro) ? o.macro : undefined;
      } else {
        notes.push(`ROC-AUC (one-vs-rest) not defined: ${present.size === 0 ? 'no test row has a class the model knows' : `only one class the model knows is present (${known[[...present][0]]})`}`);
      }
    }
    let binaryAccuracy: number | undefined;
    let binaryRocAuc: number | undefined;
    let roc: EvaluationReport['roc'];
    if (model.normalClass && p.score) {
      const normalIdx = known.indexOf(model.normalClass);
      const yb = Uint8Array.from(yTrue, (c) => (c === normalIdx ? 0 : 1));
      const pb = Uint8Array.from(yPred, (c) => (c === normalIdx ? 0 : 1));
      binaryAccuracy = accuracy(yb, pb);
      binaryRocAuc = rocAucOrNaN(yb, p.score);
      if (Number.isFinite(binaryRocAuc)) roc = downsampledRoc(yb, p.score, binaryRocAuc);
      else notes.push(`normal-vs-attack ROC-AUC not defined: only one class present (${yb[0] === 0 ? 'normal' : 'attack'} rows only)`);
    }
    const cm = confusionMatrix(yTrue, yPred, k);
    return {
      how: opts.how,
      kind: 'classifier',
      classes,
      summary: {
        rows: table.rowCount,
        accuracy: accuracy(yTrue, yPred),
        macroF1: macro.f1,
        weightedF1: weighted.f1,
        rocAucOvr: ovr,
        binaryAccuracy,
        binaryRocAuc: binaryRocAuc !== undefined && Number.isFinite(binaryRocAuc) ? binaryRocAuc : undefined,
      },
      perClass: Array.from(cs.labels, (c, j) => ({
        class: classes[c],
        precision: cs.precision[j],
        recall: cs.recall[j],
        f1: cs.f1[j],
        support: cs.support[j],
      })),
      confusion: toRows(cm, k),
      report: classificationReport(yTrue, yPred, classes),
      unseenClasses: unseen,
      roc,
      notes,
    };
  }
  // detector: normal vs attack
  const yb = binaryTruth(table, model, where);
  return binaryReport(opts.how, 'detector', ['normal', 'anomalous'], yb, p.anomalous!, p.score!, []);
}

/**
 * The report of a two-class comparison (truth and prediction as 0 normal / 1 attack, and a score
 * where higher means attack): what a detector's evaluation and a classifier compared as normal vs
 * attack share. ROC-AUC is left out, with a note saying why, when only one class is present.
 */
function binaryReport(
  how: string,
  kind: EvaluationReport['kind'],
  classes: string[],
  yb: Uint8Array,
  pred: Uint8Array,
  score: Float64Array,
  notes: string[],
): EvaluationReport {
  const auc = rocAucOrNaN(yb, score);
  const cs = classScores(yb, pred, 2);
  const macro = averagedScores(yb, pred, 2, 'macro');
  const weighted = averagedScores(yb, pred, 2, 'weighted');
  const j = Array.from(cs.labels).indexOf(1);
  if (!Number.isFinite(auc) && yb.length > 0) notes.push(`ROC-AUC not defined: only one class present (${yb[0] === 0 ? 'normal' : 'attack'} rows only)`);
  return {
    how,
    kind,
    classes,
    summary: {
      rows: yb.length,
      accuracy: accuracy(yb, pred),
      macroF1: macro.f1,
      weightedF1: weighted.f1,
      binaryAccuracy: accuracy(yb, pred),
      binaryRocAuc: Number.isFinite(auc) ? auc : undefined,
      precision: j >= 0 ? cs.precision[j] : undefined,
      recall: j >= 0 ? cs.recall[j] : undefined,
    },
    perClass: Array.from(cs.labels, (c, i) => ({ class: classes[c], precision: cs.precision[i], recall: cs.recall[i], f1: cs.f1[i], support: cs.support[i] })),
    confusion: toRows(confusionMatrix(yb, pred, 2), 2),
    report: classificationReport(yb, pred, classes),
    unseenClasses: [],
    roc: Number.isFinite(auc) ? downsampledRoc(yb, score, auc) : undefined,
    notes,
  };
}

/**
 * A classifier against labels it never predicts (a family model against `binary` or raw attack
 * names): both sides still say normal or not, so compare that: true = the label is `normalValue`,
 * predicted = the model's class is its normal class, score = 1 − P(normal).
 */
function evaluateAsNormalVsAttack(
  model: TrainedModel,
  table: FlowTable,
  col: ReturnType<typeof targetColumn>,
  normalValue: string,
  p: Prediction,
  how: string,
  where: string | undefined,
): EvaluationReport {
  const normalCode = col.dictionary.indexOf(normalValue);
  const normalIdx = model.classes!.indexOf(model.normalClass!);
  let missing = 0;
  const yb = new Uint8Array(table.rowCount);
  for (let r = 0; r < table.rowCount; r++) {
    const c = col.codes[r];
    if (c < 0) missing++;
    yb[r] = c === normalCode ? 0 : 1;
  }
  if (missing) throw new UserError(`${where ?? 'test data'}: ${missing} rows have no value in label column "${col.name}"; evaluation needs a label on every row`);
  const pred = Uint8Array.from(p.predicted!, (c) => (c === normalIdx ? 0 : 1));
  const notes = [
    `the model predicts "${model.target}" (${model.classes!.join(', ')}), which "${col.name}" does not use: compared as normal vs attack ("${normalValue}" against the model's "${model.normalClass}")`,
  ];
  return binaryReport(how, 'classifier', ['normal', 'attack'], yb, pred, p.score!, notes);
}

/** 1 for attack rows, 0 for normal: from the `binary` column, else the model's normal class. */
export function binaryTruth(table: FlowTable, model: TrainedModel, where?: string): Uint8Array {
  const bin = getColumn(table, 'binary');
  if (bin && bin.kind === 'categorical') {
    const normal = bin.dictionary.indexOf('normal');
    return Uint8Array.from(bin.codes, (c) => (c === normal ? 0 : 1));
  }
  const col = targetColumn(table, model.target, where);
  const normalValue = model.normalClass ?? table.normalClass;
  if (!normalValue) {
    throw new UserError(`${where ?? 'data'}: cannot tell normal rows from attacks; name the label column with --label and make sure it has a normal/benign value`);
  }
  const code = col.dictionary.indexOf(normalValue);
  return Uint8Array.from(col.codes, (c) => (c === code ? 0 : 1));
}

function downsampledRoc(y: ArrayLike<number>, score: ArrayLike<number>, auc: number): { fpr: number[]; tpr: number[]; auc: number } {
  const c = rocCurve(y, score);
  const n = c.fpr.length;
  const step = Math.max(1, Math.ceil(n / 500));
  const fpr: number[] = [];
  const tpr: number[] = [];
  for (let i = 0; i < n; i += step) {
    fpr.push(round(c.fpr[i]));
    tpr.push(round(c.tpr[i]));
  }
  if ((n - 1) % step !== 0) {
    fpr.push(round(c.fpr[n - 1]));
    tpr.push(round(c.tpr[n - 1]));
  }
  return { fpr, tpr, auc };
}

function toRows(cm: ArrayLike<number>, k: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < k; i++) rows.push(Array.from({ length: k }, (_, j) => cm[i * k + j]));
  return rows;
}

function round(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

function pct(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(4);
}

/** The text a person reads: header, headline figures, the report, the confusion matrix. */
export function formatEvaluation(e: EvaluationReport): string {
  const s = e.summary;
  const lines = [`Evaluation on ${s.rows.toLocaleString('en-US')} ${plural(s.rows, 'row')} (${e.how})`];
  lines.push(`  accuracy ${pct(s.accuracy)}   macro-F1 ${pct(s.macroF1)}   weighted-F1 ${pct(s.weightedF1)}` +
    (s.rocAucOvr !== undefined ? `   ROC-AUC (one-vs-rest) ${pct(s.rocAucOvr)}` : ''));
  if (s.binaryRocAuc !== undefined || s.binaryAccuracy !== undefined) {
    lines.push(`  normal vs attack: accuracy ${pct(s.binaryAccuracy)}   ROC-AUC ${pct(s.binaryRocAuc)}` +
      (s.precision !== undefined ? `   precision ${pct(s.precision)}   recall ${pct(s.recall)}` : ''));
  }
  if (e.unseenClasses.length) lines.push(`  classes absent from training (always wrong): ${e.unseenClasses.join(', ')}`);
  for (const n of e.notes ?? []) if (!n.startsWith('test classes the model never saw')) lines.push(`  note: ${n}`);
  lines.push('', e.report.replace(/\n+$/, ''), '', 'Confusion matrix (rows: true class, columns: predicted):');
  const w = Math.max(8, ...e.classes.map((c) => c.length + 1), ...e.confusion.flat().map((v) => String(v).length + 1));
  lines.push(' '.repeat(w) + e.classes.map((c) => c.padStart(w)).join(''));
  e.confusion.forEach((row, i) => lines.push(e.classes[i].padStart(w) + row.map((v) => String(v).padStart(w)).join('')));
  return lines.join('\n');
}
