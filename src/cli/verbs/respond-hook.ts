/**
 * What `analyze --respond` adds to analyze, kept here so analyze.ts changes by a few lines: the
 * two options, the respond sink built from the respond settings, and its summary (text after
 * analyze's own, or a `respond` key in --json).
 *
 * The respond modules (policy, blocklists, mail, syslog, webhooks: ~0.2 s of module loading) are
 * imported only when --respond is given, so a plain analyze does not pay for them (issue 8 #2).
 */
import type { OptionSpec } from '../args.js';
import type { Sink } from '../../analysis/sink.js';
import type { RespondSinkOptions } from '../../respond/respond-sink.js';
import { decisionStoreOf } from '../store-choice.js';
import { UserError } from '../../util/errors.js';

export const RESPOND_OPTIONS: readonly OptionSpec[] = [
  { name: 'respond', type: 'boolean', description: "run the response policy after the analysis (as 'netsentinel respond OUT'): decisions, blocklist files, alerts" },
  { name: 'apply', type: 'boolean', description: 'with --respond: act for real (default: dry run, or config respond.apply)' },
];

/**
 * --apply acts on --respond's decisions: alone it did nothing, silently, and whoever typed it
 * believed the run had acted. Said as a mistake in the options (exit 2) instead.
 */
export function applyNeedsRespond(verb: string, v: Record<string, unknown>): void {
  if (v.apply && !v.respond) throw new UserError(`${verb}: --apply acts on the decisions of --respond; add --respond${verb === 'analyze' ? " (or run 'netsentinel respond OUT --apply' afterwards)" : ''}`);
}

/** The respond sink, with its outcome once committed, and the summary of that outcome. */
export type RespondHook = Sink & { outcome(): unknown; summary(json: boolean): Record<string, unknown> | string; exitCode(): 0 | 1 };

/** The sink; `storeLocation` is the run's store (chosenStore), 'none' when alerts are kept nowhere. The allowlist is built lazily at commit (it may resolve host names). */
export async function respondSinkFromArgs(v: Record<string, unknown>, storeLocation: string): Promise<RespondHook> {
  const [{ respondSink }, { loadRespondSettings }, { buildAllowlist }, { formatRespond, respondJson, respondExitCode }, { problem }] = await Promise.all([
    import('../../respond/respond-sink.js'),
    import('../../respond/respond-settings.js'),
    import('../../respond/allowlist.js'),
    import('./respond.js'),
    import('./respond-common.js'),
  ]);
  const settings = loadRespondSettings({ configFile: v.config as string | undefined, envFile: v.envFile as string | undefined });
  // the run's store, or with --store none the next choice down (NETSENTINEL_STORE, config, default)
  const store = decisionStoreOf(storeLocation, settings.store, settings.files);
  const r = settings.respond;
  const opts = (allowlist: RespondSinkOptions['allowlist']): RespondSinkOptions => ({ config: r, notify: settings.notify, allowlist, store, apply: Boolean(v.apply) || r.apply, onProblem: problem });
  let inner: ReturnType<typeof respondSink> | undefined;
  return {
    name: 'respond',
    outcome: () => inner?.outcome(),
    exitCode() {
      const o = inner?.outcome();
      return o ? respondExitCode(o) : 0;
    },
    summary(json) {
      const o = inner?.outcome();
      if (!o) return json ? {} : '';
      return json ? { respond: respondJson(o) } : `\n\nRespond: ${formatRespond(o)}`;
    },
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

export function respondSummary(sink: RespondHook | undefined, json: true): Record<string, unknown>;
export function respondSummary(sink: RespondHook | undefined, json: false): string;
export function respondSummary(sink: RespondHook | undefined, json: boolean): Record<string, unknown> | string {
  if (!sink) return json ? {} : '';
  return sink.summary(json);
}
