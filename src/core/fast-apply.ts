// The op-call path of a scalar loop: every op is elementwise on operands of one shape, recorded
// tens of thousands of times, mostly before the JIT has optimized it, so it is kept short.
import { apply } from './trace.js';
import type { Tensor } from './tensor.js';
import type { OpDef } from './op.js';

/**
 * apply(op, [a, b]) for an elementwise op while recording, when both operands have one shape
 * object and the trace has no broadcast constants to lift (every op of a scalar loop): no operand
 * array, loop or shape rule. Elementwise simplifications fire only on a constant operand (`mul` by
 * 1, `add` of 0), so they are tried only then. Anything else goes through apply.
 */
export function applyBinary(op: OpDef, a: Tensor, b: Tensor): Tensor {
  const ta = a._trace, tb = b._trace, tr = ta === null ? tb : tb === null || tb === ta ? ta : null;
  if (tr === null || !tr.active || op.scalar === undefined || a.shape !== b.shape || !tr.plain) return apply(op, [a, b]);
  if (op.simplify !== undefined && (ta === null || tb === null)) {
    const s = op.simplify([a, b], undefined);
    if (s) return s;
  }
  return tr.recordOperands(op, a, b, a.shape);
}

/** apply(op, [x]) for an elementwise op while recording (as applyBinary) */
export function applyUnary(op: OpDef, x: Tensor): Tensor {
  const tr = x._trace;
  if (tr === null || !tr.active || op.scalar === undefined || op.simplify !== undefined || !tr.plain) return apply(op, [x]);
  return tr.recordOperands(op, x, null, x.shape);
}

