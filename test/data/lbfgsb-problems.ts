// The bounded problems of test/data/lbfgsb-scipy.py (scipy's reference solutions in
// lbfgsb-scipy.json), written with wengert ops — the same formulas as the numpy ones there.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as w from '../../src/index.js';

type T = w.Tensor;
const { add, sub, mul, square, pow, sum, at, slice, stack, matmul, dot } = w;

const rosen = (x: T) => add(mul(100, square(sub(at(x, 1), square(at(x, 0))))), square(sub(1, at(x, 0))));
const extRosen = (x: T) => {
  const h = x.shape[0] / 2, X = w.reshape(x, [h, 2]);
  const a = slice(X, [0, 0], [h, 1]), b = slice(X, [0, 1], [h, 2]);
  return sum(add(mul(100, square(sub(b, square(a)))), square(sub(1, a))));
};
const chainedRosen = (x: T) => {
  const n = x.shape[0], a = slice(x, [0], [n - 1]), b = slice(x, [1], [n]);
  return sum(add(mul(100, square(sub(b, square(a)))), square(sub(1, a))));
};
const wood = (x: T) => {
  const [x1, x2, x3, x4] = [0, 1, 2, 3].map((i) => at(x, i));
  return sum(stack([mul(100, square(sub(x2, square(x1)))), square(sub(1, x1)), mul(90, square(sub(x4, square(x3)))),
    square(sub(1, x3)), mul(10.1, add(square(sub(x2, 1)), square(sub(x4, 1)))), mul(19.8, mul(sub(x2, 1), sub(x4, 1)))]));
};
const beale = (x: T) => {
  const a = at(x, 0), b = at(x, 1);
  return sum(stack([1.5, 2.25, 2.625].map((c, k) => square(sub(c, mul(a, sub(1, pow(b, k + 1))))))));
};
const powellSingular = (x: T) => {
  const [x1, x2, x3, x4] = [0, 1, 2, 3].map((i) => at(x, i));
  return sum(stack([square(add(x1, mul(10, x2))), mul(5, square(sub(x3, x4))), pow(sub(x2, mul(2, x3)), 4), mul(10, pow(sub(x1, x4), 4))]));
};
function boxQuadratic(n: number) {
  const A = new Float64Array(n * n), b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    b[i] = 3 * Math.sin(1 + i);
    for (let j = 0; j < n; j++) A[i * n + j] = 1 / (1 + Math.abs(i - j)) + (i === j ? 2 : 0);
  }
  const At = w.tensor(A, [n, n]);
  return (x: T) => sub(mul(0.5, dot(x, matmul(At, x))), dot(b, x));
}

export const LBFGSB_FUNCTIONS: Record<string, (x: T) => T> = {
  'rosenbrock-x1-upper': rosen, 'rosenbrock-x2-upper': rosen, 'ext-rosenbrock-10': extRosen,
  'chained-rosenbrock-20': chainedRosen, 'wood-x3-upper': wood, 'beale-box': beale,
  'powell-singular-lower': powellSingular, 'box-quadratic-50': boxQuadratic(50),
};

export interface ScipyReference {
  name: string; x0: number[]; lower: (number | null)[]; upper: (number | null)[];
  x: number[]; f: number; active: number[]; iterations: number; evaluations: number; message: string;
}

export function scipyReferences(): { scipy: string; problems: ScipyReference[] } {
  return JSON.parse(readFileSync(fileURLToPath(new URL('./lbfgsb-scipy.json', import.meta.url)), 'utf8'));
}

/** -1 at the lower bound, +1 at the upper, 0 free */
export function activeSet(x: ArrayLike<number>, lower: (number | null)[], upper: (number | null)[]): number[] {
  return Array.from(x, (v, i) => (lower[i] !== null && v <= lower[i]! ? -1 : upper[i] !== null && v >= upper[i]! ? 1 : 0));
}
