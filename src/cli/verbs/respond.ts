/**
 * `netsentinel respond OUTDIR`: run the policy over a finished analysis (its summary.json or
 * risky_ips.csv, and the rule findings in alerts.jsonl): decisions into the store, blocklist
 * files into OUTDIR, and with --apply (or respond.apply) alerts into the outbox and out.
 */
import type { Command } from '../command.js';
import { RESPOND_SPEC } from './respond-spec.js';
import { readAnalysisOutput } from '../../respond/analysis-input.js';
import { respond as runRespond, type RespondResult } from '../../respond/respond-run.js';
import { FLOOD_SENDER_TEXT } from '../../respond/policy.js';
import { undelivered } from '../../respond/notify/outbox-delivery.js';
import { allowlistFrom, decisionLine, problem, settingsAndStore } from './respond-common.js';
import { plural } from '../../util/plural.js';
import { thousands } from '../../util/thousands.js';

export const respond: Command = {
  spec: RESPOND_SPEC,
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
    return respondExitCode(result);
  },
};

/**
 * 1 when notifications still wait after the run's flush (a channel failed, a server refused one):
 * the decisions and files are made but not every action was done, which is not a success; the
 * same rule as `notify --flush`. 0 otherwise (a dry run sends nothing, so it cannot fail to).
 */
export function respondExitCode(r: RespondResult): 0 | 1 {
  return r.apply && undelivered(r.delivery) > 0 ? 1 : 0;
}

export function respondJson(r: RespondResult): Record<string, unknown> {
  return {
    apply: r.apply,
    store: r.store,
    decisions: r.decisions,
    skipped: r.skipped,
    stored: r.stored,
    blocked: { ipv4: r.targets.v4.map((t) => t.value), ipv6: r.targets.v6.map((t) => t.value), refused: r.targets.refused },
    files: r.files,
    notifications: { queued: r.queued, delivery: r.delivery, undelivered: undelivered(r.delivery) },
  };
}

export function formatRespond(r: RespondResult): string {
  const lines: string[] = [];
  const bans = r.decisions.filter((d) => d.type === 'ban').length;
  lines.push(`${r.apply ? 'Decided' : 'DRY RUN (nothing enforced or sent; --apply to act):'} ${thousands(r.decisions.length)} ${plural(r.decisions.length, 'decision')}: ${thousands(bans)} ban, ${thousands(r.decisions.length - bans)} alert; ${thousands(r.stored)} new in ${r.store}`);
  for (const d of r.decisions.slice(0, 20)) lines.push(`  ${decisionLine(d)}`);
  if (r.decisions.length > 20) lines.push(`  … and ${r.decisions.length - 20} more (--json for all)`);
  const by = (why: string): number => r.skipped.filter((s) => s.why === why).length;
  const victims = by('victim');
  const selfFitted = by('self-fitted');
  const linkLayer = by('link-layer');
  const floodSenders = new Set(r.skipped.filter((x) => x.why === 'flood-sender').map((x) => x.value)).size;
  if (r.skipped.length) lines.push(`Skipped: ${by('allowlisted')} allowlisted, ${by('suppressed')} suppressed (decided recently), ${by('no-action')} with no action configured, ${by('not-an-address')} not an address${victims ? `, ${victims} ${plural(victims, 'ban')} of a host under attack` : ''}${selfFitted ? `, ${selfFitted} ${plural(selfFitted, 'ban')} on a risk without a baseline alone` : ''}${linkLayer ? `, ${linkLayer} ${plural(linkLayer, 'ban')} of a host known by its MAC alone (alerted: firewall sets hold IP addresses)` : ''}${floodSenders ? `, ${thousands(floodSenders)} ${plural(floodSenders, 'sender')} of a flood towards one host (no ban or alert each: forged addresses are likely)` : ''}`);
  for (const s of r.skipped.filter((x) => x.why === 'allowlisted').slice(0, 5)) lines.push(`  not banned: ${s.value}: ${s.detail}`);
  for (const s of r.skipped.filter((x) => x.why === 'victim').slice(0, 5)) lines.push(`  not banned: ${s.value}: ${s.detail}`);
  for (const s of r.skipped.filter((x) => x.why === 'self-fitted').slice(0, 5)) lines.push(`  not banned: ${s.value}: ${s.detail}`);
  const senders = [...new Set(r.skipped.filter((x) => x.why === 'flood-sender').map((x) => x.value))];
  if (senders.length) lines.push(`  not banned or alerted: ${senders.slice(0, 3).join(', ')}${senders.length > 3 ? `, … (${thousands(senders.length)} in all)` : ''}: ${FLOOD_SENDER_TEXT}`);
  lines.push(`Blocklist: ${r.targets.v4.length + r.targets.v6.length} ${plural(r.targets.v4.length + r.targets.v6.length, 'address or range', 'addresses or ranges')}${r.apply ? '' : ' (preview including this dry run)'}`);
  if (r.files) lines.push(`  ${r.files.blockedIps}\n  ${r.files.nftables}\n  ${r.files.ipset}`);
  if (r.apply) {
    lines.push(`Notifications: ${thousands(r.queued)} queued`);
    for (const d of r.delivery) lines.push(`  ${d.channel} (${d.server}): ${d.sent} sent, ${d.waiting} waiting${d.error ? ` — ${d.error}` : ''}`);
    const left = undelivered(r.delivery);
    if (left) lines.push(`NOT ALL DELIVERED: ${thousands(left)} ${plural(left, 'notification waits', 'notifications wait')} in the outbox; 'netsentinel notify --flush' sends ${left === 1 ? 'it' : 'them'} (exit 1)`);
  }
  return lines.join('\n');
}
