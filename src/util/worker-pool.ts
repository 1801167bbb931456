/**
 * A small pool of worker threads for CPU-bound work that splits into independent tasks (the trees
 * of a forest, the class trees of a boosting round, batches to score). Large inputs are shared, not
 * copied: put them in SharedArrayBuffers and hand them over once as the pool's `data` (every
 * worker receives it as `workerData`); tasks and results stay small.
 *
 * Results come back to the promise of the task that asked, so callers that combine results in task
 * order get the same answer whatever the number of threads or the order tasks finish in.
 *
 * Workers are unref'd while idle: a pool someone forgot to close never keeps the process alive.
 * `close()` terminates them. A worker that throws fails its task with the worker's message; a
 * worker that dies fails every task still waiting, and the pool refuses new ones.
 *
 * Written here rather than taken from a library (piscina, workerpool) because what trees need is
 * a hundred lines and one more dependency would be an install-time cost for every user.
 *
 * Worker scripts are compiled JavaScript next to their caller: resolve them with
 * `new URL('./x-worker.js', import.meta.url)`, and call `serveTasks` inside.
 */
import { availableParallelism } from 'node:os';
import { Worker, parentPort, workerData, type Transferable } from 'node:worker_threads';

interface Waiting<Out> {
  resolve(value: Out): void;
  reject(err: Error): void;
}

interface Queued<In, Out> extends Waiting<Out> {
  task: In;
  transfer: readonly Transferable[];
}

type Reply<Out> = { ok: true; value: Out } | { ok: false; name: string; message: string; stack?: string };

/** Threads this machine can run at once (what ctx.threads defaults to). */
export function availableThreads(): number {
  return Math.max(1, availableParallelism());
}

export class WorkerPool<In, Out> {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Waiting<Out>>();
  private readonly queue: Queued<In, Out>[] = [];
  private failure: Error | undefined;
  private closing = false;

  /**
   * Start `size` workers running `script`, each receiving `data` as its workerData (typed arrays
   * over SharedArrayBuffers are shared, everything else is copied once per worker).
   */
  constructor(script: URL, size: number, data?: unknown) {
    if (!(size >= 1)) throw new Error(`WorkerPool: size must be at least 1, got ${size}`);
    this.size = size;
    for (let i = 0; i < size; i++) {
      const w = new Worker(script, { workerData: data });
      w.on('message', (msg: Reply<Out>) => this.settle(w, msg));
      w.on('error', (err: Error) => this.fail(err));
      w.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`worker thread exited unexpectedly (code ${code})`));
      });
      // after the listeners: attaching a 'message' listener refs the worker again
      w.unref();
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Run one task on the next free worker; `transfer` lists buffers to move rather than copy. */
  run(task: In, transfer: readonly Transferable[] = []): Promise<Out> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error('WorkerPool: the pool is closed'));
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ task, transfer, resolve, reject });
      this.dispatch();
    });
  }

  /** Run every task; results in the order of `tasks`. */
  runAll(tasks: readonly In[]): Promise<Out[]> {
    return Promise.all(tasks.map((t) => this.run(t)));
  }

  /** Stop every worker. Tasks still queued or running fail. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const err = new Error('WorkerPool: closed before the task ran');
    for (const q of this.queue.splice(0)) q.reject(err);
    await Promise.all(this.workers.map((w) => w.terminate()));
    const stopped = new Error('WorkerPool: closed while the task was running');
    for (const waiting of this.busy.values()) waiting.reject(stopped);
    this.busy.clear();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.shift()!;
      const q = this.queue.shift()!;
      this.busy.set(w, q);
      // a busy worker keeps the process alive until its answer arrives
      w.ref();
      w.postMessage(q.task, q.transfer as Transferable[]);
    }
  }

  private settle(w: Worker, msg: Reply<Out>): void {
    const waiting = this.busy.get(w);
    this.busy.delete(w);
    w.unref();
    this.idle.push(w);
    if (waiting) {
      if (msg.ok) waiting.resolve(msg.value);
      else {
        const e = new Error(msg.message);
        e.name = msg.name;
        if (msg.stack) e.stack = msg.stack;
        waiting.reject(e);
      }
    }
    this.dispatch();
  }

  private fail(err: Error): void {
    if (this.closing) return;
    this.failure ??= err;
    for (const [w, waiting] of this.busy) {
      w.unref();
      waiting.reject(err);
    }
    this.busy.clear();
    for (const q of this.queue.splice(0)) q.reject(err);
  }
}

/**
 * The worker side: answer each task with handle(task, workerData). `transferOf` names buffers of
 * the result to move back instead of copying (typed arrays the worker no longer needs).
 */
export function serveTasks<In, Out>(
  handle: (task: In, data: unknown) => Out | Promise<Out>,
  transferOf?: (result: Out) => Transferable[],
): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks must run inside a worker thread');
  port.on('message', async (task: In) => {
    let reply: Reply<Out>;
    let transfer: Transferable[] = [];
    try {
      const value = await handle(task, workerData);
      reply = { ok: true, value };
      if (transferOf) transfer = transferOf(value);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      reply = { ok: false, name: err.name, message: err.message, stack: err.stack };
    }
    port.postMessage(reply, transfer);
  });
}

/** A copy of a typed array backed by a SharedArrayBuffer (workers then read it without a copy). */
export function sharedCopy<T extends Float64Array | Int32Array | Uint8Array>(a: T): T {
  const C = a.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const out = new C(new SharedArrayBuffer(a.length * C.BYTES_PER_ELEMENT));
  out.set(a);
  return out;
}
