import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkRuntime, type LayerShape } from './network.js';
import { initialParams } from './init.js';
import { crossEntropyGradient, mseGradient, type BatchRows } from './losses.js';
import { Rng } from '../../util/rng.js';
import type { Matrix } from '../../features/matrix.js';

function randomMatrix(rows: number, cols: number, rng: Rng, lo = -1, hi = 1): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng.next();
  return { rows, cols, data };
}

/**
 * Finite-difference check of every parameter's gradient (padding included: its gradient must be
 * exactly zero and its finite difference too). The network is float32, so the step is 1e-2 and
 * the loss is evaluated as a float64 sum; central differences then agree with backprop to ~1e-3.
 */
function gradientCheck(shapes: LayerShape[], loss: 'mse' | 'xent', seed: number): void {
  const rng = new Rng(seed);
  const inputs = 5;
  const rows = 7;
  const X = randomMatrix(rows, inputs, rng, 0, 1);
  const nOut = shapes[shapes.length - 1].units;
  const y = Int32Array.from({ length: rows }, () => rng.int(nOut));
  const net = new NetworkRuntime(inputs, shapes, rows, true);
  net.load(initialParams(inputs, shapes, rng));
  // random biases too, so no unit sits exactly at a ReLU kink
  for (const L of net.layers) for (let j = 0; j < L.units; j++) L.b.view[j] = 0.2 * rng.normal();
  const out = net.output;
  const batch: BatchRows = { index: null, start: 0, count: rows, weights: null };
  const evaluate = (): number => {
    net.stage(X, null, 0, rows);
    net.forward(rows);
    const s =
      loss === 'mse'
        ? mseGradient(out.out.view, net.input.view, out.dz.view, out.outPad, out.units, out.activation, batch)
        : crossEntropyGradient(out.out.view, y, out.dz.view, out.outPad, out.units, batch);
    return s / rows;
  };
  evaluate();
  net.backward(rows);
  const analytic = Float64Array.from(net.gradientView);
  const p = net.parameterView;
  const h = 1e-2;
  let checked = 0;
  for (let i = 0; i < p.length; i++) {
    const keep = p[i];
    p[i] = keep + h;
    const up = evaluate();
    p[i] = keep - h;
    const down = evaluate();
    p[i] = keep;
    const fd = (up - down) / (2 * h);
    const an = analytic[i];
    const tol = 2e-3 * Math.max(Math.abs(fd), Math.abs(an)) + 2e-5;
    assert.ok(Math.abs(fd - an) <= tol, `parameter ${i}: backprop ${an}, finite difference ${fd}`);
    if (an !== 0) checked++;
  }
  let real = 0;
  let fanIn = inputs;
  for (const L of shapes) {
    real += (fanIn + 1) * L.units;
    fanIn = L.units;
  }
  assert.ok(checked > real / 2, `only ${checked} of ${real} gradients were non-zero`);
}

test('backprop matches finite differences: ReLU + sigmoid hidden layers, sigmoid output, MSE', () => {
  gradientCheck(
    [
      { units: 6, activation: 'relu' },
      { units: 3, activation: 'sigmoid' },
      { units: 5, activation: 'sigmoid' },
    ],
    'mse',
    11,
  );
});

test('backprop matches finite differences: identity output with MSE', () => {
  gradientCheck(
    [
      { units: 9, activation: 'relu' },
      { units: 5, activation: 'identity' },
    ],
    'mse',
    12,
  );
});

test('backprop matches finite differences: softmax output with cross-entropy', () => {
  // a smooth hidden layer: with ReLU a pre-activation within h of 0 makes the difference quotient
  // straddle the kink (the ReLU path is checked by the two tests above)
  gradientCheck(
    [
      { units: 10, activation: 'sigmoid' },
      { units: 3, activation: 'softmax' },
    ],
    'xent',
    13,
  );
});

test('save() after load() gives back the same unpadded parameters', () => {
  const rng = new Rng(5);
  const shapes: LayerShape[] = [
    { units: 7, activation: 'relu' },
    { units: 3, activation: 'identity' },
  ];
  const p = initialParams(6, shapes, rng);
  const net = new NetworkRuntime(6, shapes, 4, false);
  net.load(p);
  const back = net.save();
  assert.deepEqual(back.weights, p.weights);
  assert.deepEqual(back.biases, p.biases);
  assert.equal(net.inPad, 8);
  assert.equal(net.layers[0].outPad, 8);
});

test('softmax rows sum to one and the padding of a sigmoid layer stays zero', () => {
  const rng = new Rng(6);
  const shapes: LayerShape[] = [
    { units: 5, activation: 'sigmoid' },
    { units: 3, activation: 'softmax' },
  ];
  const net = new NetworkRuntime(4, shapes, 3, false);
  net.load(initialParams(4, shapes, rng));
  net.stage(randomMatrix(3, 4, rng), null, 0, 3);
  net.forward(3);
  const hidden = net.layers[0];
  for (let r = 0; r < 3; r++) {
    for (let c = hidden.units; c < hidden.outPad; c++) assert.equal(hidden.out.view[r * hidden.outPad + c], 0);
    let s = 0;
    for (let c = 0; c < 3; c++) s += net.output.out.view[r * net.output.outPad + c];
    assert.ok(Math.abs(s - 1) < 1e-6);
  }
});
