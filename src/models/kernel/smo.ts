/**
 * Sequential minimal optimisation for the SVM dual problems, the method LIBSVM (and so
 * scikit-learn's SVC and OneClassSVM) uses:
 *
 *   min ½ αᵀQα + pᵀα   subject to   yᵀα = const,  0 ≤ α_i ≤ U_i,   with Q_ij = y_i y_j K_ij.
 *
 * Each step picks a pair by the second-order rule of Fan, Chen and Lin (JMLR 2005: the most
 * violating i, then the j that lowers the objective most), solves the two-variable problem in
 * closed form, clips it to the box, and updates the gradient with the pair's two kernel rows.
 * It stops when the largest violation of the optimality conditions, m(α) − M(α), is below eps
 * (LIBSVM's and scikit-learn's tol = 1e-3).
 *
 * Written here because there is no maintained SVM for Node; the kernel rows come from rbf.ts on
 * sparse shifted rows, which is where the speed is.
 *
 * It deliberately does not shrink the active set: on our data the solver needs few iterations for
 * the number of rows (about 700 on NSL-KDD's 13,449 normal rows) and each iteration's O(n) pass is
 * a small part of the time next to computing kernel rows; shrinking would add the gradient
 * reconstruction and its bugs for little gain.
 */
import { KernelCache } from './kernel-cache.js';

export interface SmoProblem {
  readonly n: number;
  /** labels ±1 */
  readonly y: Int8Array;
  /** linear term p (−1 for C-SVC, 0 for one-class) */
  readonly p: Float64Array;
  /** upper bound U_i of each α_i */
  readonly upper: Float64Array;
  /** feasible starting point (copied) */
  readonly alpha0: Float64Array;
  /** kernel rows K(x_i, ·) and the kernel diagonal K_ii */
  readonly cache: KernelCache;
  readonly diag: Float64Array;
  readonly eps: number;
  readonly maxIter: number;
  /** called now and then with the current violation and eps (for progress) */
  readonly onProgress?: (iteration: number, violation: number) => void;
}

export interface SmoResult {
  readonly alpha: Float64Array;
  /** the decision function is Σ α_i y_i K(x_i, x) − rho */
  readonly rho: number;
  /** gradient Qα + p at the solution: y_t (grad_t − p_t) is the training row's kernel sum */
  readonly grad: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  /** ½ αᵀQα + pᵀα at the solution */
  readonly objective: number;
}

const TAU = 1e-12;

