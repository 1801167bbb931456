/**
 * The verbs, in the order `netsentinel --help` lists them. Each is loaded only when it runs: a verb
 * module pulls in its models, readers, charts and stores, and loading all of them to print the list
 * took 0.3 s of CPU. An entry is a name, the one-line summary, and how to load the verb.
 *
 * Adding a verb: one line, `lazyVerb('name', 'summary', () => loadModule<typeof import('./verbs/name.js')>('./verbs/name.js').then((m) => m.name))`.
 * A verb whose module is heavy keeps its option table in a light module of its own (verbs/NAME-spec.ts,
 * importing only constants) and names it as the fourth argument: `--help` and a mistake in the options
 * are then answered from the table alone (analyze --help: 220 → 110 ms of CPU, serve --help 680 → 100; train, compare and search --help,
 * which loaded every model: 153-161 → 86-93 ms of user CPU, hyperfine, 20 runs each).
 * A plain Command object is accepted too (it is then loaded with this module, at start-up).
 */
import { createRequire } from 'node:module';
import type { Command } from './command.js';
import type { CommandSpec } from './args.js';

const require = createRequire(import.meta.url);

/**
 * A module of ours loaded by require() where Node can (ES modules without top-level await, Node ≥
 * 20.19), else by import(): the same module, but read and compiled synchronously. import() reads
 * each of the ~190 files of analyze's graph through the thread pool (open, stat, read, close: ~17 ms
 * of CPU more than reading them synchronously); loading analyze's verb module took 191 → 180 ms of
 * CPU (hyperfine, 30 runs).
 */
