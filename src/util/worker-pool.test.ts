import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { WorkerPool, availableThreads, sharedCopy } from './worker-pool.js';

// a worker written inline, importing the pool module it is tested with
const poolModule = new URL('./worker-pool.js', import.meta.url).href;
const script = new URL(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { serveTasks } from ${JSON.stringify(poolModule)};
      serveTasks((t, data) => {
        if (t.fail) throw new RangeError('bad task ' + t.x);
        if (t.die) process.exit(3);
        Atomics.add(data.counter, 0, t.x);
        return { x: t.x, y: t.x * data.factor, bytes: new Float64Array([t.x]) };
      }, (r) => [r.bytes.buffer]);
    `),
);

interface Task {
  x: number;
  fail?: boolean;
  die?: boolean;
}
interface Result {
  x: number;
  y: number;
  bytes: Float64Array;
}

test('results come back to their own task; shared memory is shared, not copied', async () => {
  const counter = sharedCopy(new Int32Array(1));
  const pool = new WorkerPool<Task, Result>(script, 2, { counter, factor: 3 });
  try {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1);
    const out = await pool.runAll(xs.map((x) => ({ x })));
    assert.deepEqual(
      out.map((r) => r.y),
      xs.map((x) => 3 * x),
    );
    assert.equal(out[4].bytes[0], 5, 'transferred typed arrays arrive intact');
    assert.equal(Atomics.load(counter, 0), 210, 'every worker added to the one shared counter');
  } finally {
    await pool.close();
  }
});

test("a task that throws fails with the worker's message; the pool keeps serving", async () => {
  const pool = new WorkerPool<Task, Result>(script, 1, { counter: sharedCopy(new Int32Array(1)), factor: 1 });
  try {
    await assert.rejects(pool.run({ x: 7, fail: true }), (e: unknown) => e instanceof Error && e.name === 'RangeError' && e.message === 'bad task 7');
    assert.equal((await pool.run({ x: 2 })).y, 2);
  } finally {
    await pool.close();
  }
});

test('a worker that dies fails its task and the pool refuses more work', async () => {
  const pool = new WorkerPool<Task, Result>(script, 1, { counter: sharedCopy(new Int32Array(1)), factor: 1 });
  try {
    await assert.rejects(pool.run({ x: 1, die: true }), /exited unexpectedly \(code 3\)/);
    await assert.rejects(pool.run({ x: 1 }), /exited unexpectedly/);
  } finally {
    await pool.close();
  }
});

test('close fails queued tasks and can be called twice', async () => {
  const pool = new WorkerPool<Task, Result>(script, 1, { counter: sharedCopy(new Int32Array(1)), factor: 1 });
  const first = pool.run({ x: 1 });
  const queued = pool.run({ x: 2 });
  const closing = pool.close();
  await assert.rejects(queued, /closed before the task ran/);
  await closing;
  await pool.close();
  await first.catch(() => undefined); // the running task may or may not have finished
  await assert.rejects(pool.run({ x: 3 }), /closed/);
});

test('a pool nobody closes does not keep the process alive', () => {
  const code = `
    import { WorkerPool, sharedCopy } from ${JSON.stringify(poolModule)};
    const pool = new WorkerPool(new URL(${JSON.stringify(script.href)}), 2, { counter: sharedCopy(new Int32Array(1)), factor: 2 });
    const r = await pool.run({ x: 21 });
    console.log(r.y);
  `;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(res.signal, null, 'the process had to be killed: the idle pool kept it alive');
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout.trim(), '42');
});

test('availableThreads is at least one', () => {
  assert.ok(availableThreads() >= 1);
});
