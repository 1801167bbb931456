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

test('analyze OUT/ -o OUT: the outputs of an earlier run in OUT are not read as flows, so never both input and output', () => {
  const w = sameFileWorkspace();
  const before = readFileSync(join(w.dir, 'OUT/flows_scored.csv'));
  const r = run(w.dir, ['analyze', 'OUT/', '-o', 'OUT', '--store', 'none']);
  assert.equal(r.code, 2, r.err);
  assert.equal(r.err.trim(), "netsentinel: OUT/: no flow files in this folder: flows_scored.csv is netsentinel's own output, not flow records; name the flows or captures that were analysed");
  assert.ok(readFileSync(join(w.dir, 'OUT/flows_scored.csv')).equals(before), 'OUT/flows_scored.csv is intact');
  assert.deepEqual(temporaries(w.dir), []);
});

// ---------------------------------------------------------------------------------------------
// issue 9 #3: special files are refused, symbolic links written through, by every verb

function oneLineUserError(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit 2, got ${r.code}: ${r.err}`);
  const lines = r.err.trim().split('\n');
  assert.match(lines[lines.length - 1], pattern, r.err);
  assert.doesNotMatch(r.err, /internal error|please report|\n\s+at /, 'no internal error, no stack');
}

test('special files as outputs are refused before any work, by every verb, and left as they were', () => {
  const w = workspace();
  const fifo = join(w.dir, 'fifo');
  const haveFifo = spawnSync('mkfifo', [fifo]).status === 0;
  mkdirSync(join(w.dir, 'folder'));
  const targets = ['/dev/full', '/dev/null', 'folder', ...(haveFifo ? ['fifo'] : [])];
  const what: Record<string, RegExp> = { '/dev/full': /a character device/, '/dev/null': /a character device/, folder: /a folder/, fifo: /a pipe \(FIFO\)/ };
  for (const t of targets) {
    const runs: [string, string[]][] = [
      ['train', ['train', 'd.csv', '--label', 'label', '--model', 'decision-tree', '-o', t]],
      ['predict', ['predict', 'm.nsm', 'd.csv', '-o', t]],
      ['baseline', ['baseline', 'd.csv', '--label', 'label', '-o', t]],
      ['search', ['search', 'd.csv', '--label', 'label', '--model', 'decision-tree', '--grid', 'max_depth=2,3', '-o', t]],
    ];
    for (const [verb, args] of runs) {
      const r = run(w.dir, args);
      oneLineUserError(r, new RegExp(`^netsentinel: ${verb}: cannot write ${t.replace(/[/.]/g, '\\$&')}: it is ${what[t].source}`));
      assert.doesNotMatch(r.err, /reading|training|fitting/, `${verb}: refused before any work`);
    }
  }
  // folders of outputs that are special files
  oneLineUserError(run(w.dir, ['evaluate', 'm.nsm', 'd.csv', '--label', 'label', '--plots', '/dev/null']), /cannot write \/dev\/null\/confusion_matrix\.png: ENOTDIR: \/dev\/null is a character device, not a folder/);
  oneLineUserError(run(w.dir, ['cluster', 'd.csv', '-o', '/dev/full']), /cannot write \/dev\/full\/clusters\.csv: ENOTDIR: \/dev\/full is a character device, not a folder/);
  oneLineUserError(run(w.dir, ['analyze', 'd.csv', '-o', '/dev/null', '--store', 'none']), /cannot write \/dev\/null\/flows_scored\.csv: ENOTDIR/);
  assert.ok(lstatSync('/dev/full').isCharacterDevice() && lstatSync('/dev/null').isCharacterDevice(), 'device nodes untouched');
  if (haveFifo) assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
  assert.deepEqual(readdirSync(join(w.dir, 'folder')), []);
  assert.deepEqual(temporaries(w.dir), []);
});

test('symbolic links are written through by every verb: the link stays, the file it points to gets the output', () => {
  const w = workspace();
  mkdirSync(join(w.dir, 'real'));
  const cases: [string[], string, (b: Buffer) => boolean][] = [
    [['train', 'd.csv', '--label', 'label', '--model', 'decision-tree', '-o', 'LINK'], 'model.nsm', (b) => b.subarray(0, 8).toString() === 'NSMODEL\n'],
    [['predict', 'm.nsm', 'd.csv', '-o', 'LINK'], 'pred.csv', (b) => b.toString().startsWith('file,line,prediction')],
    [['baseline', 'd.csv', '--label', 'label', '-o', 'LINK'], 'base.nsb', (b) => b.subarray(0, 8).toString() === 'NSMODEL\n'],
    [['search', 'd.csv', '--label', 'label', '--model', 'decision-tree', '--grid', 'max_depth=2,3', '--cv', '2', '-o', 'LINK'], 'best.nsm', (b) => b.subarray(0, 8).toString() === 'NSMODEL\n'],
  ];
  for (const [args, name, looksRight] of cases) {
    for (const existing of [false, true]) {
      const link = `link-${name}-${existing}`;
      const real = join(w.dir, 'real', `${existing ? 'old-' : 'new-'}${name}`);
      if (existing) writeFileSync(real, 'old content');
      symlinkSync(real, join(w.dir, link));
      const r = run(w.dir, [...args.map((a) => (a === 'LINK' ? link : a)), '--quiet']);
      assert.equal(r.code, 0, r.err);
      assert.ok(lstatSync(join(w.dir, link)).isSymbolicLink(), `${args[0]}: the link is still a link`);
      assert.ok(looksRight(readFileSync(real)), `${args[0]}: the link's target holds the output (${existing ? 'replaced' : 'created'})`);
    }
  }
  assert.deepEqual(temporaries(w.dir), []);
});

