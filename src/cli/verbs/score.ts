/**
 * `netsentinel score`: seed 002's `detector.py traffic anomaly|normal` and `ids attack|benign` for
 * flows given by hand: one flow (or a few) as JSON, JSON lines, or KEY=VALUE flags, judged by a
 * baseline (risk in [0, 1] from its calibrated detectors: anomaly or normal) and/or a classifier
 * (its class: attack or benign), exactly as analyze scores a flow (the same score stage), with the
 * reasons. Nothing is written; nothing is stored.
 */
import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { loadBaseline } from '../../risk/baseline.js';
import { loadTrainedModel, predictTable, type TrainedModel } from '../../models/trained-model.js';
import { createScoreStage } from '../../analysis/score-stage.js';
import { flowFields } from '../../flows/flow-fields.js';
import { SETTINGS_OPTIONS, settingsFromArgs } from '../../config/settings.js';
import { flowsToTable, parseJsonFlows } from '../../sources/json-flows.js';
import { parseScalar } from '../args.js';
import { runConfig } from '../run-config.js';
import { UserError } from '../../util/errors.js';
import { warnCells } from '../data-options.js';

interface FlowVerdict {
  flow: number;
  verdict: 'anomaly' | 'normal' | 'attack' | 'benign';
  risk?: number;
  anomalous?: boolean;
  detectors?: Record<string, { score: number; p: number }>;
  classifier?: { class: string; probability: number; pAttack?: number; attack: boolean };
  reasons: string[];
}

export const score: Command = {
  spec: {
    name: 'score',
    summary: 'judge one flow given as JSON or flags: anomaly/normal (baseline) and attack/benign (classifier)',
    usage: '(-b BASELINE | -m MODEL) [--flow JSON | --flow-file FILE | --field K=V...] [options]',
    description: `The flow's columns are those of the data the baseline or model learnt from (e.g. CICFlowMeter's
"Destination Port", "Flow Duration", ...): a column the model needs and the flow lacks is an error naming it. Without --flow,
--flow-file or --field, the flow is read from stdin. With a baseline the verdict is anomaly when the
risk reaches --threshold (score.anomalyThreshold); with only a classifier it is attack when the
predicted class is not the model's normal class; with both, the classifier joins the risk as in analyze.`,
    options: [
      { name: 'baseline', short: 'b', type: 'string', value: 'FILE', description: "baseline from 'netsentinel baseline' (traffic: anomaly | normal)" },
      { name: 'model', short: 'm', type: 'string', value: 'FILE', description: 'a trained classifier (ids: attack | benign)' },
      { name: 'flow', type: 'string', value: 'JSON', description: 'the flow: a JSON object (or an array of them)' },
      { name: 'flow-file', type: 'string', value: 'FILE', description: "flows as JSON / JSON lines in a file; '-' for stdin" },
      { name: 'field', type: 'list', value: 'K=V', description: 'one column of the flow (repeatable): --field "Destination Port=22"' },
      { name: 'threshold', type: 'number', value: 'RISK', description: 'risk at or above which a flow is an anomaly (score.anomalyThreshold; default 0.95)' },
      { name: 'fail-on', type: 'number', value: 'RISK', description: 'exit 1 when a flow reaches this risk (or, with only a classifier, is an attack)' },
      ...SETTINGS_OPTIONS,
    ],
    examples: [
      `netsentinel score -b office.nsb --flow '{"Destination Port": 22, "Flow Duration": 1200, "Total Fwd Packets": 3}'`,
      'netsentinel score -m ids.nsm --flow-file attack-flow.json --json',
      'jq -c .[] flows.json | netsentinel score -b office.nsb -m ids.nsm',
    ],
  },
  async run({ args, out, json }) {
    const v = args.values;
    const settings = settingsFromArgs(v, { 'score.anomalyThreshold': v.threshold });
    const threshold = settings.number('score.anomalyThreshold', { above: 0, max: 1 })!;
    const alias = settings.lookup('score.anomalyThreshold');
    if (alias?.origin === 'ANOMALY_THRESHOLD' && threshold < 0.5) {
      throw new UserError(`${alias.origin}=${threshold}: seed 002's ANOMALY_THRESHOLD was an autoencoder reconstruction error; here it is a risk from 0 to 1 (e.g. 0.95): set it again or remove it`);
    }
    if (!v.baseline && !v.model) throw new UserError("score: give a baseline (-b, for anomaly | normal) or a classifier (-m, for attack | benign), or both (see 'netsentinel score --help')");
    const flows = readFlows(v);
    const baseline = v.baseline ? await loadBaseline(v.baseline as string) : undefined;
    const classifier = v.model ? await loadTrainedModel(v.model as string) : undefined;
    if (classifier && classifier.kind !== 'classifier') throw new UserError(`score: ${v.model} is a ${classifier.kind}; -m takes a classifier (detectors belong in a baseline)`);
    const where = v.flow !== undefined ? '--flow' : (v.field as string[] | undefined)?.length ? '--field' : v.flowFile && v.flowFile !== '-' ? (v.flowFile as string) : 'stdin';
    const table = await flowsToTable(flows, where, { warn: () => undefined });
    // a flow in a known format's names gets every column of that format, empty where it lacks one
    // (CIC-IDS2018's abbreviated names have no "Fwd RST Flags", ...): imputed, as in predict, and
    // said, as predict says it; the verdict came with no word that half its features were guessed
    warnCells(table, table.rowCount);
    const { config } = await runConfig(v);
    const verdicts: FlowVerdict[] = [];
    try {
      judge();
    } catch (e) {
      // the table was read from memory as "stdin": name the way the user gave the flow
      if (e instanceof UserError) throw new UserError(e.message.replace(/^stdin\b/, where), e.exitCode);
      throw e;
    }
    function judge(): void {
      if (baseline) {
        const stage = createScoreStage({ baseline, classifier, weights: config.weights, flowThreshold: 0 });
        const s = stage.score(table, flowFields(table), new Float64Array(table.rowCount), 0);
        for (let r = 0; r < s.rows; r++) {
          const anomalous = s.risk[r] >= threshold;
          verdicts.push({
            flow: r + 1,
            verdict: anomalous ? 'anomaly' : 'normal',
            risk: s.risk[r],
            anomalous,
            detectors: Object.fromEntries(s.detectors.map((d, j) => [d, { score: s.raw[j][r], p: s.p[j][r] }])),
            ...(classifier && s.predictedClass ? { classifier: classOf(classifier, s.predictedClass[r], s.classProbability![r], s.pAttack?.[r]) } : {}),
            reasons: anomalous ? [...(s.reasons[r] ?? [])] : [],
          });
        }
      } else {
        const m = classifier!;
        const pr = predictTable(m, table, where);
        const k = m.classes!.length;
        for (let r = 0; r < table.rowCount; r++) {
          const c = pr.predicted![r];
          const cl = classOf(m, m.classes![c], pr.proba![r * k + c], pr.score?.[r]);
          verdicts.push({ flow: r + 1, verdict: cl.attack ? 'attack' : 'benign', classifier: cl, reasons: cl.attack ? [`classified as ${cl.class} (p ${cl.probability.toFixed(3)})`] : [] });
        }
      }
    }
    if (json) out(JSON.stringify(verdicts.length === 1 ? verdicts[0] : verdicts, null, 2));
    else out(verdicts.map((x) => formatVerdict(x, threshold, verdicts.length > 1)).join('\n\n'));
    const failOn = v.failOn as number | undefined;
    if (failOn === undefined) return 0;
    const over = verdicts.filter((x) => (x.risk !== undefined ? x.risk >= failOn : x.verdict === 'attack'));
    if (!over.length) return 0;
    // exit 1 alone told a script nothing: which flows reached it (stderr: stdout stays the results)
    process.stderr.write(`netsentinel: ${over.length} ${over.length === 1 ? 'flow reaches' : 'flows reach'} --fail-on ${failOn} (${over.slice(0, 5).map((x) => `flow ${x.flow}${x.risk !== undefined ? ` risk ${x.risk.toFixed(6)}` : ` ${x.verdict}`}`).join(', ')}${over.length > 5 ? ', ...' : ''}): exit 1\n`);
    return 1;
  },
};

