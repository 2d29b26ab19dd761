// gradcheck: reverse-mode gradients against float64 central differences. The ONLY finite
// differences in wengert. Each check compares ⟨∇ₐf, v⟩ with
//   D(h) = (f(x + h·v) − f(x − h·v)) / 2h
// for one argument a and a direction v: seeded random directions, plus every coordinate when the
// inputs are small. D's own error is estimated (truncation ≈ |D(h) − D(2h)|, rounding ≈ ε·|f|/h)
// and allowed for, so a correct f passes at rtol = 1e-6 even when |f| ≫ |∇f|; a kink inside the
// stencil shrinks h (see centralDifference).
import { Tensor, liveData } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { flatten, firstStatic, type TreeDef } from '../core/pytree.js';
import { valueAndGrad } from '../api/grad.js';

export interface GradcheckOptions {
  /** seed of the random directions (default 0) */
  seed?: number;
  /** random directions per argument (default 3) */
  directions?: number;
  /** relative step: h = eps · max(1, |x|∞ along v) (default ∛ε ≈ 6.1e-6) */
  eps?: number;
  rtol?: number;
  atol?: number;
}

export interface GradcheckWorst {
  /** which argument of f (index into args) */
  argument: number;
  /** coordinate within the argument (its leaves concatenated in order), or null for a random direction */
  index: number | null;
  /** path of the leaf holding that coordinate, e.g. 'W' in {W, b} */
  leaf?: string;
  /** number of the random direction (for index === null) */
  direction?: number;
  /** directional derivative by reverse mode */
  ad: number;
  /** directional derivative by central differences */
  fd: number;
}

export interface GradcheckResult {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** the check furthest outside its tolerance (or closest to it when all pass) */
  worst: GradcheckWorst;
  /** number of comparisons made */
  checks: number;
}

const EPS = 2 ** -52;
const COORDINATE_LIMIT = 20;
const OPTION_KEYS = ['seed', 'directions', 'eps', 'rtol', 'atol'];

interface Arg { def: TreeDef; shapes: (readonly number[])[]; x: Float64Array; leafStart: number[]; paths: string[] }

