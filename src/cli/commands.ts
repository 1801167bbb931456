/**
 * The verbs, in the order `netsentinel --help` lists them. Each is loaded only when it runs: a verb
 * module pulls in its models, readers, charts and stores, and loading all of them to print the list
 * took 0.3 s of CPU. An entry is a name, the one-line summary, and how to load the verb.
 *
 * Adding a verb: one line, `lazyVerb('name', 'summary', () => import('./verbs/name.js').then((m) => m.name))`.
 * A plain Command object is accepted too (it is then loaded with this module, at start-up).
 */
import type { Command } from './command.js';

export interface LazyVerb {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

export type VerbEntry = LazyVerb | Command;

export function lazyVerb(name: string, summary: string, load: () => Promise<Command>): LazyVerb {
  return { name, summary, load };
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

export const commands: readonly VerbEntry[] = [
  lazyVerb('analyze', 'judge traffic: detectors + rules fused into a risk per flow and per source IP, with reasons', () => import('./verbs/analyze.js').then((m) => m.analyze)),
  lazyVerb('baseline', 'learn normal traffic: fit the anomaly detectors on known-good flows', () => import('./verbs/baseline.js').then((m) => m.baseline)),
  lazyVerb('train', 'train a classifier or anomaly detector and save it as a model file', () => import('./verbs/train.js').then((m) => m.train)),
  lazyVerb('evaluate', 'measure a model on labelled test data (report, confusion matrix, ROC-AUC)', () => import('./verbs/evaluate.js').then((m) => m.evaluate)),
  lazyVerb('predict', 'score flow records with a model file (CSV or JSON lines)', () => import('./verbs/predict.js').then((m) => m.predict)),
  lazyVerb('inspect', 'show what a model or baseline file holds', () => import('./verbs/inspect.js').then((m) => m.inspect)),
  lazyVerb('compare', 'train several classifiers on the same data and rank them in a leaderboard', () => import('./verbs/compare.js').then((m) => m.compare)),
  lazyVerb('search', 'tune a model: grid or random search by stratified cross-validation, best refitted and saved', () => import('./verbs/search.js').then((m) => m.search)),
  lazyVerb('cluster', 'DBSCAN clusters of flows: core/border/noise, silhouette, k-distance curve, plots', () => import('./verbs/cluster.js').then((m) => m.cluster)),
  lazyVerb('profile', 'summarise a dataset: balance, columns, correlations, per-feature tests against the label', () => import('./verbs/profile.js').then((m) => m.profile)),
  lazyVerb('config', 'show the effective settings (secrets masked) and where each came from', () => import('./verbs/config.js').then((m) => m.config)),
  lazyVerb('respond', 'turn a finished analysis into decisions (ban, alert), blocklist files and notifications', () => import('./verbs/respond.js').then((m) => m.respond)),
  lazyVerb('decisions', 'list, add or delete decisions (bans, alerts) by hand', () => import('./verbs/decisions.js').then((m) => m.decisions)),
  lazyVerb('block', 'load the bans that hold into nftables (apply), or take out what expired (expire)', () => import('./verbs/block.js').then((m) => m.block)),
  lazyVerb('notify', 'show the notification outbox, or deliver what waits in it (--flush)', () => import('./verbs/notify.js').then((m) => m.notify)),
  lazyVerb('intel', 'threat intelligence on IP addresses: feeds + IPQualityScore, VirusTotal, AbuseIPDB, fused', () => import('./verbs/intel.js').then((m) => m.intel)),
  lazyVerb('upload', 'send an output folder to a web server by WebDAV (Apache mod_dav): MKCOL, PUT, PROPFIND check', () => import('./verbs/upload.js').then((m) => m.upload)),
  lazyVerb('score', 'judge one flow given as JSON or flags: anomaly/normal (baseline) and attack/benign (classifier)', () => import('./verbs/score.js').then((m) => m.score)),
  lazyVerb('flows', 'meter packet captures (pcap, pcapng) into flow records (CICFlowMeter or Zeek conn.log)', () => import('./verbs/flows.js').then((m) => m.flows)),
  lazyVerb('capture', 'analyse an interface live: tcpdump on a pipe → flows → the analysis, alerts printed as they come', () => import('./verbs/capture.js').then((m) => m.capture)),
  lazyVerb('serve', 'serve models, alerts and a dashboard over HTTP (seed 004 POST /classify, /v1 API, /metrics)', () => import('./verbs/serve.js').then((m) => m.serve)),
  lazyVerb('keys', "manage the service's API keys (add, list, revoke)", () => import('./verbs/keys.js').then((m) => m.keys)),
  lazyVerb('publish', 'feed flows into NATS JetStream for streaming workers, partitioned by source IP', () => import('./verbs/publish.js').then((m) => m.publish)),
  lazyVerb('stream', 'streaming worker: score flows from NATS JetStream (or stdin) as they come, store and publish alerts', () => import('./verbs/stream.js').then((m) => m.stream)),
  lazyVerb('drift', "measure drift: per-feature population stability index of flows against a baseline's reference", () => import('./verbs/drift.js').then((m) => m.drift)),
  lazyVerb('models', 'list the model versions streaming workers trained and used, and their drift/retrain/swap events', () => import('./verbs/models.js').then((m) => m.models)),
];
