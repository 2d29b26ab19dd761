// What each annotation of a printed program means. A program's header explains the annotations
// it uses, each the first time it appears in one show output (later programs do not repeat it).

export type Mark =
  | 'sweeps' | 'cotangent' | 'gradient' | 'cmul' | 'zeroGuard' | 'seed' | 'captured' | 'bigConst'
  | 'guard' | 'part' | 'scan' | 'whileLoop' | 'whileVjp' | 'body' | 'customCall' | 'opaque'
  | 'fused' | 'matmulT' | 'buffers' | 'segments' | 'elided';

/** explanation lines; `{f}` stands for the differentiated value's name */
const TEXT: Record<Mark, string[]> = {
  sweeps: [
    '-- forward sweep: the gradient program runs on its own, so it first computes again the forward',
    '   values the chain rule needs; -- backward sweep: then the cotangents, from the output back to the inputs.',
  ],
  cotangent: [
    '∂{f}/∂%k (a comment): this variable holds the cotangent of %k, how much {f} changes per unit change of %k.',
    '   The sweep starts at ∂{f}/∂{f} = 1 and applies the chain rule once per forward equation, last to',
    '   first; a value used twice gets its two contributions added. A forward value can be a cotangent',
    '   too: for %k = a·b, ∂{f}/∂a = b·∂{f}/∂%k, which is b itself when ∂{f}/∂%k = 1.',
  ],
  gradient: ['∂{f}/∂x (a comment): a gradient output, the cotangent of an argument.'],
  cmul: ['cmul g p = g·p, except that a zero (co)tangent g gives exactly 0 (even when p is ∞ or NaN).'],
  zeroGuard: [
    'where (equal b 0) 0 p: the product of two (co)tangents as their derivative rules write it, 0',
    '   wherever a factor is 0 (so a zero never meets an ∞ or NaN partial).',
  ],
  seed: ['cotangent seed (an input): the cotangent of an output, given by the caller (w.vjp).'],
  captured: ['captured (an input): a value of an enclosing transformation, an input of this program.'],
  bigConst: ['const %k : f64[…] without a value: a constant too large to print.'],
  guard: ['guard %k == v: user code read this value while recording; the program holds while it does.'],
  part: ['part %p #i: output i of a multi-output equation (a loop writes its outputs back to back).'],
  scan: [
    'scan: a loop kept as one equation (w.scan, w.foriLoop, or a plain JS loop rolled by the planner):',
    '   its body, printed under it with its own numbering, runs `length` times (k = 0…length−1, or',
    '   backwards with `reverse`). Body inputs: the loop constants, the carries, the k-th slice of each',
    '   xs; outputs: the next carries, then the k-th row of each ys. Outputs of the scan: the final',
    '   carries, then the ys stacked. `checkpointed`: reverse mode recomputes the iterations instead of storing them.',
  ],
  whileLoop: ['whileLoop: carry = body(carry) while cond(carry) ≠ 0; cond and body are printed under it.'],
  whileVjp: [
    'whileVjp: reverse mode of a whileLoop: the loop runs again, taping the carry of each iteration,',
    '   then the reverse sweep (printed under it) runs once per taped iteration, last to first.',
  ],
  body: ['│ lines under a loop: its sub-programs (body, cond, reverse sweep), each numbered from %0.'],
  customCall: ['customCall: a function with a custom rule (w.customVjp, w.customJvp); its body runs as plain equations.'],
  opaque: ['opaque: plain JS code (w.opaque) run as one equation.'],
  fused: [
    'fused { r2 = sin r0; … } → r3: one loop over the shape running these instructions per element;',
    '   r0… are its inputs (a smaller one broadcast to the shape is read in place), then one register per',
    '   instruction; only the registers after → are stored; Σr5: register r5 summed over all elements.',
  ],
  matmulT: ['matmulT transA/transB: a matrix product reading a transposed operand in place (no copy).'],
  buffers: [
    '@a+n: where a value lives in the native arena (offset n, in float64 values); two values at one',
    '   offset share a buffer (the second is written after the first\'s last use). @in k / @out k: the',
    '   caller\'s k-th input or output array, read or written in place. view of %k: no copy (reshape, slice).',
  ],
  segments: [
    '== native / == JS: the native backend runs the stretches between equations only JS can run',
    '   (loops run by the TS loop kernel, opaque functions) as separate native programs.',
  ],
  elided: ['[a, b, …] f64[n]: the first values of an array (row-major); the rest is elided.'],
};

/** Tracks which annotations one show output has explained so far. */
export class Legend {
  private readonly explained = new Set<Mark>();
  /** the explanation lines of `marks` not yet explained (now they are), `{f}` replaced by `of` */
  take(marks: Iterable<Mark>, of = 'f'): string[] {
    const lines: string[] = [];
    for (const m of marks) {
      if (this.explained.has(m)) continue;
      this.explained.add(m);
      for (const t of TEXT[m]) lines.push(t.replaceAll('{f}', of));
    }
    return lines;
  }
}
