// Async evaluation on the libuv thread pool: one queued work item per evaluation.
//
// A job holds napi references to the image, the arena and every input and output array until it
// completes, so garbage collection frees none of them while a pool thread reads or writes them.
// The job owns its arena from the call to its completion (claimArena: a sync run or another job
// handed the same arena is refused with S_BUSY, never run over it) and counts as a user of its
// image (release() refuses to detach it meanwhile). Jobs of one image with different arenas run in
// parallel: the TS layer gives each concurrent call of a program its own arena from a bounded pool
// (src/backends/native/arena-pool.ts).
// The caller copies inputs it may mutate (src/program/compile.ts), so the pool thread reads
// stable memory. Env teardown (a terminated worker) waits for running jobs; their completion then
// finds JS disabled (resolving fails) and only frees.
#pragma once
#include <node_api.h>
#include <string>
#include <vector>
#include "image.h"

namespace wg {

/**
 * Output arrays as callers pass them: n arrays (1 ≤ n ≤ nout), arrays 0..n−2 are outputs 0..n−2
 * and array n−1 holds outputs n−1..nout−1 back to back (n = nout: one array per output). Packing
 * the tail keeps the guarded values of a program (often thousands of 0-d outputs) one array.
 * Fills per-output pointers and lengths; false with a message when the arrays do not fit.
 */
bool bindOutputs(const ImageView& v, size_t n, double* const* arr, const i64* len, std::vector<double*>* out,
                 std::vector<i64>* outLen, std::string* msg);
/** values of the outputs from..nout−1 together */
i64 tailSize(const ImageView& v, int32_t from);

/**
 * Start one evaluation on the thread pool: (image, arena, inputs: Float64Array[], outputs:
 * Float64Array[] | number) → Promise resolving to null (written into the given `outputs`, packed
 * as for bindOutputs), to new Float64Arrays when `outputs` is the number of arrays wanted
 * (blocks kept from earlier results, else made on the pool thread: blocks.h; the main thread neither
 * zeroes nor copies them),
 * or to {status, instr, message} on failure.
 * Returns nullptr (with a JS exception pending) only when N-API itself fails.
 */
napi_value runAsync(napi_env env, napi_value image, napi_value arena, napi_value inputs, napi_value outputs);

/** {status, instr, message} */
napi_value errorValue(napi_env env, const Error& e);

/** the image or arena behind an ArrayBuffer value, checked; false (and err) otherwise */
bool imageArg(napi_env env, napi_value v, ImageView* out, Error* err);
bool arenaArg(napi_env env, napi_value v, const ImageView& image, ArenaView* out, Error* err);
/** the data and length of a typed array of the given type (length 0: data nullptr); false for anything else */
bool typedArrayArg(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length);

}  // namespace wg
