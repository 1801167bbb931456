/**
 * The three blocklist files side by side in an output folder: blocked_ips.txt (seed 000's form),
 * netsentinel.nft (for `nft -f`) and netsentinel.ipset (for `ipset restore`), all from the same
 * targets, so they never disagree.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/errors.js';
import type { BlockTargets } from './block-targets.js';
import { blockedIpsText } from './blocked-ips-file.js';
import { ipsetRestoreText } from './ipset.js';
import { nftablesScript } from './nftables.js';

export interface BlockFiles {
  readonly blockedIps: string;
  readonly nftables: string;
  readonly ipset: string;
}

async function write(path: string, text: string): Promise<void> {
  // TODO(atomic): switch to src/util/atomic-output.ts when the cli-hardening branch lands it
  try {
    await writeFile(path, text);
  } catch (e) {
    throw new UserError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function writeBlockFiles(dir: string, t: BlockTargets): Promise<BlockFiles> {
  const files = { blockedIps: join(dir, 'blocked_ips.txt'), nftables: join(dir, 'netsentinel.nft'), ipset: join(dir, 'netsentinel.ipset') };
  await write(files.blockedIps, blockedIpsText(t));
  await write(files.nftables, nftablesScript(t));
  await write(files.ipset, ipsetRestoreText(t));
  return files;
}
