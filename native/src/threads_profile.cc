#include "threads_profile.h"
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace wg {
namespace prof {

namespace {

bool readEnv() {
  const char* e = std::getenv("WENGERT_PROFILE");
  return e && (std::strcmp(e, "1") == 0 || std::strcmp(e, "threads") == 0);
}

std::mutex m;  // guards everything below (a diagnostic: the lock is taken only when on)
Totals t{};
Region ring[kRing];
int64_t written = 0;

int64_t clockNs(clockid_t c) {
  timespec s;
  clock_gettime(c, &s);
  return int64_t(s.tv_sec) * 1000000000 + s.tv_nsec;
}

}  // namespace

bool on() {
  static const bool v = readEnv();
  return v;
}

int64_t nowNs() { return clockNs(CLOCK_MONOTONIC); }
int64_t cpuNs() { return clockNs(CLOCK_THREAD_CPUTIME_ID); }

void region(const Region& r) {
  std::lock_guard<std::mutex> g(m);
  ring[written++ % kRing] = r;
  t.chunks += r.chunks;
  if (r.helpers == 0) { t.inlineRegions++; t.inlineNs += r.spanNs; return; }
  t.regions++;
  t.workerChunks += r.workerChunks;
  t.spanNs += r.spanNs;
  t.callerNs += r.callerNs;
  t.waitNs += r.waitNs;
}

void join(int64_t latencyNs, int64_t ran, int64_t workNs) {
  std::lock_guard<std::mutex> g(m);
  t.joins++;
  if (ran == 0) t.idleJoins++;
  t.wakeNs += latencyNs;
  t.workerNs += workNs;
}

void spin(int64_t ns, bool slept) {
  std::lock_guard<std::mutex> g(m);
  t.spinNs += ns;
  t.sleeps += slept;
}

Totals totals() {
  std::lock_guard<std::mutex> g(m);
  return t;
}

int recent(Region* out) {
  std::lock_guard<std::mutex> g(m);
  const int64_t n = written < kRing ? written : kRing;
  for (int64_t i = 0; i < n; i++) out[i] = ring[(written - n + i) % kRing];
  return int(n);
}

void reset() {
  std::lock_guard<std::mutex> g(m);
  t = Totals{};
  written = 0;
}

}  // namespace prof
}  // namespace wg
