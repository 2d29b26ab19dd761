// w.linalg behaviour on both backends: DESIGN §8's conventions (symmetrized inputs, NumPy 2 solve
// shapes, R's diagonal ≥ 0, sign-normalized vectors the same on both backends, adjugate-based det
// derivative finite at singular A, NaN for non-positive-definite / singular input, triangles read
// alone), repeated eigenvalues, gradcheck of every op batched at first and second order, and
// ERR_SHAPE / ERR_ARG for bad input.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

const L = w.linalg;
/** uniform in [-0.5, 0.5) from a 32-bit LCG */
function rand(shape: number[], seed: number): w.Tensor {
  let s = Math.imul(seed, 2654435761) >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  return w.tensor(Float64Array.from({ length: n }, () => { s = (Math.imul(1664525, s) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; }), shape);
}
const eye = (n: number) => w.tensor(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => (i === j ? 1 : 0))));
/** batch of well-conditioned matrices: [..., n, n] + (n + 1)·I */
const dominant = (shape: number[], seed: number) => w.add(rand(shape, seed), w.mul(shape[shape.length - 1] + 1, eye(shape[shape.length - 1])));
function spd(shape: number[], seed: number): w.Tensor {
  const X = rand(shape, seed), n = shape[shape.length - 1];
  return w.add(w.div(w.matmul(X, w.transpose(X, shape.map((_, i) => (i < shape.length - 2 ? i : 2 * shape.length - 3 - i)))), n), eye(n));
}
const flat = (x: unknown): Float64Array => (typeof x === 'number' ? Float64Array.of(x) : (x as w.Tensor).data());
/** run f on the active backend (compiled: eager ops would use the TS kernels) */
const run = <T>(f: (...a: w.Tensor[]) => T, ...args: w.Tensor[]): T => w.compile(f as (...a: w.Tensor[]) => any, ...args).value(...args) as T;
const maxAbs = (x: Float64Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
function close(a: Float64Array, b: Float64Array, rtol = 1e-12) {
  expect(a.length).toBe(b.length);
  const s = Math.max(maxAbs(b), 1e-300);
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= rtol * s)) expect.fail(`[${i}] ${a[i]} vs ${b[i]}`);
}
const allNaN = (x: unknown) => Array.from(flat(x)).every(Number.isNaN);
/** the value of f on both backends (for comparing conventions across them) */
function onBoth<T>(f: () => T): [T, T] {
  const was = w.getBackend();
  try {
    w.setBackend('ts'); const a = f();
    if (!w.nativeInfo().available) return [a, a];
    w.setBackend('native'); return [a, f()];
  } finally { w.setBackend(was); }
}

