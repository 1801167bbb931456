/**
 * `netsentinel analyze` as a user runs it (real processes, files, exit codes) for what issue 9
 * asked of it: the flow-alert cap stated wherever it bites, outputs that are whole or absent,
 * signals, and one store run per analysis.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const sample = join(root, 'samples', 'loopback');
const dir = mkdtempSync(join(tmpdir(), 'ns-analyze-'));

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

before(() => {
  const b = run(['baseline', join(sample, 'normal.csv'), '-o', 'loop.nsb', '-q', '--threads', '1']);
  assert.equal(b.code, 0, b.err);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the flow-alert cap: stated in the summary, on stderr (even with -q), in the text and the report; findings and sources never dropped', () => {
  // the cap alone (the per-source limit, on by default, is the next test's)
  const full = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'full', '--store', 'none', '--json', '-q', '--threads', '1', '--flow-alerts-per-source', '0']);
  assert.equal(full.code, 0, full.err);
  const f = JSON.parse(full.out);
  assert.ok(f.riskyFlows > 5, `the sample should have risky flows (${f.riskyFlows})`);
  assert.equal(f.alerts.flowAlertsLeftOut, undefined, 'nothing left out under the default cap');
  assert.doesNotMatch(full.err, /got no alert/);

  const capped = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'capped', '--store', 'cap.db', '--json', '-q', '--threads', '1', '--max-flow-alerts', '3', '--flow-alerts-per-source', '0']);
  assert.equal(capped.code, 0, capped.err);
  const c = JSON.parse(capped.out);
  assert.equal(c.alerts.maxFlowAlerts, 3);
  assert.equal(c.alerts.flowAlertsLeftOut, f.riskyFlows - 3);
  assert.match(capped.err, new RegExp(`warning: ${c.alerts.flowAlertsLeftOut} of ${f.riskyFlows} risky flows got no alert: the cap of 3 flow alerts`));
  const lines = readFileSync(join(dir, 'capped', 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const by = (src: string): number => lines.filter((a) => a.netsentinel.rule === undefined && a.alert.signature.startsWith(src)).length;
  assert.equal(by('netsentinel: risky flow'), 3);
  assert.equal(lines.filter((a) => a.netsentinel.rule !== undefined).length, c.findings, 'every finding has its alert');
  assert.equal(by('netsentinel: risky source'), c.riskyIps.length, 'every risky source has its alert');
  assert.equal(c.alerts.written, 3 + c.findings + c.riskyIps.length);
  assert.equal(c.alerts.stored, c.alerts.written);
  const summary = JSON.parse(readFileSync(join(dir, 'capped', 'summary.json'), 'utf8'));
  assert.equal(summary.alerts.flowAlertsLeftOut, c.alerts.flowAlertsLeftOut);
  assert.match(readFileSync(join(dir, 'capped', 'report.html'), 'utf8'), new RegExp(`Flow alerts capped.</b> ${c.alerts.flowAlertsLeftOut} of ${f.riskyFlows} risky flows got no alert`));

  const text = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'capped-text', '--store', 'none', '--no-report', '-q', '--threads', '1', '--max-flow-alerts', '3', '--flow-alerts-per-source', '0']);
  assert.match(text.out, /risky flows got no alert: the cap of 3 flow alerts/);

  // from the configuration file, and 0 = no cap
  writeFileSync(join(dir, 'cap.yaml'), 'alerts:\n  maxFlowAlerts: 2\n  flowAlertsPerSource: 0\n');
  const cfg = JSON.parse(run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'cfg', '--store', 'none', '--no-report', '--json', '-q', '--threads', '1', '-c', 'cap.yaml']).out);
  assert.equal(cfg.alerts.flowAlertsLeftOut, f.riskyFlows - 2);
  const none = JSON.parse(run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'nocap', '--store', 'none', '--no-report', '--json', '-q', '--threads', '1', '-c', 'cap.yaml', '--max-flow-alerts', '0']).out);
  assert.equal(none.alerts.flowAlertsLeftOut, undefined);
  assert.equal(none.alerts.written, f.alerts.written);
  writeFileSync(join(dir, 'bad.yaml'), 'alerts:\n  maxFlowAlerts: -4\n');
  const bad = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'bad', '--store', 'none', '-c', 'bad.yaml']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /bad\.yaml: alerts\.maxFlowAlerts must be a whole number ≥ 0/);
});

/** every file in `folder` (none when it does not exist) */
const filesIn = (folder: string): string[] => (existsSync(folder) ? readdirSync(folder) : []);

