/**
 * An executable by name, as a shell finds it on the search path: the capture programs (tcpdump,
 * dumpcap), the firewall's (nft, ipset: in /usr/sbin, which a user's PATH often lacks, so the
 * firewall looks there too), zstd, and the programs tests need.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The executable `name` in `searchPath`'s folders, then in `alsoIn`; undefined when none holds one. */
export function findProgram(name: string, searchPath = process.env.PATH ?? '', alsoIn: readonly string[] = []): string | undefined {
  for (const dir of [...searchPath.split(delimiter), ...alsoIn]) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
