/**
 * The same blocklist as an `ipset restore` file, for hosts that filter with iptables: two sets of
 * type hash:net (family inet and inet6) with a default timeout of 0 (elements without one stay) and
 * each element's own timeout from its decision. `-exist` makes the file safe to load again over
 * an earlier version. Referencing the sets from iptables (`-m set --match-set netsentinel4 src -j
 * DROP`) is left to the administrator: we do not edit iptables rules.
 */
import type { BlockTargets } from './block-targets.js';

export const IPSET4 = 'netsentinel4';
export const IPSET6 = 'netsentinel6';

export function ipsetRestoreText(t: BlockTargets): string {
  const lines = [
    `create ${IPSET4} hash:net family inet timeout 0 -exist`,
    `create ${IPSET6} hash:net family inet6 timeout 0 -exist`,
    ...t.v4.map((x) => `add ${IPSET4} ${x.value} timeout ${x.timeoutSeconds} -exist`),
    ...t.v6.map((x) => `add ${IPSET6} ${x.value} timeout ${x.timeoutSeconds} -exist`),
  ];
  return lines.join('\n') + '\n';
}
