#include "threads.h"
#include <pthread.h>
#include <sched.h>
#include "threads_profile.h"
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wg {

namespace {

int initialCount(std::string* why) {
  const char* env = std::getenv("WENGERT_THREADS");
  if (env && *env) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end && *end == 0 && n >= 1 && n <= 64) return int(n);
    *why = std::string("WENGERT_THREADS=") + env + " is not a whole number from 1 to 64; using 1";
  }
  // opt-in until measured on a quiet machine: on this shared 2-core one a second thread that is
  // not scheduled promptly made W1 1.7× slower (bench/threads.ts)
  return 1;
}

std::string reason;
std::atomic<int> count{initialCount(&reason)};

double now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/**
 * every 128 spins: whether the spinning time is over; else the CPU is offered to another thread
 * (sched_yield returns at once on an idle core; on a busy machine a spinner sharing a core with
 * the thread it waits for, or with our caller's serial work, would otherwise take its time slice)
 */
bool spun(double until) {
  if (now() > until) return true;
  sched_yield();
  return false;
}

/** a worker spins this long for the next job before it sleeps (a futex wake-up costs 10–50 µs) */
constexpr double kSpinSeconds = 100e-6;
constexpr int kClosed = -(1 << 20);
/** this thread runs chunks of a job (a worker, or a caller inside parallelFor): a nested call runs inline */
thread_local bool inJob = false;

// The pool: a job is published by bumping `generation`; workers spin on it for a while, then
// sleep on a condition variable. A worker joins by taking a seat (seats > 0) and takes chunk
// indices from an atomic counter. `inside` counts workers between a join attempt and leaving run():
// the caller returns only when every chunk finished and inside is 0, so no worker touches a job's
// fields after its parallelFor returned. Never destroyed (no join at exit, no std::terminate).
struct Pool {
  std::mutex m;
  std::condition_variable wake, done;
  std::atomic<bool> callerSleeps{false};
  std::vector<std::thread> threads;
  // the counters the threads write or spin on, each on a cache line of its own
  alignas(64) std::atomic<uint64_t> generation{0};
  std::atomic<int> sleeping{0};
  // the current job: written by the caller before seats opens, read by workers that took a seat
  void (*fn)(void*, int64_t) = nullptr;
  void* ctx = nullptr;
  int64_t chunks = 0, parts = 1;
  alignas(64) std::atomic<int> seats{kClosed};
  std::atomic<int> inside{0};
  alignas(64) std::atomic<int64_t> next{0};
  alignas(64) std::atomic<int64_t> finished{0};
  alignas(64) std::atomic<int64_t> helped{0};
  std::atomic<int64_t> publishedNs{0};  // when the current job was published (profiling only)

  /**
   * runs chunks until none is left; returns how many it ran. Claims shrink as the work does
   * (a 2·parts-th of what is left, at least one chunk): few claims on the shared counter for many
   * small chunks, and single chunks at the end, so the threads finish together. Which thread
   * runs a chunk never changes what it computes.
   */
  int64_t run() {
    int64_t ran = 0;
    for (;;) {
      int64_t c = next.load(std::memory_order_relaxed), take;
      do {
        if (c >= chunks) {
          if (ran) finished.fetch_add(ran);  // release: the chunks' writes before the caller's acquire
          return ran;
        }
        take = (chunks - c) / (2 * parts);
        if (take < 1) take = 1;
      } while (!next.compare_exchange_weak(c, c + take, std::memory_order_relaxed));
      for (const int64_t e = c + take; c < e; c++) fn(ctx, c);
      ran += take;
    }
  }

  uint64_t waitFor(uint64_t seen) {
    const double t0 = now(), until = t0 + kSpinSeconds;
    for (int i = 1;; i++) {
      const uint64_t g = generation.load(std::memory_order_acquire);
      if (g != seen) {
        if (prof::on()) prof::spin(int64_t(1e9 * (now() - t0)), false);
        return g;
      }
      if ((i & 127) == 0 && spun(until)) break;
      relax();
    }
    if (prof::on()) prof::spin(int64_t(1e9 * (now() - t0)), true);
    std::unique_lock<std::mutex> lock(m);
    sleeping.fetch_add(1);
    wake.wait(lock, [&] { return generation.load() != seen; });
    sleeping.fetch_sub(1);
    return generation.load();
  }

  void worker(uint64_t seen) {
    inJob = true;
    while (true) {
      seen = waitFor(seen);
      inside.fetch_add(1);
      if (seats.fetch_sub(1) > 0) {
        const int64_t t0 = prof::on() ? prof::nowNs() : 0, ran = run();
        helped.fetch_add(ran, std::memory_order_relaxed);
        if (prof::on()) prof::join(t0 - publishedNs.load(std::memory_order_relaxed), ran, prof::nowNs() - t0);
      }
      inside.fetch_sub(1);
      if (callerSleeps.load()) {
        std::lock_guard<std::mutex> g(m);
        done.notify_all();
      }
    }
  }

