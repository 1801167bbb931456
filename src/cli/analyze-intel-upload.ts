/**
 * analyze's two optional extras from the intel branch, kept out of analyze.ts so the verb stays a
 * composition: threat intelligence as evidence about each source (`--intel`, `--feed FILE`, or
 * `intel.feeds` in the settings) and the upload of the finished output folder (`--upload URL` or
 * `upload.url`). Both read the same settings as every other verb (config file, .env, environment).
 * Their modules (intel providers, WebDAV, the logger) are imported only when one is asked for, so
 * a plain analyze does not load them (issue 8 #2).
 */
import type { OptionSpec } from './args.js';
import type { Progress } from './progress.js';
import type { EvidenceProvider } from '../analysis/evidence.js';
import type { Sink } from '../analysis/sink.js';
import { ENV_FILE_OPTION, settingsFromArgs } from '../config/settings.js';
import type { ThreatIntel } from '../intel/threat-intel.js';
import type { Logger } from '../util/logger.js';
import type { intelEvidenceProvider } from '../intel/intel-evidence.js';
import type { uploadSink } from '../upload/upload-sink.js';
import { thousands } from '../util/thousands.js';

export const INTEL_UPLOAD_OPTIONS: readonly OptionSpec[] = [
  { name: 'intel', type: 'boolean', description: 'join threat intelligence (local feeds; IPQualityScore, VirusTotal, AbuseIPDB when their keys are set) to each source as evidence; on by itself when intel.feeds is set' },
  { name: 'feed', type: 'list', value: 'FILE', description: 'a local threat feed (FireHOL .netset, Spamhaus DROP, CSV); repeatable; implies --intel' },
  { name: 'upload', type: 'string', value: 'URL', description: 'after writing, send the output folder to this WebDAV folder (upload.url; password from upload.password)' },
  ENV_FILE_OPTION,
];

export interface AnalyzeExtras {
  readonly evidence: EvidenceProvider[];
  readonly sinks: Sink[];
  /** lines for stderr once the analysis is done */
  notes(): string[];
  close(): Promise<void>;
}

export async function openAnalyzeExtras(values: Readonly<Record<string, unknown>>, storeLocation: string, progress: Progress): Promise<AnalyzeExtras> {
  const settings = settingsFromArgs(values, { 'upload.url': values.upload });
  let logger: Logger | undefined;
  const log = async (): Promise<Logger> => (logger ??= (await import('../util/logger.js')).loggerFromSettings(settings));
  const evidence: EvidenceProvider[] = [];
  const sinks: Sink[] = [];
  let ti: ThreatIntel | undefined;
  const feeds = (values.feed as string[] | undefined) ?? [];
  let intelEv: ReturnType<typeof intelEvidenceProvider> | undefined;
  let formatIntelSummary: ((s: NonNullable<typeof intelEv>['summary']) => string) | undefined;
  if (values.intel || feeds.length || settings.list('intel.feeds')?.length) {
    const [{ intelConfigFrom }, { openThreatIntel }, intel] = await Promise.all([import('../intel/intel-config.js'), import('../intel/threat-intel.js'), import('../intel/intel-evidence.js')]);
    formatIntelSummary = intel.formatIntelSummary;
    const config = intelConfigFrom(settings);
    // the cache sits beside the alerts unless intel.store says otherwise
    ti = await openThreatIntel({ config: settings.lookup('intel.store') ? config : { ...config, store: storeLocation === 'none' ? 'none' : storeLocation }, extraFeeds: feeds, logger: await log() });
    if (ti.feeds.feeds.length) progress.note(`intel: ${thousands(ti.feeds.entries)} feed entries from ${ti.feeds.feeds.map((f) => f.name).join(', ')} loaded in ${ti.feeds.loadSeconds.toFixed(2)} s`);
    intelEv = intel.intelEvidenceProvider(ti, settings.number('weights.intel', { min: 0 }) ?? 1);
    evidence.push(intelEv);
  }
  const url = settings.string('upload.url');
  const up: ReturnType<typeof uploadSink> | undefined = url
    ? (await import('../upload/upload-sink.js')).uploadSink({ url, username: settings.string('upload.username'), password: settings.string('upload.password'), timeoutMs: settings.number('upload.timeoutSeconds', { above: 0 })! * 1000, logger: await log() })
    : undefined;
  if (up) sinks.push(up);
  return {
    evidence,
    sinks,
    notes() {
      const n: string[] = [];
      if (intelEv && formatIntelSummary) n.push(formatIntelSummary(intelEv.summary));
      if (up?.state.result) n.push(`uploaded ${thousands(up.state.result.files.length)} files (${thousands(up.state.result.bytes)} bytes) to ${up.state.result.target}${up.state.result.verified ? ', each checked by PROPFIND' : ''}`);
      if (up?.state.error) n.push(`upload FAILED: ${up.state.error}`);
      return n;
    },
    async close() {
      await ti?.close();
    },
  };
}