export function gradcheck(f: (...a: any[]) => unknown, args: readonly unknown[], opts: GradcheckOptions = {}): GradcheckResult {
  const o = checkOptions(f, args, opts);
  const parsed = args.map((a, k) => parseArg(a, k));
  const diff = parsed.flatMap((p, k) => (p && p.x.length > 0 ? [k] : []));
  if (diff.length === 0) fail('ERR_ARG', 'gradcheck', `expected at least one numeric argument but received ${describe(args)}`);
  const build = (k: number, x: Float64Array) => (parsed[k] ? rebuild(parsed[k]!, x) : args[k]);
  const base = args.map((_, k) => build(k, parsed[k]?.x ?? new Float64Array()));
  const [value, gradTrees] = (valueAndGrad as unknown as (f: unknown, o: unknown) => (...a: unknown[]) => [number, unknown[]])(f, { argnums: diff })(...base);
  const grads = gradTrees.map((g) => concat(flatten(g).leaves));
  const total = diff.reduce((n, k) => n + parsed[k]!.x.length, 0);

  const evalAt = (k: number, x: Float64Array): number => {
    const out = f(...base.map((b, j) => (j === k ? build(k, x) : b)));
    const { leaves } = flatten(out);
    if (leaves.length !== 1 || leaves[0].size !== 1) fail('ERR_SHAPE', 'gradcheck', `expected f to return a scalar (size 1) but it returned ${describe(out)}`);
    return leaves[0].item();
  };
  const rng = mulberry32(o.seed);
  let ok = true, maxAbs = 0, maxRel = 0, worstRatio = -1, checks = 0;
  let worst: GradcheckWorst | undefined;

  diff.forEach((k, j) => {
    const p = parsed[k]!, g = grads[j], n = p.x.length;
    const check = (v: Float64Array, where: Pick<GradcheckWorst, 'index' | 'leaf' | 'direction'>) => {
      let ad = 0, scale = 0, xmax = 1;
      for (let i = 0; i < n; i++) {
        if (v[i] === 0) continue;
        ad += g[i] * v[i];
        scale += Math.abs(g[i] * v[i]);
        xmax = Math.max(xmax, Math.abs(p.x[i]));
      }
      const { fd, fdErr } = centralDifference((x) => evalAt(k, x), p.x, v, o.eps * xmax, Math.abs(value), o);
      const bothSame = Object.is(ad, fd) || (Number.isNaN(ad) && Number.isNaN(fd));
      const err = bothSame ? 0 : Math.abs(ad - fd);
      const big = Math.max(Math.abs(ad), Math.abs(fd));
      const allowed = o.atol + o.rtol * Math.max(big, scale) + (Number.isFinite(fdErr) ? fdErr : 0);
      const ratio = Number.isNaN(err) ? Infinity : err / allowed;
      checks++;
      if (!(ratio <= 1)) ok = false;
      maxAbs = Math.max(maxAbs, Number.isNaN(err) ? Infinity : err);
      maxRel = Math.max(maxRel, err === 0 ? 0 : big > 0 ? err / big : Infinity);
      if (ratio > worstRatio) { worstRatio = ratio; worst = { argument: k, ...where, ad, fd }; }
    };
    if (total <= COORDINATE_LIMIT) {
      for (let i = 0; i < n; i++) {
        const v = new Float64Array(n);
        v[i] = 1;
        check(v, { index: i, ...(p.paths[leafOf(p, i)] ? { leaf: p.paths[leafOf(p, i)] } : {}) });
      }
    }
    for (let d = 0; d < o.directions; d++) check(randomDirection(n, rng), { index: null, direction: d });
  });
  if (!worst) return fail('ERR_ARG', 'gradcheck', 'nothing to check: directions is 0 and the inputs are too large for per-coordinate checks');
  return { ok, maxAbsError: maxAbs, maxRelError: maxRel, worst, checks };
}

/**
 * D(h) with its error estimate: truncation ≈ |D(h) − D(2h)|, rounding ≈ 8ε·|f|/h. When D(h) and
 * D(2h) disagree (a kink or steep curvature inside the stencil) the step shrinks by 16, at most
 * twice, and the estimate with the smallest error is kept. The choice never looks at the AD value.
 */
function centralDifference(F: (x: Float64Array) => number, x: Float64Array, v: Float64Array, h0: number, f0: number,
  o: Required<GradcheckOptions>): { fd: number; fdErr: number } {
  let best = { fd: NaN, fdErr: Infinity };
  for (let h = h0, tries = 0; tries < 3; tries++, h /= 16) {
    const at = (s: number) => F(x.map((xi, i) => xi + s * h * v[i]));
    const f1 = at(1), f_1 = at(-1), f2 = at(2), f_2 = at(-2);
    const fd = (f1 - f_1) / (2 * h);
    const trunc = Math.abs(fd - (f2 - f_2) / (4 * h));
    const fdErr = trunc + 8 * EPS * Math.max(Math.abs(f1), Math.abs(f_1), f0) / h;
    if (tries === 0 || fdErr < best.fdErr) best = { fd, fdErr };
    if (!(trunc > o.atol + o.rtol * Math.abs(fd))) break;
  }
  return best;
}

