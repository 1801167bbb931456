/**
 * blocked_ips.txt exactly as seed 000 wrote it (`"\n".join(map(str, ips))`): one address per
 * line, no header, no trailing newline; here the active bans, most severe first. What a
 * person or a script that read the seed's file keeps reading.
 */
import type { BlockTargets } from './block-targets.js';

export function blockedIpsText(t: BlockTargets): string {
  return [...t.v4, ...t.v6].map((x) => x.value).join('\n');
}
