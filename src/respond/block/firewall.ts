/**
 * Loading the blocklist into the running firewall (nftables), and taking out what no longer
 * holds. Needs root (CAP_NET_ADMIN) and the `nft` program; without either, one line says exactly
 * which is missing. Every change is planned first (what will be added, refreshed, removed) so the
 * CLI can show it and wait for --yes; the change itself is one `nft -f` transaction.
 *
 * Only table `inet netsentinel` is ever touched. Run inside a network namespace
 * (`ip netns exec NS netsentinel block apply ...`) it changes that namespace's firewall alone,
 * which is how the tests use it.
 */
import { execFile } from 'node:child_process';
import { findProgram as findOnPath } from '../../util/find-program.js';
import { UserError } from '../../util/errors.js';
import type { BlockTargets } from './block-targets.js';
import { NFT_SET4, NFT_SET6, NFT_TABLE, nftDeleteScript, nftablesScript, parseNftSetJson, type SetElement } from './nftables.js';
import { plural } from '../../util/plural.js';
import { thousands } from '../../util/thousands.js';

/** nft and ipset live in /usr/sbin, which a user's PATH often lacks: looked for there too */
export function findProgram(name: string, path = process.env.PATH ?? ''): string | undefined {
  return findOnPath(name, path, ['/usr/sbin', '/sbin']);
}

/** Throws one UserError naming everything that is missing for changing the firewall. */
export function checkFirewallAccess(verb: string): string {
  const missing: string[] = [];
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) missing.push(`root (running as uid ${uid}; run it with sudo, or as root inside the namespace)`);
  const nft = findProgram('nft');
  if (!nft) missing.push("the nft program (not on PATH nor in /usr/sbin; install Debian's nftables package)");
  if (missing.length) throw new UserError(`${verb} needs ${missing.join(' and ')}`);
  return nft!;
}

function run(cmd: string, args: readonly string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, [...args], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const c = (err as { code?: unknown } | null)?.code;
      resolve({ stdout, stderr: stderr || (err && typeof c === 'string' ? err.message : ''), code: err ? (typeof c === 'number' ? c : 1) : 0 });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

export interface CurrentSets {
  readonly exists: boolean;
  readonly v4: readonly SetElement[];
  readonly v6: readonly SetElement[];
}

export async function readCurrentSets(nft: string, table = NFT_TABLE): Promise<CurrentSets> {
  const one = async (set: string): Promise<SetElement[] | null> => {
    const r = await run(nft, ['-j', 'list', 'set', 'inet', table, set]);
    if (r.code !== 0) return null;
    return parseNftSetJson(r.stdout);
  };
  const v4 = await one(NFT_SET4);
  const v6 = await one(NFT_SET6);
  return { exists: v4 !== null || v6 !== null, v4: v4 ?? [], v6: v6 ?? [] };
}

export interface FirewallPlan {
  readonly createTable: boolean;
  readonly add: readonly string[];
  /** already there: their timeout is set again from the decision */
  readonly refresh: readonly string[];
  readonly remove: readonly string[];
}

export function planApply(current: CurrentSets, t: BlockTargets): FirewallPlan {
  const have = new Set([...current.v4, ...current.v6].map((e) => e.value));
  const want = [...t.v4, ...t.v6].map((x) => x.value);
  const wantSet = new Set(want);
  return {
    createTable: !current.exists,
    add: want.filter((v) => !have.has(v)),
    refresh: want.filter((v) => have.has(v)),
    remove: [...have].filter((v) => !wantSet.has(v)),
  };
}

export function describePlan(p: FirewallPlan, table = NFT_TABLE): string {
  const lines: string[] = [];
  if (p.createTable) lines.push(`create table inet ${table} (sets ${NFT_SET4}, ${NFT_SET6}; drop rules on input and forward)`);
  lines.push(`add ${thousands(p.add.length)}, refresh ${thousands(p.refresh.length)}, remove ${thousands(p.remove.length)} ${plural(p.remove.length, 'element')} in table inet ${table}`);
  for (const v of p.add) lines.push(`  + ${v}`);
  for (const v of p.remove) lines.push(`  - ${v}`);
  return lines.join('\n');
}

async function load(nft: string, script: string, what: string): Promise<void> {
  const r = await run(nft, ['-f', '-'], script);
  if (r.code !== 0) throw new UserError(`${what}: nft refused the change: ${r.stderr.trim().split('\n')[0]}`);
}

/** Replace our table with the given targets, in one transaction. */
export async function applyTargets(nft: string, t: BlockTargets, table = NFT_TABLE): Promise<void> {
  await load(nft, nftablesScript(t, table), 'block apply');
}

/** Remove the given elements (those no active decision backs any more). */
export async function removeElements(nft: string, values: readonly string[], table = NFT_TABLE): Promise<void> {
  const v4 = values.filter((v) => !v.includes(':'));
  const v6 = values.filter((v) => v.includes(':'));
  const script = nftDeleteScript({ v4, v6 }, table);
  if (script) await load(nft, script, 'block expire');
}