// ---------------------------------------------------------------------------------------------
// issue 9 #5: OS errors on a user's path are one line, exit 2, never an internal error

test('OS errors on user paths: under a regular file, /proc, /sys, a folder where a file goes: one line, exit 2', () => {
  const w = workspace();
  const cases: [string[], RegExp][] = [
    [['train', 'd.csv', '--label', 'label', '--model', 'decision-tree', '-o', 'd.csv/x/m.nsm'], /^netsentinel: train: cannot write d\.csv\/x\/m\.nsm: ENOTDIR: d\.csv is a file, not a folder$/],
    [['predict', 'm.nsm', 'd.csv', '-o', 'm.nsm/p.csv'], /^netsentinel: predict: cannot write m\.nsm\/p\.csv: ENOTDIR: m\.nsm is a file/],
    [['baseline', 'd.csv', '--label', 'label', '-o', '/proc/version'], /^netsentinel: baseline: cannot write \/proc\/version: \/proc is on the proc virtual file system/],
    [['predict', 'm.nsm', 'd.csv', '-o', '/proc/version'], /^netsentinel: predict: cannot write \/proc\/version: /],
    [['train', 'd.csv', '--label', 'label', '--model', 'decision-tree', '-o', '/proc/netsentinel-nope/m.nsm'], /^netsentinel: train: cannot write \/proc\/netsentinel-nope\/m\.nsm: \/proc is on the proc virtual/],
    [['analyze', 'd.csv', '-o', '/sys/netsentinel-nope', '--store', 'none'], /^netsentinel: analyze: cannot write \/sys\/netsentinel-nope\/flows_scored\.csv: \/sys is on the sysfs virtual/],
    [['cluster', 'd.csv', '-o', 'd.csv/out'], /^netsentinel: cluster: cannot write d\.csv\/out\/clusters\.csv: ENOTDIR: d\.csv is a file/],
    [['compare', 'd.csv', '--label', 'label', '--models', 'decision-tree', '--cv', '2', '--out', 'd.csv/models'], /^netsentinel: compare: cannot write d\.csv\/models\/decision-tree\.nsm: ENOTDIR/],
    [['evaluate', 'm.nsm', 'd.csv', '--label', 'label', '--plots', 'd.csv'], /^netsentinel: evaluate: cannot write d\.csv\/confusion_matrix\.png: ENOTDIR: d\.csv is a file/],
    [['train', '.', '--label', 'label', '-o', '.'], /^netsentinel: train: cannot write \.: it is a folder/],
    [['predict', 'm.nsm', 'nope/*.csv'], /^netsentinel: nope: no such folder$/],
  ];
  for (const [args, pattern] of cases) oneLineUserError(run(w.dir, args), pattern);
  assert.equal(readFileSync(w.data, 'utf8'), w.bytes);
  assert.deepEqual(temporaries(w.dir), []);
});