async function runsOf(db: string): Promise<{ id: number; state: string; flows: number }[]> {
  const Database = (await import('better-sqlite3')).default;
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT id, state, flows FROM runs ORDER BY id').all() as { id: number; state: string; flows: number }[];
  } finally {
    d.close();
  }
}

test('SIGINT/SIGTERM at points of a long analyze: stop after the batch, one line, nothing half-written, run marked interrupted, 130/143', { timeout: 300_000 }, async () => {
  // a long input: the loopback traffic 150 times over
  const body = readFileSync(join(sample, 'traffic.csv'), 'utf8').split('\n');
  const rows = body.slice(1).filter(Boolean).join('\n') + '\n';
  writeFileSync(join(dir, 'long.csv'), body[0] + '\n' + rows.repeat(150));
  const points: { name: string; signal: 'SIGINT' | 'SIGTERM'; when: (out: string) => boolean }[] = [
    // as soon as the outputs' temporaries exist (the pipeline has started)
    { name: 'at the start of analysis', signal: 'SIGINT', when: (out) => filesIn(out).some((f) => f.endsWith('.tmp')) },
    // once scored flows are being written
    {
      name: 'mid-stream',
      signal: 'SIGTERM',
      when: (out) => filesIn(out).some((f) => f.startsWith('.flows_scored.csv') && statSync(join(out, f)).size > 2_000_000),
    },
  ];
  for (const [i, p] of points.entries()) {
    const out = join(dir, `sig${i}`);
    const db = join(dir, `sig${i}.db`);
    // a complete earlier run's outputs must survive an interrupted one untouched
    const child = spawn(process.execPath, [main, 'analyze', 'long.csv', '-b', 'loop.nsb', '-o', out, '--store', db, '-q', '--threads', '1', '--batch-rows', '2000', '--no-report'], { cwd: dir });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    let sent = false;
    const deadline = Date.now() + 120_000;
    while (!sent && Date.now() < deadline && child.exitCode === null) {
      if (p.when(out)) {
        child.kill(p.signal);
        sent = true;
      } else await new Promise((r) => setTimeout(r, 20));
    }
    const code = await exited;
    assert.ok(sent, `${p.name}: the run ended before the point was reached (${err})`);
    assert.equal(code, p.signal === 'SIGINT' ? 130 : 143, `${p.name}: exit code (stderr: ${err})`);
    const lines = err.trim().split('\n');
    const last = lines.at(-1)!;
    assert.match(last, new RegExp(`^netsentinel: interrupted by ${p.signal}: stopped after [0-9,]+ flows; no output written \\(unfinished files removed\\); store run 1 marked interrupted$`), p.name);
    assert.ok(lines.length <= 2, `${p.name}: at most the notice and the result line on stderr: ${err}`);
    assert.deepEqual(filesIn(out), [], `${p.name}: nothing written, no temporaries left`);
    const runs = await runsOf(db);
    assert.equal(runs.length, 1);
    assert.equal(runs[0].state, 'interrupted');
    assert.equal(runs[0].flows % 2000, 0, 'stopped on a batch boundary');
  }
});

test('a failed analyze leaves no outputs, no 0-byte files and no temporaries; earlier outputs stay whole', () => {
  const good = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'keep', '--store', 'none', '-q', '--threads', '1']);
  assert.equal(good.code, 0, good.err);
  const before = Object.fromEntries(filesIn(join(dir, 'keep')).map((f) => [f, readFileSync(join(dir, 'keep', f)).length]));
  writeFileSync(join(dir, 'empty.csv'), '');
  writeFileSync(join(dir, 'garbage.csv'), Buffer.from(Array.from({ length: 4000 }, (_v, i) => (i * 7919) % 256)));
  writeFileSync(join(dir, 'other-schema.csv'), 'a,b,c\n1,2,3\n4,5,6\n');
  const cases: [string, string[]][] = [
    ['empty input', [join(dir, 'empty.csv')]],
    ['garbage', [join(dir, 'garbage.csv')]],
    ['schema mismatch', [join(dir, 'other-schema.csv')]],
    ['--batch-rows 0', [join(sample, 'traffic.csv'), '--batch-rows', '0']],
  ];
  for (const [name, args] of cases) {
    for (const out of [`fail-${name.replace(/\W+/g, '_')}`, 'keep']) {
      const r = run(['analyze', ...args, '-b', 'loop.nsb', '-o', out, '--store', 'none', '-q', '--threads', '1']);
      assert.equal(r.code, 2, `${name}: exit 2 (${r.err})`);
      assert.equal(r.err.trim().split('\n').length, 1, `${name}: one line: ${r.err}`);
      const files = filesIn(join(dir, out));
      if (out === 'keep') {
        assert.deepEqual(Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, out, f)).length])), before, `${name}: the earlier outputs are untouched`);
      } else {
        assert.deepEqual(files, [], `${name}: nothing left behind`);
      }
    }
  }
});

