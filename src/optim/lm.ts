// Levenberg–Marquardt as a trust-region method (Moré 1978, "The Levenberg–Marquardt algorithm:
// implementation and theory" — the algorithm of MINPACK's lmder, written anew):
//   • scaling D = diag(max over iterations of J's column norms) ('jacobian') or I ('none');
//   • each step solves min ‖Jp + r‖² + par‖Dp‖² by QR of J (with pivoting) and Givens rotations
//     of the damped rows, with par chosen so that ‖Dp‖ ≈ Δ (lmpar.ts);
//   • ρ = actual / predicted reduction of ‖r‖² decides acceptance (ρ ≥ 10⁻⁴) and Δ;
//   • tests: cosine between r and each column of J ≤ gtol (gradient); actual and predicted
//     relative reductions ≤ ftol (value); Δ ≤ xtol·‖Dx‖ (step); the same at machine precision
//     (no progress).
// Bounds: variables at a bound whose gradient points out of the box are held; the step is
// computed for the others and the trial point projected into the box (its predicted reduction is
// then evaluated on the projected step).
import type { Residuals } from './residuals.js';
import type { Run } from './run.js';
import type { ExtraArgs } from './extra-args.js';
import { project, type Box } from './bounds.js';
import { qrPivot, type QR } from './qr.js';
import { lmStep } from './lmpar.js';
import type { LeastSquaresResult } from './types.js';

type LsqReason = LeastSquaresResult['reason'];

export interface LmConfig {
  gradientTolerance: number; stepTolerance: number; valueTolerance: number;
  scaling: 'jacobian' | 'none'; maxIterations: number;
}

export interface LmOutcome {
  x: Float64Array;
  r: Float64Array;
  /** J at x (m×n row-major), null when it is not finite */
  J: Float64Array | null;
  reason: LsqReason;
  /** max cosine between r and the columns of J (free parameters) at x */
  cosine: number;
  /** ‖D·δ‖/‖D·x‖ for the full Gauss–Newton step δ = −J⁺r at x (free parameters) */
  gaussNewton: number;
}

const EPS = 2.220446049250313e-16;
const FACTOR = 100;   // initial trust radius Δ₀ = FACTOR·‖D x₀‖ (MINPACK's default)

