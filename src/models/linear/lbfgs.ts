/**
 * Limited-memory BFGS for smooth unconstrained minimisation (Nocedal and Wright, "Numerical
 * Optimization", algorithms 7.4 and 7.5), with a line search that enforces the strong Wolfe
 * conditions (algorithms 3.5 and 3.6, cubic interpolation in the zoom phase).
 *
 * Written here rather than taken from a package because no maintained L-BFGS for Node works on
 * Float64Arrays without copying, and the logistic regression calls it hundreds of times per fit.
 * It deliberately has no bounds (L-BFGS-B) and no L1 (OWL-QN): nothing here needs them.
 *
 * Stopping, as scipy's L-BFGS-B does it: the largest gradient entry falls to `gtol`, or an
 * iteration lowers f by less than `ftol` relative to |f|, or `maxIter` iterations ran.
 */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  readonly maxIter: number;
  /** stop when max |grad| <= gtol */
  readonly gtol: number;
  /** stop when (f_prev − f) / max(|f_prev|, |f|, 1) <= ftol; scipy's default is about 2.2e-9 */
  readonly ftol?: number;
  /** number of correction pairs kept (scipy: 10) */
  readonly memory?: number;
  /** function evaluations allowed per line search (scipy: 20, scikit-learn raises it to 50) */
  readonly maxLineSearch?: number;
  /** called after each iteration with its number (1-based) and f */
  readonly onIteration?: (iteration: number, f: number) => void;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly iterations: number;
  readonly evaluations: number;
  /** f before the first iteration, then after each one */
  readonly history: number[];
  readonly converged: boolean;
  readonly message: string;
}

const C1 = 1e-4;
const C2 = 0.9;

export function minimizeLbfgs(fun: Objective, x0: Float64Array, opt: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const m = opt.memory ?? 10;
  const ftol = opt.ftol ?? 64 * Number.EPSILON;
  const maxLs = opt.maxLineSearch ?? 50;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = fun(x, g);
  let evaluations = 1;
  const history = [f];
  if (!Number.isFinite(f)) return done(false, 'the objective is not finite at the starting point', 0);

  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const dir = new Float64Array(n);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);
  const gLo = new Float64Array(n);
  let iter = 0;

  function done(converged: boolean, message: string, iterations: number): LbfgsResult {
    return { x, f, iterations, evaluations, history, converged, message };
  }

  while (iter < opt.maxIter) {
    if (maxAbs(g) <= opt.gtol) return done(true, 'gradient below tolerance', iter);
    // two-loop recursion: dir = −H g
    for (let i = 0; i < n; i++) dir[i] = -g[i];
    const k = S.length;
    for (let t = k - 1; t >= 0; t--) {
      const a = rho[t] * dot(S[t], dir);
      alpha[t] = a;
      axpy(-a, Y[t], dir);
    }
    if (k > 0) {
      const yy = dot(Y[k - 1], Y[k - 1]);
      const scale = 1 / (rho[k - 1] * yy);
      for (let i = 0; i < n; i++) dir[i] *= scale;
    }
    for (let t = 0; t < k; t++) {
      const b = rho[t] * dot(Y[t], dir);
      axpy(alpha[t] - b, S[t], dir);
    }
    let dphi0 = dot(g, dir);
    if (!(dphi0 < 0)) {
      // not a descent direction (round-off in the memory): restart from steepest descent
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i];
      dphi0 = dot(g, dir);
    }
    const step0 = S.length === 0 ? Math.min(1, 1 / Math.sqrt(dot(g, g))) : 1;

    // strong Wolfe line search along dir
    const f0 = f;
    let aPrev = 0;
    let fPrev = f0;
    let dPrev = dphi0;
    let a = step0;
    let found = -1;
    let fFound = f0;
    let lo = 0;
    let fLo = f0;
    let dLo = dphi0;
    let hi = 0;
    let fHi = 0;
    let dHi = 0;
    let zoom = false;
    gLo.set(g);
    const evalAt = (step: number): number => {
      for (let i = 0; i < n; i++) xt[i] = x[i] + step * dir[i];
      evaluations++;
      return fun(xt, gt);
    };
    let ls = 0;
    for (; ls < maxLs && !zoom; ls++) {
      const fa = evalAt(a);
      const da = dot(gt, dir);
      if (!Number.isFinite(fa) || fa > f0 + C1 * a * dphi0 || (ls > 0 && fa >= fPrev)) {
        lo = aPrev;
        fLo = fPrev;
        dLo = dPrev;
        hi = a;
        fHi = Number.isFinite(fa) ? fa : Infinity;
        dHi = da;
        zoom = true;
        break;
      }
      if (Math.abs(da) <= -C2 * dphi0) {
        found = a;
        fFound = fa;
        break;
      }
      gLo.set(gt);
      if (da >= 0) {
        lo = a;
        fLo = fa;
        dLo = da;
        hi = aPrev;
        fHi = fPrev;
        dHi = dPrev;
        zoom = true;
        break;
      }
      aPrev = a;
      fPrev = fa;
      dPrev = da;
      a *= 2;
    }
    if (zoom) {
      for (; ls < maxLs; ls++) {
        let aj = Number.isFinite(fHi) ? cubicMin(lo, fLo, dLo, hi, fHi, dHi) : NaN;
        const left = Math.min(lo, hi);
        const width = Math.abs(hi - lo);
        if (!(aj > left + 0.1 * width && aj < left + 0.9 * width)) aj = (lo + hi) / 2;
        const fa = evalAt(aj);
        const da = dot(gt, dir);
        if (!Number.isFinite(fa) || fa > f0 + C1 * aj * dphi0 || fa >= fLo) {
          hi = aj;
          fHi = Number.isFinite(fa) ? fa : Infinity;
          dHi = da;
        } else {
          if (Math.abs(da) <= -C2 * dphi0) {
            found = aj;
            fFound = fa;
            break;
          }
          if (da * (hi - lo) >= 0) {
            hi = lo;
            fHi = fLo;
            dHi = dLo;
          }
          lo = aj;
          fLo = fa;
          dLo = da;
          gLo.set(gt);
        }
        if (width < 1e-16 * Math.max(1, Math.abs(lo))) break;
      }
      // the search ran out: keep the best point with sufficient decrease, if any
      if (found < 0 && lo > 0) {
        found = lo;
        fFound = fLo;
        gt.set(gLo);
        for (let i = 0; i < n; i++) xt[i] = x[i] + lo * dir[i];
      }
    }
    if (found < 0) {
      if (S.length > 0) {
        // drop the curvature memory and try once more along the gradient
        S.length = 0;
        Y.length = 0;
        rho.length = 0;
        continue;
      }
      return done(false, 'the line search found no lower point (the objective may be at its limit of precision)', iter);
    }
    // accept: update memory
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xt[i] - x[i];
      y[i] = gt[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * dot(y, y)) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const fOld = f;
    x.set(xt);
    g.set(gt);
    f = fFound;
    iter++;
    history.push(f);
    opt.onIteration?.(iter, f);
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) return done(true, 'relative reduction of the objective below tolerance', iter);
  }
  return done(maxAbs(g) <= opt.gtol, `stopped after max_iter=${opt.maxIter} iterations`, iter);
}

/** Minimiser of the cubic matching f and f' at a and b (NaN when it has none). */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - 3 * (fa - fb) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * ((db + d2 - d1) / (db - da + 2 * d2));
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || v !== v) m = v !== v ? Infinity : v;
  }
  return m;
}
