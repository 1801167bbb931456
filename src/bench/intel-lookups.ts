/**
 * The "intel speed" target: 10,000 lookups against local feeds totalling 1,000,000 CIDRs in < 1 s
 * after loading (load time reported), and ≥ 5 × a straightforward reference in the same run: Python's
 * `ipaddress` parsing the same files, networks kept per prefix length as sorted integer lists and
 * an address looked up by masking it to each length and bisecting (intel_lookups_peer.py).
 *
 * The feeds are generated here, in a temporary folder, in the four formats we read (FireHOL netset,
 * Spamhaus DROP, CSV, a plain list with some IPv6), with nested and duplicated networks; half the
 * queries fall inside a listed network. Both sides must count the same number of listings.
 *
 *   node dist/bench/intel-lookups.js [cidrs=1000000] [lookups=10000]
 * prints one JSON line (ours and the peer's figures); `npm run bench -- intel` shows it as rows.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../util/rng.js';
import { loadFeeds } from '../intel/feed-set.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const PY = '/usr/bin/python3';

function v4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function main(): void {
  const total = Number(process.argv[2] ?? 1_000_000);
  const lookups = Number(process.argv[3] ?? 10_000);
  const rng = new Rng(2026);
  const dir = mkdtempSync(join(tmpdir(), 'ns-intel-bench-'));
  try {
    // prefix lengths as blocklists have them: mostly /24../32, some big blocks
    const prefix = (): number => {
      const u = rng.next();
      return u < 0.45 ? 32 : u < 0.8 ? 24 + Math.floor(rng.next() * 8) : u < 0.998 ? 16 + Math.floor(rng.next() * 8) : 8 + Math.floor(rng.next() * 8);
    };
    const listed: [number, number][] = [];
    const block = (): [number, number] => {
      // re-list an existing network now and then (feeds overlap), or a subnet of one
      if (listed.length > 1000 && rng.next() < 0.05) {
        const [a, p] = listed[Math.floor(rng.next() * listed.length)];
        const q = Math.min(32, p + Math.floor(rng.next() * 4));
        return [(a + Math.floor(rng.next() * 2 ** (32 - p))) >>> 0, q];
      }
      const a = Math.floor(rng.next() * 2 ** 32) >>> 0;
      return [a, prefix()];
    };
    const masked = ([a, p]: [number, number]): [number, number] => [p === 0 ? 0 : (a & ((~0 << (32 - p)) >>> 0)) >>> 0, p];
    const shares = [0.4, 0.3, 0.2, 0.1];
    const counts = shares.map((s) => Math.round(total * s));
    counts[3] = total - counts[0] - counts[1] - counts[2];
    const files: string[] = [];
    const write = (name: string, head: string, n: number, line: (b: [number, number], i: number) => string, extra: string[] = []): void => {
      const parts: string[] = [head];
      for (let i = 0; i < n - extra.length; i++) {
        const b = masked(block());
        listed.push(b);
        parts.push(line(b, i));
      }
      parts.push(...extra);
      const path = join(dir, name);
      writeFileSync(path, parts.join('\n') + '\n');
      files.push(path);
    };
    write('firehol_level3.netset', '#\n# firehol_level3 (generated for the benchmark)\n#', counts[0], ([a, p]) => (p === 32 ? v4(a) : `${v4(a)}/${p}`));
    write('drop.txt', '; Spamhaus DROP List (generated)\n; Expires: never', counts[1], ([a, p], i) => `${v4(a)}/${p} ; SBL${100000 + i}`);
    write('local.csv', 'ip,category,score', counts[2], ([a, p], i) => `${v4(a)}/${p},${['scanner', 'c2', 'spam'][i % 3]},${i % 101}`);
    const six = Array.from({ length: 2000 }, (_, i) => `2001:db8:${((i * 7919) % 65536).toString(16)}::/48`);
    write('plain.txt', '# plain list', counts[3], ([a, p]) => `${v4(a)}/${p}`, six);

    const queries: string[] = [];
    for (let i = 0; i < lookups; i++) {
      if (i % 2 === 0) {
        const [a, p] = listed[Math.floor(rng.next() * listed.length)];
        queries.push(v4((a + Math.floor(rng.next() * 2 ** (32 - p))) >>> 0));
      } else queries.push(v4(Math.floor(rng.next() * 2 ** 32) >>> 0));
    }
    const qfile = join(dir, 'queries.txt');
    writeFileSync(qfile, queries.join('\n') + '\n');

    // CPU time beside wall time: on a shared machine the wall clock also counts other people's work
    const cpu0 = process.cpuUsage();
    const set = loadFeeds(files);
    const cpu = process.cpuUsage(cpu0);
    const runs: number[] = [];
    let found = 0;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      let n = 0;
      for (const q of queries) n += set.count(q);
      runs.push((performance.now() - t0) / 1000);
      found = n;
    }
    // the product path too: match() builds the objects a report shows
    const m0 = performance.now();
    let matched = 0;
    for (const q of queries) matched += set.match(q)!.length;
    const matchS = (performance.now() - m0) / 1000;
    runs.sort((a, b) => a - b);
    const out: Record<string, unknown> = {
      task: 'intel-lookups',
      cidrs: set.entries,
      lookups,
      load_s: set.loadSeconds,
      load_cpu_s: (cpu.user + cpu.system) / 1e6,
      lookup_s: runs[2],
      match_s: matchS,
      listings_found: found,
      match_agrees: matched === found,
      memory_mb: Math.round(process.memoryUsage().rss / 1048576),
    };
    const script = join(root, 'src', 'bench', 'intel_lookups_peer.py');
    if (!existsSync(PY)) out.peer_error = `${PY} not found`;
    else {
      const r = spawnSync(PY, [script, qfile, ...files], { encoding: 'utf8', maxBuffer: 1 << 24 });
      try {
        const p = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
        out.peer_load_s = p.load_s;
        out.peer_load_cpu_s = p.load_cpu_s;
        out.peer_lookup_s = p.lookup_s;
        out.peer_listings_found = p.listings_found;
        out.agree = p.listings_found === found;
      } catch {
        out.peer_error = (r.stderr || 'no output').trim().split('\n').slice(-2).join(' | ');
      }
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
