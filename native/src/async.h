// Async evaluation on the libuv thread pool: one queued work item per evaluation.
//
// A Runner owns a decoded Program and is shared (std::shared_ptr) by the JS wrapper and every
// job that uses it, so neither dispose() nor a finalizer frees a program a pool thread is running.
// Evaluations of one Program are serialized: at most one job per Runner is in the libuv queue
// (the others wait in `pending`, FIFO), so a busy Program occupies one pool thread, not all of
// them; different Programs run in parallel. The mutex makes a sync run wait for an async one.
// Input and output arrays are held by napi references until the job completes; the caller
// copies inputs it may mutate (src/program/compile.ts), so the pool thread reads stable memory.
// Env teardown (a terminated worker) waits for the running job; its completion then finds JS
// disabled (resolving fails) and drops the jobs still pending instead of starting them.
#pragma once
#include <node_api.h>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#include "program.h"

namespace wg {

struct Job;

struct Runner {
  explicit Runner(Program* p) : prog(p) {}
  ~Runner() { delete prog; }
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  Program* const prog;
  /** held while the program runs: by the main thread (sync runs) or a pool thread (async jobs) */
  std::mutex m;
  // main thread only
  std::deque<Job*> pending;
  bool inflight = false;
};

/**
 * Output arrays as callers pass them: n arrays (1 ≤ n ≤ nout), arrays 0..n−2 are outputs 0..n−2
 * and array n−1 holds outputs n−1..nout−1 back to back (n = nout: one array per output). Packing
 * the tail keeps the guarded values of a program (often thousands of 0-d outputs) one array.
 * Fills per-output pointers and lengths; false with a message when the arrays do not fit.
 */
bool bindOutputs(const Program& P, size_t n, double* const* arr, const i64* len, std::vector<double*>* out,
                 std::vector<i64>* outLen, std::string* msg);
/** values of the outputs from..nout−1 together */
i64 tailSize(const Program& P, int32_t from);

/**
 * Start one evaluation of `runner` on the thread pool: (inputs: Float64Array[], outputs:
 * Float64Array[] | number) → Promise resolving to null (written into the given `outputs`, packed
 * as for bindOutputs), to new Float64Arrays when `outputs` is the number of arrays wanted
 * (allocated and written on the pool thread, so the main thread neither zeroes nor copies them),
 * or to {status, instr, message} on failure.
 * Returns nullptr (with a JS exception pending) only when N-API itself fails.
 */
napi_value runAsync(napi_env env, const std::shared_ptr<Runner>& runner, napi_value inputs, napi_value outputs);

/** {status, instr, message} */
napi_value errorValue(napi_env env, const Error& e);

}  // namespace wg