function checkOptions(f: unknown, args: unknown, opts: unknown): Required<GradcheckOptions> {
  if (typeof f !== 'function') fail('ERR_ARG', 'gradcheck', `expected f to be a function but received ${describe(f)}`);
  if (!Array.isArray(args)) fail('ERR_ARG', 'gradcheck', `expected args to be an array of f's arguments but received ${describe(args)}`);
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) fail('ERR_ARG', 'gradcheck', `expected options to be an object but received ${describe(opts)}`);
  const given = opts as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!OPTION_KEYS.includes(key)) fail('ERR_ARG', 'gradcheck', `expected options among ${OPTION_KEYS.join(', ')} but received '${key}'`);
  }
  const num = (key: string, dflt: number, ok: (x: number) => boolean, what: string): number => {
    const x = given[key] ?? dflt;
    if (typeof x !== 'number' || !ok(x)) fail('ERR_ARG', 'gradcheck', `expected ${key} to be ${what} but received ${describe(x)}`);
    return x as number;
  };
  return {
    seed: num('seed', 0, Number.isFinite, 'a finite number'),
    directions: num('directions', 3, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer'),
    eps: num('eps', Math.cbrt(EPS), (x) => Number.isFinite(x) && x > 0, 'a positive number'),
    rtol: num('rtol', 1e-6, (x) => Number.isFinite(x) && x >= 0, 'a non-negative number'),
    atol: num('atol', 1e-8, (x) => Number.isFinite(x) && x >= 0, 'a non-negative number'),
  };
}

/** float64 copy of an argument's numeric leaves; null for an argument without any (passed through). */
function parseArg(a: unknown, k: number): Arg | null {
  const { leaves, def } = flatten(a);
  if (leaves.length === 0) return null;
  const s = firstStatic(def);
  if (s) {
    fail('ERR_ARG', 'gradcheck', `expected argument ${k} to hold only numbers, arrays and tensors (every argument is differentiated) ` +
      `but received ${describe(s.value)} at ${s.path || 'its root'}; pass settings through a closure`);
  }
  const tracer = leaves.find((l) => !l._data);
  if (tracer) fail('ERR_ARG', 'gradcheck', `expected concrete values but argument ${k} holds a tracer (gradcheck cannot run inside a transformation)`);
  const leafStart: number[] = [];
  let n = 0;
  for (const l of leaves) { leafStart.push(n); n += l.size; }
  return { def, shapes: leaves.map((l) => l.shape), x: concat(leaves), leafStart, paths: leafPaths(def) };
}

const concat = (ts: readonly Tensor[]): Float64Array => {
  const out = new Float64Array(ts.reduce((n, t) => n + t.size, 0));
  let at = 0;
  for (const t of ts) { out.set(liveData(t, 'gradcheck') ?? t.data(), at); at += t.size; }
  return out;
};

/** The argument's tree with float64 Tensor leaves holding x. */
function rebuild(p: Arg, x: Float64Array): unknown {
  const rec = (d: TreeDef): unknown => {
    switch (d.t) {
      case 'leaf': {
        const s = p.leafStart[d.i];
        return new Tensor(p.shapes[d.i], x.slice(s, p.leafStart[d.i + 1] ?? x.length));
      }
      case 'array': return d.items.map(rec);
      case 'object': return Object.fromEntries(d.keys.map((key, i) => [key, rec(d.items[i])]));
      case 'static': return d.value;
    }
  };
  return rec(p.def);
}

function leafPaths(def: TreeDef): string[] {
  const out: string[] = [];
  const rec = (d: TreeDef) => { if (d.t === 'leaf') out[d.i] = d.path; else if (d.t !== 'static') d.items.forEach(rec); };
  rec(def);
  return out;
}

const leafOf = (p: Arg, i: number) => { let j = 0; while (j + 1 < p.leafStart.length && p.leafStart[j + 1] <= i) j++; return j; };

/** Seeded uniform [0, 1) (mulberry32). */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** uniform in [−1, 1]ⁿ, scaled so that its largest entry has magnitude 1 */
function randomDirection(n: number, rng: () => number): Float64Array {
  const v = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) { v[i] = 2 * rng() - 1; m = Math.max(m, Math.abs(v[i])); }
  for (let i = 0; i < n; i++) v[i] /= m || 1;
  return v;
}
