/**
 * Worker thread entry for kernel work (see kernel-jobs.ts and kernel-pool.ts). Each message is a
 * job whose arrays live in SharedArrayBuffers; the worker claims chunks until none is left. It
 * keeps nothing between jobs.
 */
import { parentPort } from 'node:worker_threads';
import { workOn, type KernelJob } from './kernel-jobs.js';

parentPort?.on('message', (job: KernelJob) => {
  workOn(job);
});
