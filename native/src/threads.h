// Intra-op threads: a small persistent pool that runs the chunks of one large kernel (threaded.cc)
// in parallel. Chunks are fixed by the kernel's sizes, never by the thread count, and every chunk
// computes its outputs exactly as the single-threaded kernel would, so results have the same bits
// for every thread count. One kernel at a time uses the pool; a kernel that finds it busy (another
// evaluation running concurrently on another thread) runs its chunks on its own thread.
#pragma once
#include <cstdint>

namespace wg {

/** threads a large kernel may use (1 = none): WENGERT_THREADS at load, else 1 */
int threadCount();
/** 1..64; false (unchanged) otherwise */
bool setThreadCount(int n);
/** why WENGERT_THREADS was ignored, or "" */
const char* threadsReason();
/** kernels that ran on the pool so far (tests: the threaded path really ran) */
int64_t pooledJobs();
/** chunks the pool's workers (not the calling threads) ran so far */
int64_t helpedChunks();

/** the pool's workers' CPU clocks, summed (ns; the profile's Amdahl bound) */
int64_t workerCpuNs();

/**
 * fn(ctx, c) for every chunk c < chunks, on up to threadCount() threads (the caller is one of them);
 * returns when all have run. fn must not throw; a parallelFor inside a chunk runs its chunks inline.
 */
void parallelFor(int64_t chunks, void (*fn)(void* ctx, int64_t chunk), void* ctx);

}  // namespace wg
