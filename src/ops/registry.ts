// The op registry: APPEND-ONLY. An op's id is its position; the native op enum is generated from
// this list (scripts/gen-ops.mjs), so reordering breaks the addon handshake.
import type { OpDef } from './op.js';
import { opNumber } from '../core/tape.js';
import { opBase } from '../core/eqn-hash.js';
import { negOp } from './neg.js';
import { squareOp } from './square.js';
import { sqrtOp } from './sqrt.js';
import { expOp } from './exp.js';
import { expm1Op } from './expm1.js';
import { logOp } from './log.js';
import { log1pOp } from './log1p.js';
import { sinOp } from './sin.js';
import { cosOp } from './cos.js';
import { tanOp } from './tan.js';
import { asinOp } from './asin.js';
import { acosOp } from './acos.js';
import { atanOp } from './atan.js';
import { sinhOp } from './sinh.js';
import { coshOp } from './cosh.js';
import { tanhOp } from './tanh.js';
import { sigmoidOp } from './sigmoid.js';
import { softplusOp } from './softplus.js';
import { reluOp } from './relu.js';
import { absOp } from './abs.js';
import { signOp } from './sign.js';
import { stopGradientOp } from './stopGradient.js';
import { addOp } from './add.js';
import { subOp } from './sub.js';
import { mulOp } from './mul.js';
import { divOp } from './div.js';
import { powOp } from './pow.js';
import { atan2Op } from './atan2.js';
import { maximumOp } from './maximum.js';
import { minimumOp } from './minimum.js';
import { cmulOp } from './cmul.js';
import { lessOp } from './less.js';
import { lessEqualOp } from './lessEqual.js';
import { greaterOp } from './greater.js';
import { greaterEqualOp } from './greaterEqual.js';
import { equalOp } from './equal.js';
import { notEqualOp } from './notEqual.js';
import { whereOp } from './where.js';
import { clipOp } from './clip.js';
import { sumOp } from './sum.js';
import { maxOp } from './max.js';
import { minOp } from './min.js';
import { prodOp } from './prod.js';
import { reshapeOp } from './reshape.js';
import { broadcastToOp } from './broadcastTo.js';
import { transposeOp } from './transpose.js';
import { sliceOp } from './slice.js';
import { padOp } from './pad.js';
import { concatOp } from './concat.js';
import { gatherOp } from './gather.js';
import { scatterAddOp } from './scatterAdd.js';
import { matmulOp } from './matmul.js';
import { customCallOp } from './customCall.js';
import { opaqueOp } from './opaque.js';
import { fusedOp } from './fused.js';
import { matmulTOp } from './matmulT.js';
import { partOp } from './part.js';
import { scanOp } from './scan.js';
import { whileOp, whileVjpOp } from './whileLoop.js';
import { acoshOp } from './acosh.js';
import { asinhOp } from './asinh.js';
import { atanhOp } from './atanh.js';
import { cbrtOp } from './cbrt.js';
import { log2Op } from './log2.js';
import { log10Op } from './log10.js';
import { exp2Op } from './exp2.js';
import { erfOp } from './erf.js';
import { erfcOp } from './erfc.js';
import { erfinvOp } from './erfinv.js';
import { lgammaOp } from './lgamma.js';
import { digammaOp } from './digamma.js';
import { polygammaOp } from './polygamma.js';
import { floorOp } from './floor.js';
import { ceilOp } from './ceil.js';
import { roundOp } from './round.js';
import { truncOp } from './trunc.js';
import { hypotOp } from './hypot.js';
import { modOp } from './mod.js';
import { logaddexpOp } from './logaddexp.js';
import { xlogyOp } from './xlogy.js';
import { argsortOp } from './argsort.js';
import { randomOp } from './random.js';
import { choleskyOp } from './linalg/cholesky.js';
import { triangularSolveOp } from './linalg/triangularSolve.js';
import { solveOp } from './linalg/solve.js';
import { detOp } from './linalg/det.js';
import { adjugateOp } from './linalg/adjugate.js';
import { slogdetOp } from './linalg/slogdet.js';
import { qrOp } from './linalg/qr.js';
import { eighOp } from './linalg/eigh.js';
import { svdOp } from './linalg/svd.js';
import { choleskyGradOp } from './linalg/choleskyGrad.js';
import { qrPivotedOp } from './linalg/qrPivoted.js';

export const REGISTRY: readonly OpDef[] = [
  negOp, squareOp, sqrtOp, expOp, expm1Op, logOp, log1pOp, sinOp, cosOp, tanOp,
  asinOp, acosOp, atanOp, sinhOp, coshOp, tanhOp, sigmoidOp, softplusOp, reluOp, absOp,
  signOp, stopGradientOp, addOp, subOp, mulOp, divOp, powOp, atan2Op, maximumOp, minimumOp,
  cmulOp, lessOp, lessEqualOp, greaterOp, greaterEqualOp, equalOp, notEqualOp, whereOp, clipOp, sumOp,
  maxOp, minOp, prodOp, reshapeOp, broadcastToOp, transposeOp, sliceOp, padOp, concatOp, gatherOp,
  scatterAddOp, matmulOp, customCallOp, opaqueOp, fusedOp, matmulTOp, partOp, scanOp, whileOp, whileVjpOp,
  acoshOp, asinhOp, atanhOp, cbrtOp, log2Op, log10Op, exp2Op, erfOp, erfcOp, erfinvOp,
  lgammaOp, digammaOp, polygammaOp, floorOp, ceilOp, roundOp, truncOp, hypotOp, modOp, logaddexpOp, xlogyOp,
  argsortOp, randomOp,
  choleskyOp, triangularSolveOp, solveOp, detOp, adjugateOp, slogdetOp, qrOp, eighOp, svdOp, choleskyGradOp, qrPivotedOp,
];
// the tape's op numbers and the equation hash bases are filled now, in id order: the recording path
// never takes their filling branch (a branch first taken mid-recording discards its optimized code)
REGISTRY.forEach((op, i) => { op.id = i; });
REGISTRY.forEach((op) => { opNumber(op); opBase(op); });
export const opByName = new Map(REGISTRY.map((op) => [op.name, op]));
