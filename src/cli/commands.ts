/**
 * The verbs, in the order `netsentinel --help` lists them. Each is loaded only when it runs: a verb
 * module pulls in its models, readers, charts and stores, and loading all of them to print the list
 * took 0.3 s of CPU. An entry is a name, the one-line summary, and how to load the verb.
 *
 * Adding a verb: one line, `lazyVerb('name', 'summary', () => import('./verbs/name.js').then((m) => m.name))`.
 * A verb whose module is heavy keeps its option table in a light module of its own (verbs/NAME-spec.ts,
 * importing only constants) and names it as the fourth argument: `--help` and a mistake in the options
 * are then answered from the table alone (analyze --help: 220 → 110 ms of CPU, serve --help 680 → 100; train, compare and search --help,
 * which loaded every model: 153-161 → 86-93 ms of user CPU, hyperfine, 20 runs each).
 * A plain Command object is accepted too (it is then loaded with this module, at start-up).
 */
import type { Command } from './command.js';
import type { CommandSpec } from './args.js';

/*
 * Each verb behind a literal import(), so the bundler (build/bundle-cli.ts) finds it and keeps it a
 * chunk of its own: bin/netsentinel runs the bundle. (tsc's files were loaded by require() where
 * Node could, ~11 ms of CPU less for analyze's ~190 files than import(); the bundle loads in about
 * half the time of either.)
 */

export interface LazyVerb {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
  /** the verb's option table alone, from a light module (the same object as the loaded verb's spec) */
  loadSpec?(): Promise<CommandSpec>;
}

export type VerbEntry = LazyVerb | Command;

export function lazyVerb(name: string, summary: string, load: () => Promise<Command>, loadSpec?: () => Promise<CommandSpec>): LazyVerb {
  return loadSpec ? { name, summary, load, loadSpec } : { name, summary, load };
}

export function verbName(e: VerbEntry): string {
  return 'spec' in e ? e.spec.name : e.name;
}

export function verbSummary(e: VerbEntry): string {
  return 'spec' in e ? e.spec.summary : e.summary;
}

export async function loadVerb(e: VerbEntry): Promise<Command> {
  return 'spec' in e ? e : e.load();
}

/** The verb's option table: from its light module when it has one, else from the verb itself. */
export async function loadVerbSpec(e: VerbEntry): Promise<CommandSpec> {
  if ('spec' in e) return e.spec;
  return e.loadSpec ? e.loadSpec() : (await e.load()).spec;
}

