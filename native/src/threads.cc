#include "threads.h"
#include <atomic>
#include <condition_variable>
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

// The pool: workers wait for a job (a generation number changes), take chunk indices from an
// atomic counter, and count the chunks they finished. Never destroyed: its threads block on a
// condition variable for the life of the process (no join at exit, no std::terminate).
struct Pool {
  std::mutex m;
  std::condition_variable wake, done;
  std::vector<std::thread> threads;
  uint64_t generation = 0;
  // the current job
  void (*fn)(void*, int64_t) = nullptr;
  void* ctx = nullptr;
  int64_t chunks = 0;
  int helpers = 0;                 // workers that may join this job
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> finished{0};
  int joined = 0;                  // workers that took this job (under m)
  int active = 0;                  // workers inside run() (under m): the caller waits for 0

  void run() {
    while (true) {
      if (next.load(std::memory_order_relaxed) >= chunks) return;
      const int64_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks) return;
      fn(ctx, c);
      if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
        std::lock_guard<std::mutex> g(m);
        done.notify_all();
      }
    }
  }

  void worker() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(m);
    while (true) {
      wake.wait(lock, [&] { return generation != seen && joined < helpers; });
      seen = generation;
      joined++;
      active++;
      lock.unlock();
      run();
      lock.lock();
      if (--active == 0) done.notify_all();
    }
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

void parallelFor(int64_t chunks, void (*fn)(void* ctx, int64_t chunk), void* ctx) {
  const int want = threadCount();
  std::unique_lock<std::mutex> own(owner, std::try_to_lock);
  if (want <= 1 || chunks <= 1 || !own.owns_lock()) {
    for (int64_t c = 0; c < chunks; c++) fn(ctx, c);
    return;
  }
  Pool& p = *pool;
  jobs.fetch_add(1, std::memory_order_relaxed);
  const int helpers = int(chunks - 1 < want - 1 ? chunks - 1 : want - 1);
  {
    std::lock_guard<std::mutex> g(p.m);
    while (int(p.threads.size()) < helpers) p.threads.emplace_back([&p] { p.worker(); });
    p.fn = fn;
    p.ctx = ctx;
    p.chunks = chunks;
    p.helpers = helpers;
    p.joined = 0;
    p.next.store(0, std::memory_order_relaxed);
    p.finished.store(0, std::memory_order_relaxed);
    p.generation++;
  }
  p.wake.notify_all();
  p.run();
  std::unique_lock<std::mutex> lock(p.m);
  // every chunk ran and every worker that took the job has left run(): none can touch the next job's fields
  p.done.wait(lock, [&] { return p.finished.load(std::memory_order_acquire) == chunks && p.active == 0; });
  p.helpers = 0;  // under the same lock: a worker waking late cannot take this finished job
}

}  // namespace wg