describeBackends('w.linalg', () => {
  it('cholesky and eigh read ½(A + Aᵀ); solve treats b as a vector only when 1-D (NumPy 2)', () => {
    const A = spd([4, 4], 1), N = w.add(A, w.mul(0.3, w.sub(rand([4, 4], 2), w.transpose(rand([4, 4], 2)))));
    close(flat(run((a) => L.cholesky(a), N)), flat(run((a) => L.cholesky(a), A)));
    close(flat(run((a) => L.eigh(a)[0], N)), flat(run((a) => L.eigh(a)[0], A)));
    const B = dominant([2, 3, 3], 3), v = rand([3], 4);
    const x = run((a, b) => L.solve(a, b), B, v);
    expect(x.shape).toEqual([2, 3]);
    const xm = run((a, b) => L.solve(a, b), B, w.reshape(v, [3, 1]));
    expect(xm.shape).toEqual([2, 3, 1]);
    close(flat(x), flat(xm));
    // batch axes broadcast: [3, 3] against [2, 3, 2]
    const y = run((a, b) => L.solve(a, b), w.at(B, 0), rand([2, 3, 2], 5));
    expect(y.shape).toEqual([2, 3, 2]);
    close(flat(run((a, b) => w.matmul(a, L.solve(a, b)), w.at(B, 0), rand([2, 3, 2], 5))), flat(rand([2, 3, 2], 5)));
  });

  it('R has a diagonal ≥ 0; eigen- and singular vectors have their largest component positive, the same on both backends', () => {
    const A = rand([3, 6, 4], 7), S = spd([5, 5], 8);
    const [ts, nat] = onBoth(() => [run((a) => L.qr(a), A), run((a) => L.eigh(a), S), run((a) => L.svd(a), A)] as const);
    const q = [ts[0], nat[0]], e = [ts[1], nat[1]], s = [ts[2], nat[2]];
    for (const [Q, R] of [q[0], q[1]]) {
      const r = R.toArray() as number[][][];
      for (const m of r) m.forEach((row, i) => expect(row[i]).toBeGreaterThanOrEqual(0));
      close(flat(w.matmul(Q, R)), flat(A));
    }
    const largestPositive = (X: w.Tensor) => {   // columns of the last two axes
      const d = X.data(), [m, k] = X.shape.slice(-2);
      for (let b = 0; b < d.length / (m * k); b++) for (let j = 0; j < k; j++) {
        let best = 0;
        for (let i = 0; i < m; i++) if (Math.abs(d[b * m * k + i * k + j]) > Math.abs(d[b * m * k + best * k + j]) + 1e-10) best = i;
        expect(d[b * m * k + best * k + j]).toBeGreaterThan(0);
      }
    };
    for (const [, V] of e) largestPositive(V);
    for (const [U] of s) largestPositive(U);
    close(flat(e[0][1]), flat(e[1][1]), 1e-10);
    close(flat(s[0][0]), flat(s[1][0]), 1e-10);
    close(flat(s[0][2]), flat(s[1][2]), 1e-10);
    // a tie (±1/√2 components) is decided by the first: the same on both backends
    const T = w.tensor([[2, 1], [1, 2]]);
    const [t1, t2] = onBoth(() => run((a) => L.eigh(a)[1], T).toArray());
    expect(t1).toEqual(t2);
  });

  it('functions of eigenvalues alone are differentiable at repeated eigenvalues (no NaN or ∞), in both modes', () => {
    const I3 = eye(3);
    close(flat(w.grad((a: w.Tensor) => w.sum(L.eigh(a)[0]))(I3)), flat(I3));
    // Q·diag(1, 1, 2)·Qᵀ: the gradient of Σ exp(λ) is V·diag(exp λ)·Vᵀ = Q·diag(e, e, e²)·Qᵀ
    const [Q] = L.qr(rand([3, 3], 9));
    const D = w.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 2]]);
    const A = w.matmul(Q, w.matmul(D, w.transpose(Q)));
    const g = w.grad((a: w.Tensor) => w.sum(w.exp(L.eigh(a)[0])))(A);
    const expD = w.tensor([[Math.E, 0, 0], [0, Math.E, 0], [0, 0, Math.exp(2)]]);
    close(flat(g), flat(w.matmul(Q, w.matmul(expD, w.transpose(Q)))), 1e-12);
    expect(Array.from(flat(g)).every(Number.isFinite)).toBe(true);
    const [, t] = w.jvp((a: w.Tensor) => w.sum(L.eigh(a)[0]), [A], [rand([3, 3], 10)]);
    expect(Number.isFinite(flat(t)[0])).toBe(true);
    // nuclear norm at a matrix with repeated singular values (orthogonal): gradient U·Vᵀ = Q
    close(flat(w.grad((a: w.Tensor) => w.sum(L.svd(a)[1]))(Q)), flat(Q), 1e-12);
    // the eigenvectors' derivative is not defined there: it is not finite, never a wrong number
    const gv = flat(w.grad((a: w.Tensor) => w.sum(w.mul(L.eigh(a)[1], rand([3, 3], 11))))(A));
    expect(Array.from(gv).some((v) => !Number.isFinite(v))).toBe(true);
  });

  it('det: exactly 0 at a singular matrix, its gradient (the adjugate) finite there; slogdet: sign 0, −∞', () => {
    const S = w.tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]]), Z = w.tensor([[0, 0, 0], [0, 1, 2], [0, 3, 4]]);
    expect(flat(run((a) => L.det(a), S))[0] + 0).toBe(0);
    // adj(Z)ᵀ: only the (0, 0) cofactor is nonzero (1·4 − 2·3)
    expect(Array.from(flat(w.grad((a: w.Tensor) => L.det(a))(Z)), (v) => v + 0)).toEqual([-2, 0, 0, 0, 0, 0, 0, 0, 0]);
    const gS = flat(w.grad((a: w.Tensor) => L.det(a))(S));
    expect(Array.from(gS).every(Number.isFinite)).toBe(true);
    close(gS, Float64Array.from([4, 4, -4, -2, -2, 2, 0, 0, 0]));   // the cofactors of S
    const [sign, logabs] = run((a) => L.slogdet(a), S);
    expect([flat(sign)[0] + 0, flat(logabs)[0]]).toEqual([0, -Infinity]);
    // away from singular: det' = det·A⁻ᵀ, slogdet' = A⁻ᵀ
    const A = dominant([3, 3], 12), Ainv = run((a) => L.inv(a), A);
    close(flat(w.grad((a: w.Tensor) => L.slogdet(a)[1])(A)), flat(w.transpose(Ainv)));
    close(flat(w.grad((a: w.Tensor) => L.det(a))(A)), flat(w.mul(run((a) => L.det(a), A), w.transpose(Ainv))));
  });

  it('a non-positive-definite cholesky, a singular solve or inv: NaN outputs on every path (eager, compiled, derivatives), no exception', () => {
    const notPD = w.tensor([[1, 2], [2, 1]]), sing = w.tensor([[1, 2], [2, 4]]), b = w.tensor([1, 1]);
    for (const f of [(a: w.Tensor) => L.cholesky(a), (a: w.Tensor) => L.choleskySolve(L.cholesky(a), b)]) {
      expect(allNaN(f(notPD))).toBe(true);
      expect(allNaN(run(f, notPD))).toBe(true);
      expect(allNaN(w.grad((a: w.Tensor) => w.sum(f(a)))(notPD))).toBe(true);
    }
    for (const f of [(a: w.Tensor) => L.solve(a, b), (a: w.Tensor) => L.inv(a)]) {
      expect(allNaN(f(sing))).toBe(true);
      expect(allNaN(run(f, sing))).toBe(true);
      expect(allNaN(w.grad((a: w.Tensor) => w.sum(f(a)))(sing))).toBe(true);
    }
    // one batch element bad, the other fine
    const batch = w.stack([notPD, w.tensor([[2, 1], [1, 2]])]), out = run((a) => L.cholesky(a), batch).toArray() as number[][][];
    expect(out[0].flat().every(Number.isNaN)).toBe(true);
    expect(out[1].flat().every(Number.isFinite)).toBe(true);
    // a minimizer treats such a point as non-finite (it does not stop with a wrong finite value)
    expect(allNaN(run((a) => L.qr(a)[1], w.tensor([[1, NaN], [0, 1]])))).toBe(true);
  });

  it('triangularSolve and choleskySolve read only their triangle: the other entries have derivative exactly 0', () => {
    const T = dominant([4, 4], 13), B = rand([4, 2], 14), junk = w.mul(1e3, rand([4, 4], 15));
    for (const opts of [{}, { lower: false }, { transpose: true }, { lower: false, transpose: true, unitDiagonal: true }, { unitDiagonal: true }]) {
      const lower = (opts as { lower?: boolean }).lower ?? true, unit = !!(opts as { unitDiagonal?: boolean }).unitDiagonal;
      const unread = (i: number, j: number) => (lower ? j > i : j < i) || (unit && i === j);
      const mask = w.tensor(Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (__, j) => (unread(i, j) ? 1 : 0))));
      const x1 = flat(run((t, b) => L.triangularSolve(t, b, opts), T, B));
      const x2 = flat(run((t, b) => L.triangularSolve(t, b, opts), w.add(T, w.mul(mask, junk)), B));
      expect(Array.from(x2)).toEqual(Array.from(x1));
      const g = (w.grad((t: w.Tensor) => w.sum(w.mul(L.triangularSolve(t, B, opts), rand([4, 2], 16))))(T) as w.Tensor).toArray() as number[][];
      g.forEach((row, i) => row.forEach((v, j) => { if (unread(i, j)) expect(v, `${JSON.stringify(opts)} [${i},${j}]`).toBe(0); }));
      expect(w.gradcheck((t: w.Tensor, b: w.Tensor) => w.sum(w.sin(L.triangularSolve(t, b, opts))), [T, B]).ok).toBe(true);
    }
    const Lf = L.cholesky(spd([3, 3], 17)), b = rand([3], 18);
    const gl = (w.grad((l: w.Tensor) => w.sum(w.square(L.choleskySolve(l, b))))(Lf) as w.Tensor).toArray() as number[][];
    gl.forEach((row, i) => row.forEach((v, j) => { if (j > i) expect(v).toBe(0); }));
    close(flat(run((l, v) => L.choleskySolve(l, v), Lf, b)), flat(run((l, v) => L.solve(w.matmul(l, w.transpose(l)), v), Lf, b)), 1e-12);
  });

  it('gradcheck passes for every op, batched, first and second order', () => {
    const A = dominant([2, 3, 3], 20), P = spd([2, 3, 3], 21), M = rand([2, 4, 3], 22), Wd = rand([2, 3, 4], 23), B = rand([2, 3, 2], 24);
    const sc = (t: w.Tensor) => w.sum(w.sin(t));
    const cases: [string, (...a: w.Tensor[]) => w.Tensor, w.Tensor[]][] = [
      ['cholesky', (a) => sc(L.cholesky(a)), [P]],
      ['solve', (a, b) => sc(L.solve(a, b)), [A, B]],
      ['triangularSolve', (a, b) => sc(L.triangularSolve(a, b, { transpose: true })), [A, B]],
      ['choleskySolve', (a, b) => sc(L.choleskySolve(L.cholesky(a), b)), [P, B]],
      ['inv', (a) => sc(L.inv(a)), [A]],
      ['det', (a) => sc(L.det(a)), [A]],
      ['slogdet', (a) => sc(L.slogdet(a)[1]), [A]],
      ['qr tall', (a) => { const [q, r] = L.qr(a); return w.add(sc(q), sc(r)); }, [M]],
      ['qr wide', (a) => { const [q, r] = L.qr(a); return w.add(sc(q), sc(r)); }, [Wd]],
      ['eigh', (a) => { const [v, V] = L.eigh(a); return w.add(sc(v), sc(V)); }, [P]],
      ['svd tall', (a) => { const [u, s, vt] = L.svd(a); return w.add(w.add(sc(u), sc(s)), sc(vt)); }, [M]],
      ['svd wide', (a) => { const [u, s, vt] = L.svd(a); return w.add(w.add(sc(u), sc(s)), sc(vt)); }, [Wd]],
    ];
    for (const [name, f, args] of cases) {
      const first = w.gradcheck(f, args, { directions: 2 });
      expect(first.ok, `${name} first order: ${JSON.stringify(first.worst)}`).toBe(true);
      // second order: the gradient's directional derivative, as a scalar function again
      const R = rand(args[0].shape, 30);
      const second = w.gradcheck((...a: w.Tensor[]) => w.sum(w.mul(w.grad(f)(...a) as w.Tensor, R)), args, { directions: 2, rtol: 1e-5 });
      expect(second.ok, `${name} second order: ${JSON.stringify(second.worst)}`).toBe(true);
    }
  });

  it('jvp agrees with vjp (⟨ȳ, J·ẋ⟩ = ⟨Jᵀ·ȳ, ẋ⟩) and hessian-vector products run, batched', () => {
    const P = spd([2, 4, 4], 40), T = rand([2, 4, 4], 41), R = rand([2, 4], 42);
    const f = (a: w.Tensor) => w.mul(L.eigh(a)[0], R);
    const [, jt] = w.jvp(f, [P], [T]);
    const [, pull] = w.vjp(f, P);
    const [ga] = pull(w.tensor(R.data(), [2, 4]));
    const lhs = flat(w.sum(w.mul(jt as w.Tensor, R))), rhs = flat(w.sum(w.mul(ga as w.Tensor, T)));
    expect(Math.abs(lhs[0] - rhs[0])).toBeLessThan(1e-12 * (1 + Math.abs(rhs[0])));
    const hv = w.hvp((a: w.Tensor) => L.slogdet(a)[1].sum())(dominant([3, 3], 43), rand([3, 3], 44));
    expect(Array.from(flat(hv)).every(Number.isFinite)).toBe(true);
    const H = w.hessian((a: w.Tensor) => L.det(a))(dominant([2, 2], 45)) as w.Tensor;
    expect(H.shape).toEqual([2, 2, 2, 2]);
    // d²det/dA² of a 2×2: ∂²(ad − bc) — entries ±1 and 0
    expect(Array.from(H.data()).map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([0, 0, 0, 1, 0, 0, -1, 0, 0, -1, 0, 0, 1, 0, 0, 0]);
  });

  it('bad input: ERR_SHAPE naming the op and the shapes, ERR_ARG for bad options', () => {
    const shape = (f: () => unknown, text: RegExp) => expect(f).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringMatching(text) }));
    shape(() => L.cholesky(rand([3, 4], 1)), /linalg\.cholesky.*square.*f64\[3,4\]/);
    shape(() => L.det([1, 2, 3]), /linalg\.det.*matrix.*f64\[3\]/);
    shape(() => L.inv(rand([2, 3], 1)), /linalg\.inv.*square/);
    shape(() => L.eigh(rand([2, 2, 3], 1)), /linalg\.eigh.*f64\[2,2,3\]/);
    shape(() => L.solve(eye(3), [1, 2]), /linalg\.solve.*b.*\[3\].*f64\[2\]/);
    shape(() => L.solve(eye(3), rand([4, 1], 1)), /linalg\.solve.*f64\[4,1\]/);
    shape(() => L.solve(rand([2, 3, 3], 1), rand([3, 3, 1], 1)), /linalg\.solve.*batch.*f64\[2,3,3\].*f64\[3,3,1\]/);
    shape(() => L.triangularSolve(eye(2), rand([3, 2], 1)), /linalg\.triangularSolve/);
    shape(() => L.choleskySolve(rand([3, 2], 1), [1, 2, 3]), /linalg\.choleskySolve.*square/);
    shape(() => L.qr(5), /linalg\.qr.*matrix/);
    shape(() => L.svd([1, 2]), /linalg\.svd.*matrix/);
    expect(() => L.triangularSolve(eye(2), [1, 2], { lowr: true } as never)).toThrow(expect.objectContaining({ code: 'ERR_ARG', message: expect.stringMatching(/unknown option 'lowr'/) }));
    expect(() => L.triangularSolve(eye(2), [1, 2], { lower: 1 } as never)).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
    // inside a traced function the same errors
    expect(() => w.grad((a: w.Tensor) => w.sum(L.cholesky(w.reshape(a, [2, 3]))))(rand([6], 1))).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
  });

  it('leastSquares factors a large Jacobian with the qrPivoted op (native kernels on the native backend): the same fit and covariance on both backends', async () => {
    const m = 300, n = 80, X = rand([m, n], 50), p = w.tensor(Float64Array.from({ length: n }, (_, i) => Math.sin(i)));
    const y = w.add(w.matmul(X, p), w.mul(0.01, rand([m], 51)));
    const fit = await w.leastSquares((q: w.Tensor) => w.sub(w.matmul(X, q), y), new Float64Array(n));
    const direct = run((a, b) => L.solve(w.matmul(w.transpose(a), a), w.matmul(w.transpose(a), b)), X, y);   // normal equations, for reference
    close(fit.x as Float64Array, flat(direct), 1e-10);
    expect(fit.covariance!.shape).toEqual([n, n]);
    const cov = flat(fit.covariance!), s2 = 2 * fit.cost / (m - n);
    close(cov, flat(w.mul(s2, run((a) => L.inv(w.matmul(w.transpose(a), a)), X))), 1e-9);
  });
});