export const commands: readonly VerbEntry[] = [
  lazyVerb(
    'analyze',
    'judge traffic: detectors + rules fused into a risk per flow and per source IP, with reasons',
    () => import('./verbs/analyze.js').then((m) => m.analyze),
    () => import('./verbs/analyze-spec.js').then((m) => m.ANALYZE_SPEC),
  ),
  lazyVerb('baseline', 'learn normal traffic: fit the anomaly detectors on known-good flows', () => import('./verbs/baseline.js').then((m) => m.baseline)),
  lazyVerb(
    'train',
    'train a classifier or anomaly detector and save it as a model file',
    () => import('./verbs/train.js').then((m) => m.train),
    () => import('./verbs/train-spec.js').then((m) => m.TRAIN_SPEC),
  ),
  lazyVerb('evaluate', 'measure a model on labelled test data (report, confusion matrix, ROC-AUC)', () => import('./verbs/evaluate.js').then((m) => m.evaluate)),
  lazyVerb('predict', 'score flow records with a model file (CSV or JSON lines)', () => import('./verbs/predict.js').then((m) => m.predict)),
  lazyVerb('inspect', 'show what a model or baseline file holds', () => import('./verbs/inspect.js').then((m) => m.inspect)),
  lazyVerb(
    'compare',
    'train several classifiers on the same data and rank them in a leaderboard',
    () => import('./verbs/compare.js').then((m) => m.compare),
    () => import('./verbs/compare-spec.js').then((m) => m.COMPARE_SPEC),
  ),
  lazyVerb(
    'search',
    'tune a model: grid or random search by stratified cross-validation, best refitted and saved',
    () => import('./verbs/search.js').then((m) => m.search),
    () => import('./verbs/search-spec.js').then((m) => m.SEARCH_SPEC),
  ),
  lazyVerb('cluster', 'DBSCAN clusters of flows: core/border/noise, silhouette, k-distance curve, plots', () => import('./verbs/cluster.js').then((m) => m.cluster)),
  lazyVerb('profile', 'summarise a dataset: balance, columns, correlations, per-feature tests against the label', () => import('./verbs/profile.js').then((m) => m.profile)),
  lazyVerb('config', 'show the effective settings (secrets masked) and where each came from', () => import('./verbs/config.js').then((m) => m.config)),
  lazyVerb(
    'respond',
    'turn a finished analysis into decisions (ban, alert), blocklist files and notifications',
    () => import('./verbs/respond.js').then((m) => m.respond),
    () => import('./verbs/respond-spec.js').then((m) => m.RESPOND_SPEC),
  ),
  lazyVerb(
    'decisions',
    'list, add or delete decisions (bans, alerts) by hand',
    () => import('./verbs/decisions.js').then((m) => m.decisions),
    () => import('./verbs/decisions-spec.js').then((m) => m.DECISIONS_SPEC),
  ),
  lazyVerb(
    'block',
    'load the bans that hold into nftables (apply), or take out what expired (expire)',
    () => import('./verbs/block.js').then((m) => m.block),
    () => import('./verbs/block-spec.js').then((m) => m.BLOCK_SPEC),
  ),
  lazyVerb(
    'notify',
    'show the notification outbox, or deliver what waits in it (--flush)',
    () => import('./verbs/notify.js').then((m) => m.notify),
    () => import('./verbs/notify-spec.js').then((m) => m.NOTIFY_SPEC),
  ),
  lazyVerb(
    'intel',
    'threat intelligence on IP addresses: feeds + IPQualityScore, VirusTotal, AbuseIPDB, fused',
    () => import('./verbs/intel.js').then((m) => m.intel),
    () => import('./verbs/intel-spec.js').then((m) => m.INTEL_SPEC),
  ),
  lazyVerb('upload', 'send an output folder to a web server by WebDAV (Apache mod_dav): MKCOL, PUT, PROPFIND check', () => import('./verbs/upload.js').then((m) => m.upload)),
  lazyVerb('score', 'judge one flow given as JSON or flags: anomaly/normal (baseline) and attack/benign (classifier)', () => import('./verbs/score.js').then((m) => m.score)),
  lazyVerb('flows', 'meter packet captures (pcap, pcapng) into flow records (CICFlowMeter or Zeek conn.log)', () => import('./verbs/flows.js').then((m) => m.flows)),
  lazyVerb(
    'capture',
    'analyse an interface live: tcpdump on a pipe → flows → the analysis, alerts printed as they come',
    () => import('./verbs/capture.js').then((m) => m.capture),
    () => import('./verbs/capture-spec.js').then((m) => m.CAPTURE_SPEC),
  ),
  lazyVerb(
    'serve',
    'serve models, alerts and a dashboard over HTTP (seed 004 POST /classify, /v1 API, /metrics)',
    () => import('./verbs/serve.js').then((m) => m.serve),
    () => import('./verbs/serve-spec.js').then((m) => m.SERVE_SPEC),
  ),
  lazyVerb(
    'keys',
    "manage the service's API keys (add, list, revoke)",
    () => import('./verbs/keys.js').then((m) => m.keys),
    () => import('./verbs/keys-spec.js').then((m) => m.KEYS_SPEC),
  ),
  lazyVerb(
    'publish',
    'feed flows into NATS JetStream for streaming workers, partitioned by source IP',
    () => import('./verbs/publish.js').then((m) => m.publish),
    () => import('./verbs/publish-spec.js').then((m) => m.PUBLISH_SPEC),
  ),
  lazyVerb(
    'stream',
    'streaming worker: score flows from NATS JetStream (or stdin) as they come, store and publish alerts',
    () => import('./verbs/stream.js').then((m) => m.stream),
    () => import('./verbs/stream-spec.js').then((m) => m.STREAM_SPEC),
  ),
  lazyVerb('drift', "measure drift: per-feature population stability index of flows against a baseline's reference", () => import('./verbs/drift.js').then((m) => m.drift)),
  lazyVerb(
    'models',
    'list the model versions streaming workers trained and used, and their drift/retrain/swap events',
    () => import('./verbs/models.js').then((m) => m.models),
    () => import('./verbs/models-spec.js').then((m) => m.MODELS_SPEC),
  ),
];
