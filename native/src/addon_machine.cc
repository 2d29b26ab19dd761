// N-API glue for what the addon knows of the machine and its own tables: the op table handshake,
// the SIMD level (detected, chosen, supported; test-only setSimd) and the intra-op threads.
//   opTable() → names by id; simdInfo() → {level, detected, supported, reason}
//   threadsInfo() → {threads, reason, pooled, helped}; setThreads(n) → whether 1 ≤ n ≤ 64 was taken
#include <napi.h>
#include <string>
#include "dispatch.h"
#include "image.h"
#include "threads.h"

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
}

}  // namespace wg
