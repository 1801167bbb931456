/**
 * What `analyze --respond` adds to analyze, kept here so analyze.ts changes by a few lines: the
 * two options, the respond sink built from the respond settings, and its summary (text after
 * analyze's own, or a `respond` key in --json).
 */
import type { OptionSpec } from '../args.js';
import { respondSink, type RespondSinkOptions } from '../../respond/respond-sink.js';
import { loadRespondSettings } from '../../respond/respond-settings.js';
import { buildAllowlist } from '../../respond/allowlist.js';
import { formatRespond, respondJson } from './respond.js';
import { problem } from './respond-common.js';
import { DEFAULT_STORE } from '../../store/open-store.js';

export const RESPOND_OPTIONS: readonly OptionSpec[] = [
  { name: 'respond', type: 'boolean', description: "run the response policy after the analysis (as 'netsentinel respond OUT'): decisions, blocklist files, alerts" },
  { name: 'apply', type: 'boolean', description: 'with --respond: act for real (default: dry run, or config respond.apply)' },
];

type Hooked = ReturnType<typeof respondSink>;

/** The sink, or undefined. The allowlist is built lazily at commit (it may resolve host names). */
export function respondSinkFromArgs(v: Record<string, unknown>, storeLocation: string): Hooked {
  const settings = loadRespondSettings({ configFile: v.config as string | undefined, envFile: v.envFile as string | undefined });
  const store = storeLocation === 'none' ? (settings.store ?? DEFAULT_STORE) : storeLocation;
  const r = settings.respond;
  const opts = (allowlist: RespondSinkOptions['allowlist']): RespondSinkOptions => ({ config: r, notify: settings.notify, allowlist, store, apply: Boolean(v.apply) || r.apply, onProblem: problem });
  let inner: Hooked | undefined;
  return {
    name: 'respond',
    outcome: () => inner?.outcome(),
    async open(info) {
      const allowlist = await buildAllowlist({ entries: r.allowlist, defaults: r.allowlistDefaults, gateways: r.gateways, resolvers: r.resolvers, where: `${settings.file ?? 'configuration'}: respond.allowlist` });
      inner = respondSink(opts(allowlist));
      await inner.open!(info);
    },
    async commit(result) {
      await inner!.commit!(result);
    },
  };
}

export function respondSummary(sink: Hooked | undefined, json: true): Record<string, unknown>;
export function respondSummary(sink: Hooked | undefined, json: false): string;
export function respondSummary(sink: Hooked | undefined, json: boolean): Record<string, unknown> | string {
  const r = sink?.outcome();
  if (!r) return json ? {} : '';
  return json ? { respond: respondJson(r) } : `\n\nRespond: ${formatRespond(r)}`;
}