  /**
   * the caller: spins up to kSpinSeconds, then sleeps, until pred() (a worker holds the rest of the
   * work; a chunk takes 10–200 µs, and waking a sleeping caller costs another 10–50 µs)
   */
  template <class P> void await(P pred) {
    const double until = now() + kSpinSeconds;
    for (int i = 1;; i++) {
      if (pred()) return;
      if ((i & 127) == 0 && spun(until)) break;
      relax();
    }
    std::unique_lock<std::mutex> lock(m);
    callerSleeps.store(true);
    done.wait(lock, pred);
    callerSleeps.store(false);
  }
};

Pool* pool = new Pool();   // never deleted (see Pool)
std::atomic<int64_t> jobs{0};
std::mutex owner;          // one job at a time

}  // namespace

int threadCount() { return count.load(std::memory_order_relaxed); }

bool setThreadCount(int n) {
  if (n < 1 || n > 64) return false;
  count.store(n, std::memory_order_relaxed);
  return true;
}

const char* threadsReason() { return reason.c_str(); }

int64_t pooledJobs() { return jobs.load(std::memory_order_relaxed); }

int64_t helpedChunks() { return pool->helped.load(std::memory_order_relaxed); }

int64_t workerCpuNs() {
  std::lock_guard<std::mutex> g(pool->m);
  int64_t sum = 0;
  for (std::thread& t : pool->threads) {
    clockid_t c;
    timespec s;
    if (pthread_getcpuclockid(t.native_handle(), &c) == 0 && clock_gettime(c, &s) == 0) sum += int64_t(s.tv_sec) * 1000000000 + s.tv_nsec;
  }
  return sum;
}

namespace {

/** the chunks on the caller alone (1 thread, one chunk, nested, or the pool busy) */
void runInline(int64_t chunks, void (*fn)(void*, int64_t), void* ctx) {
  const int64_t t0 = prof::on() && !inJob ? prof::nowNs() : 0;
  for (int64_t c = 0; c < chunks; c++) fn(ctx, c);
  if (t0) { const int64_t d = prof::nowNs() - t0; prof::region({(const void*)fn, chunks, d, d, 0, 0, 0}); }
}

/** publishes the job to `helpers` seats and wakes sleeping workers */
void publish(Pool& p, int64_t chunks, void (*fn)(void*, int64_t), void* ctx, int helpers) {
  {
    std::lock_guard<std::mutex> g(p.m);
    const uint64_t seen = p.generation.load();
    while (int(p.threads.size()) < helpers) p.threads.emplace_back([seen] { pool->worker(seen); });
  }
  p.fn = fn;
  p.ctx = ctx;
  p.chunks = chunks;
  p.parts = helpers + 1;
  p.next.store(0, std::memory_order_relaxed);
  p.finished.store(0, std::memory_order_relaxed);
  if (prof::on()) p.publishedNs.store(prof::nowNs(), std::memory_order_relaxed);
  p.seats.store(helpers);   // publishes the fields above to the workers that take a seat
  p.generation.fetch_add(1);
  if (p.sleeping.load() > 0) {
    std::lock_guard<std::mutex> g(p.m);
    p.wake.notify_all();
  }
}

}  // namespace

void parallelFor(int64_t chunks, void (*fn)(void* ctx, int64_t chunk), void* ctx) {
  const int want = threadCount();
  std::unique_lock<std::mutex> own(owner, std::defer_lock);
  if (want <= 1 || chunks <= 1 || inJob || !own.try_lock()) return runInline(chunks, fn, ctx);
  Pool& p = *pool;
  jobs.fetch_add(1, std::memory_order_relaxed);
  const int helpers = int(chunks - 1 < want - 1 ? chunks - 1 : want - 1);
  const int64_t t0 = prof::on() ? prof::nowNs() : 0;
  publish(p, chunks, fn, ctx, helpers);
  inJob = true;
  const int64_t ran = p.run();
  inJob = false;
  const int64_t t1 = prof::on() ? prof::nowNs() : 0;
  p.await([&] { return p.finished.load() == chunks; });
  p.seats.store(kClosed);
  p.await([&] { return p.inside.load() == 0; });
  if (t0) {
    const int64_t t2 = prof::nowNs();
    prof::region({(const void*)fn, chunks, t2 - t0, t1 - t0, t2 - t1, chunks - ran, helpers});
  }
}

}  // namespace wg
