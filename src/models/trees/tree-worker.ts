/**
 * Worker-thread entry for tree models: receives the shared data once (workerData), then, for each
 * batch it is sent, claims and grows trees with the very functions the calling thread uses
 * (tree-team.ts, tree-jobs.ts). Nothing else runs here; errors travel back to the batch's promise.
 */
import type { Transferable } from 'node:worker_threads';
import { serveTasks } from '../../util/worker-pool.js';
import { GrowWorkspace } from './learner.js';
import { treeBuffers } from './tree-jobs.js';
import { claimItems, strideOf, type ClaimMessage, type ClaimResult, type TeamData } from './tree-team.js';
import type { TreeArrays } from './tree-arrays.js';

let ws: GrowWorkspace | undefined;

serveTasks<ClaimMessage, ClaimResult>(
  (msg, raw) => {
    const setup = raw as TeamData;
    ws ??= new GrowWorkspace(setup.data.bins, strideOf(setup));
    return claimItems(msg, setup, ws);
  },
  (r) => r.results.flatMap((t): Transferable[] => ('feature' in t ? treeBuffers(t as TreeArrays) : [])),
);