const isRoot = process.getuid?.() === 0;
const noRoot = isRoot ? false : 'needs root to mount a tmpfs (CI runs as root)';

/** Mount a tmpfs of `size` (e.g. '64k') on a fresh folder, run `f`, unmount whatever happens. */
function withTmpfs(options: string, f: (mnt: string) => void): void {
  const mnt = mkdtempSync(join(root, 'mnt-'));
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) {
    if (process.env.CI === 'true') assert.fail(`mount tmpfs failed: ${m.stderr}`);
    return; // a container without CAP_SYS_ADMIN: nothing to test here
  }
  try {
    f(mnt);
  } finally {
    spawnSync('umount', [mnt]);
  }
}

test('a full disk (64 KiB tmpfs): model files, predictions, charts and cluster labels fail as one line, exit 2, nothing half-written left', { skip: noRoot }, () => {
  const w = workspace();
  writeFileSync(join(w.dir, 'big.csv'), flowsCsv(6000, 7));
  withTmpfs('size=64k', (mnt) => {
    writeFileSync(join(mnt, 'precious.nsm'), 'the old model');
    const cases: string[][] = [
      ['train', 'big.csv', '--label', 'label', '--model', 'random-forest', '--param', 'n_estimators=60', '-o', join(mnt, 'precious.nsm')],
      ['train', 'big.csv', '--label', 'label', '--model', 'random-forest', '--param', 'n_estimators=60', '-o', join(mnt, 'new', 'rf.nsm')],
      ['predict', 'm.nsm', 'big.csv', '-o', join(mnt, 'pred.csv')],
      ['cluster', 'big.csv', '-o', join(mnt, 'clusters')],
      ['evaluate', 'm.nsm', 'big.csv', '--label', 'label', '--plots', join(mnt, 'plots')],
    ];
    for (const args of cases) {
      // fill the disk first so even small outputs hit ENOSPC
      spawnSync('sh', ['-c', `cat /dev/zero > ${join(mnt, 'filler')} 2>/dev/null; true`]);
      const r = run(w.dir, [...args, '--quiet']);
      oneLineUserError(r, /ENOSPC: no space left on the device/);
      spawnSync('rm', ['-f', join(mnt, 'filler')]);
      assert.equal(readFileSync(join(mnt, 'precious.nsm'), 'utf8'), 'the old model', `${args[0]}: the old file is intact`);
      const left = readdirSync(mnt, { recursive: true, encoding: 'utf8' }).filter((f) => !['precious.nsm', 'new', 'clusters', 'plots'].includes(f));
      assert.deepEqual(left, [], `${args.join(' ')}: nothing half-written left`);
    }
  });
});

test('a read-only file system is reported as EROFS (not ENOENT), exit 2', { skip: noRoot }, () => {
  const w = workspace();
  withTmpfs('size=64k,ro', (mnt) => {
    oneLineUserError(run(w.dir, ['train', 'd.csv', '--label', 'label', '--model', 'decision-tree', '-o', join(mnt, 'sub', 'm.nsm')]), /EROFS/);
    oneLineUserError(run(w.dir, ['predict', 'm.nsm', 'd.csv', '-o', join(mnt, 'p.csv')]), /EROFS/);
    oneLineUserError(run(w.dir, ['analyze', 'd.csv', '-o', join(mnt, 'out'), '--store', 'none']), /EROFS/);
    assert.deepEqual(readdirSync(mnt), []);
  });
});

// ---------------------------------------------------------------------------------------------
// issue 9 #10 and #9: argument details, a 1-row self-fitted analyze, unknown store schemes

