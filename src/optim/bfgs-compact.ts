// The limited-memory BFGS matrix of L-BFGS-B in compact form (Byrd, Lu, Nocedal & Zhu 1995, §3):
//   B = θI − W·M·Wᵀ,   W = [Y  θS] (n×2k),   M = [[−D, Lᵀ], [L, θSᵀS]]⁻¹,
// with the last k pairs in chronological order, D = diag(sᵢᵀyᵢ), L the strictly lower part of SᵀY
// (Lᵢⱼ = sᵢᵀyⱼ, i > j) and θ = yᵀy/sᵀy of the newest pair. The vectors live in one block V
// (2m×n: s of slot q in row 2q, its y in row 2q + 1); SᵀS, SᵀY, YᵀY are kept by slot and updated
// from two passes over V per stored pair.
// M·v is a solve with the Schur complement T = θSᵀS + L·D⁻¹·Lᵀ (Cholesky).
import { dots, combine } from './vec-kernels.js';
import { cholesky, cholSolve } from './dense.js';

export class CompactBfgs {
  /** 2m×n: row 2q = s of slot q, 2q + 1 = its y */
  readonly V: Float64Array;
  private readonly K: number;
  /** slots, oldest first */
  order: number[] = [];
  theta = 1;
  private readonly ss: Float64Array; private readonly sy: Float64Array; private readonly yy: Float64Array;
  private readonly vs: Float64Array; private readonly vy: Float64Array;
  private T: Float64Array | null = null;   // Cholesky factor of the Schur complement (k×k)
  private readonly rows: Float64Array;      // scratch: V·v by slot

  constructor(readonly m: number, readonly n: number) {
    this.K = 2 * m;
    this.V = new Float64Array(n * this.K);
    this.ss = new Float64Array(m * m); this.sy = new Float64Array(m * m); this.yy = new Float64Array(m * m);
    this.vs = new Float64Array(2 * m); this.vy = new Float64Array(2 * m); this.rows = new Float64Array(2 * m);
  }

  get k(): number { return this.order.length; }
  clear(): void { this.order = []; this.theta = 1; this.T = null; }

  /** Store (s, y) (the caller checked sᵀy > 0) and refactor. */
  push(s: Float64Array, y: Float64Array): void {
    const { m, n, K, V } = this;
    const q = this.order.length < m ? this.order.length : this.order.shift()!;
    V.set(s, 2 * q * n);
    V.set(y, (2 * q + 1) * n);
    dots(V, n, K, s, this.vs);
    dots(V, n, K, y, this.vy);
    this.order.push(q);
    for (const a of this.order) {
      this.ss[a * m + q] = this.ss[q * m + a] = this.vs[2 * a];
      this.sy[a * m + q] = this.vy[2 * a];         // s_aᵀ y_q
      this.sy[q * m + a] = this.vs[2 * a + 1];     // s_qᵀ y_a
      this.yy[a * m + q] = this.yy[q * m + a] = this.vy[2 * a + 1];
    }
    this.theta = this.yy[q * m + q] / this.sy[q * m + q];
    this.factor();
  }

  /** T = θSᵀS + L·D⁻¹·Lᵀ; a failed factorization drops the memory (B = θI). */
  private factor(): void {
    const k = this.k, o = this.order, m = this.m, T = new Float64Array(k * k);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j <= i; j++) {
        let v = this.theta * this.ss[o[i] * m + o[j]];
        for (let q = 0; q < Math.min(i, j); q++) v += (this.sy[o[i] * m + o[q]] * this.sy[o[j] * m + o[q]]) / this.sy[o[q] * m + o[q]];
        T[i * k + j] = T[j * k + i] = v;
      }
    }
    this.T = cholesky(T, k);
    if (!this.T) this.clear();
  }

  /** out = M·v for v of length 2k ([Y part; S part]); out may be v. */
  timesM(v: Float64Array, out: Float64Array): void {
    const k = this.k, o = this.order, m = this.m;
    if (!k) return;
    const d = (i: number) => this.sy[o[i] * m + o[i]];
    const Lij = (i: number, j: number) => this.sy[o[i] * m + o[j]];   // i > j
    // b = T⁻¹(v₂ + L·D⁻¹·v₁),  a = D⁻¹(Lᵀ·b − v₁)
    const b = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      let s = v[k + i];
      for (let j = 0; j < i; j++) s += (Lij(i, j) * v[j]) / d(j);
      b[i] = s;
    }
    cholSolve(this.T!, k, b);
    for (let i = 0; i < k; i++) {
      let s = -v[i];
      for (let j = i + 1; j < k; j++) s += Lij(j, i) * b[j];
      out[i] = s / d(i);
    }
    for (let i = 0; i < k; i++) out[k + i] = b[i];
  }

  /** out = Wᵀ·v = [Yᵀv; θSᵀv] (length 2k): one pass over V. */
  timesWt(v: Float64Array, out: Float64Array): void {
    const k = this.k, o = this.order;
    dots(this.V, this.n, this.K, v, this.rows);
    for (let i = 0; i < k; i++) { out[i] = this.rows[2 * o[i] + 1]; out[k + i] = this.theta * this.rows[2 * o[i]]; }
  }

  /** out = β·b + W·c for c of length 2k: one pass over V. */
  addW(c: Float64Array, b: Float64Array, beta: number, out: Float64Array): void {
    const k = this.k, o = this.order, coef = new Float64Array(this.K);
    for (let i = 0; i < k; i++) { coef[2 * o[i] + 1] = c[i]; coef[2 * o[i]] = this.theta * c[k + i]; }
    combine(this.V, this.n, this.K, coef, b, beta, out);
  }

  /** row i of W: [y₁ᵢ … y_kᵢ, θs₁ᵢ … θs_kᵢ] */
  rowW(i: number, out: Float64Array): void {
    const k = this.k, o = this.order, n = this.n;
    for (let j = 0; j < k; j++) { out[j] = this.V[(2 * o[j] + 1) * n + i]; out[k + j] = this.theta * this.V[2 * o[j] * n + i]; }
  }

  /** WᵀW (2k×2k) from the kept inner products. */
  gramW(): Float64Array {
    const k = this.k, o = this.order, m = this.m, th = this.theta, G = new Float64Array(4 * k * k), K = 2 * k;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        G[i * K + j] = this.yy[o[i] * m + o[j]];
        G[i * K + k + j] = th * this.sy[o[j] * m + o[i]];         // y_iᵀ θs_j
        G[(k + i) * K + j] = th * this.sy[o[i] * m + o[j]];       // θs_iᵀ y_j
        G[(k + i) * K + k + j] = th * th * this.ss[o[i] * m + o[j]];
      }
    }
    return G;
  }
}
