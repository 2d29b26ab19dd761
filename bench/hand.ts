// Hand-written plain-JS baselines: value + analytic gradient, and value only, with Float64Array
// loops. They define "hand JS" in the ratios and are the reference the wengert gradients are checked against.
import type { RosenIn, MlpIn, OdeIn, LogregIn } from './workloads.js';

export interface GradResult { value: number; grad: Float64Array[] }
export interface Hand<In> { primal(inp: In): number; grad(inp: In): GradResult }

// ---- W1: one fused loop; ∂/∂x[i] gets −400 x[i] t_i − 2(1 − x[i]) and ∂/∂x[i+1] gets 200 t_i, t_i = x[i+1] − x[i]²
export const rosenHand: Hand<RosenIn> = {
  primal({ n, x }) {
    let s = 0;
    for (let i = 0; i < n - 1; i++) { const t = x[i + 1] - x[i] * x[i], o = 1 - x[i]; s += 100 * t * t + o * o; }
    return s;
  },
  grad({ n, x }) {
    const g = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n - 1; i++) {
      const xi = x[i], t = x[i + 1] - xi * xi, o = 1 - xi;
      s += 100 * t * t + o * o;
      g[i] += -400 * xi * t - 2 * o;
      g[i + 1] = 200 * t;
    }
    return { value: s, grad: [g] };
  },
};

// ---- W2: naive i-k-j loops; backward dZ = (softmax − onehot)/B, dW2 = Hᵀ dZ, dA = (dZ W2ᵀ) ⊙ (1 − H²), dW1 = Xᵀ dA
function mlpForward(inp: MlpIn): { Hs: Float64Array; Z: Float64Array } {
  const { B, D, H, C, X, W1, b1, W2, b2 } = inp;
  const Hs = new Float64Array(B * H), Z = new Float64Array(B * C);
  for (let r = 0; r < B; r++) {
    const hr = r * H;
    for (let j = 0; j < H; j++) Hs[hr + j] = b1[j];
    for (let p = 0; p < D; p++) {
      const x = X[r * D + p], wp = p * H;
      for (let j = 0; j < H; j++) Hs[hr + j] += x * W1[wp + j];
    }
    for (let j = 0; j < H; j++) Hs[hr + j] = Math.tanh(Hs[hr + j]);
    const zr = r * C;
    for (let j = 0; j < C; j++) Z[zr + j] = b2[j];
    for (let p = 0; p < H; p++) {
      const h = Hs[hr + p], wp = p * C;
      for (let j = 0; j < C; j++) Z[zr + j] += h * W2[wp + j];
    }
  }
  return { Hs, Z };
}

/** loss and, when dZ is given, dZ = (softmax(z) − onehot(y)) / B */
function crossEntropy(inp: MlpIn, Z: Float64Array, dZ?: Float64Array): number {
  const { B, C, y } = inp;
  let loss = 0;
  for (let r = 0; r < B; r++) {
    const zr = r * C;
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, Z[zr + j]);
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(Z[zr + j] - m);
    loss += m + Math.log(s) - Z[zr + y[r]];
    if (dZ) {
      for (let j = 0; j < C; j++) dZ[zr + j] = Math.exp(Z[zr + j] - m) / s / B;
      dZ[zr + y[r]] -= 1 / B;
    }
  }
  return loss / B;
}

export const mlpHand: Hand<MlpIn> = {
  primal(inp) { return crossEntropy(inp, mlpForward(inp).Z); },
  grad(inp) {
    const { B, D, H, C, X, W2 } = inp;
    const { Hs, Z } = mlpForward(inp);
    const dZ = new Float64Array(B * C);
    const value = crossEntropy(inp, Z, dZ);
    const gW1 = new Float64Array(D * H), gb1 = new Float64Array(H), gW2 = new Float64Array(H * C), gb2 = new Float64Array(C);
    const dA = new Float64Array(H);
    for (let r = 0; r < B; r++) {
      const zr = r * C, hr = r * H;
      for (let j = 0; j < C; j++) gb2[j] += dZ[zr + j];
      for (let p = 0; p < H; p++) {
        const h = Hs[hr + p], wp = p * C;
        let dh = 0;
        for (let j = 0; j < C; j++) { gW2[wp + j] += h * dZ[zr + j]; dh += dZ[zr + j] * W2[wp + j]; }
        dA[p] = dh * (1 - h * h);
        gb1[p] += dA[p];
      }
      for (let p = 0; p < D; p++) {
        const x = X[r * D + p], wp = p * H;
        for (let j = 0; j < H; j++) gW1[wp + j] += x * dA[j];
      }
    }
    return { value, grad: [gW1, gb1, gW2, gb2] };
  },
};

