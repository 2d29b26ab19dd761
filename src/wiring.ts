// The late bindings, in one place. Imports point one way — api → optim/testing → program →
// backends → plan → transforms → ops → core — so where a lower layer must call code of a higher
// one, it calls through a table that this module fills, once, when src/index.ts loads:
//  - the trace folds broadcast constants with the broadcastTo op (core → ops);
//  - elementwise rules use the rule helpers of ops/util.ts, and linear ops' derived JVPs its
//    zeros (cycles inside ops);
//  - the rules of customCall, opaque, scan and whileLoop are transformations (ops → transforms),
//    and loop kernels run their bodies with the TS backend's planned executor (ops → backends);
//  - Tensor methods (x.mul(y)) are the ops (core → ops);
//  - p.show() of a compiled Program prints with src/show (program → show).
import { setBroadcastOp } from './core/trace.js';
import { installTensorMethods } from './ops/tensor-methods.js';
import { broadcastToOp } from './ops/broadcastTo.js';
import { kit } from './ops/rulekit.js';
import { ruleKit, zerosLike } from './ops/util.js';
import { setZeros } from './ops/op.js';
import { hooks } from './ops/hooks.js';
import { customRules } from './transforms/custom.js';
import { scanRules } from './transforms/loop-rules.js';
import { whileRules } from './transforms/while-rules.js';
import { runScan, runBody } from './backends/ts-loop.js';
import { programPrinter } from './program/compile.js';
import { showCompiled } from './show/compiled.js';

setBroadcastOp(broadcastToOp);
Object.assign(kit, ruleKit);
setZeros(zerosLike);
Object.assign(hooks, customRules, scanRules, whileRules, { runGraph: runBody, runScan });
installTensorMethods();
programPrinter.show = showCompiled;
