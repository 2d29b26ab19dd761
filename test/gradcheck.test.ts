import { describe, it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const rosen = (x: T) => {
  const a = w.at(x, 0), b = w.at(x, 1);
  return w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a)));
};
const vec = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
/** AD gives ∂/∂b = a + b/2 (stopGradient hides one b), the true derivative is a + b */
const wrongInB = (a: T, b: T) => w.add(w.sum(w.mul(a, b)), w.mul(0.5, w.sum(w.mul(b, w.stopGradient(b)))));

const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as w.WengertError).code; } return 'no error'; };

describeBackends('gradcheck', () => {
  it('passes correct functions: Rosenbrock, a long vector, pytrees, several arguments', () => {
    for (const [f, args] of [
      [rosen, [[-1.2, 1]]],
      [rosen, [[1000.5, -3000]]],
      [(x: T) => w.sum(w.mul(w.sin(x), x)), [vec(200, (i) => i / 17 - 5)]],
      [(p: { W: T; b: T }, x: T) => w.sum(w.tanh(w.add(w.matmul(p.W, x), p.b))),
        [{ W: [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], b: new Float32Array([0.25, -0.5]) }, [1, 2, 3]]],
      [(x: T, mode: string) => (mode === 'log' ? w.sum(w.log(x)) : w.sum(x)), [[1, 2, 3], 'log']],
    ] as const) {
      const r = w.gradcheck(f as never, args as never);
      expect(r.ok, JSON.stringify(r)).toBe(true);
      expect(r.maxRelError).toBeLessThan(1e-6);
      expect(r.checks).toBeGreaterThan(0);
    }
  });

  it('is not fooled by |f| much larger than its gradient (rounding of f is allowed for)', () => {
    const r = w.gradcheck((x: T) => w.add(1e7, w.sum(w.sin(x))), [vec(30, (i) => i / 7)]);
    expect(r.ok).toBe(true);
  });

  it('checks next to a kink, on both sides, by shrinking the step', () => {
    for (const x of [1e-7, -1e-7]) {
      const r = w.gradcheck((t: T) => w.add(w.relu(t), w.abs(t)), [x], { directions: 0 });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      expect(r.worst.fd).toBeCloseTo(x > 0 ? 2 : -1, 6);
    }
    // a wrong rule stays wrong next to the kink: AD of t·stopGradient(relu t) misses relu(t)'s own term
    expect(w.gradcheck((t: T) => w.sum(w.mul(t, w.stopGradient(w.relu(t)))), [[1e-7, 0.5]]).ok).toBe(false);
  });

  it('finds a wrong gradient and names the argument (per coordinate for small inputs)', () => {
    const r = w.gradcheck(wrongInB, [[1, 2], [3, 4]]);
    expect(r.ok).toBe(false);
    expect(r.worst.argument).toBe(1);
    expect(r.worst.index).not.toBeNull();
    const i = r.worst.index!;
    const a = [1, 2][i], b = [3, 4][i];
    expect(r.worst.ad).toBeCloseTo(a + b / 2, 12);
    expect(r.worst.fd).toBeCloseTo(a + b, 6);
    // coordinates give b/2 ≤ 2; a direction v (|vᵢ| ≤ 1) gives |Σ bᵢvᵢ|/2 ≤ 3.5
    expect(r.maxAbsError).toBeGreaterThanOrEqual(2 - 1e-6);
    expect(r.maxAbsError).toBeLessThanOrEqual(3.5 + 1e-6);
  });

  it('finds a wrong gradient along random directions for large inputs', () => {
    const a = vec(100, (i) => Math.cos(i)), b = vec(100, (i) => 1 + i / 100);
    const r = w.gradcheck(wrongInB, [a, b], { seed: 7 });
    expect(r.ok).toBe(false);
    expect(r.worst.argument).toBe(1);
    expect(r.worst.index).toBeNull();
    expect(r.worst.direction).toBeGreaterThanOrEqual(0);
    // the first argument alone is right
    const onlyA = w.gradcheck((x: T) => wrongInB(x, w.tensor(b)), [a]);
    expect(onlyA.ok).toBe(true);
  });

  it('reports the first argument when that is the wrong one', () => {
    const r = w.gradcheck((x: T, y: T) => w.add(w.sum(w.mul(x, w.stopGradient(x))), w.sum(w.mul(x, y))), [[0.5, -1.5, 2], [1, 1, 1]]);
    expect(r.ok).toBe(false);
    expect(r.worst.argument).toBe(0);
  });

  it('honours rtol: a 1e-4 relative error fails at the default and passes at rtol = 1e-3', () => {
    // AD: 1 + 1e-4·x, true: 1 + 2e-4·x
    const f = (x: T) => w.add(w.sum(x), w.mul(1e-4, w.sum(w.mul(x, w.stopGradient(x)))));
    expect(w.gradcheck(f, [[0.5, 1]]).ok).toBe(false);
    expect(w.gradcheck(f, [[0.5, 1]], { rtol: 1e-3 }).ok).toBe(true);
  });

  it('is deterministic for a seed and uses the requested directions', () => {
    const f = (x: T) => w.sum(w.exp(w.mul(0.1, x)));
    const x = vec(50, (i) => i / 10);
    const r1 = w.gradcheck(f, [x], { seed: 3, directions: 5 });
    const r2 = w.gradcheck(f, [x], { seed: 3, directions: 5 });
    const r3 = w.gradcheck(f, [x], { seed: 4, directions: 5 });
    expect(r1).toEqual(r2);
    expect(r1.checks).toBe(5);
    expect(r3.worst.ad === r1.worst.ad && r3.worst.fd === r1.worst.fd).toBe(false);
    // small input: every coordinate plus the directions
    expect(w.gradcheck(f, [[1, 2, 3]], { directions: 2 }).checks).toBe(5);
  });

  it('does not mutate its inputs', () => {
    const x = vec(5, (i) => i + 0.5), copy = x.slice();
    const p = { W: [[1, 2]], b: [0.5] };
    w.gradcheck((x: T, q: { W: T; b: T }) => w.sum(w.mul(w.sum(w.mul(x, x)), w.add(w.sum(q.W), q.b))), [x, p]);
    expect(x).toEqual(copy);
    expect(p).toEqual({ W: [[1, 2]], b: [0.5] });
  });
});