// ---- W3: RK4 with a hand-written adjoint: forward pass keeps the state per step, the backward
// pass recomputes the stages of each step and transposes them
export const odeHand: Hand<OdeIn> = {
  primal({ p, steps, dt, u0, v0 }) {
    const [a, b, c, d] = p;
    let u = u0, v = v0;
    for (let s = 0; s < steps; s++) {
      const k1u = a * u - b * u * v, k1v = -c * v + d * u * v;
      let su = u + dt / 2 * k1u, sv = v + dt / 2 * k1v;
      const k2u = a * su - b * su * sv, k2v = -c * sv + d * su * sv;
      su = u + dt / 2 * k2u; sv = v + dt / 2 * k2v;
      const k3u = a * su - b * su * sv, k3v = -c * sv + d * su * sv;
      su = u + dt * k3u; sv = v + dt * k3v;
      const k4u = a * su - b * su * sv, k4v = -c * sv + d * su * sv;
      u += dt / 6 * (k1u + 2 * k2u + 2 * k3u + k4u);
      v += dt / 6 * (k1v + 2 * k2v + 2 * k3v + k4v);
    }
    return (u - 1) ** 2 + (v - 1) ** 2;
  },
  grad({ p, steps, dt, u0, v0 }) {
    const a = p[0], b = p[1], c = p[2], d = p[3], h2 = dt / 2, h6 = dt / 6;
    const traj = new Float64Array(2 * steps + 2); // state at the start of each step
    let u = u0, v = v0;
    for (let s = 0; s < steps; s++) {
      traj[2 * s] = u; traj[2 * s + 1] = v;
      const k1u = a * u - b * u * v, k1v = -c * v + d * u * v;
      let su = u + h2 * k1u, sv = v + h2 * k1v;
      const k2u = a * su - b * su * sv, k2v = -c * sv + d * su * sv;
      su = u + h2 * k2u; sv = v + h2 * k2v;
      const k3u = a * su - b * su * sv, k3v = -c * sv + d * su * sv;
      su = u + dt * k3u; sv = v + dt * k3v;
      const k4u = a * su - b * su * sv, k4v = -c * sv + d * su * sv;
      u += h6 * (k1u + 2 * k2u + 2 * k3u + k4u);
      v += h6 * (k1v + 2 * k2v + 2 * k3v + k4v);
    }
    const value = (u - 1) ** 2 + (v - 1) ** 2;
    // adjoint sweep: λ = ∂L/∂(u, v); through k = F(s): s̄ += Jᵀ k̄, p̄ += (∂F/∂p)ᵀ k̄,
    // J = [[a − b v, −b u], [d v, −c + d u]], ∂F/∂p: fu_a = u, fu_b = −u v, fv_c = −v, fv_d = u v
    let lu = 2 * (u - 1), lv = 2 * (v - 1), ga = 0, gb = 0, gc = 0, gd = 0;
    for (let s = steps - 1; s >= 0; s--) {
      const u0s = traj[2 * s], v0s = traj[2 * s + 1];
      const k1u = a * u0s - b * u0s * v0s, k1v = -c * v0s + d * u0s * v0s;
      const u1 = u0s + h2 * k1u, v1 = v0s + h2 * k1v;
      const k2u = a * u1 - b * u1 * v1, k2v = -c * v1 + d * u1 * v1;
      const u2 = u0s + h2 * k2u, v2 = v0s + h2 * k2v;
      const k3u = a * u2 - b * u2 * v2, k3v = -c * v2 + d * u2 * v2;
      const u3 = u0s + dt * k3u, v3 = v0s + dt * k3v;
      let bu = lu, bv = lv;                       // s̄0
      let ku = h6 * lu, kv = h6 * lv;             // k̄4
      let ru = (a - b * v3) * ku + d * v3 * kv, rv = -b * u3 * ku + (-c + d * u3) * kv; // s̄3
      ga += u3 * ku; gb -= u3 * v3 * ku; gc -= v3 * kv; gd += u3 * v3 * kv;
      bu += ru; bv += rv;
      ku = 2 * h6 * lu + dt * ru; kv = 2 * h6 * lv + dt * rv; // k̄3
      ru = (a - b * v2) * ku + d * v2 * kv; rv = -b * u2 * ku + (-c + d * u2) * kv;       // s̄2
      ga += u2 * ku; gb -= u2 * v2 * ku; gc -= v2 * kv; gd += u2 * v2 * kv;
      bu += ru; bv += rv;
      ku = 2 * h6 * lu + h2 * ru; kv = 2 * h6 * lv + h2 * rv; // k̄2
      ru = (a - b * v1) * ku + d * v1 * kv; rv = -b * u1 * ku + (-c + d * u1) * kv;       // s̄1
      ga += u1 * ku; gb -= u1 * v1 * ku; gc -= v1 * kv; gd += u1 * v1 * kv;
      bu += ru; bv += rv;
      ku = h6 * lu + h2 * ru; kv = h6 * lv + h2 * rv;         // k̄1
      bu += (a - b * v0s) * ku + d * v0s * kv; bv += -b * u0s * ku + (-c + d * u0s) * kv;
      ga += u0s * ku; gb -= u0s * v0s * ku; gc -= v0s * kv; gd += u0s * v0s * kv;
      lu = bu; lv = bv;
    }
    return { value, grad: [Float64Array.of(ga, gb, gc, gd)] };
  },
};

// ---- W4: one fused pass over X; ∂/∂w = Xᵀ(σ(z) − y)/m + λ w
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
export const logregHand: Hand<LogregIn> = {
  primal({ m, k, X, y, w, lambda }) {
    let s = 0, ww = 0;
    for (let r = 0; r < m; r++) {
      let z = 0;
      const o = r * k;
      for (let c = 0; c < k; c++) z += X[o + c] * w[c];
      s += softplus(z) - y[r] * z;
    }
    for (let c = 0; c < k; c++) ww += w[c] * w[c];
    return s / m + 0.5 * lambda * ww;
  },
  grad({ m, k, X, y, w, lambda }) {
    const g = new Float64Array(k);
    let s = 0, ww = 0;
    for (let r = 0; r < m; r++) {
      let z = 0;
      const o = r * k;
      for (let c = 0; c < k; c++) z += X[o + c] * w[c];
      s += softplus(z) - y[r] * z;
      const e = 1 / (1 + Math.exp(-z)) - y[r];
      for (let c = 0; c < k; c++) g[c] += e * X[o + c];
    }
    for (let c = 0; c < k; c++) { ww += w[c] * w[c]; g[c] = g[c] / m + lambda * w[c]; }
    return { value: s / m + 0.5 * lambda * ww, grad: [g] };
  },
};

export const HAND = { W1: rosenHand, W2: mlpHand, W3: odeHand, W4: logregHand } as const;