export async function levenbergMarquardt(model: Residuals, cfg: LmConfig, run: Run, box: Box | null, extra: ExtraArgs): Promise<LmOutcome> {
  const m = model.m, n = model.n;
  let x = model.params.x0.slice();
  let r = model.values(x);
  let fnorm = norm2(r);
  if (!Number.isFinite(fnorm)) return { x, r, J: null, reason: 'non-finite', cosine: NaN, gaussNewton: NaN };

  const diag = new Float64Array(n), g = new Float64Array(n);
  let J: Float64Array = new Float64Array(0), qr!: QR, cosine = NaN, gFree = 0;
  // J, g = Jᵀr, the free set and its QR at x; false when J is not finite
  const linearize = (): boolean => {
    J = model.jacobian(x);
    for (let i = 0; i < J.length; i++) if (!Number.isFinite(J[i])) return false;
    jtv(J, r, m, n, g);
    const free = box ? freeColumns(box, x, g) : undefined;
    qr = qrPivot(J, m, n, r, free);
    cosine = maxCosine(qr, fnorm);
    gFree = 0;
    for (let j = 0; j < qr.n; j++) gFree += g[qr.perm[j]] ** 2;
    gFree = Math.sqrt(gFree);
    return true;
  };

  let iter = 0, first = true, delta = 0, xnorm = 0, par = 0, stepNorm = 0;
  let pending: LsqReason | null = null;   // a value/step test that held on the step just accepted
  let lastNonFinite = false;
  const done = (reason: LsqReason, finite = true): LmOutcome => {
    const dp = finite ? lmStep(qr, n, diag, Infinity, 0).dpNorm : NaN;
    const gn = xnorm > 0 ? dp / xnorm : dp === 0 ? 0 : Infinity;
    return { x, r, J: finite ? J : null, reason, cosine, gaussNewton: gn };
  };

  for (;;) {
    if (iter > 0 && extra.perIteration) {
      // new extra arguments: the residuals at x change with them
      model.use(await extra.at(iter));
      const rNew = model.values(x), fNew = norm2(rNew);
      if (!Number.isFinite(fNew)) return done('non-finite', false);
      r = rNew; fnorm = fNew;
    }
    if (!linearize()) return done('non-finite', false);
    if (iter > 0 && !(await run.report(halfSumSq(r), gFree, stepNorm))) return done('stopped');
    if (first) {
      for (let j = 0; j < n; j++) diag[j] = cfg.scaling === 'none' || qr.norms[j] === 0 ? 1 : qr.norms[j];
      xnorm = scaledNorm(diag, x);
      delta = xnorm > 0 ? FACTOR * xnorm : FACTOR;
    }
    if (cosine <= cfg.gradientTolerance) return done('gradient-tolerance');
    if (pending) return done(pending);
    if (cosine <= EPS) return done('no-progress');
    if (iter >= cfg.maxIterations) return done('max-iterations');
    if (cfg.scaling === 'jacobian') for (let j = 0; j < n; j++) diag[j] = Math.max(diag[j], qr.norms[j]);

    // trial steps until one is accepted (ρ ≥ 1e−4) or a test ends the run
    for (;;) {
      if (run.aborted) return done('aborted');
      const step = lmStep(qr, n, diag, delta, par);
      par = step.par;
      const s = step.p, xt = new Float64Array(n);
      for (let j = 0; j < n; j++) xt[j] = x[j] + s[j];
      let projected = false;
      if (box) {
        project(box, xt);
        for (let j = 0; j < n; j++) { const sj = xt[j] - x[j]; if (sj !== s[j]) { projected = true; s[j] = sj; } }
      }
      const pnorm = projected ? scaledNorm(diag, s) : step.dpNorm;
      if (first) delta = Math.min(delta, pnorm);
      const rt = model.values(xt);
      const fnorm1 = norm2(rt);
      const finite = Number.isFinite(fnorm1);
      const actred = finite && 0.1 * fnorm1 < fnorm ? 1 - (fnorm1 / fnorm) ** 2 : -1;
      const { prered, dirder } = projected ? modelChange(J, r, s, m, n, fnorm) : lmModelChange(qr, s, par, pnorm, fnorm);
      const ratio = prered !== 0 ? actred / prered : 0;
      // trust region update (Moré 1978, §4)
      if (ratio <= 0.25) {
        let t = actred >= 0 ? 0.5 : (0.5 * dirder) / (dirder + 0.5 * actred);
        if (!finite || 0.1 * fnorm1 >= fnorm || !(t >= 0.1)) t = 0.1;
        delta = t * Math.min(delta, pnorm / 0.1);
        par /= t;
      } else if (par === 0 || ratio >= 0.75) {
        delta = pnorm / 0.5;
        par *= 0.5;
      }
      const accepted = ratio >= 1e-4;
      if (accepted) {
        stepNorm = norm2(s);
        x = xt; r = rt; fnorm = fnorm1;
        xnorm = scaledNorm(diag, x);
        iter++;
        first = false;
      }
      lastNonFinite = !finite;
      const valueTest = Math.abs(actred) <= cfg.valueTolerance && prered <= cfg.valueTolerance && 0.5 * ratio <= 1;
      const stepTest = delta <= cfg.stepTolerance * xnorm;
      const stuck = (Math.abs(actred) <= EPS && prered <= EPS && 0.5 * ratio <= 1) || delta <= EPS * xnorm || !(delta > 0);
      const why: LsqReason | null = valueTest ? 'value-tolerance' : stepTest ? 'step-tolerance' : stuck ? 'no-progress' : null;
      if (accepted) { pending = why; break; }
      if (why) return done(lastNonFinite && why !== 'value-tolerance' ? 'non-finite' : why);
    }
    await run.yield();
  }
}

