/**
 * A stack of dense layers laid out in one F32Arena so the SIMD kernels of src/linalg can run
 * the forward pass, backpropagation and the Adam step without any copying or allocation per
 * batch. This is the runtime object; what gets saved is `NetworkParams` (plain typed arrays,
 * unpadded), which `fromParams`/`toParams` translate.
 *
 * Layout: every width is padded to a multiple of 4 with zero units whose weights, biases,
 * gradients and Adam moments stay exactly zero (their gradients are zero because the loss masks
 * padded outputs and padded inputs are zero), so the padding never changes a result. All weights
 * are one block followed by all biases, so one Adam call covers the decayed weights and one the
 * undecayed biases; gradients and moments mirror that block.
 *
 * It deliberately knows nothing of losses, epochs or data sets (trainer.ts, losses.ts): it takes
 * the gradient of the loss with respect to the last pre-activation (`outputGrad`) and gives back
 * parameter gradients. Activations: ReLU (fused into the matrix product, its derivative fused as
 * a mask) and sigmoid run in the wasm kernels; softmax, only ever on a handful of output units,
 * runs here in JavaScript.
 */
import { F32Arena, type F32Block } from '../../linalg/arena.js';
import { pad4, RELU } from '../../linalg/simd-kernels.js';
import type { Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';

export type Activation = 'relu' | 'sigmoid' | 'softmax' | 'identity';

export interface LayerShape {
  readonly units: number;
  readonly activation: Activation;
}

/** Learned parameters as saved in a model file: weights of layer l are inputs_l x units_l, row-major. */
export interface NetworkParams {
  readonly inputs: number;
  readonly layers: readonly LayerShape[];
  readonly weights: Float32Array[];
  readonly biases: Float32Array[];
}

interface Layer {
  readonly inputs: number;
  readonly units: number;
  readonly inPad: number;
  readonly outPad: number;
  readonly activation: Activation;
  readonly w: F32Block;
  readonly b: F32Block;
  readonly gw: F32Block;
  readonly gb: F32Block;
  /** Wᵀ (outPad x inPad), refreshed before backpropagating through this layer */
  readonly wt: F32Block;
  /** this layer's activations for the batch (batch x outPad) */
  readonly out: F32Block;
  /** gradient of the loss with respect to this layer's pre-activation (batch x outPad) */
  readonly dz: F32Block;
}

export class NetworkRuntime {
  readonly arena: F32Arena;
  readonly inputs: number;
  readonly inPad: number;
  readonly batchCapacity: number;
  /** the staged batch of inputs (batchCapacity x inPad) */
  readonly input: F32Block;
  readonly layers: readonly Layer[];
  private readonly params: F32Block;
  private readonly grads: F32Block;
  private readonly moment1: F32Block;
  private readonly moment2: F32Block;
  private readonly weightCount: number;
  private readonly training: boolean;

  /**
   * @param training allocate gradients and Adam moments (scoring needs only the forward pass)
   */
  constructor(inputs: number, shapes: readonly LayerShape[], batchCapacity: number, training: boolean) {
    this.inputs = inputs;
    this.inPad = pad4(inputs);
    this.batchCapacity = batchCapacity;
    this.training = training;
    let weightCount = 0;
    let biasCount = 0;
    let actCount = 0;
    let prev = this.inPad;
    for (const s of shapes) {
      const o = pad4(s.units);
      weightCount += prev * o;
      biasCount += o;
      actCount += batchCapacity * o;
      prev = o;
    }
    this.weightCount = weightCount;
    const p = weightCount + biasCount;
    const blocks = (training ? 4 * p + weightCount + 2 * actCount : p + actCount) + batchCapacity * this.inPad;
    const bytes = F32Arena.bytesFor(blocks) + 16 * (4 * shapes.length + 8);
    if (bytes > 1024 * 1024 * 1024) {
      throw new UserError(
        `a network of ${shapes.map((s) => s.units).join('-')} units on ${inputs} inputs with batches of ${batchCapacity} ` +
          `needs ${Math.round(bytes / 2 ** 20)} MiB of working memory, more than the 1024 MiB the kernels address; lower batchSize`,
      );
    }
    this.arena = F32Arena.create(bytes);
    const a = this.arena;
    this.input = a.alloc(batchCapacity * this.inPad);
    this.params = a.alloc(p);
    this.grads = training ? a.alloc(p) : this.params;
    this.moment1 = training ? a.alloc(p) : this.params;
    this.moment2 = training ? a.alloc(p) : this.params;
    const layers: Layer[] = [];
    let wOff = 0;
    let bOff = weightCount;
    prev = this.inPad;
    let prevUnits = inputs;
    for (const s of shapes) {
      const o = pad4(s.units);
      const sub = (blk: F32Block, off: number, len: number): F32Block => a.view(blk.ptr + 4 * off, len);
      const out = a.alloc(batchCapacity * o);
      layers.push({
        inputs: prevUnits,
        units: s.units,
        inPad: prev,
        outPad: o,
        activation: s.activation,
        w: sub(this.params, wOff, prev * o),
        b: sub(this.params, bOff, o),
        gw: training ? sub(this.grads, wOff, prev * o) : sub(this.params, wOff, prev * o),
        gb: training ? sub(this.grads, bOff, o) : sub(this.params, bOff, o),
        wt: training ? a.alloc(prev * o) : out,
        out,
        dz: training ? a.alloc(batchCapacity * o) : out,
      });
      wOff += prev * o;
      bOff += o;
      prev = o;
      prevUnits = s.units;
    }
    this.layers = layers;
  }

  get output(): Layer {
    return this.layers[this.layers.length - 1];
  }

  /** Copies learned parameters in (padding stays zero). */
  load(p: NetworkParams): void {
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l];
      const w = p.weights[l];
      for (let i = 0; i < L.inputs; i++) {
        L.w.view.set(w.subarray(i * L.units, (i + 1) * L.units), i * L.outPad);
      }
      L.b.view.set(p.biases[l]);
    }
  }

  /** Copies learned parameters out, unpadded. */
  save(): NetworkParams {
    const weights: Float32Array[] = [];
    const biases: Float32Array[] = [];
    for (const L of this.layers) {
      const w = new Float32Array(L.inputs * L.units);
      for (let i = 0; i < L.inputs; i++) w.set(L.w.view.subarray(i * L.outPad, i * L.outPad + L.units), i * L.units);
      weights.push(w);
      biases.push(L.b.view.slice(0, L.units));
    }
    return {
      inputs: this.inputs,
      layers: this.layers.map((L) => ({ units: L.units, activation: L.activation })),
      weights,
      biases,
    };
  }

  /** Stages rows `index[start .. start+count)` of X as the batch input (float64 -> float32). */
  stage(X: Matrix, index: Int32Array | null, start: number, count: number): void {
    const d = X.cols;
    const pad = this.inPad;
    const dst = this.input.view;
    const src = X.data;
    // a row at a time by set(): the engine's own float64 -> float32 conversion (round to nearest
    // even, as an element store), several times faster than a loop of element stores
    for (let r = 0; r < count; r++) {
      const row = index ? index[start + r] : start + r;
      dst.set(src.subarray(row * d, row * d + d), r * pad);
    }
  }

  /** Stages rows `index[start .. start+count)` of a `paddedFloat32` copy of the data. */
  stagePadded(src: Float32Array, index: Int32Array, start: number, count: number): void {
    const pad = this.inPad;
    const dst = this.input.view;
    for (let r = 0; r < count; r++) {
      const s = index[start + r] * pad;
      dst.set(src.subarray(s, s + pad), r * pad);
    }
  }

  /** Forward pass over the first `rows` staged rows. */
  forward(rows: number): void {
    const k = this.arena.kernels;
    let inPtr = this.input.ptr;
    for (const L of this.layers) {
      k.gemmNN(inPtr, L.w.ptr, L.out.ptr, rows, L.inPad, L.outPad, L.b.ptr, 0, L.activation === 'relu' ? RELU : 0);
      if (L.activation === 'sigmoid') {
        k.sigmoid(L.out.ptr, rows * L.outPad);
        // sigmoid(0) = 0.5 in the padding: put the zeros back, or the next layer would learn
        // weights for those phantom inputs that save() then drops
        if (L.units !== L.outPad) zeroPadding(L.out.view, rows, L.units, L.outPad);
      } else if (L.activation === 'softmax') softmaxInPlace(L.out.view, rows, L.units, L.outPad);
      inPtr = L.out.ptr;
    }
  }

  /**
   * Backpropagation for the first `rows` rows, given the loss gradient with respect to the last
   * layer's pre-activation already written to `output.dz` (padded columns zero). Leaves the
   * gradients of the summed loss in the gradient block.
   */
  backward(rows: number): void {
    if (!this.training) throw new Error('NetworkRuntime: backward on a scoring-only network');
    const k = this.arena.kernels;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const L = this.layers[l];
      const inPtr = l === 0 ? this.input.ptr : this.layers[l - 1].out.ptr;
      k.gemmTN(inPtr, L.dz.ptr, L.gw.ptr, rows, L.inPad, L.outPad, 0);
      k.colSum(L.dz.ptr, L.gb.ptr, rows, L.outPad, 0);
      if (l === 0) break;
      const P = this.layers[l - 1];
      k.transpose(L.w.ptr, L.wt.ptr, L.inPad, L.outPad);
      // dA_prev = dZ · Wᵀ; for a ReLU layer the derivative is "where its output was > 0"
      const mask = P.activation === 'relu' ? P.out.ptr : 0;
      k.gemmNN(L.dz.ptr, L.wt.ptr, P.dz.ptr, rows, L.outPad, L.inPad, 0, mask, 0);
      if (P.activation === 'sigmoid') {
        const a = P.out.view;
        const g = P.dz.view;
        const n = rows * P.outPad;
        for (let i = 0; i < n; i++) g[i] *= a[i] * (1 - a[i]);
      } else if (P.activation === 'softmax') {
        throw new Error('NetworkRuntime: softmax is only supported on the output layer');
      }
    }
  }

  /**
   * One Adam step (PyTorch's bias correction) at step `t` (1-based). `decay` is added as
   * decay * w to the weight gradients only, never to biases (scikit-learn's L2 `alpha`).
   */
  adam(t: number, lr: number, beta1: number, beta2: number, eps: number, decay: number): void {
    if (!this.training) throw new Error('NetworkRuntime: adam on a scoring-only network');
    const k = this.arena.kernels;
    const step = lr / (1 - beta1 ** t);
    const invB2 = 1 / Math.sqrt(1 - beta2 ** t);
    const wc = this.weightCount;
    const total = this.params.length;
    k.adam(this.params.ptr, this.grads.ptr, this.moment1.ptr, this.moment2.ptr, wc, step, invB2, eps, beta1, beta2, decay);
    const o = 4 * wc;
    k.adam(this.params.ptr + o, this.grads.ptr + o, this.moment1.ptr + o, this.moment2.ptr + o, total - wc, step, invB2, eps, beta1, beta2, 0);
  }

  /** Σ w² over all weights (not biases), for the L2 term of the reported loss. */
  weightSquares(): number {
    const v = this.params.view;
    let s = 0;
    for (let i = 0; i < this.weightCount; i++) s += v[i] * v[i];
    return s;
  }

  /** Parameter block views, for tests (gradient checks) and snapshots (early stopping). */
  get parameterView(): Float32Array {
    return this.params.view;
  }
  get gradientView(): Float32Array {
    return this.grads.view;
  }
}

function zeroPadding(a: Float32Array, rows: number, units: number, pad: number): void {
  for (let r = 0; r < rows; r++) a.fill(0, r * pad + units, (r + 1) * pad);
}

/** X as float32 rows padded to `pad` columns: converted once so staging a batch is a row copy. */
export function paddedFloat32(X: Matrix, pad: number): Float32Array {
  const out = new Float32Array(X.rows * pad);
  const d = X.cols;
  const src = X.data;
  for (let r = 0; r < X.rows; r++) {
    const s = r * d;
    const o = r * pad;
    for (let c = 0; c < d; c++) out[o + c] = src[s + c];
  }
  return out;
}

function softmaxInPlace(a: Float32Array, rows: number, units: number, pad: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * pad;
    let max = -Infinity;
    for (let c = 0; c < units; c++) if (a[o + c] > max) max = a[o + c];
    let sum = 0;
    for (let c = 0; c < units; c++) {
      const e = Math.exp(a[o + c] - max);
      a[o + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < units; c++) a[o + c] *= inv;
  }
}