export function solveSmo(P: SmoProblem): SmoResult {
  const { n, y, p, upper, cache, diag, eps } = P;
  const alpha = Float64Array.from(P.alpha0);
  const G = Float64Array.from(p);
  // initial gradient G = p + Qα, from the rows of the non-zero α
  for (let j = 0; j < n; j++) {
    const aj = alpha[j];
    if (aj === 0) continue;
    const Kj = cache.get(j);
    const c = aj * y[j];
    for (let k = 0; k < n; k++) G[k] += c * y[k] * Kj[k];
  }

  let iter = 0;
  let converged = false;
  // i: argmax −y_t G_t over I_up; found here once, then in the same pass as each gradient update
  let Gmax = -Infinity;
  let i = -1;
  for (let t = 0; t < n; t++) {
    if (y[t] === 1) {
      if (alpha[t] < upper[t] && -G[t] >= Gmax) {
        Gmax = -G[t];
        i = t;
      }
    } else if (alpha[t] > 0 && G[t] >= Gmax) {
      Gmax = G[t];
      i = t;
    }
  }
  while (iter < P.maxIter) {
    // select j: over I_low, the largest objective decrease (second-order information); the
    // curvature along the pair's direction is K_ii + K_tt − 2K_it whatever the labels
    let Gmax2 = -Infinity;
    let j = -1;
    let best = Infinity;
    const Ki = i >= 0 ? cache.get(i) : null;
    const Kii = i >= 0 ? diag[i] : 0;
    for (let t = 0; t < n; t++) {
      if (y[t] === 1) {
        if (alpha[t] > 0) {
          const gd = Gmax + G[t];
          if (G[t] >= Gmax2) Gmax2 = G[t];
          if (gd > 0 && Ki) {
            const quad = Kii + diag[t] - 2 * Ki[t];
            const obj = -(gd * gd) / (quad > 0 ? quad : TAU);
            if (obj <= best) {
              best = obj;
              j = t;
            }
          }
        }
      } else if (alpha[t] < upper[t]) {
        const gd = Gmax - G[t];
        if (-G[t] >= Gmax2) Gmax2 = -G[t];
        if (gd > 0 && Ki) {
          const quad = Kii + diag[t] - 2 * Ki[t];
          const obj = -(gd * gd) / (quad > 0 ? quad : TAU);
          if (obj <= best) {
            best = obj;
            j = t;
          }
        }
      }
    }
    const violation = Gmax + Gmax2;
    if (violation < eps || i < 0 || j < 0 || Ki === null) {
      converged = true;
      break;
    }
    iter++;
    if (P.onProgress && iter % 256 === 0) P.onProgress(iter, violation);

    const Kj = cache.get(j);
    const yi = y[i];
    const yj = y[j];
    const Ui = upper[i];
    const Uj = upper[j];
    const oldAi = alpha[i];
    const oldAj = alpha[j];
    let ai = oldAi;
    let aj = oldAj;
    // K_ij with Q_ij = y_i y_j K_ij; for either sign pattern the curvature is K_ii + K_jj − 2K_ij
    const Kij = Ki[j];
    let quad = Kii + diag[j] - 2 * Kij;
    if (quad <= 0) quad = TAU;
    if (yi !== yj) {
      const delta = (-G[i] - G[j]) / quad;
      const diff = ai - aj;
      ai += delta;
      aj += delta;
      if (diff > 0) {
        if (aj < 0) {
          aj = 0;
          ai = diff;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = -diff;
      }
      if (diff > Ui - Uj) {
        if (ai > Ui) {
          ai = Ui;
          aj = Ui - diff;
        }
      } else if (aj > Uj) {
        aj = Uj;
        ai = Uj + diff;
      }
    } else {
      const delta = (G[i] - G[j]) / quad;
      const sum = ai + aj;
      ai -= delta;
      aj += delta;
      if (sum > Ui) {
        if (ai > Ui) {
          ai = Ui;
          aj = sum - Ui;
        }
      } else if (aj < 0) {
        aj = 0;
        ai = sum;
      }
      if (sum > Uj) {
        if (aj > Uj) {
          aj = Uj;
          ai = sum - Uj;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = sum;
      }
    }
    alpha[i] = ai;
    alpha[j] = aj;
    // G_k += Q_ik Δα_i + Q_jk Δα_j, and the next i
    const ci = (ai - oldAi) * yi;
    const cj = (aj - oldAj) * yj;
    Gmax = -Infinity;
    i = -1;
    for (let t = 0; t < n; t++) {
      const yt = y[t];
      const g = G[t] + yt * (ci * Ki[t] + cj * Kj[t]);
      G[t] = g;
      if (yt === 1) {
        if (alpha[t] < upper[t] && -g >= Gmax) {
          Gmax = -g;
          i = t;
        }
      } else if (alpha[t] > 0 && g >= Gmax) {
        Gmax = g;
        i = t;
      }
    }
  }

  // ρ: mean of y_t G_t over free α; with none free, the middle of the feasible interval
  let ub = Infinity;
  let lb = -Infinity;
  let sumFree = 0;
  let nFree = 0;
  let objective = 0;
  for (let t = 0; t < n; t++) {
    const yG = y[t] * G[t];
    objective += alpha[t] * (G[t] + p[t]);
    if (alpha[t] >= upper[t]) {
      if (y[t] === -1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else if (alpha[t] <= 0) {
      if (y[t] === 1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else {
      sumFree += yG;
      nFree++;
    }
  }
  const rho = nFree > 0 ? sumFree / nFree : ub === Infinity ? lb : lb === -Infinity ? ub : (ub + lb) / 2;
  return { alpha, rho, grad: G, iterations: iter, converged, objective: objective / 2 };
}

/**
 * A progress callback for the solver: the share of the way, on a log scale, from the first
 * violation seen down to eps (the solver's number of iterations is not known in advance).
 */
export function progressByViolation(
  eps: number,
  report?: (done: number, total: number, what?: string) => void,
): ((iteration: number, violation: number) => void) | undefined {
  if (!report) return undefined;
  let first = 0;
  return (_iteration, violation) => {
    if (first === 0) first = Math.max(violation, eps * 10);
    const share = Math.log(first / Math.max(violation, eps)) / Math.log(first / eps);
    report(Math.round(1000 * Math.min(1, Math.max(0, share))), 1000, 'SMO solver');
  };
}
