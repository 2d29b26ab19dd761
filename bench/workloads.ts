// The four reference workloads of shared/WORKLOADS.md: deterministic inputs (built once, before
// any timing) and each loss written with wengert ops the way a user would write it.
import * as w from '../src/index.js';
import type { Tensor, Tree } from '../src/index.js';

/** A workload: the wengert loss, its arguments (gradient w.r.t. args[0]) and the raw inputs the hand code uses. */
export interface Workload<In = any> {
  id: string;
  name: string;
  describe: string;
  inputs: In;
  /** wengert loss; differentiated w.r.t. its first argument */
  f: (...args: any[]) => Tensor;
  args: Tree[];
  /** the gradient as returned by wengert, as flat blocks (for comparing with the hand code) */
  gradBlocks: (g: any) => Float64Array[];
}

const fill = (n: number, at: (i: number) => number) => { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = at(i); return a; };
const blocksOf = (x: unknown): Float64Array => (x instanceof Float64Array ? x : (x as Tensor).data());

// ---- W1 rosen: Σ_{i<n-1} 100(x[i+1] − x[i]²)² + (1 − x[i])², x[i] = 0.5 + 0.4 sin i ----------
export interface RosenIn { n: number; x: Float64Array }
export function rosen(n = 1_000_000): Workload<RosenIn> {
  const x = fill(n, (i) => 0.5 + 0.4 * Math.sin(i));
  const f = (x: Tensor) => {
    const head = x.slice([0], [n - 1]), tail = x.slice([1], [n]);
    return w.add(w.mul(100, w.square(w.sub(tail, w.square(head)))), w.square(w.sub(1, head))).sum();
  };
  return { id: 'W1', name: 'rosen', describe: `n=${n}, slices`, inputs: { n, x }, f, args: [x], gradBlocks: (g) => [blocksOf(g)] };
}

// ---- W2 mlp: h = tanh(X W1 + b1), z = h W2 + b2, loss = mean_r(logsumexp(z_r) − z_r[y_r]) -------
export interface MlpIn {
  B: number; D: number; H: number; C: number;
  X: Float64Array; y: Int32Array; W1: Float64Array; b1: Float64Array; W2: Float64Array; b2: Float64Array;
}
export function mlp(): Workload<MlpIn> {
  const B = 256, D = 784, H = 256, C = 10;
  const inp: MlpIn = {
    B, D, H, C,
    X: fill(B * D, (i) => Math.sin(i)),
    y: Int32Array.from({ length: B }, (_, r) => r % 10),
    W1: fill(D * H, (i) => 0.01 * Math.sin(i + 1)),
    b1: new Float64Array(H),
    W2: fill(H * C, (i) => 0.1 * Math.sin(i + 2)),
    b2: new Float64Array(C),
  };
  const X = w.tensor(inp.X, [B, D]);
  // z[r][y_r] as a gather from the flattened logits at r·C + y_r
  const pick = w.tensor(Float64Array.from(inp.y, (c, r) => r * C + c));
  const f = (p: { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor }) => {
    const h = w.tanh(w.add(w.matmul(X, p.W1), p.b1));
    const z = w.add(w.matmul(h, p.W2), p.b2);
    return w.mean(w.sub(w.logsumexp(z, 1), w.gather(w.reshape(z, [B * C]), pick)));
  };
  const params = { W1: w.tensor(inp.W1, [D, H]), b1: w.tensor(inp.b1), W2: w.tensor(inp.W2, [H, C]), b2: w.tensor(inp.b2) };
  return {
    id: 'W2', name: 'mlp', describe: `batch ${B}, ${D}-${H}-${C}, tanh`, inputs: inp, f, args: [params],
    gradBlocks: (g) => [g.W1, g.b1, g.W2, g.b2].map(blocksOf),
  };
}

// ---- W3 ode: RK4 Lotka–Volterra, 1000 steps, dt = 0.01, scalar (0-d) ops in a JS loop ----------
export interface OdeIn { p: Float64Array; steps: number; dt: number; u0: number; v0: number }
export function ode(steps = 1000): Workload<OdeIn> {
  const inp: OdeIn = { p: Float64Array.of(1.5, 1.0, 3.0, 1.0), steps, dt: 0.01, u0: 1, v0: 1 };
  const { dt } = inp;
  const f = (p: Tensor) => {
    const [a, b, c, d] = w.unstack(p);
    // du = a u − b u v,  dv = −c v + d u v
    const F = (u: Tensor, v: Tensor): [Tensor, Tensor] => {
      const uv = w.mul(u, v);
      return [w.sub(w.mul(a, u), w.mul(b, uv)), w.add(w.neg(w.mul(c, v)), w.mul(d, uv))];
    };
    let u = w.tensor(inp.u0), v = w.tensor(inp.v0);
    for (let s = 0; s < steps; s++) {
      const [k1u, k1v] = F(u, v);
      const [k2u, k2v] = F(w.add(u, w.mul(dt / 2, k1u)), w.add(v, w.mul(dt / 2, k1v)));
      const [k3u, k3v] = F(w.add(u, w.mul(dt / 2, k2u)), w.add(v, w.mul(dt / 2, k2v)));
      const [k4u, k4v] = F(w.add(u, w.mul(dt, k3u)), w.add(v, w.mul(dt, k3v)));
      u = w.add(u, w.mul(dt / 6, w.add(w.add(k1u, w.mul(2, k2u)), w.add(w.mul(2, k3u), k4u))));
      v = w.add(v, w.mul(dt / 6, w.add(w.add(k1v, w.mul(2, k2v)), w.add(w.mul(2, k3v), k4v))));
    }
    return w.add(w.square(w.sub(u, 1)), w.square(w.sub(v, 1)));
  };
  return { id: 'W3', name: 'ode', describe: `RK4 Lotka-Volterra, ${steps} steps, 0-d ops`, inputs: inp, f, args: [inp.p], gradBlocks: (g) => [blocksOf(g)] };
}

// ---- W4 logreg: mean_r(softplus(z_r) − y_r z_r) + ½λ‖w‖², z = X w, λ = 1e-3 -------------------
export interface LogregIn { m: number; k: number; X: Float64Array; y: Float64Array; w: Float64Array; lambda: number }
export function logreg(m = 100_000, k = 100): Workload<LogregIn> {
  const inp: LogregIn = {
    m, k, lambda: 1e-3,
    X: fill(m * k, (i) => Math.sin(i)),
    y: fill(m, (r) => (r % 3 === 0 ? 1 : 0)),
    w: fill(k, (c) => 0.01 * Math.cos(c)),
  };
  const X = w.tensor(inp.X, [m, k]), y = w.tensor(inp.y);
  const f = (wv: Tensor) => {
    const z = w.matmul(X, wv);
    // softplus(z) = log(1 + eᶻ), computed stably
    return w.add(w.mean(w.sub(w.softplus(z), w.mul(y, z))), w.mul(0.5 * inp.lambda, w.sum(w.square(wv))));
  };
  return { id: 'W4', name: 'logreg', describe: `${m}x${k}, softplus, L2`, inputs: inp, f, args: [inp.w], gradBlocks: (g) => [blocksOf(g)] };
}

export const ALL = { W1: rosen, W2: mlp, W3: ode, W4: logreg } as const;
export type WorkloadId = keyof typeof ALL;
