/**
 * The fault suite: what a careless or hostile user, a full disk and a signal do to the command line.
 * Each case runs the real `netsentinel` in a child process and then checks the two promises of
 * docs/security.md: the inputs are intact, and nothing half-written is left (no temporary, no cut
 * output under its real name). Cases that need root (a tiny tmpfs for a full disk, a read-only
 * mount) skip saying why when not root, and run for real in CI (root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'ns-faults-'));

interface Run {
  code: number;
  out: string;
  err: string;
}

function run(cwd: string, args: string[]): Run {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd, maxBuffer: 1 << 26, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A small labelled generic CSV: a quarter of the rows are "attack" (ssh, big, long). */
function flowsCsv(rows: number, seed = 1): string {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ['src_ip,dst_ip,dst_port,duration,bytes,packets,label'];
  for (let i = 0; i < rows; i++) {
    const a = i % 4 === 0;
    lines.push(`10.0.0.${i % 50},10.0.1.${i % 7},${a ? 22 : 443},${(rnd() * (a ? 5 : 1)).toFixed(3)},${Math.floor(rnd() * 1000 + (a ? 5000 : 0))},${1 + Math.floor(rnd() * 20)},${a ? 'attack' : 'normal'}`);
  }
  return lines.join('\n') + '\n';
}

/** A fresh folder with d.csv (400 rows) and m.nsm (a decision tree trained on it). */
function workspace(): { dir: string; data: string; bytes: string } {
  const dir = mkdtempSync(join(root, 'ws-'));
  const bytes = flowsCsv(400);
  writeFileSync(join(dir, 'd.csv'), bytes);
  const t = run(dir, ['train', 'd.csv', '--label', 'label', '--model', 'decision-tree', '-o', 'm.nsm', '--quiet']);
  assert.equal(t.code, 0, t.err);
  return { dir, data: join(dir, 'd.csv'), bytes };
}

/** Every temporary an atomic output may leave, anywhere below `dir`. */
function temporaries(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)\.[^/]+\.\d+-[0-9a-f]{8}\.tmp$/.test(f));
}

function refusedAsSameFile(r: Run, verb: string): void {
  assert.equal(r.code, 2, `exit 2, got ${r.code}: ${r.err}`);
  const lines = r.err.trim().split('\n');
  assert.match(lines[lines.length - 1], new RegExp(`^netsentinel: ${verb}: the output .* is the input .*writing it would destroy the input`), r.err);
  assert.equal(r.out, '', 'nothing on stdout');
}

// ---------------------------------------------------------------------------------------------
// issue 9 #1: an output that is one of the inputs is refused before anything is opened

let shared: ReturnType<typeof workspace> | undefined;
/** one workspace for the same-file cases (each case checks the input is intact afterwards) */
function sameFileWorkspace(): ReturnType<typeof workspace> {
  if (shared) return shared;
  const w = workspace();
  symlinkSync('d.csv', join(w.dir, 'link.csv'));
  linkSync(w.data, join(w.dir, 'hard.csv'));
  for (const [folder, name] of [['OUT', 'flows_scored.csv'], ['C', 'clusters.csv'], ['P', 'confusion_matrix.vl.json'], ['M', 'decision-tree.nsm']]) {
    mkdirSync(join(w.dir, folder));
    copyFileSync(w.data, join(w.dir, folder, name));
  }
  copyFileSync(join(w.dir, 'm.nsm'), join(w.dir, 'OUT', 'summary.json'));
  return (shared = w);
}

const sameFileCases: [string, string[], string][] = [
  ['predict', ['predict', 'm.nsm', 'd.csv', '-o', 'd.csv'], 'd.csv'],
  ['predict', ['predict', 'm.nsm', 'd.csv', '-o', 'link.csv'], 'd.csv'],
  ['predict', ['predict', 'm.nsm', './', '-o', './hard.csv'], 'd.csv'],
  ['predict', ['predict', 'm.nsm', 'd.csv', '-o', 'm.nsm'], 'm.nsm'],
  ['train', ['train', 'd.csv', '--label', 'label', '-o', 'd.csv'], 'd.csv'],
  ['train', ['train', '*.csv', '--label', 'label', '--model', 'decision-tree', '-o', 'hard.csv'], 'd.csv'],
  ['train', ['train', 'm.nsm', '--label', 'label', '--test', 'd.csv', '-o', 'd.csv'], 'd.csv'],
  ['baseline', ['baseline', 'd.csv', '--label', 'label', '-o', 'link.csv'], 'd.csv'],
  ['search', ['search', 'd.csv', '--label', 'label', '--model', 'decision-tree', '--grid', 'max_depth=2,3', '-o', 'd.csv'], 'd.csv'],
  ['analyze', ['analyze', 'OUT/flows_scored.csv', '-o', 'OUT', '--store', 'none'], 'OUT/flows_scored.csv'],
  ['analyze', ['analyze', 'OUT/', '-o', 'OUT', '--store', 'none'], 'OUT/flows_scored.csv'],
  ['analyze', ['analyze', 'd.csv', '--baseline', 'OUT/summary.json', '-o', 'OUT', '--store', 'none'], 'OUT/summary.json'],
  ['cluster', ['cluster', 'C/clusters.csv', '-o', 'C'], 'C/clusters.csv'],
  ['evaluate', ['evaluate', 'm.nsm', 'P/confusion_matrix.vl.json', '--label', 'label', '--plots', 'P'], 'P/confusion_matrix.vl.json'],
  ['compare', ['compare', 'M/decision-tree.nsm', '--label', 'label', '--models', 'decision-tree', '--cv', '2', '--out', 'M'], 'M/decision-tree.nsm'],
];

for (const [verb, args, input] of sameFileCases) {
  test(`output = input is refused before anything is opened: ${args.join(' ')}`, () => {
    const w = sameFileWorkspace();
    const before = readFileSync(join(w.dir, input));
    refusedAsSameFile(run(w.dir, args), verb);
    assert.ok(readFileSync(join(w.dir, input)).equals(before), `${input} is intact`);
    assert.ok(lstatSync(join(w.dir, 'link.csv')).isSymbolicLink(), 'the link is still a link');
    assert.deepEqual(temporaries(w.dir), []);
  });
}
