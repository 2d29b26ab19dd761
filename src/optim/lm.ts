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
  const lm = new TrustRegion(model, cfg, box);
  if (!Number.isFinite(lm.fnorm)) return lm.outcome('non-finite', false);
  let pending: LsqReason | null = null;   // a value/step test that held on the step just accepted
  for (;;) {
    if (lm.iter > 0 && extra.perIteration) {
      model.use(await extra.at(lm.iter));   // new extra arguments: the residuals at x change with them
      if (!lm.refresh()) return lm.outcome('non-finite', false);
    }
    if (!lm.linearize()) return lm.outcome('non-finite', false);
    if (lm.iter > 0 && !(await run.report(halfSumSq(lm.r), lm.gFree, lm.stepNorm))) return lm.outcome('stopped');
    if (lm.iter === 0) lm.initialScaling();
    if (lm.cosine <= cfg.gradientTolerance) return lm.outcome('gradient-tolerance');
    if (pending) return lm.outcome(pending);
    if (lm.cosine <= EPS) return lm.outcome('no-progress');
    if (lm.iter >= cfg.maxIterations) return lm.outcome('max-iterations');
    lm.updateScaling();
    // trial steps until one is accepted (ρ ≥ 1e−4) or a test ends the run
    for (;;) {
      if (run.aborted) return lm.outcome('aborted');
      const t = lm.trial();
      if (t.accepted) { pending = t.why; break; }
      if (t.why) return lm.outcome(t.nonFinite && t.why !== 'value-tolerance' ? 'non-finite' : t.why);
    }
    await run.yield();
  }
}

/** The state of the iteration: the point, its residuals and linearization, D, Δ and par. */
class TrustRegion {
  readonly m: number; readonly n: number;
  x: Float64Array; r: Float64Array; fnorm: number;
  J: Float64Array = new Float64Array(0);
  qr!: QR;
  cosine = NaN;
  /** ‖Jᵀr‖ over the free parameters */
  gFree = 0;
  iter = 0;
  stepNorm = 0;
  private readonly diag: Float64Array;
  private readonly g: Float64Array;
  private delta = 0;
  private xnorm = 0;
  private par = 0;

  constructor(private readonly model: Residuals, private readonly cfg: LmConfig, private readonly box: Box | null) {
    this.m = model.m; this.n = model.n;
    this.x = model.params.x0.slice();
    this.r = model.values(this.x);
    this.fnorm = norm2(this.r);
    this.diag = new Float64Array(this.n);
    this.g = new Float64Array(this.n);
  }

  /** r at x again (new extra arguments); false when not finite */
  refresh(): boolean {
    const r = this.model.values(this.x), f = norm2(r);
    if (!Number.isFinite(f)) return false;
    this.r = r; this.fnorm = f;
    return true;
  }

  /** J, g = Jᵀr, the free set and its QR at x; false when J is not finite */
  linearize(): boolean {
    const { m, n, g } = this;
    const J = (this.J = this.model.jacobian(this.x));
    for (let i = 0; i < J.length; i++) if (!Number.isFinite(J[i])) return false;
    jtv(J, this.r, m, n, g);
    const free = this.box ? freeColumns(this.box, this.x, g) : undefined;
    this.qr = qrPivot(J, m, n, this.r, free);
    this.cosine = maxCosine(this.qr, this.fnorm);
    let gg = 0;
    for (let j = 0; j < this.qr.n; j++) gg += g[this.qr.perm[j]] ** 2;
    this.gFree = Math.sqrt(gg);
    return true;
  }

  /** D from the first Jacobian's column norms (or I), Δ₀ = FACTOR·‖D x₀‖ */
  initialScaling(): void {
    const { diag, qr } = this;
    for (let j = 0; j < this.n; j++) diag[j] = this.cfg.scaling === 'none' || qr.norms[j] === 0 ? 1 : qr.norms[j];
    this.xnorm = scaledNorm(diag, this.x);
    this.delta = this.xnorm > 0 ? FACTOR * this.xnorm : FACTOR;
  }

  /** D ← max(D, column norms of J) */
  updateScaling(): void {
    if (this.cfg.scaling === 'jacobian') for (let j = 0; j < this.n; j++) this.diag[j] = Math.max(this.diag[j], this.qr.norms[j]);
  }

  /**
   * One trial step p for the current Δ (projected into the box), ρ = actual/predicted reduction,
   * Δ and par updated (Moré 1978, §4), the point moved when ρ ≥ 1e−4; `why` names a test that holds.
   */
  trial(): { accepted: boolean; why: LsqReason | null; nonFinite: boolean } {
    const { n, x, diag, cfg, box } = this, first = this.iter === 0;
    const step = lmStep(this.qr, n, diag, this.delta, this.par);
    this.par = step.par;
    const s = step.p, xt = new Float64Array(n);
    for (let j = 0; j < n; j++) xt[j] = x[j] + s[j];
    let projected = false;
    if (box) {
      project(box, xt);
      for (let j = 0; j < n; j++) { const sj = xt[j] - x[j]; if (sj !== s[j]) { projected = true; s[j] = sj; } }
    }
    const pnorm = projected ? scaledNorm(diag, s) : step.dpNorm;
    if (first) this.delta = Math.min(this.delta, pnorm);
    const rt = this.model.values(xt), fnorm = this.fnorm, fnorm1 = norm2(rt);
    const finite = Number.isFinite(fnorm1);
    const actred = finite && 0.1 * fnorm1 < fnorm ? 1 - (fnorm1 / fnorm) ** 2 : -1;
    const { prered, dirder } = projected ? modelChange(this.J, this.r, s, this.m, n, fnorm) : lmModelChange(this.qr, s, this.par, pnorm, fnorm);
    const ratio = prered !== 0 ? actred / prered : 0;
    if (ratio <= 0.25) {
      let t = actred >= 0 ? 0.5 : (0.5 * dirder) / (dirder + 0.5 * actred);
      if (!finite || 0.1 * fnorm1 >= fnorm || !(t >= 0.1)) t = 0.1;
      this.delta = t * Math.min(this.delta, pnorm / 0.1);
      this.par /= t;
    } else if (this.par === 0 || ratio >= 0.75) {
      this.delta = pnorm / 0.5;
      this.par *= 0.5;
    }
    const accepted = ratio >= 1e-4;
    if (accepted) {
      this.stepNorm = norm2(s);
      this.x = xt; this.r = rt; this.fnorm = fnorm1;
      this.xnorm = scaledNorm(diag, xt);
      this.iter++;
    }
    const delta = this.delta, xnorm = this.xnorm;
    const valueTest = Math.abs(actred) <= cfg.valueTolerance && prered <= cfg.valueTolerance && 0.5 * ratio <= 1;
    const stepTest = delta <= cfg.stepTolerance * xnorm;
    const stuck = (Math.abs(actred) <= EPS && prered <= EPS && 0.5 * ratio <= 1) || delta <= EPS * xnorm || !(delta > 0);
    return { accepted, why: valueTest ? 'value-tolerance' : stepTest ? 'step-tolerance' : stuck ? 'no-progress' : null, nonFinite: !finite };
  }

  /** The result at x; `finite` false when J at x is not finite (or was never formed). */
  outcome(reason: LsqReason, finite = true): LmOutcome {
    const dp = finite ? lmStep(this.qr, this.n, this.diag, Infinity, 0).dpNorm : NaN;
    const gn = this.xnorm > 0 ? dp / this.xnorm : dp === 0 ? 0 : Infinity;
    return { x: this.x, r: this.r, J: finite ? this.J : null, reason, cosine: this.cosine, gaussNewton: gn };
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
