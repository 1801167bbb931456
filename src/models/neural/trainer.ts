/**
 * The epoch loop shared by every network model: seeded shuffle, mini-batches, Adam with L2,
 * the loss curve, and scikit-learn's two stopping rules:
 *   - without a validation split: stop when the training loss has not improved by `tol` for more
 *     than `nIterNoChange` epochs in a row (only when `stopOnPlateau`; the autoencoder, like the
 *     PyTorch loop it replaces, runs its epochs out);
 *   - with one (`earlyStopping`): the same rule on the validation score, and the parameters of
 *     the best validation epoch are restored at the end.
 *
 * What the loss is and how a batch's gradient is formed is the model's business (`TrainTask`);
 * this file never looks at targets. Work runs on the calling thread (FitContext.threads is not
 * used): one batch of the 64-32-16 autoencoder is ~0.1 ms of SIMD work, so two threads would
 * have to meet twice per 0.1 ms; single-threaded SIMD already trains faster than PyTorch on two
 * cores. Data-parallel workers on a shared arena remain the next step for wide networks.
 */
import type { Matrix } from '../../features/matrix.js';
import type { Rng } from '../../util/rng.js';
import { paddedFloat32, type NetworkRuntime } from './network.js';
import type { BatchRows } from './losses.js';

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** L2 penalty, scikit-learn's meaning: loss += alpha / (2 · batch rows) · Σ w² */
  readonly alpha: number;
  readonly shuffle: boolean;
  readonly earlyStopping: boolean;
  readonly nIterNoChange: number;
  readonly tol: number;
  /** stop on a training-loss plateau when there is no validation split */
  readonly stopOnPlateau: boolean;
}

export interface TrainTask {
  readonly X: Matrix;
  readonly trainIndex: Int32Array;
  readonly validIndex: Int32Array | null;
  readonly weights: Float64Array | null;
  /**
   * With the batch staged and the forward pass done, write the output layer's dz and return the
   * batch's summed (weighted) loss.
   */
  lossGradient(net: NetworkRuntime, batch: BatchRows): number;
  /** Score of the current parameters on the validation rows: higher is better. */
  validationScore(net: NetworkRuntime, index: Int32Array): number;
}

export interface TrainResult {
  readonly loss: number[];
  readonly validation: number[];
  readonly epochsRun: number;
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function train(
  net: NetworkRuntime,
  task: TrainTask,
  o: TrainOptions,
  rng: Rng,
  progress?: (done: number, total: number, what?: string) => void,
): Promise<TrainResult> {
  const index = Int32Array.from(task.trainIndex);
  const n = index.length;
  const bs = Math.min(o.batchSize, n, net.batchCapacity);
  const lossCurve: number[] = [];
  const validation: number[] = [];
  let best = Infinity; // training loss, or minus the validation score
  let bestEpoch = 0;
  let noImprovement = 0;
  let stoppedEarly = false;
  let bestParams: Float32Array | null = null;
  let step = 0;
  const source = paddedFloat32(task.X, net.inPad);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    if (o.shuffle) rng.shuffle(index);
    let epochLoss = 0;
    let epochWeight = 0;
    for (let start = 0; start < n; start += bs) {
      const count = Math.min(bs, n - start);
      const batch: BatchRows = { index, start, count, weights: task.weights };
      net.stagePadded(source, index, start, count);
      net.forward(count);
      let loss = task.lossGradient(net, batch);
      let w = count;
      if (task.weights) {
        w = 0;
        for (let r = 0; r < count; r++) w += task.weights[index[start + r]];
      }
      if (o.alpha > 0) loss += (0.5 * o.alpha * net.weightSquares() * w) / count;
      epochLoss += loss;
      epochWeight += w;
      net.backward(count);
      step++;
      net.adam(step, o.learningRate, o.beta1, o.beta2, o.epsilon, o.alpha / count);
    }
    const meanLoss = epochLoss / (epochWeight > 0 ? epochWeight : 1);
    if (!Number.isFinite(meanLoss)) {
      throw new Error(`training diverged at epoch ${epoch + 1} (loss ${meanLoss}); lower the learning rate`);
    }
    lossCurve.push(meanLoss);
    progress?.(epoch + 1, o.epochs, 'epoch');

    let monitored: number | null = null;
    if (o.earlyStopping && task.validIndex && task.validIndex.length > 0) {
      const score = task.validationScore(net, task.validIndex);
      validation.push(score);
      monitored = -score;
    } else if (o.stopOnPlateau) {
      monitored = meanLoss;
    }
    if (monitored !== null) {
      if (monitored > best - o.tol) noImprovement++;
      else noImprovement = 0;
      if (monitored < best) {
        best = monitored;
        bestEpoch = epoch;
        if (o.earlyStopping) bestParams = Float32Array.from(net.parameterView);
      }
      if (noImprovement > o.nIterNoChange) {
        stoppedEarly = true;
        break;
      }
    } else {
      bestEpoch = epoch;
    }
    await yieldToEventLoop();
  }
  if (bestParams) net.parameterView.set(bestParams);
  return { loss: lossCurve, validation, epochsRun: lossCurve.length, bestEpoch, stoppedEarly };
}
