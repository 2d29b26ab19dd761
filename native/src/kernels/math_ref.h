// Test-only exports for test/native/math.test.ts (compiled at the baseline ISA, not per level).
#pragma once
#include <napi.h>

namespace wg {

/**
 * { ulpError(name, x, got, err): the error of got[i] against name(x[i]) evaluated in long double
 *   (x87 80-bit) libm, in ulps (false for an unknown name or bad arrays); run(level, op, x, out,
 *   reps): out = op(x) by that level's unary kernel, run reps times; ns per element (−1 if the
 *   level or op is unavailable) }
 */
Napi::Object mathTestExports(Napi::Env env);

}  // namespace wg