export function loadModule<T>(specifier: string): Promise<T> {
  try {
    return Promise.resolve(require(specifier) as T);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') return import(specifier) as Promise<T>;
    throw e;
  }
}

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
    () => loadModule<typeof import('./verbs/analyze.js')>('./verbs/analyze.js').then((m) => m.analyze),
    () => loadModule<typeof import('./verbs/analyze-spec.js')>('./verbs/analyze-spec.js').then((m) => m.ANALYZE_SPEC),
  ),
  lazyVerb('baseline', 'learn normal traffic: fit the anomaly detectors on known-good flows', () => loadModule<typeof import('./verbs/baseline.js')>('./verbs/baseline.js').then((m) => m.baseline)),
  lazyVerb(
    'train',
    'train a classifier or anomaly detector and save it as a model file',
    () => loadModule<typeof import('./verbs/train.js')>('./verbs/train.js').then((m) => m.train),
    () => loadModule<typeof import('./verbs/train-spec.js')>('./verbs/train-spec.js').then((m) => m.TRAIN_SPEC),
  ),
  lazyVerb('evaluate', 'measure a model on labelled test data (report, confusion matrix, ROC-AUC)', () => loadModule<typeof import('./verbs/evaluate.js')>('./verbs/evaluate.js').then((m) => m.evaluate)),
  lazyVerb('predict', 'score flow records with a model file (CSV or JSON lines)', () => loadModule<typeof import('./verbs/predict.js')>('./verbs/predict.js').then((m) => m.predict)),
  lazyVerb('inspect', 'show what a model or baseline file holds', () => loadModule<typeof import('./verbs/inspect.js')>('./verbs/inspect.js').then((m) => m.inspect)),
  lazyVerb(
    'compare',
    'train several classifiers on the same data and rank them in a leaderboard',
    () => loadModule<typeof import('./verbs/compare.js')>('./verbs/compare.js').then((m) => m.compare),
    () => loadModule<typeof import('./verbs/compare-spec.js')>('./verbs/compare-spec.js').then((m) => m.COMPARE_SPEC),
  ),
  lazyVerb(
    'search',
    'tune a model: grid or random search by stratified cross-validation, best refitted and saved',
    () => loadModule<typeof import('./verbs/search.js')>('./verbs/search.js').then((m) => m.search),
    () => loadModule<typeof import('./verbs/search-spec.js')>('./verbs/search-spec.js').then((m) => m.SEARCH_SPEC),
  ),
  lazyVerb('cluster', 'DBSCAN clusters of flows: core/border/noise, silhouette, k-distance curve, plots', () => loadModule<typeof import('./verbs/cluster.js')>('./verbs/cluster.js').then((m) => m.cluster)),
  lazyVerb('profile', 'summarise a dataset: balance, columns, correlations, per-feature tests against the label', () => loadModule<typeof import('./verbs/profile.js')>('./verbs/profile.js').then((m) => m.profile)),
  lazyVerb('config', 'show the effective settings (secrets masked) and where each came from', () => loadModule<typeof import('./verbs/config.js')>('./verbs/config.js').then((m) => m.config)),
  lazyVerb(
    'respond',
    'turn a finished analysis into decisions (ban, alert), blocklist files and notifications',
    () => loadModule<typeof import('./verbs/respond.js')>('./verbs/respond.js').then((m) => m.respond),
    () => loadModule<typeof import('./verbs/respond-spec.js')>('./verbs/respond-spec.js').then((m) => m.RESPOND_SPEC),
  ),
  lazyVerb(
    'decisions',
    'list, add or delete decisions (bans, alerts) by hand',
    () => loadModule<typeof import('./verbs/decisions.js')>('./verbs/decisions.js').then((m) => m.decisions),
    () => loadModule<typeof import('./verbs/decisions-spec.js')>('./verbs/decisions-spec.js').then((m) => m.DECISIONS_SPEC),
  ),
  lazyVerb(
    'block',
    'load the bans that hold into nftables (apply), or take out what expired (expire)',
    () => loadModule<typeof import('./verbs/block.js')>('./verbs/block.js').then((m) => m.block),
    () => loadModule<typeof import('./verbs/block-spec.js')>('./verbs/block-spec.js').then((m) => m.BLOCK_SPEC),
  ),
  lazyVerb(
    'notify',
    'show the notification outbox, or deliver what waits in it (--flush)',
    () => loadModule<typeof import('./verbs/notify.js')>('./verbs/notify.js').then((m) => m.notify),
    () => loadModule<typeof import('./verbs/notify-spec.js')>('./verbs/notify-spec.js').then((m) => m.NOTIFY_SPEC),
  ),
  lazyVerb(
    'intel',
    'threat intelligence on IP addresses: feeds + IPQualityScore, VirusTotal, AbuseIPDB, fused',
    () => loadModule<typeof import('./verbs/intel.js')>('./verbs/intel.js').then((m) => m.intel),
    () => loadModule<typeof import('./verbs/intel-spec.js')>('./verbs/intel-spec.js').then((m) => m.INTEL_SPEC),
  ),
  lazyVerb('upload', 'send an output folder to a web server by WebDAV (Apache mod_dav): MKCOL, PUT, PROPFIND check', () => loadModule<typeof import('./verbs/upload.js')>('./verbs/upload.js').then((m) => m.upload)),
  lazyVerb('score', 'judge one flow given as JSON or flags: anomaly/normal (baseline) and attack/benign (classifier)', () => loadModule<typeof import('./verbs/score.js')>('./verbs/score.js').then((m) => m.score)),
  lazyVerb('flows', 'meter packet captures (pcap, pcapng) into flow records (CICFlowMeter or Zeek conn.log)', () => loadModule<typeof import('./verbs/flows.js')>('./verbs/flows.js').then((m) => m.flows)),
  lazyVerb(
    'capture',
    'analyse an interface live: tcpdump on a pipe → flows → the analysis, alerts printed as they come',
    () => loadModule<typeof import('./verbs/capture.js')>('./verbs/capture.js').then((m) => m.capture),
    () => loadModule<typeof import('./verbs/capture-spec.js')>('./verbs/capture-spec.js').then((m) => m.CAPTURE_SPEC),
  ),
  lazyVerb(
    'serve',
    'serve models, alerts and a dashboard over HTTP (seed 004 POST /classify, /v1 API, /metrics)',
    () => loadModule<typeof import('./verbs/serve.js')>('./verbs/serve.js').then((m) => m.serve),
    () => loadModule<typeof import('./verbs/serve-spec.js')>('./verbs/serve-spec.js').then((m) => m.SERVE_SPEC),
  ),
  lazyVerb(
    'keys',
    "manage the service's API keys (add, list, revoke)",
    () => loadModule<typeof import('./verbs/keys.js')>('./verbs/keys.js').then((m) => m.keys),
    () => loadModule<typeof import('./verbs/keys-spec.js')>('./verbs/keys-spec.js').then((m) => m.KEYS_SPEC),
  ),
  lazyVerb(
    'publish',
    'feed flows into NATS JetStream for streaming workers, partitioned by source IP',
    () => loadModule<typeof import('./verbs/publish.js')>('./verbs/publish.js').then((m) => m.publish),
    () => loadModule<typeof import('./verbs/publish-spec.js')>('./verbs/publish-spec.js').then((m) => m.PUBLISH_SPEC),
  ),
  lazyVerb(
    'stream',
    'streaming worker: score flows from NATS JetStream (or stdin) as they come, store and publish alerts',
    () => loadModule<typeof import('./verbs/stream.js')>('./verbs/stream.js').then((m) => m.stream),
    () => loadModule<typeof import('./verbs/stream-spec.js')>('./verbs/stream-spec.js').then((m) => m.STREAM_SPEC),
  ),
  lazyVerb('drift', "measure drift: per-feature population stability index of flows against a baseline's reference", () => loadModule<typeof import('./verbs/drift.js')>('./verbs/drift.js').then((m) => m.drift)),
  lazyVerb(
    'models',
    'list the model versions streaming workers trained and used, and their drift/retrain/swap events',
    () => loadModule<typeof import('./verbs/models.js')>('./verbs/models.js').then((m) => m.models),
    () => loadModule<typeof import('./verbs/models-spec.js')>('./verbs/models-spec.js').then((m) => m.MODELS_SPEC),
  ),
];
