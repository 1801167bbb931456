/** One row of the `npm run bench` table, as every benchmark hands its figures to run.ts. */
export interface BenchRow {
  readonly what: string;
  readonly ours: number | string | null | undefined;
  readonly peer: number | string | null | undefined;
  readonly peerName: string;
  /** 'higher' = ours should be ≥ peer × factor; 'lower' = ours should be ≤ peer × factor */
  readonly better?: 'higher' | 'lower';
  readonly factor?: number;
  /** an absolute floor instead (a stated figure, e.g. AUC ≥ 0.94): met when ours ≥ it */
  readonly atLeast?: number;
  readonly target?: string;
}
