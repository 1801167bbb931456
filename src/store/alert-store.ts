/**
 * Where alerts and analysis runs persist: one interface, two back ends (an embedded SQLite file by
 * default, PostgreSQL when a postgres:// URL is configured). Deduplication lives in the database:
 * every alert carries a key derived from what it is about (signature, addresses, ports, protocol,
 * flow time), unique in the table, so analysing the same input twice adds no duplicate alerts.
 *
 * It stores what detection found; it decides nothing (the policy does) and serves no API (the
 * server does).
 */

export interface StoredAlert {
  /** deduplication key: stable for the same finding on the same input */
  readonly key: string;
  /** ISO 8601 with offset: when the traffic happened (or the analysis ran, if the data has no time) */
  readonly timestamp: string;
  readonly signature: string;
  readonly category: string;
  /** 1 = highest, as Suricata */
  readonly severity: number;
  readonly srcIp: string | null;
  readonly srcPort: number | null;
  readonly destIp: string | null;
  readonly destPort: number | null;
  readonly proto: string | null;
  readonly risk: number;
  readonly reasons: readonly string[];
  /** the full alert record as written to alerts.jsonl */
  readonly record: Readonly<Record<string, unknown>>;
  /** `record` as JSON when the caller already has it (saves serialising it twice) */
  readonly recordJson?: string;
}

/** running: analysis under way; finished: outputs in place; interrupted: stopped by a signal; failed: stopped by an error */
export type RunState = 'running' | 'finished' | 'interrupted' | 'failed';

export interface AnalysisRun {
  /** default 'finished' */
  readonly state?: RunState;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly inputs: readonly string[];
  readonly flows: number;
  readonly alerts: number;
  readonly summary: Readonly<Record<string, unknown>>;
}

export interface StoredRun extends AnalysisRun {
  readonly id: number;
  readonly state: RunState;
}

export interface SaveResult {
  readonly inserted: number;
  readonly duplicates: number;
}

export interface AlertQuery {
  readonly srcIp?: string;
  readonly minSeverity?: number;
  readonly since?: string;
  readonly limit?: number;
}

export interface AlertStore {
  /** a description for messages: "sqlite:./netsentinel.db", "postgres://host/db" (no password) */
  readonly where: string;
  /** record an analysis run; returns its id */
  saveRun(run: AnalysisRun): Promise<number>;
  /** insert alerts of a run, skipping keys already stored */
  saveAlerts(runId: number, alerts: readonly StoredAlert[]): Promise<SaveResult>;
  /** update a run saved with state 'running': its end state, times, counts and summary (one row per analysis) */
  finishRun?(runId: number, run: AnalysisRun & { readonly state: RunState }): Promise<void>;
  /** runs, newest first */
  listRuns?(limit?: number): Promise<StoredRun[]>;
  listAlerts(q?: AlertQuery): Promise<StoredAlert[]>;
  countAlerts(): Promise<number>;
  close(): Promise<void>;
}