test('argument details end to end: negative values, ranges, a 1-row self-fitted analyze (rules only, exit 0), --store mysql://', () => {
  const w = workspace();
  writeFileSync(join(w.dir, 'one.csv'), flowsCsv(1));
  const cases: [string[], RegExp][] = [
    [['train', 'd.csv', '--label', 'label', '--threads', '-1'], /^netsentinel: train: --threads must be from 1 to 256, got -1/],
    [['cluster', 'd.csv', '--eps', '-1'], /^netsentinel: cluster: --eps must be greater than 0, got -1/],
    [['analyze', 'd.csv', '--flow-threshold', '-0.5'], /^netsentinel: analyze: --flow-threshold must be strictly between 0 and 1, got -0\.5/],
    [['analyze', 'd.csv', '--fail-on', '1.5'], /^netsentinel: analyze: --fail-on must be between 0 and 1, got 1\.5/],
    [['evaluate', 'm.nsm', 'd.csv', '--fail-below', '2'], /^netsentinel: evaluate: --fail-below must be between 0 and 1, got 2/],
    [['search', 'd.csv', '--label', 'label', '--model', 'decision-tree', '--grid', 'max_depth=2', '--threads', '1000'], /^netsentinel: search: --threads must be from 1 to 256, got 1000/],
    [['analyze', 'd.csv', '-o', 'out2', '--store', 'mysql://x'], /^netsentinel: --store mysql:\/\/x: unknown store type "mysql:"/],
  ];
  for (const [args, pattern] of cases) oneLineUserError(run(w.dir, [...args, '--quiet']), pattern);
  assert.equal(existsSync(join(w.dir, 'mysql:')), false, 'no SQLite file named after the URL');
  // one flow is too few to fit detectors on, not a reason to refuse the input: the rules judge it,
  // every output is written, and the warning says what judged it and what to do
  const one = run(w.dir, ['analyze', 'one.csv', '-o', 'out1', '--store', 'none', '--json']);
  assert.equal(one.code, 0, one.err);
  assert.match(one.err, /warning: only 1 flow to fit the anomaly detectors on .*the rules alone judged this input.*--baseline/);
  const summary = JSON.parse(one.out) as { flows: number; baseline: { detectors: string[] } };
  assert.equal(summary.flows, 1);
  assert.deepEqual(summary.baseline.detectors, []);
  assert.match(readFileSync(join(w.dir, 'out1', 'flows_scored.csv'), 'utf8'), /,0,normal,/, 'no evidence is risk 0, not 0.5');
});

// ---------------------------------------------------------------------------------------------
// issue 9 #4: SIGINT/SIGTERM during a long train or predict leave nothing half-written

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  err: string;
}

/**
 * Start `args`, wait until `ready(dir)` holds (or `afterMs` passed), send `signal`, wait for exit.
 */
function interrupt(cwd: string, args: string[], signal: NodeJS.Signals, ready: (stderr: string) => boolean, afterMs: number): Promise<Finished & { sentWhileReady: boolean }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [main, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const t0 = performance.now();
    let sentWhileReady = false;
    const poll = setInterval(() => {
      const isReady = ready(err);
      if (isReady || performance.now() - t0 > afterMs) {
        clearInterval(poll);
        sentWhileReady = isReady;
        child.kill(signal);
      }
    }, 20);
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolveRun({ code, signal: sig, err, sentWhileReady });
    });
  });
}

test('SIGINT/SIGTERM during a long predict: the half-written output is removed, an older output and the input are intact, one line, exit 130/143', async () => {
  const w = workspace();
  const big = flowsCsv(400_000, 3);
  writeFileSync(join(w.dir, 'big.csv'), big);
  writeFileSync(join(w.dir, 'scored.csv'), 'an older output\n');
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const r = await interrupt(w.dir, ['predict', 'm.nsm', 'big.csv', '-o', 'scored.csv'], signal, () => temporaries(w.dir).length > 0, 30_000);
    assert.ok(r.sentWhileReady, 'the signal came while the output was being written');
    assert.equal(r.code, code, r.err);
    assert.match(r.err, new RegExp(`netsentinel: interrupted by ${signal}; 1 unfinished output removed\\n$`));
    assert.equal(readFileSync(join(w.dir, 'scored.csv'), 'utf8'), 'an older output\n', 'the older output is untouched');
    assert.deepEqual(temporaries(w.dir), [], 'no temporary left');
    assert.equal(readFileSync(join(w.dir, 'big.csv'), 'utf8'), big, 'the input is intact');
  }
});

