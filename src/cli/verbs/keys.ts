/**
 * `netsentinel keys add|list|revoke`: the service's API keys, in the store's key table
 * (src/store/key-store.ts). `add` prints the key once; only its SHA-256 is kept. The store is
 * found as `serve` and `decisions` find it (--store, NETSENTINEL_STORE, the config file's store),
 * so a key added here is a key the service knows.
 */
import type { Command } from '../command.js';
import { KEYS_SPEC } from './keys-spec.js';
import { openKeyStore } from '../../store/key-store.js';
import { requireExistingStore } from '../../store/store-location.js';
import { UserError } from '../../util/errors.js';
import { settingsFromArgs } from '../../config/settings.js';
import { settingsAndStore } from './respond-common.js';

export const keys: Command = {
  spec: KEYS_SPEC,
  async run({ args, out, json }) {
    const [action, arg] = args.positionals;
    const v = args.values;
    if (!['add', 'list', 'revoke'].includes(action)) throw new UserError(`keys: unknown action "${action}" (add NAME, list, revoke ID)`);
    if (action === 'list' && arg !== undefined) throw new UserError('keys list takes no argument');
    if (action !== 'list' && !arg) throw new UserError(`keys ${action}: missing ${action === 'add' ? 'NAME' : 'ID'}`);
    const rate = (v.rate as number | undefined) ?? settingsFromArgs(v).number('server.rateLimit.perSecond', { above: 0 })!;
    if (!(rate > 0) || !Number.isFinite(rate)) throw new UserError(`keys: --rate must be a positive number, got ${rate}`);
    const location = (await settingsAndStore(v)).store;
    if (action !== 'add') requireExistingStore(location, `keys ${action}`, "'keys add'");
    const store = await openKeyStore(location);
    try {
      if (action === 'add') {
        if (!/^[\w.@-]{1,64}$/.test(arg)) throw new UserError(`keys add: NAME may hold letters, digits, . _ @ - (at most 64), got "${arg}"`);
        // a start-up script run on every start (docker compose up) adds one key, not one per start
        const held = v.ifAbsent ? (await store.list()).find((k) => k.name === arg && k.revokedAt === null) : undefined;
        if (held) {
          if (json) out(JSON.stringify({ id: held.id, name: held.name, scope: held.scope, ratePerSecond: held.ratePerSecond, key: null, existing: true }));
          else process.stderr.write(`key ${held.id} "${held.name}" (${held.scope}, ${held.ratePerSecond}/s) is active in ${store.where} already: nothing added (--if-absent)\n`);
          return 0;
        }
        const { record, key } = await store.add(arg, v.scope as 'read' | 'write', rate);
        if (json) out(JSON.stringify({ id: record.id, name: record.name, scope: record.scope, ratePerSecond: record.ratePerSecond, key }));
        else {
          out(key);
          process.stderr.write(`key ${record.id} "${record.name}" (${record.scope}, ${record.ratePerSecond}/s) added to ${store.where}; it is shown only this once\n`);
        }
      } else if (action === 'list') {
        const list = await store.list();
        if (json) out(JSON.stringify(list.map(({ hash: _h, ...r }) => r)));
        else if (list.length === 0) out(`no keys in ${store.where}`);
        else {
          out(['id        scope  rate/s  created                   revoked                   name'].join('\n'));
          for (const k of list) out(`${k.id}  ${k.scope.padEnd(5)}  ${String(k.ratePerSecond).padStart(6)}  ${k.createdAt.padEnd(24)}  ${(k.revokedAt ?? '-').padEnd(24)}  ${k.name}`);
        }
      } else {
        if (!/^[0-9a-f]{8}$/.test(arg)) throw new UserError(`keys revoke: ID is the 8 hex digits 'keys list' shows, got "${arg}"`);
        const ok = await store.revoke(arg);
        if (!ok) throw new UserError(`keys revoke: no active key ${arg} in ${store.where}`);
        if (json) out(JSON.stringify({ revoked: arg }));
        else out(`revoked key ${arg}`);
      }
    } finally {
      await store.close();
    }
    return 0;
  },
};
