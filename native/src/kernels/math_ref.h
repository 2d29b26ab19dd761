// Test-only exports for test/native/math.test.ts (compiled at the baseline ISA, not per level).
#pragma once
#include <napi.h>

namespace wg {

/**
 * { ulpError(name, x, got, err[, y]): the error of got[i] against name(x[i]) (pow: of x[i], y[i])
 *   evaluated in long double (x87 80-bit) libm, in ulps (false for an unknown name or bad arrays);
 *   run(level, op, x, out, reps[, y]): out = op(x) (op(x, y) with y) by that level's unary
 *   (binary) kernel, run reps times; ns per element (−1 if the level or op is unavailable) }
 */
Napi::Object mathTestExports(Napi::Env env);

}  // namespace wg
