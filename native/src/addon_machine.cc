// N-API glue for what the addon knows of the machine and its own tables: the op table handshake,
// the SIMD level (detected, chosen, supported; test-only setSimd) and the intra-op threads.
//   opTable() → names by id; simdInfo() → {level, detected, supported, reason}
//   threadsInfo() → {threads, reason, pooled, helped}; setThreads(n) → whether 1 ≤ n ≤ 64 was taken
#include <napi.h>
#include <string>
#include "blocks.h"
#include "dispatch.h"
#include "image.h"
#include "threads.h"
#include "threads_profile.h"
#include <dlfcn.h>
#include <cstdio>
#include <cstring>

namespace wg {
namespace {

Napi::Value OpTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = Napi::Array::New(env, kOpCount);
  for (int32_t i = 0; i < kOpCount; i++) a.Set(uint32_t(i), Napi::String::New(env, kOps[i].name));
  return a;
}

Napi::Value SimdInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("level", Napi::String::New(env, levelName(currentLevel())));
  o.Set("detected", Napi::String::New(env, levelName(detectLevel())));
  Napi::Array sup = Napi::Array::New(env);
  uint32_t n = 0;
  for (int l = 0; l < L_COUNT; l++)
    if (levelSupported(l)) sup.Set(n++, Napi::String::New(env, levelName(l)));
  o.Set("supported", sup);
  o.Set("reason", Napi::String::New(env, levelReason()));
  return o;
}

// threadsInfo() → {threads, reason, pooled, helped}; setThreads(n) → whether 1 ≤ n ≤ 64 was taken (threads.h)
Napi::Value ThreadsInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("threads", Napi::Number::New(env, threadCount()));
  o.Set("reason", Napi::String::New(env, threadsReason()));
  o.Set("pooled", Napi::Number::New(env, double(pooledJobs())));
  o.Set("helped", Napi::Number::New(env, double(helpedChunks())));
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return Napi::Boolean::New(env, false);
  const double n = info[0].As<Napi::Number>().DoubleValue();
  return Napi::Boolean::New(env, n >= 1 && n <= 64 && n == double(int(n)) && setThreadCount(int(n)));
}

/** a region's function: its symbol, else object file + offset (static functions have no dynamic symbol) */
std::string fnName(const void* fn) {
  Dl_info d;
  if (!dladdr(fn, &d) || !d.dli_fname) return "?";
  if (d.dli_sname) return d.dli_sname;
  const char* base = std::strrchr(d.dli_fname, '/');
  char buf[64];
  snprintf(buf, sizeof buf, "+0x%llx", (unsigned long long)((const char*)fn - (const char*)d.dli_fbase));
  return std::string(base ? base + 1 : d.dli_fname) + buf;
}

// threadsProfile(reset) → null (WENGERT_PROFILE off), else the pool's counters since the last reset
// (ns), the workers' CPU clocks, the calling thread's CPU clock and the last regions; reset: then zero them
Napi::Value ThreadsProfile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!prof::on()) return env.Null();
  const prof::Totals t = prof::totals();
  Napi::Object o = Napi::Object::New(env);
  const std::pair<const char*, int64_t> fields[] = {
      {"regions", t.regions}, {"inlineRegions", t.inlineRegions}, {"chunks", t.chunks}, {"workerChunks", t.workerChunks},
      {"spanNs", t.spanNs}, {"inlineNs", t.inlineNs}, {"callerNs", t.callerNs}, {"waitNs", t.waitNs}, {"joins", t.joins},
      {"idleJoins", t.idleJoins}, {"wakeNs", t.wakeNs}, {"workerNs", t.workerNs}, {"spinNs", t.spinNs}, {"sleeps", t.sleeps},
      {"workerCpuNs", workerCpuNs()}, {"callerCpuNs", prof::cpuNs()}, {"nowNs", prof::nowNs()}};
  for (const auto& [k, v] : fields) o.Set(k, Napi::Number::New(env, double(v)));
  static prof::Region ring[prof::kRing];
  const int n = prof::recent(ring);
  Napi::Array regions = Napi::Array::New(env, size_t(n));
  for (int i = 0; i < n; i++) {
    const prof::Region& r = ring[i];
    Napi::Object x = Napi::Object::New(env);
    x.Set("fn", fnName(r.fn));
    const std::pair<const char*, int64_t> rf[] = {{"chunks", r.chunks}, {"spanNs", r.spanNs}, {"callerNs", r.callerNs},
                                                  {"waitNs", r.waitNs}, {"workerChunks", r.workerChunks}, {"helpers", r.helpers}};
    for (const auto& [k, v] : rf) x.Set(k, Napi::Number::New(env, double(v)));
    regions.Set(uint32_t(i), x);
  }
  o.Set("recent", regions);
  if (info.Length() > 0 && info[0].ToBoolean()) prof::reset();
  return o;
}

// test-only: setSimd(name) switches the level used by programs decoded afterwards
Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return Napi::Boolean::New(env, false);
  const std::string want = info[0].As<Napi::String>().Utf8Value();
  for (int l = 0; l < L_COUNT; l++)
    if (want == levelName(l)) return Napi::Boolean::New(env, setLevel(l));
  return Napi::Boolean::New(env, false);
}

}  // namespace

void machineExports(Napi::Env env, Napi::Object exports) {
  exports.Set("opTable", Napi::Function::New(env, OpTable));
  exports.Set("simdInfo", Napi::Function::New(env, SimdInfo));
  exports.Set("setSimd", Napi::Function::New(env, SetSimd));
  exports.Set("threadsInfo", Napi::Function::New(env, ThreadsInfo));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("threadsProfile", Napi::Function::New(env, ThreadsProfile));
  napi_value blocks;
  napi_create_function(env, "blocksInfo", NAPI_AUTO_LENGTH, blocksInfo, nullptr, &blocks);
  exports.Set("blocksInfo", Napi::Value(env, blocks));  // test-only (test/async-results.test.ts)
  napi_value detach;
  napi_create_function(env, "detachResult", NAPI_AUTO_LENGTH, detachResult, nullptr, &detach);
  exports.Set("detachResult", Napi::Value(env, detach));
}

}  // namespace wg