describe('gradcheck bad input', () => {
  const f = (x: T) => w.sum(x);
  it('throws ERR_ARG naming what was expected', () => {
    expect(code(() => w.gradcheck(3 as never, [1]))).toBe('ERR_ARG');
    expect(code(() => w.gradcheck(f, 1 as never))).toBe('ERR_ARG');
    expect(code(() => w.gradcheck(f, []))).toBe('ERR_ARG');
    expect(code(() => w.gradcheck(f, ['text']))).toBe('ERR_ARG');
    expect(code(() => w.gradcheck(f, [{ x: [1], name: 'a' }]))).toBe('ERR_ARG');
    expect(code(() => w.gradcheck(f, [[1]], { eps: 0 }))).toBe('ERR_ARG');
    expect(code(() => w.gradcheck(f, [[1]], { rtol: -1 }))).toBe('ERR_ARG');
    expect(code(() => w.gradcheck(f, [[1]], { directions: 1.5 }))).toBe('ERR_ARG');
    expect(code(() => w.gradcheck(f, [[1]], { tol: 1 } as never))).toBe('ERR_ARG');
    expect(code(() => w.gradcheck(f, [vec(30, (i) => i)], { directions: 0 }))).toBe('ERR_ARG');
    expect(() => w.gradcheck(f, [[1]], { eps: -1 })).toThrow(/expected eps to be a positive number but received number -1/);
  });

  it('rejects a non-scalar output like grad does', () => {
    expect(code(() => w.gradcheck((x: T) => w.sin(x), [[1, 2]]))).toBe('ERR_SHAPE');
  });
});
