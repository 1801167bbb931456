/**
 * `netsentinel inspect`: what a model or baseline file holds, without running it. A model:
 * estimator and options, classes or threshold, the input columns it needs, the features the
 * pipeline makes, and how it was trained (files, rows, time, validation figures). A baseline: when
 * and on what it was fitted, and its detectors.
 */
import { statSync } from 'node:fs';
import type { Command } from '../command.js';
import { loadTrainedModel } from '../../models/trained-model.js';
import { getSpec } from '../../models/registry.js';
import { formatSeconds } from '../progress.js';
import { loadModelFile } from '../../models/model-file.js';
import { loadBaseline } from '../../risk/baseline.js';
import { thousands } from '../../util/thousands.js';

async function inspectBaseline(path: string, out: (t: string) => void, json: boolean, features: boolean): Promise<number> {
  const b = await loadBaseline(path);
  // the detectors of one baseline read the same pipeline's features; listed once unless they differ
  const featureLists = [...new Map(b.detectors.map((d) => [d.model.pipeline.outputNames.join('\n'), d.model.pipeline.outputNames])).values()];
  const summary = {
    file: path,
    kind: 'baseline',
    createdAt: b.createdAt,
    netsentinelVersion: b.netsentinelVersion,
    inputFiles: b.inputFiles,
    format: b.format,
    fittedOn: b.fittedOn,
    fitRows: b.fitRows,
    calibrationRows: b.calibrationRows,
    detectors: b.detectors.map((d) => ({
      name: d.model.estimator.name,
      options: d.model.estimator.options,
      weight: d.weight,
      features: d.model.pipeline.outputNames.length,
      threshold: d.model.threshold,
      seconds: d.model.training.seconds,
    })),
  };
  if (json) {
    out(JSON.stringify(features ? { ...summary, featureNames: featureLists.length === 1 ? featureLists[0] : b.detectors.map((d) => d.model.pipeline.outputNames) } : summary, null, 2));
    return 0;
  }
  const featureLines = !features
    ? []
    : featureLists.length === 1
      ? ['  features', ...numbered(featureLists[0])]
      : b.detectors.flatMap((d) => [`  features of ${d.model.estimator.name}`, ...numbered(d.model.pipeline.outputNames)]);
  out(
    [
      `${path}: netsentinel baseline, checksum ok, made ${b.createdAt} by netsentinel ${b.netsentinelVersion}`,
      `  data        ${b.format}: ${b.inputFiles.join(', ')}`,
      `  fitted on   ${b.fittedOn}: ${b.fitRows.toLocaleString('en-US')} rows to fit, ${b.calibrationRows.toLocaleString('en-US')} held out to calibrate`,
      ...b.detectors.map(
        (d) => `  detector    ${d.model.estimator.name} (weight ${d.weight}): ${d.model.pipeline.outputNames.length} features, ${JSON.stringify(d.model.estimator.options)}`,
      ),
      ...featureLines,
    ].join('\n'),
  );
  return 0;
}

