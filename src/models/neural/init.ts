/**
 * Initial weights from the seeded Rng: He-uniform (bound sqrt(6 / fanIn)) for layers followed by
 * ReLU, Glorot-uniform (bound sqrt(6 / (fanIn + fanOut))) for the others; biases start at zero.
 * These are the textbook choices that keep activations' variance roughly constant through the
 * stack, so neither the 64-32-16 autoencoder nor a wide MLP starts saturated or dead.
 *
 * It does not reproduce PyTorch's or scikit-learn's exact draws (different generators), only the
 * distributions; results match theirs statistically, not bit for bit.
 */
import type { Rng } from '../../util/rng.js';
import type { LayerShape, NetworkParams } from './network.js';

export function initialParams(inputs: number, layers: readonly LayerShape[], rng: Rng): NetworkParams {
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  let fanIn = inputs;
  for (const L of layers) {
    const bound = L.activation === 'relu' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + L.units));
    const w = new Float32Array(fanIn * L.units);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * bound;
    weights.push(w);
    biases.push(new Float32Array(L.units));
    fanIn = L.units;
  }
  return { inputs, layers: layers.map((l) => ({ ...l })), weights, biases };
}