function classOf(m: TrainedModel, cls: string, probability: number, pAttack?: number): NonNullable<FlowVerdict['classifier']> {
  const attack = m.normalClass !== undefined ? cls !== m.normalClass : (pAttack ?? 0) >= 0.5;
  return { class: cls, probability, ...(pAttack !== undefined ? { pAttack } : {}), attack };
}

function readFlows(v: Readonly<Record<string, unknown>>): Record<string, unknown>[] {
  const given = [v.flow !== undefined, v.flowFile !== undefined, (v.field as string[] | undefined)?.length].filter(Boolean).length;
  if (given > 1) throw new UserError('score: give the flow one way: --flow, --flow-file or --field');
  if (v.flow !== undefined) return parseJsonFlows(v.flow as string, '--flow');
  const fields = v.field as string[] | undefined;
  if (fields?.length) {
    const o: Record<string, unknown> = {};
    for (const f of fields) {
      const eq = f.indexOf('=');
      if (eq <= 0) throw new UserError(`score: --field takes COLUMN=VALUE, got "${f}"`);
      const val = parseScalar(f.slice(eq + 1).trim());
      o[f.slice(0, eq).trim()] = typeof val === 'object' && val !== null ? f.slice(eq + 1).trim() : val;
    }
    return [o];
  }
  const file = (v.flowFile as string | undefined) ?? '-';
  if (file === '-' && process.stdin.isTTY) throw new UserError("score: no flow: give --flow '{...}', --flow-file FILE or --field K=V, or pipe JSON in");
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UserError(`score: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseJsonFlows(text, file === '-' ? 'stdin' : file);
}

function formatVerdict(x: FlowVerdict, threshold: number, numbered: boolean): string {
  const head = x.risk !== undefined ? `${x.verdict.toUpperCase()}  risk ${x.risk.toFixed(6)} (anomaly at ≥ ${threshold})` : `${x.verdict.toUpperCase()}`;
  const lines = [`${numbered ? `flow ${x.flow}: ` : ''}${head}`];
  if (x.detectors) lines.push(`  detectors: ${Object.entries(x.detectors).map(([d, s]) => `${d} p ${s.p.toFixed(4)}`).join(', ')}`);
  if (x.classifier) lines.push(`  classifier: ${x.classifier.attack ? 'attack' : 'benign'} (${x.classifier.class}, p ${x.classifier.probability.toFixed(3)})`);
  for (const r of x.reasons) lines.push(`  - ${r}`);
  return lines.join('\n');
}
