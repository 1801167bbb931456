/**
 * Whole-run figures over every scored flow, in bounded memory: the number of risky flows, how well
 * risk separates the input's labels when it has them (a z histogram for ROC-AUC, counts at the
 * alert and verdict thresholds), a reservoir sample of risks for the chart, and the riskiest flows
 * with their reasons for the report.
 */
import type { AnalysisQuality, TopFlow } from '../report/analysis-result.js';
import type { ScoredFlows } from './score-stage.js';
import { ZHistogram } from './z-histogram.js';
import { Reservoir } from './reservoir.js';

const TOP_FLOWS = 50;
const RISK_SAMPLE = 20000;

export class FlowTotals {
  flows = 0;
  riskyFlows = 0;
  readonly top: TopFlow[] = [];
  readonly sample: Reservoir;
  private readonly hist = new ZHistogram();
  private labelled = 0;
  private attacks = 0;
  private tp = 0;
  private fp = 0;
  private vtp = 0;
  private vfp = 0;

  constructor(
    private readonly verdictAt: number,
    seed: number,
  ) {
    this.sample = new Reservoir(RISK_SAMPLE, seed);
  }

  add(s: ScoredFlows): void {
    const truth = s.truth;
    const top = this.top;
    for (let r = 0; r < s.rows; r++) {
      const risk = s.risk[r];
      const risky = risk >= s.flowThreshold;
      if (risky) this.riskyFlows++;
      if (truth) {
        this.labelled++;
        this.hist.add(s.z[r], truth[r]);
        if (truth[r]) this.attacks++;
        if (risky) {
          if (truth[r]) this.tp++;
          else this.fp++;
        }
        if (risk >= this.verdictAt) {
          if (truth[r]) this.vtp++;
          else this.vfp++;
        }
      }
      this.sample.add(risk);
      if (risky && (top.length < TOP_FLOWS || risk > top[top.length - 1].risk)) {
        top.push({ file: s.file(r), line: s.line(r), srcIp: s.srcIp(r) ?? '', dstIp: s.dstIp(r) ?? '', dstPort: s.fields.dstPort ? s.fields.dstPort[r] : null, risk, reasons: s.reasons[r] ?? [] });
        top.sort((a, b) => b.risk - a.risk);
        if (top.length > TOP_FLOWS) top.pop();
      }
    }
    this.flows += s.rows;
  }

  quality(): AnalysisQuality | undefined {
    const { labelled, attacks, tp, fp, vtp, vfp } = this;
    if (!(labelled > 0 && attacks > 0 && attacks < labelled)) return undefined;
    return {
      labelledFlows: labelled,
      attacks,
      rocAuc: this.hist.auc(),
      precisionAtThreshold: tp + fp > 0 ? tp / (tp + fp) : 0,
      recallAtThreshold: tp / attacks,
      // normal flows judged normal are right too: (tp + tn) / n
      accuracyAtVerdict: (vtp + (labelled - attacks - vfp)) / labelled,
      falsePositiveRateAtVerdict: vfp / (labelled - attacks),
      recallAtVerdict: vtp / attacks,
    };
  }
}