const notRoot = typeof process.getuid === 'function' && process.getuid() === 0 ? false : 'needs root to mount a small tmpfs (CI runs as root)';

test('a full disk (tmpfs) at several points: exit 2, one line naming the file, nothing left behind', { skip: process.env.CI === 'true' ? false : notRoot, timeout: 120_000 }, () => {
  // 64 KiB: the first stream fails; 300 KiB: the streams fit, the chart or the report does not
  for (const size of ['64k', '300k', '420k']) {
    const mnt = join(dir, `full-${size}-${process.pid}`);
    spawnSync('mkdir', [mnt]);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt], { encoding: 'utf8' });
    assert.equal(m.status, 0, `mount: ${m.stderr}`);
    try {
      // one alert per risky flow: the sizes above were chosen for those outputs (the per-source limit makes alerts.jsonl ~150 KiB smaller)
      const r = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', join(mnt, 'out'), '--store', 'none', '-q', '--threads', '1', '--flow-alerts-per-source', '0']);
      assert.equal(r.code, 2, `${size}: exit 2 (${r.err})`);
      assert.match(r.err, /^netsentinel: .*(no space|ENOSPC)/i, size);
      assert.equal(r.err.trim().split('\n').length, 1, `${size}: one line: ${r.err}`);
      assert.deepEqual(filesIn(join(mnt, 'out')), [], `${size}: nothing left behind`);
    } finally {
      spawnSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  }
});

test('--timings: the breakdown on stderr and in --json, phases adding up to no more than the total', () => {
  const r = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'timed', '--store', 'timed.db', '--json', '-q', '--threads', '1', '--timings']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^timings \(wall\):\n {2}process start +\d+ ms/m);
  for (const phase of ['modules', 'model load', 'store open', 'read', 'rules', 'score', 'aggregate', 'write: flows_scored.csv', 'write: risk_scores.png', 'write: report.html', 'write: store', 'commit: summary.json', 'total']) {
    assert.match(r.err, new RegExp(`^ {2}${phase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\d+ ms`, 'm'), phase);
  }
  assert.match(r.err, /^ {2}cpu \(user\+sys\) +\d+ ms$/m, 'the whole process CPU time');
  const t = JSON.parse(r.out).timings as Record<string, number>;
  const sum = Object.entries(t).filter(([k]) => k !== 'total' && k !== 'cpu').reduce((a, [, v]) => a + v, 0);
  assert.ok(t.total > 0 && sum <= t.total * 1.01 + 1, `phases ${sum} ms within the total ${t.total} ms`);
  // CPU of the process so far: at least what module loading and scoring took, never a wall-clock figure by mistake
  assert.ok(t.cpu > 0 && t.cpu >= t.modules * 0.5, `cpu ${t.cpu} ms`);
  assert.ok(!('timings' in JSON.parse(readFileSync(join(dir, 'timed', 'summary.json'), 'utf8'))), 'summary.json stays free of timings');
});

test('the text summary: rules off as a short count (--verbose gives each reason), findings grouped by rule', () => {
  const short = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'text', '--store', 'none', '--no-report', '-q', '--threads', '1']);
  assert.equal(short.code, 0, short.err);
  const m = /^ {2}rules off: (\d+) of (\d+) \(columns missing or not configured; --verbose says why\)$/m.exec(short.out);
  assert.ok(m, short.out);
  assert.doesNotMatch(short.out, /needs the forward packet count/);
  assert.match(short.out, /^ {6}- Vertical port scan: target host 127\.0\.0\.1, \d+ ports, \d+ \w{3} \d\d:\d\d, \d+ flows$/m);
  const verbose = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'text-v', '--store', 'none', '--no-report', '-q', '--threads', '1', '--verbose']);
  assert.match(verbose.out, new RegExp(`^ {2}rules off: ${m[1]} of ${m[2]}:$`, 'm'));
  assert.equal(verbose.out.match(/^ {4}[a-z-]+\.[a-z.-]+: .+$/gm)?.length, Number(m[1]), 'one reason line per rule off');
});
