// The TS kernel of a fused chain: one generated JS loop per distinct chain (each gets its own type
// feedback in V8). A broadcast operand is read in place: the loop runs row by row over the chain's
// last axis, the operand's offset is its row's start (a table) plus the column times its last-axis
// stride. A summed register goes to 8 lanes (element i to lane i mod 8) and a block value every
// REDUCE_BLOCK elements, combined by reduce.ts's Tree: the order of `sum` over all axes.
import type { Shape } from '../core/shape.js';
import { sizeOf } from '../core/shape.js';
import { REDUCE_BLOCK, Tree } from './reduce.js';
import type { FusedAttrs } from './fused.js';

type Loop = (ins: readonly Float64Array[]) => Float64Array;
type Make = (...fs: Function[]) => (ins: readonly Float64Array[], n: number, C: number, offs: readonly Int32Array[], trees: Tree[]) => Float64Array;
const loops = new WeakMap<FusedAttrs, Loop>();
const byKey = new Map<string, Make>();

/** c(c(c(l0,l1), c(l2,l3)), c(c(l4,l5), c(l6,l7))): a block's value from its lanes */
const laneTree = (l: Float64Array) => ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));

/** per chain axis but the last, the operand's stride (0 where it is broadcast), and its last-axis stride */
function strides(shape: Shape, os: Shape): number[] {
  const R = shape.length, st = new Array<number>(R).fill(0);
  let s = 1;
  for (let a = R - 1, b = os.length - 1; a >= 0; a--, b--) {
    if (b >= 0 && os[b] !== 1) { st[a] = s; s *= os[b]; }
  }
  return st;
}

/** the operand's offset at the start of each row of the chain's last axis */
function rowOffsets(shape: Shape, st: readonly number[]): Int32Array {
  const R = shape.length, C = R ? shape[R - 1] : 1, rows = C ? sizeOf(shape) / C : 0;
  const offs = new Int32Array(rows), idx = new Array<number>(Math.max(R - 1, 0)).fill(0);
  for (let q = 0, o = 0; q < rows; q++) {
    offs[q] = o;
    for (let a = R - 2; a >= 0; a--) {
      o += st[a];
      if (++idx[a] < shape[a]) break;
      o -= st[a] * shape[a];
      idx[a] = 0;
    }
  }
  return offs;
}

function source(a: FusedAttrs, last: readonly number[], key: string): string {
  const nIn = a.scalarIn.length, sums = a.sums ?? [], nouts = a.outs.length;
  const bc = a.scalarIn.map((_, r) => !!a.broadcastIn?.[r]);
  const reg = (r: number) => (r >= nIn ? `r${r}` : a.scalarIn[r] ? `s${r}` : bc[r] ? (last[r] ? `x${r}[b${r} + c]` : `x${r}[b${r}]`) : `x${r}[i]`);
  return `/* fused ${key} */ return function fusedLoop(ins, n, C, offs, trees) {
    const out = new Float64Array(n * ${nouts} + ${sums.length});
    ${a.scalarIn.map((s, r) => (s ? `const s${r} = ins[${r}][0];` : `const x${r} = ins[${r}];${bc[r] ? ` const o${r} = offs[${r}];` : ''}`)).join(' ')}
    ${sums.map((_, j) => `const L${j} = new Float64Array(8).fill(-0), T${j} = trees[${j}];`).join(' ')}
    for (let q = 0, i = 0; i < n; q++) {
      ${bc.map((b, r) => (b ? `const b${r} = o${r}[q];` : '')).join(' ')}
      for (let c = 0; c < C; c++, i++) {
        ${a.code.map((c, k) => `const r${nIn + k} = f${k}(${c.args.map(reg).join(', ')});`).join('\n        ')}
        ${a.outs.map((r, j) => `out[${j === 0 ? 'i' : `${j} * n + i`}] = ${reg(r)};`).join(' ')}
        ${sums.map((r, j) => `L${j}[i & 7] += ${reg(r)};`).join(' ')}
        ${sums.length ? `if ((i & ${REDUCE_BLOCK - 1}) === ${REDUCE_BLOCK - 1}) { ${sums.map((_, j) => `T${j}.push(lt(L${j})); L${j}.fill(-0);`).join(' ')} }` : ''}
      }
    }
    ${sums.length ? `if (n & ${REDUCE_BLOCK - 1}) { ${sums.map((_, j) => `T${j}.push(lt(L${j}));`).join(' ')} }` : ''}
    ${sums.map((_, j) => `out[n * ${nouts} + ${j}] = n === 0 ? 0 : T${j}.result();`).join(' ')}
    return out;
  };`;
}

/** the loop of chain `a` whose operands have shapes `shapes` */
export function fusedLoop(a: FusedAttrs, shapes: readonly Shape[]): Loop {
  let loop = loops.get(a);
  if (loop) return loop;
  const R = a.shape.length, n = sizeOf(a.shape);
  const anyBc = !!a.broadcastIn?.some((b) => b);
  const C = anyBc && R ? a.shape[R - 1] : n;
  const st = shapes.map((s, r) => (a.broadcastIn?.[r] ? strides(a.shape, s) : []));
  const offs = st.map((s) => (s.length ? rowOffsets(a.shape, s) : new Int32Array(0)));
  const last = st.map((s) => (s.length ? s[R - 1] : 0));
  const key = `${a.scalarIn.map((s, r) => (s ? 1 : a.broadcastIn?.[r] ? `b${last[r]}` : 0)).join('')}|${a.code.map((c) => `${c.op.id}(${c.args})`).join(';')}|${a.outs}|${a.sums ?? ''}`;
  let make = byKey.get(key);
  if (!make) {
    make = new Function('lt', ...a.code.map((_, k) => `f${k}`), source(a, last, key)).bind(null, laneTree) as Make;
    if (byKey.size >= 4096) byKey.clear(); // bounded: a dropped loop is only generated again
    byKey.set(key, make);
  }
  const run = make(...a.code.map((c) => c.op.scalar!));
  const nsums = a.sums?.length ?? 0;
  loop = (ins) => run(ins, n, C, offs, Array.from({ length: nsums }, () => new Tree((x, y) => x + y)));
  loops.set(a, loop);
  return loop;
}
