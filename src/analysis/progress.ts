/** How the analysis reports progress (the CLI's stderr progress line implements it). */
export interface AnalysisProgress {
  start(label: string, total?: number, unit?: string): void;
  update(done: number, total?: number): void;
  done(message?: string): void;
  note(message: string): void;
}