export const inspect: Command = {
  spec: {
    name: 'inspect',
    summary: 'show what a model or baseline file holds',
    usage: 'FILE [options]',
    positionals: { min: 1, max: 1, name: 'FILE, a model or baseline' },
    description: `Reads the file without running it, checks its checksum, and says what it holds.
A model (train, search, compare: .nsm): the estimator and its options; a classifier's target and
classes (and which is normal), or a detector's threshold and what it was fitted on; the input
columns it needs and the features its pipeline makes; when, on what and how long it was trained,
the class counts and validation figures; a classifier's ten most important features.
A baseline (baseline: .nsb): when and by which netsentinel it was made, the data it was fitted on,
the rows used to fit and held out to calibrate, and each detector with its weight, feature count
and options.
--features lists every feature by position (for a baseline, those its detectors read).`,
    options: [{ name: 'features', type: 'boolean', description: 'list every feature the pipeline produces (a baseline: its detectors\' features)' }],
    examples: [
      'netsentinel inspect gbdt.nsm',
      'netsentinel inspect office.nsb',
      'netsentinel inspect baseline-if.nsm --json | jq .training',
      'netsentinel inspect office.nsb --features --json | jq .featureNames',
    ],
  },
  async run({ args, out, json }) {
    const path = args.positionals[0];
    const doc = (await loadModelFile(path)) as { netsentinel?: string };
    if (doc?.netsentinel === 'baseline') return inspectBaseline(path, out, json, Boolean(args.values.features));
    const m = await loadTrainedModel(path);
    const spec = getSpec(m.estimator.name);
    const importances = spec.kind === 'classifier' && spec.importances ? spec.importances(m.estimator.state) : undefined;
    const top = importances
      ? [...importances].map((v, i) => ({ feature: m.pipeline.outputNames[i], importance: Number(v.toPrecision(4)) }))
          .sort((a, b) => b.importance - a.importance)
          .slice(0, 10)
      : undefined;
    const summary = {
      file: path,
      bytes: statSync(path).size,
      formatVersion: m.formatVersion,
      checksum: 'ok',
      kind: m.kind,
      estimator: m.estimator.name,
      title: spec.title,
      options: m.estimator.options,
      target: m.target,
      classes: m.classes,
      normalClass: m.normalClass,
      threshold: m.threshold,
      inputs: m.pipeline.inputs.map((i) => ({ name: i.name, kind: i.kind, ...(i.kind === 'categorical' ? { categories: i.categories.length, encoding: i.encoding } : {}) })),
      features: m.pipeline.outputNames.length,
      scaling: m.pipeline.options.scaling,
      topFeatures: top,
      training: m.training,
    };
    if (json) {
      out(JSON.stringify(args.values.features ? { ...summary, featureNames: m.pipeline.outputNames } : summary, null, 2));
      return 0;
    }
    const t = m.training;
    const lines = [
      `${path}: netsentinel model, format ${m.formatVersion}, ${(summary.bytes / 1024).toFixed(0)} KiB, checksum ok`,
      `  model       ${spec.title} (${m.estimator.name}, ${m.kind})`,
      `  options     ${JSON.stringify(m.estimator.options)}`,
    ];
    if (m.kind === 'classifier') lines.push(`  target      ${m.target}: ${m.classes!.join(', ')}${m.normalClass ? ` (normal: ${m.normalClass})` : ''}`);
    else lines.push(`  threshold   ${m.threshold!.threshold.toPrecision(5)} (${m.threshold!.rule} ${m.threshold!.value})`, `  fitted on   ${t.fittedOn}`);
    const cats = m.pipeline.inputs.filter((i) => i.kind === 'categorical').map((i) => i.name);
    lines.push(
      `  inputs      ${thousands(m.pipeline.inputs.length)} columns (${cats.length ? `categorical: ${cats.join(', ')}` : 'all numeric'}) → ${thousands(m.pipeline.outputNames.length)} features, ${m.pipeline.options.scaling} scaling`,
      `  trained     ${t.startedAt} on ${t.rows.toLocaleString('en-US')} rows of ${t.format} (${t.inputFiles.join(', ')}) in ${formatSeconds(t.seconds)}, seed ${t.seed}, ${t.threads} threads, netsentinel ${t.netsentinelVersion}`,
    );
    if (t.classCounts) lines.push(`  classes     ${Object.entries(t.classCounts).map(([c, n]) => `${c} ${thousands(n)}`).join(', ')}`);
    if (t.validation) lines.push(...validationLines(t.validation));
    if (top) lines.push('  top features', ...top.map((f) => `    ${f.feature.padEnd(36)}${f.importance}`));
    if (args.values.features) lines.push('  features', ...numbered(m.pipeline.outputNames));
    out(lines.join('\n'));
    return 0;
  },
};

/**
 * The validation figures a person reads, one line per kind (held out, cross-validation, search).
 * The record also carries the confusion matrix and the ROC curve's points for the service's model
 * card: printed as JSON they made one line of thousands of numbers, so they are left to --json.
 */
export function validationLines(validation: Readonly<Record<string, unknown>>): string[] {
  const f = (x: unknown): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : 'n/a');
  const ms = (x: unknown): string => {
    const m = x as { mean?: unknown; std?: unknown } | undefined;
    return m && typeof m === 'object' ? `${f(m.mean)} ± ${f(m.std)}` : f(x);
  };
  const lines: string[] = [];
  for (const [kind, value] of Object.entries(validation)) {
    const v = (value ?? {}) as Record<string, unknown>;
    const label = `  ${lines.length ? ' '.repeat(10) : 'validation'}  `;
    if (kind === 'heldOut') {
      const figures = [
        `accuracy ${f(v.accuracy)}`,
        `macro-F1 ${f(v.macroF1)}`,
        ...(v.rocAucOvr !== undefined ? [`ROC-AUC ${f(v.rocAucOvr)}`] : []),
        ...(v.binaryAccuracy !== undefined ? [`normal vs attack: accuracy ${f(v.binaryAccuracy)} ROC-AUC ${f(v.binaryRocAuc)}`] : []),
      ];
      const rows = typeof v.rows === 'number' ? `${thousands(v.rows)} rows, ` : '';
      lines.push(`${label}${v.how ?? 'held out'} (${rows}${figures.join(', ')})`);
    } else if (kind === 'crossValidation') {
      lines.push(`${label}${v.k}-fold cross-validation: accuracy ${ms(v.accuracy)}, macro-F1 ${ms(v.macroF1)}, ROC-AUC ${ms(v.rocAuc)}`);
    } else if (kind === 'search') {
      const best = (v.best ?? {}) as { params?: unknown; mean?: unknown; std?: unknown };
      const n = Array.isArray(v.candidates) ? v.candidates.length : 0;
      lines.push(`${label}${v.mode} search, ${n} candidates, ${v.k}-fold: best ${v.metric} ${f(best.mean)} ± ${f(best.std)} with ${JSON.stringify(best.params)}`);
    } else {
      lines.push(`${label}${kind}: ${JSON.stringify(value)}`);
    }
  }
  return lines;
}

/** Feature names by their position in the pipeline's output. */
function numbered(names: readonly string[]): string[] {
  return names.map((n, i) => `    ${String(i).padStart(4)}  ${n}`);
}
