/**
 * `netsentinel block apply|expire`: put the bans that hold into the running firewall (nftables,
 * table inet netsentinel) and take out what no longer holds. Needs root and nft; says what it will
 * change and waits for --yes before changing anything.
 */
import type { Command } from '../command.js';
import { BLOCK_SPEC } from './block-spec.js';
import { openDecisionStore } from '../../store/decision-store.js';
import { blockTargets } from '../../respond/block/block-targets.js';
import { applyTargets, checkFirewallAccess, describePlan, planApply, readCurrentSets, removeElements } from '../../respond/block/firewall.js';
import { UserError } from '../../util/errors.js';
import { allowlistFrom, settingsAndStore } from './respond-common.js';
import { plural } from '../../util/plural.js';

export const block: Command = {
  spec: BLOCK_SPEC,
  async run({ args, out, json }) {
    const v = args.values;
    const action = args.positionals[0];
    if (action !== 'apply' && action !== 'expire') throw new UserError(`block: unknown action "${action}"; use apply or expire`);
    const nft = checkFirewallAccess(`block ${action}`);
    const { settings, store: location } = await settingsAndStore(v);
    const allowlist = await allowlistFrom(settings);
    const now = Date.now();
    const store = await openDecisionStore(location);
    let expired = 0;
    let active;
    try {
      if (action === 'expire') expired = (await store.deleteExpired(new Date(now).toISOString())).length;
      active = await store.list({ activeAt: now, type: 'ban', simulated: false });
    } finally {
      await store.close();
    }
    const targets = blockTargets(active, allowlist, now);
    const current = await readCurrentSets(nft);
    if (action === 'apply') {
      const plan = planApply(current, targets);
      const text = describePlan(plan);
      if (!v.yes) {
        out(json ? JSON.stringify({ applied: false, plan, refused: targets.refused }, null, 2) : `${text}\nnothing changed: run again with --yes to apply`);
        return 0;
      }
      await applyTargets(nft, targets);
      out(json ? JSON.stringify({ applied: true, plan, refused: targets.refused }, null, 2) : `${text}\napplied`);
      return 0;
    }
    const want = new Set([...targets.v4, ...targets.v6].map((t) => t.value));
    const stale = [...current.v4, ...current.v6].map((e) => e.value).filter((x) => !want.has(x));
    if (stale.length) await removeElements(nft, stale);
    out(json ? JSON.stringify({ expiredDecisions: expired, removed: stale }, null, 2) : `${expired} expired ${plural(expired, 'decision')} deleted from the store; ${stale.length} ${plural(stale.length, 'element')} removed from table inet netsentinel${stale.length ? ': ' + stale.join(', ') : ''}`);
    return 0;
  },
};