/** MINPACK's predicted relative reduction for the LM step p: (‖Jp‖² + 2·par‖Dp‖²)/‖r‖², and the slope −(‖Jp‖² + par‖Dp‖²)/‖r‖². */
function lmModelChange(qr: QR, p: Float64Array, par: number, pnorm: number, fnorm: number): { prered: number; dirder: number } {
  const k = qr.n, R = qr.R, perm = qr.perm;
  let s = 0;
  for (let j = 0; j < k; j++) {
    let v = 0;
    for (let i = j; i < k; i++) v += R[j * k + i] * p[perm[i]];
    s += v * v;
  }
  const t1 = Math.sqrt(s) / fnorm, t2 = (Math.sqrt(par) * pnorm) / fnorm;
  return { prered: t1 * t1 + 2 * t2 * t2, dirder: -(t1 * t1 + t2 * t2) };
}

/** Predicted relative reduction of ‖r + Js‖² for any step s, and the slope rᵀJs/‖r‖². */
function modelChange(J: Float64Array, r: Float64Array, s: Float64Array, m: number, n: number, fnorm: number): { prered: number; dirder: number } {
  let rjs = 0, jss = 0;
  for (let i = 0; i < m; i++) {
    let v = 0;
    for (let j = 0; j < n; j++) v += J[i * n + j] * s[j];
    rjs += r[i] * v;
    jss += v * v;
  }
  const f2 = fnorm * fnorm;
  return { prered: -(2 * rjs + jss) / f2, dirder: rjs / f2 };
}

/** Columns free to move: not held at a bound by a gradient g = Jᵀr pointing out of the box. */
function freeColumns(box: Box, x: Float64Array, g: Float64Array): Int32Array {
  const free: number[] = [];
  for (let j = 0; j < x.length; j++) {
    const lo = box.lower[j], hi = box.upper[j];
    if (lo === hi) continue;
    if (x[j] <= lo && g[j] > 0) continue;   // descent (−g) would go below the lower bound
    if (x[j] >= hi && g[j] < 0) continue;
    free.push(j);
  }
  return Int32Array.from(free);
}

/** max over columns j with ‖J_j‖ ≠ 0 of |J_jᵀ r| / (‖J_j‖·‖r‖), from Jᵀr = P·Rᵀ·(Qᵀr). */
function maxCosine(qr: QR, fnorm: number): number {
  if (fnorm === 0) return 0;
  const k = qr.n, R = qr.R;
  let c = 0;
  for (let j = 0; j < k; j++) {
    const cn = qr.norms[qr.perm[j]];
    if (cn === 0) continue;
    let s = 0;
    for (let i = 0; i <= j; i++) s += R[i * k + j] * (qr.qtr[i] / fnorm);
    c = Math.max(c, Math.abs(s / cn));
  }
  return c;
}

/** ½‖r‖² (the cost, summed as the result reports it) */
export function halfSumSq(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * r[i];
  return 0.5 * s;
}

function jtv(J: Float64Array, r: Float64Array, m: number, n: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < m; i++) {
    const v = r[i], o = i * n;
    if (v !== 0) for (let j = 0; j < n; j++) out[j] += J[o + j] * v;
  }
}

function scaledNorm(d: Float64Array, x: Float64Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += (d[j] * x[j]) ** 2;
  return Math.sqrt(s);
}

function norm2(v: Float64Array): number {
  let big = 0;
  for (let i = 0; i < v.length; i++) { const a = Math.abs(v[i]); if (a > big) big = a; else if (a !== a) return NaN; }
  if (big === 0 || big === Infinity) return big;
  let s = 0;
  for (let i = 0; i < v.length; i++) { const a = v[i] / big; s += a * a; }
  return big * Math.sqrt(s);
}
