// The intra-op pool's instrumentation (WENGERT_PROFILE=threads, or =1 with the per-step profile):
// cumulative counters of the parallel regions and the workers, and the last kRing regions in
// order, read by bench/threads.ts through the addon's threadsProfile(). Off, it costs one
// predictable branch per region and per worker wake-up.
#pragma once
#include <cstdint>

namespace wg {
namespace prof {

/** whether WENGERT_PROFILE asks for it (read once) */
bool on();
/** CLOCK_MONOTONIC, ns */
int64_t nowNs();
/** the calling thread's CPU clock, ns */
int64_t cpuNs();

/** one parallelFor as its caller saw it: from entry to return (span), its own chunks (callerNs), its wait for the workers' last chunk */
struct Region {
  const void* fn;
  int64_t chunks, spanNs, callerNs, waitNs, workerChunks;
  int32_t helpers;  // 0: ran inline (1 thread, small, nested or pool busy)
};
void region(const Region& r);
/** a worker took a seat latencyNs after the job was published, ran `ran` chunks in workNs */
void join(int64_t latencyNs, int64_t ran, int64_t workNs);
/** a worker spun ns for the next job, then slept (or found it) */
void spin(int64_t ns, bool slept);

struct Totals {
  int64_t regions, inlineRegions, chunks, workerChunks;
  int64_t spanNs, inlineNs, callerNs, waitNs;  // pooled regions: span, the caller's chunks, its wait; inline: span
  int64_t joins, idleJoins, wakeNs, workerNs;  // seats taken (idle: no chunk left), publish → seat, workers' chunks
  int64_t spinNs, sleeps;                      // workers spinning between jobs; times they went to sleep
};
Totals totals();
constexpr int kRing = 512;
/** the last regions (oldest first), up to kRing; returns how many */
int recent(Region* out);
void reset();

}  // namespace prof
}  // namespace wg
