// einsum(spec, ...xs): lowered to transposes, reshapes, broadcasts, reductions and batched matmul,
// so it needs no derivative rules. Operands are contracted pairwise in a greedy order (at each step
// the pair whose result is smallest), as opt_einsum's 'greedy'.
import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { sum } from './sum.js';
import { transpose } from './transpose.js';
import { reshape } from './reshape.js';
import { matmul } from './matmul.js';
import { gather } from './gather.js';
import { Tensor as T } from '../core/tensor.js';

interface Term { t: Tensor; ix: string[] }
const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

function parse(spec: string, n: number): { ins: string[][]; out: string[] } {
  if (typeof spec !== 'string' || spec.includes('.')) fail('ERR_ARG', 'einsum', `expected a spec like 'ij,jk->ik' (letters only, no ellipsis) but received ${JSON.stringify(spec)}`);
  const [lhs, rhs] = spec.replace(/\s+/g, '').split('->');
  const ins = lhs.split(',').map((s) => [...s]);
  if (ins.length !== n) fail('ERR_ARG', 'einsum', `the spec '${spec}' has ${ins.length} operand(s) but ${n} tensor(s) were given`);
  const all = ins.flat();
  if (all.some((c) => !/[A-Za-z]/.test(c))) fail('ERR_ARG', 'einsum', `expected letters as indices in '${spec}'`);
  // implicit output (NumPy): the letters that appear once, in alphabetical order
  const out = rhs === undefined ? [...new Set(all)].filter((c) => all.indexOf(c) === all.lastIndexOf(c)).sort() : [...rhs];
  for (const c of out) if (!all.includes(c)) fail('ERR_ARG', 'einsum', `output index '${c}' does not appear in an input of '${spec}'`);
  if (new Set(out).size !== out.length) fail('ERR_ARG', 'einsum', `output index repeated in '${spec}'`);
  return { ins, out };
}

/** the diagonal over repeated letters of one operand ('ii' → 'i'): a gather on the merged axes */
function diagonal(t: Tensor, ix: string[]): Term {
  for (;;) {
    const c = ix.find((l, i) => ix.indexOf(l) !== i);
    if (c === undefined) return { t, ix };
    const a = ix.indexOf(c), b = ix.indexOf(c, a + 1), n = t.shape[a];
    const rest = ix.map((_, i) => i).filter((i) => i !== a && i !== b);
    const moved = transpose(t, [a, b, ...rest]);
    const flat = reshape(moved, [n * n, ...rest.map((i) => t.shape[i])]);
    t = gather(flat, new T([n], Float64Array.from({ length: n }, (_, i) => i * (n + 1))), 0);
    ix = [c, ...rest.map((i) => ix[i])];
  }
}

/** letters of `term` needed later (by the output or another term) */
const keptOf = (ix: string[], others: Term[], out: string[]) => ix.filter((c) => out.includes(c) || others.some((o) => o.ix.includes(c)));

/** sum out the letters no one else needs */
function reduceUnneeded(term: Term, others: Term[], out: string[]): Term {
  const kept = keptOf(term.ix, others, out);
  const axes = term.ix.map((c, i) => (kept.includes(c) ? -1 : i)).filter((i) => i >= 0);
  return axes.length ? { t: sum(term.t, axes), ix: term.ix.filter((c) => kept.includes(c)) } : term;
}

/** A·B over the shared letters: [batch, a-only, shared] · [batch, shared, b-only] as one matmul */
function contract(A: Term, B: Term, others: Term[], out: string[], size: Map<string, number>): Term {
  const needed = (c: string) => out.includes(c) || others.some((o) => o.ix.includes(c));
  const batch = A.ix.filter((c) => B.ix.includes(c) && needed(c));
  const shared = A.ix.filter((c) => B.ix.includes(c) && !needed(c));
  const aOnly = A.ix.filter((c) => !B.ix.includes(c)), bOnly = B.ix.filter((c) => !A.ix.includes(c));
  const dims = (cs: string[]) => cs.map((c) => size.get(c)!);
  const at = (t: Term, order: string[], shape: number[]) => reshape(transpose(t.t, order.map((c) => t.ix.indexOf(c))), shape);
  const a = at(A, [...batch, ...aOnly, ...shared], [prod(dims(batch)), prod(dims(aOnly)), prod(dims(shared))]);
  const b = at(B, [...batch, ...shared, ...bOnly], [prod(dims(batch)), prod(dims(shared)), prod(dims(bOnly))]);
  const c = matmul(a, b);
  return { t: reshape(c, dims([...batch, ...aOnly, ...bOnly])), ix: [...batch, ...aOnly, ...bOnly] };
}

/** size of the result of contracting terms i and j (the greedy cost) */
function resultSize(A: Term, B: Term, others: Term[], out: string[], size: Map<string, number>): number {
  const letters = new Set([...A.ix, ...B.ix]);
  return prod([...letters].filter((c) => out.includes(c) || others.some((o) => o.ix.includes(c))).map((c) => size.get(c)!));
}

/** einsum('ij,jk->ik', a, b): NumPy's einsum without ellipsis; without '->' the output is implicit */
export function einsum(spec: string, ...xs: TensorLike[]): Tensor {
  const { ins, out } = parse(spec, xs.length);
  const size = new Map<string, number>();
  let terms: Term[] = xs.map((x, k) => {
    const t = asTensor(x, 'einsum');
    if (t.rank !== ins[k].length) fail('ERR_SHAPE', 'einsum', `operand ${k} has rank ${t.rank} but '${ins[k].join('')}' names ${ins[k].length} axes`);
    ins[k].forEach((c, i) => {
      const d = size.get(c);
      if (d !== undefined && d !== t.shape[i]) fail('ERR_SHAPE', 'einsum', `index '${c}' has size ${d} and ${t.shape[i]}`);
      size.set(c, t.shape[i]);
    });
    return diagonal(t, [...ins[k]]);
  });
  terms = terms.map((t, k) => reduceUnneeded(t, terms.filter((_, j) => j !== k), out));
  while (terms.length > 1) {
    let best: [number, number] = [0, 1], cost = Infinity;
    for (let i = 0; i < terms.length; i++) {
      for (let j = i + 1; j < terms.length; j++) {
        const c = resultSize(terms[i], terms[j], terms.filter((_, k) => k !== i && k !== j), out, size);
        if (c < cost) { cost = c; best = [i, j]; }
      }
    }
    const [i, j] = best, rest = terms.filter((_, k) => k !== i && k !== j);
    terms = [...rest, reduceUnneeded(contract(terms[i], terms[j], rest, out, size), rest, out)];
  }
  const last = reduceUnneeded(terms[0], [], out);
  return transpose(last.t, out.map((c) => last.ix.indexOf(c)));
}
