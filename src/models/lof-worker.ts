/**
 * Worker-thread entry for LOF fits: receives the shared training rows and output arrays once
 * (workerData), builds the same KD-tree, and claims chunks of neighbour searches
 * (lof-neighbours.ts) alongside the calling thread.
 */
import { serveTasks } from '../util/worker-pool.js';
import type { KdTree } from './cluster/kd-tree.js';
import { claimNeighbours, treeForJob, type NeighbourJob } from './lof-neighbours.js';

let tree: KdTree | undefined;

serveTasks<null, number>((_task, raw) => {
  const job = raw as NeighbourJob;
  tree ??= treeForJob(job);
  return claimNeighbours(job, tree);
});
