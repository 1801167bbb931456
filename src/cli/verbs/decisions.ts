/**
 * `netsentinel decisions list|add|delete`: look at the decisions in the store and override them
 * by hand. A decision added by hand is real (not simulated: a person asked for it) with origin
 * "manual"; a ban on an allowlisted address is refused.
 */
import type { Command } from '../command.js';
import { DECISIONS_SPEC } from './decisions-spec.js';
import { openDecisionStore } from '../../store/decision-store.js';
import { requireExistingStore } from '../../store/store-location.js';
import { formatDuration, isActive, type DecisionSeverity, type DecisionType } from '../../respond/decision.js';
import { canonicalSubject, subjectProblem } from '../../respond/policy.js';
import { manualDecision } from '../../respond/manual-decision.js';
import { announceDecision, announceRemoval, type Announcement } from '../../respond/announce.js';
import { undelivered } from '../../respond/notify/outbox-delivery.js';
import { UserError } from '../../util/errors.js';
import { allowlistFrom, decisionLine, problem, settingsAndStore } from './respond-common.js';
import { plural } from '../../util/plural.js';

export const decisions: Command = {
  spec: DECISIONS_SPEC,
  async run({ args, out, json }) {
    const v = args.values;
    const [action, target] = args.positionals;
    if (!['list', 'add', 'delete'].includes(action)) throw new UserError(`decisions: unknown action "${action}"; use list, add or delete`);
    const { settings, store: location } = await settingsAndStore(v);
    const now = Date.now();
    if (action === 'add') {
      if (!target) throw new UserError('decisions add: give the address or range (e.g. decisions add 203.0.113.7)');
      const made = manualDecision(
        { target, type: v.type as DecisionType, severity: v.severity as DecisionSeverity, duration: v.duration as string, reason: v.reason as string, origin: 'manual', durationField: '--duration', now },
        await allowlistFrom(settings),
      );
      if (!made.ok) throw new UserError(`decisions add: ${made.message}`);
      const { decision: d, seconds } = made;
      const store = await openDecisionStore(location);
      try {
        await store.save([d]);
      } finally {
        await store.close();
      }
      // only a ban reaches the firewall (block-targets.ts): an alert is a record, never a block
      const next = d.type === 'ban' ? "'netsentinel block apply' loads it into the firewall" : 'an alert is recorded, not blocked (--type ban blocks)';
      const told: Announcement | undefined = settings.respond.notifyManual && !v.noNotify ? await announceDecision(d, { notify: settings.notify, store: location, onProblem: problem }) : undefined;
      const left = told ? undelivered(told.delivery) : 0;
      if (json) out(JSON.stringify({ added: d, ...(told ? { notifications: { queued: told.queued, delivery: told.delivery, undelivered: left } } : {}) }, null, 2));
      else {
        const lines = [`added ${d.type} ${d.value} for ${formatDuration(seconds)} (id ${d.id}); ${next}`];
        for (const r of told?.delivery ?? []) lines.push(`  announced by ${r.channel} (${r.server}): ${r.sent} sent, ${r.waiting} waiting${r.error ? ` — ${r.error}` : ''}`);
        if (left) lines.push(`NOT ALL DELIVERED: ${left} ${plural(left, 'notification waits', 'notifications wait')} in the outbox; 'netsentinel notify --flush' sends ${left === 1 ? 'it' : 'them'} (exit 1)`);
        out(lines.join('\n'));
      }
      // the decision holds; an announcement that did not go is a partial failure (as respond --apply)
      return left ? 1 : 0;
    }
    requireExistingStore(location, `decisions ${action}`, "'analyze --respond', 'respond' or 'decisions add'");
    const store = await openDecisionStore(location);
    try {
      if (action === 'delete') {
        if (!target) throw new UserError('decisions delete: give a decision id, an address or a range');
        const t = canonicalSubject(target);
        // an id is 16 hex digits: a dot, colon, dash or slash meant an address, range or MAC, and one that is none is said so
        if (!t && /[.:/-]/.test(target)) throw new UserError(`decisions delete: ${subjectProblem(target)}`);
        const gone = await store.delete(t ? t.value : target);
        if (!gone.length) throw new UserError(`decisions delete: no decision with id or address "${target}" in ${store.where}`);
        // an unban is announced as the ban was, with the same opt-outs (announce.ts)
        const told: Announcement | undefined = settings.respond.notifyManual && !v.noNotify ? await announceRemoval(gone, 'manual', { notify: settings.notify, store: location, onProblem: problem }) : undefined;
        const left = told ? undelivered(told.delivery) : 0;
        if (json) out(JSON.stringify({ deleted: gone, ...(told ? { notifications: { queued: told.queued, delivery: told.delivery, undelivered: left } } : {}) }, null, 2));
        else {
          const lines = [`deleted ${gone.length} ${plural(gone.length, 'decision')} about ${[...new Set(gone.map((d) => d.value))].join(', ')}; 'netsentinel block expire' takes them out of the firewall`];
          for (const r of told?.delivery ?? []) lines.push(`  announced by ${r.channel} (${r.server}): ${r.sent} sent, ${r.waiting} waiting${r.error ? ` — ${r.error}` : ''}`);
          if (left) lines.push(`NOT ALL DELIVERED: ${left} ${plural(left, 'notification waits', 'notifications wait')} in the outbox; 'netsentinel notify --flush' sends ${left === 1 ? 'it' : 'them'} (exit 1)`);
          out(lines.join('\n'));
        }
        return left ? 1 : 0;
      }
      const ip = v.ip ? canonicalSubject(v.ip as string)?.value : undefined;
      if (v.ip && !ip) throw new UserError(`decisions list --ip: ${subjectProblem(v.ip as string)}`);
      const list = await store.list(v.all ? { value: ip } : { activeAt: now, simulated: false, value: ip });
      if (json) out(JSON.stringify({ store: store.where, decisions: list.map((d) => ({ ...d, active: isActive(d, now) })) }, null, 2));
      else if (list.length) out(list.map(decisionLine).join('\n'));
      else {
        // right after a dry run ('respond', 'analyze --respond') its decisions are all simulated:
        // "no active decisions" alone read as if the run had decided nothing
        const hidden = v.all ? [] : await store.list({ value: ip });
        const simulated = hidden.filter((d) => d.simulated).length;
        const expired = hidden.length - simulated;
        const more = [simulated ? `${simulated} simulated (dry runs)` : '', expired ? `${expired} expired` : ''].filter(Boolean);
        out(`no ${v.all ? '' : 'active '}decisions in ${store.where}${more.length ? `; ${more.join(' and ')}: --all lists them` : ''}`);
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};
