/**
 * The three blocklist files side by side in an output folder: blocked_ips.txt (seed 000's form),
 * netsentinel.nft (for `nft -f`) and netsentinel.ipset (for `ipset restore`), all from the same
 * targets, so they never disagree. Each is written atomically (a temporary beside it, renamed into
 * place when complete).
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-output.js';
import type { BlockTargets } from './block-targets.js';
import { blockedIpsText } from './blocked-ips-file.js';
import { ipsetRestoreText } from './ipset.js';
import { nftablesScript } from './nftables.js';

export interface BlockFiles {
  readonly blockedIps: string;
  readonly nftables: string;
  readonly ipset: string;
}

/** whole or not at all: a firewall must never load half a blocklist */
function write(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, text, 'respond', { makeDirs: true });
}

export async function writeBlockFiles(dir: string, t: BlockTargets): Promise<BlockFiles> {
  const files = { blockedIps: join(dir, 'blocked_ips.txt'), nftables: join(dir, 'netsentinel.nft'), ipset: join(dir, 'netsentinel.ipset') };
  await write(files.blockedIps, blockedIpsText(t));
  await write(files.nftables, nftablesScript(t));
  await write(files.ipset, ipsetRestoreText(t));
  return files;
}
