/**
 * `netsentinel models`: the model versions streaming workers recorded in the store (the baseline
 * they started with and every retrained one: id, SHA-256, parent, what it was trained on), and
 * with `events` what adaptation did (drift reports, retrains, swaps).
 */
import type { Command } from '../command.js';
import { MODELS_SPEC } from './models-spec.js';
import { UserError } from '../../util/errors.js';
import { requireExistingStore } from '../../store/store-location.js';
import { openModelVersionStore, type ModelEventKind } from '../../adapt/model-versions.js';
import { runConfig } from '../run-config.js';
import { thousands } from '../../util/thousands.js';

export const models: Command = {
  spec: MODELS_SPEC,
  async run({ args, out, json }) {
    const v = args.values;
    const what = args.positionals[0] ?? 'list';
    if (what !== 'list' && what !== 'events') throw new UserError(`models: "${what}" is not list or events`);
    // the store the workers chose, found as they find it (--store, NETSENTINEL_STORE, the config file's store:)
    const loc = (await runConfig(v)).store;
    requireExistingStore(loc, 'models', "a 'stream' worker with --drift or --retrain-every");
    const store = await openModelVersionStore(loc);
    try {
      const limit = v.limit as number;
      if (what === 'events') {
        const events = await store.listEvents(limit, v.kind as ModelEventKind | undefined);
        if (json) out(JSON.stringify(events, null, 2));
        else if (!events.length) out(`no adaptation events in ${store.where}`);
        else for (const e of events) out(`${e.at}  ${e.kind.padEnd(14)} ${e.version}  ${e.worker}  ${summary(e.kind, e.detail)}`);
        return 0;
      }
      const versions = await store.listVersions(limit);
      if (json) out(JSON.stringify(versions, null, 2));
      else if (!versions.length) out(`no model versions in ${store.where} (a worker records them with stream --drift or --retrain-every)`);
      else
        for (const m of versions) {
          const t = m.trainedOn;
          const on = t.source === 'stream' ? `${thousands(Number(t.flows))} clean stream flows${t.firstFlowTime ? ` (${t.firstFlowTime} to ${t.lastFlowTime})` : ''}, ${t.reason}` : `baseline file fitted on ${thousands(Number(t.flows))} flows`;
          out(`${m.id}  ${m.created}  parent ${m.parent ?? '-'}  ${on}  [${m.worker}]  ${m.file}`);
        }
      return 0;
    } finally {
      await store.close();
    }
  },
};

function summary(kind: string, d: Readonly<Record<string, unknown>>): string {
  if (kind === 'drift') return `flows ${Number(d.firstFlow) + 1}-${Number(d.firstFlow) + Number(d.flows)}: ${d.moved} moved: ${(d.features as { feature: string; psi: number }[]).slice(0, 4).map((f) => `${f.feature} ${f.psi}`).join(', ')}`;
  if (kind === 'swap') return `${d.from} → ${d.to} from ${d.firstMessage}`;
  if (kind === 'retrain') return `from ${d.parent} on ${thousands(Number(d.flows))} flows (${d.reason})`;
  return String(d.error ?? JSON.stringify(d));
}
