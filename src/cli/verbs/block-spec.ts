/**
 * What `netsentinel block` accepts and its --help text, apart from the verb (block.ts): only constants,
 * so `block --help` and a mistake in its options load none of what the verb runs.
 */
import type { CommandSpec } from '../args.js';
import { CONFIG_OPTIONS, STORE_OPTION } from './respond-option-table.js';

export const BLOCK_SPEC: CommandSpec = {
  name: 'block',
  summary: 'load the bans that hold into nftables (apply), or take out what expired (expire)',
  usage: 'apply|expire [options]',
  positionals: { min: 1, max: 1, name: 'apply or expire' },
  description: `apply: replaces table inet netsentinel (two sets, blocked4 and blocked6, with a timeout per element
taken from its decision, and drop rules on input and forward) with the real (not simulated) bans that hold
now, allowlisted addresses left out. Prints the change first; --yes carries it out. No other table is touched.
expire: deletes expired decisions from the store and removes from the sets every element no decision backs
any more (expired, or deleted with 'decisions delete'). The kernel also drops elements when their timeout ends.
Both need root and the nft program (Debian: nftables).`,
  options: [{ name: 'yes', short: 'y', type: 'boolean', description: 'apply: go ahead with the change (without it, only show it)' }, STORE_OPTION, ...CONFIG_OPTIONS],
  examples: ['sudo netsentinel block apply', 'sudo netsentinel block apply --yes', 'sudo netsentinel block expire', 'sudo ip netns exec lab netsentinel block apply --yes --store /var/lib/netsentinel/netsentinel.db'],
};