test('SIGINT/SIGTERM during a long train: no model file appears (and an older one is untouched), one line, exit 130/143', async () => {
  const w = workspace();
  writeFileSync(join(w.dir, 'big.csv'), flowsCsv(60_000, 5));
  writeFileSync(join(w.dir, 'old.nsm'), 'an older model');
  for (const [signal, code, out] of [['SIGTERM', 143, 'new.nsm'], ['SIGINT', 130, 'old.nsm']] as const) {
    const r = await interrupt(
      w.dir,
      // enough trees that training is still under way when the signal comes, on a fast machine too
      ['train', 'big.csv', '--label', 'label', '--model', 'random-forest', '--param', 'n_estimators=3000', '-o', out],
      signal,
      // signalled once training has started (its first progress line), not after a guessed delay
      (stderr) => /training Random forest/.test(stderr),
      60_000,
    );
    assert.ok(r.sentWhileReady, 'the signal came while the model was being trained');
    assert.equal(r.code, code, r.err);
    assert.match(r.err, new RegExp(`netsentinel: interrupted by ${signal}(; 1 unfinished output removed)?\\n$`));
    assert.equal(existsSync(join(w.dir, 'new.nsm')), false, 'no new model file');
    assert.equal(readFileSync(join(w.dir, 'old.nsm'), 'utf8'), 'an older model');
    assert.deepEqual(temporaries(w.dir), []);
  }
});

// ---------------------------------------------------------------------------------------------
// pipes as outputs: '-' is the way; a FIFO or a process substitution path is refused up front

test("pipes as outputs: '-' streams into a pipe; a named pipe or /dev/fd/N from >(...) is refused before any work", () => {
  const w = workspace();
  const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${main}" predict m.nsm d.csv -o - --quiet | head -3`], { cwd: w.dir, encoding: 'utf8' });
  assert.equal(piped.stdout.split('\n')[0], 'file,line,prediction,probability,score,src_ip,dst_ip,label');
  assert.equal(piped.stderr, '', 'head closing the pipe early is not an error');
  if (existsSync('/bin/bash')) {
    const sub = spawnSync('/bin/bash', ['-c', `"${process.execPath}" "${main}" predict m.nsm d.csv -o >(cat > /dev/null)`], { cwd: w.dir, encoding: 'utf8' });
    assert.equal(sub.status, 2, sub.stderr);
    assert.match(sub.stderr, /^netsentinel: predict: cannot write \/dev\/fd\/\d+: it is a pipe \(FIFO\), not a regular file .*use '-' and a shell redirection/);
  }
});

// ---------------------------------------------------------------------------------------------
// analyze's own outputs (src/analysis/sinks/): a failed run aborts every sink, so nothing appears

test(
  'a failed analyze (schema mismatch mid-run) leaves no output under its real name',
  () => {
    const w = workspace();
    // a second file whose columns differ: the run fails after the outputs were opened
    writeFileSync(join(w.dir, 'other.csv'), 'a,b\n1,2\n3,4\n');
    const b = run(w.dir, ['baseline', 'd.csv', '--label', 'label', '-o', 'b.nsb', '--quiet']);
    assert.equal(b.code, 0, b.err);
    // with a baseline analyze streams: the outputs are open when other.csv turns out different
    const r = run(w.dir, ['analyze', 'd.csv', 'other.csv', '-b', 'b.nsb', '-o', 'out', '--store', 'none', '--quiet']);
    assert.equal(r.code, 2, r.err);
    const left = existsSync(join(w.dir, 'out')) ? readdirSync(join(w.dir, 'out')) : [];
    assert.deepEqual(left, [], 'no half-written alerts.jsonl or flows_scored.csv');
  },
);
