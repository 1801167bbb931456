/**
 * `netsentinel respond OUTDIR`: run the policy over a finished analysis (its summary.json or
 * risky_ips.csv, and the rule findings in alerts.jsonl): decisions into the store, blocklist
 * files into OUTDIR, and with --apply (or respond.apply) alerts into the outbox and out.
 */
import type { Command } from '../command.js';
import { readAnalysisOutput } from '../../respond/analysis-input.js';
import { respond as runRespond, type RespondResult } from '../../respond/respond-run.js';
import { allowlistFrom, CONFIG_OPTIONS, decisionLine, problem, settingsAndStore, STORE_OPTION } from './respond-common.js';
import { plural } from '../../util/plural.js';
import { thousands } from '../../util/thousands.js';

export const respond: Command = {
  spec: {
    name: 'respond',
    summary: 'turn a finished analysis into decisions (ban, alert), blocklist files and notifications',
    usage: 'OUTDIR [options]',
    positionals: { min: 1, max: 1, name: 'OUTDIR (the --out folder of analyze)' },
    description: `Severity comes from the source's risk, its rule findings and threat intelligence (config respond.severity,
respond.rules, respond.intelSeverity); respond.actions says what each severity gets (default: critical and high
are banned and alerted, medium alerted). Allowlisted addresses (loopback, this machine's addresses, default
gateways, resolvers, respond.allowlist) are never banned. A decision for the same address and reason is not
repeated within respond.suppress (1h).
DRY RUN BY DEFAULT: decisions are stored as simulated and nothing is sent; --apply (or respond.apply: true) acts.
Writes OUTDIR/blocked_ips.txt, netsentinel.nft and netsentinel.ipset; 'netsentinel block apply' loads the firewall.`,
    options: [
      { name: 'apply', type: 'boolean', description: 'act for real: store real decisions, queue and send alerts (default: dry run)' },
      STORE_OPTION,
      ...CONFIG_OPTIONS,
    ],
    examples: [
      'netsentinel analyze today.csv -b office.nsb -o out/ && netsentinel respond out/',
      'netsentinel respond out/ --apply --config netsentinel.yaml --json | jq .decisions',
    ],
  },
  async run({ args, out, json }) {
    const v = args.values;
    const { settings, store } = await settingsAndStore(v);
    const dir = args.positionals[0];
    const input = await readAnalysisOutput(dir);
    const result = await runRespond({
      sources: input.sources,
      origin: input.origin,
      config: settings.respond,
      notify: settings.notify,
      allowlist: await allowlistFrom(settings),
      store,
      apply: Boolean(v.apply) || settings.respond.apply,
      outDir: dir,
      onProblem: problem,
    });
    out(json ? JSON.stringify(respondJson(result), null, 2) : formatRespond(result));
    return 0;
  },
};

export function respondJson(r: RespondResult): Record<string, unknown> {
  return {
    apply: r.apply,
    store: r.store,
    decisions: r.decisions,
    skipped: r.skipped,
    stored: r.stored,
    blocked: { ipv4: r.targets.v4.map((t) => t.value), ipv6: r.targets.v6.map((t) => t.value), refused: r.targets.refused },
    files: r.files,
    notifications: { queued: r.queued, delivery: r.delivery },
  };
}

export function formatRespond(r: RespondResult): string {
  const lines: string[] = [];
  const bans = r.decisions.filter((d) => d.type === 'ban').length;
  lines.push(`${r.apply ? 'Decided' : 'DRY RUN (nothing enforced or sent; --apply to act):'} ${thousands(r.decisions.length)} ${plural(r.decisions.length, 'decision')}: ${thousands(bans)} ban, ${thousands(r.decisions.length - bans)} alert; ${thousands(r.stored)} new in ${r.store}`);
  for (const d of r.decisions.slice(0, 20)) lines.push(`  ${decisionLine(d)}`);
  if (r.decisions.length > 20) lines.push(`  … and ${r.decisions.length - 20} more (--json for all)`);
  const by = (why: string): number => r.skipped.filter((s) => s.why === why).length;
  if (r.skipped.length) lines.push(`Skipped: ${by('allowlisted')} allowlisted, ${by('suppressed')} suppressed (decided recently), ${by('no-action')} with no action configured, ${by('not-an-address')} not an address`);
  for (const s of r.skipped.filter((x) => x.why === 'allowlisted').slice(0, 5)) lines.push(`  not banned: ${s.value}: ${s.detail}`);
  lines.push(`Blocklist: ${r.targets.v4.length + r.targets.v6.length} ${plural(r.targets.v4.length + r.targets.v6.length, 'address or range', 'addresses or ranges')}${r.apply ? '' : ' (preview including this dry run)'}`);
  if (r.files) lines.push(`  ${r.files.blockedIps}\n  ${r.files.nftables}\n  ${r.files.ipset}`);
  if (r.apply) {
    lines.push(`Notifications: ${thousands(r.queued)} queued`);
    for (const d of r.delivery) lines.push(`  ${d.channel} (${d.server}): ${d.sent} sent, ${d.waiting} waiting${d.error ? ` — ${d.error}` : ''}`);
  }
  return lines.join('\n');
}
