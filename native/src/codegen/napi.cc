// N-API glue of the compiled tier (driven by src/backends/native/codegen/):
//   codeSource(image) → string (C source) | {reason}: the generator's output (emit.h); with keyTail
//                       and dirPrefix → {source ('' on a hit), key, hit} | {reason}: the cache lookup (lookUp below)
//                       on the calling thread — a small program's hit without a pool round trip
//   codeSourceAsync(image[, keyTail, dirPrefix]) → Promise of the same, generated on a libuv pool
//                       thread (the image is held: release() refuses it until then)
//   codePreload(path, hashPath) → Promise<string> ('' or 'missing', 'corrupt', why not): the
//                       checked load (checkedPreload) on a libuv pool thread, so that codeAttach on the
//                       main thread finds the object loaded
//   codeSpawn(argv, outPath, nice) → Promise<pid | string>: the compiler argv[0] started with argv,
//                       stdin /dev/null, stdout and stderr into outPath, at `nice`, by posix_spawn on a
//                       pool thread (fork, as child_process uses, copies the process's page tables
//                       while the main thread waits: tens of ms for a large heap)
//   threadCpuMs() → number: the calling thread's CPU time (ms; bench/codegen-stall.ts times the
//                       tier's steps on the main thread with it)
//   codeReap(pid) → null (running) | exit code | −signal | string: waitpid without blocking
//   codeAttach(image, path) → slot number (> 0) | string (why not): attach the loaded object (code.h)
//   codeDetach(image) → undefined: its runs go back to the interpreter
//   codeFree(slot) → undefined: the slot of an image garbage collection freed
//   codeInterpret(image, on) → undefined: run on the interpreter even with code attached (bit comparison)
//   codeAttached(image) → boolean: runs use compiled code
// Arguments are checked like every other addon call; errors come back as values.
#include <napi.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>
#include "../async.h"
#include "code.h"
#include "emit.h"
#include "sha256.h"

namespace wg {

namespace {

/**
 * Argument 0 as an image, checked as every addon call checks it (imageArg, async.h), and at least
 * `count` arguments; the image's header, or nullptr and *why
 */
ImageHeader* imageOf(const Napi::CallbackInfo& info, size_t count, std::string* why, ImageView* view = nullptr) {
  ImageView v;
  Error err;
  if (info.Length() < count || !imageArg(info.Env(), info[0], &v, &err)) {
    *why = "expected an image" + (err.message.empty() ? std::string() : ": " + err.message);
    return nullptr;
  }
  if (view) *view = v;
  return const_cast<ImageHeader*>(v.h);
}

/** the generator's output and, when `checked`, its cache key and the cache check */
struct Looked {
  std::string src, why, key, hit;
};

/**
 * generate v's source; when checked, key = sha256(source + tail) (the key tier.ts names: the tail
 * holds the compiler, flags, level and arch) and the cache check of prefix + key: the object read
 * and hashed against its stored digest, then dlopened — hit '' or 'missing', 'corrupt' (never
 * loaded) or why not (checkedPreload)
 */
void lookUp(const ImageView& v, const std::string& tail, const std::string& prefix, bool checked, Looked* out) {
  out->src = emitProgram(v, &out->why);
  if (out->src.empty() || !checked) return;
  const std::string keyed = out->src + tail;
  out->key = cg::sha256Hex(reinterpret_cast<const uint8_t*>(keyed.data()), keyed.size());
  out->hit = checkedPreload(prefix + out->key + ".so", prefix + out->key + ".sha256");
}

/** a lookup as a JS value: the source string (unchecked), {source ('' on a hit), key, hit}, or {reason} */
Napi::Value lookedValue(Napi::Env env, const Looked& l, bool checked) {
  if (l.src.empty()) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("reason", Napi::String::New(env, l.why));
    return o;
  }
  if (!checked) return Napi::String::New(env, l.src);
  Napi::Object o = Napi::Object::New(env);
  o.Set("source", Napi::String::New(env, l.hit.empty() ? std::string() : l.src));  // a hit needs no source
  o.Set("key", Napi::String::New(env, l.key));
  o.Set("hit", Napi::String::New(env, l.hit));
  return o;
}

/** (image[, keyTail, dirPrefix]): with both strings the lookup is checked */
bool checkedArgs(const Napi::CallbackInfo& info) { return info.Length() >= 3 && info[1].IsString() && info[2].IsString(); }
std::string stringArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::String>().Utf8Value(); }

Napi::Value CodeSource(const Napi::CallbackInfo& info) {
  ImageView v;
  Looked l;
  const bool checked = checkedArgs(info);
  if (imageOf(info, 1, &l.why, &v)) lookUp(v, checked ? stringArg(info, 1) : "", checked ? stringArg(info, 2) : "", checked, &l);
  return lookedValue(info.Env(), l, checked);
}

Napi::Value CodeAttach(const Napi::CallbackInfo& info) {
  std::string why;
  ImageHeader* h = imageOf(info, 2, &why);
  if (h && !info[1].IsString()) why = "expected (image, path)";
  if (h && why.empty()) why = attachCode(h, info[1].As<Napi::String>().Utf8Value());
  if (!why.empty()) return Napi::String::New(info.Env(), why);
  return Napi::Number::New(info.Env(), h->code);
}

/** the lookup off the main thread: the image's users count holds it (release waits), a reference keeps it alive */
class Source : public Napi::AsyncWorker {
 public:
  Source(Napi::Env env, Napi::ArrayBuffer image, const ImageView& v, std::string tail, std::string prefix, bool checked)
      : Napi::AsyncWorker(env), ref_(Napi::Persistent(image)), v_(v), tail_(std::move(tail)), prefix_(std::move(prefix)),
        checked_(checked), done_(Napi::Promise::Deferred::New(env)) {
    __atomic_fetch_add(&const_cast<ImageHeader*>(v_.h)->users, 1u, __ATOMIC_ACQUIRE);
  }
  void Execute() override { lookUp(v_, tail_, prefix_, checked_, &l_); }
  void OnOK() override { settle(); }
  void OnError(const Napi::Error&) override { l_.why = "the generator failed"; l_.src.clear(); settle(); }
  Napi::Promise promise() const { return done_.Promise(); }

 private:
  void settle() {
    __atomic_fetch_sub(&const_cast<ImageHeader*>(v_.h)->users, 1u, __ATOMIC_RELEASE);
    done_.Resolve(lookedValue(Env(), l_, checked_));
  }
  Napi::Reference<Napi::ArrayBuffer> ref_;
  ImageView v_;
  std::string tail_, prefix_;
  Looked l_;
  bool checked_;
  Napi::Promise::Deferred done_;
};

Napi::Value CodeSourceAsync(const Napi::CallbackInfo& info) {
  ImageView v;
  Looked l;
  if (!imageOf(info, 1, &l.why, &v)) {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(info.Env());
    d.Resolve(lookedValue(info.Env(), l, false));
    return d.Promise();
  }
  const bool checked = checkedArgs(info);
  Source* w = new Source(info.Env(), info[0].As<Napi::ArrayBuffer>(), v, checked ? stringArg(info, 1) : "", checked ? stringArg(info, 2) : "", checked);
  Napi::Promise p = w->promise();
  w->Queue();  // deletes itself when done
  return p;
}

/** the checked load off the main thread (it hashes, reads and relocates the object: ~0.5 ms) */
class Preload : public Napi::AsyncWorker {
 public:
  Preload(Napi::Env env, std::string path, std::string hashPath)
      : Napi::AsyncWorker(env), path_(std::move(path)), hashPath_(std::move(hashPath)), done_(Napi::Promise::Deferred::New(env)) {}
  void Execute() override { why_ = checkedPreload(path_, hashPath_); }
  void OnOK() override { done_.Resolve(Napi::String::New(Env(), why_)); }
  void OnError(const Napi::Error&) override { done_.Resolve(Napi::String::New(Env(), "the preload failed")); }
  Napi::Promise promise() const { return done_.Promise(); }

 private:
  std::string path_, hashPath_, why_;
  Napi::Promise::Deferred done_;
};

Napi::Value CodePreload(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(info.Env());
    d.Resolve(Napi::String::New(info.Env(), "expected (path, hashPath)"));
    return d.Promise();
  }
  Preload* w = new Preload(info.Env(), stringArg(info, 0), stringArg(info, 1));
  Napi::Promise p = w->promise();
  w->Queue();  // deletes itself when done
  return p;
}

extern "C" char** environ;

/** the compiler as a child process, spawned on a pool thread (posix_spawn: the parent's page tables are not copied) */
class Spawn : public Napi::AsyncWorker {
 public:
  Spawn(Napi::Env env, std::vector<std::string> argv, std::string err, int nice)
      : Napi::AsyncWorker(env), argv_(std::move(argv)), err_(std::move(err)), nice_(nice), done_(Napi::Promise::Deferred::New(env)) {}
  void Execute() override {
    std::vector<char*> args;
    for (std::string& a : argv_) args.push_back(&a[0]);
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const int e = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) why_ = "spawn: " + std::string(strerror(e));
    else if (nice_ > 0) setpriority(PRIO_PROCESS, id_t(pid_), nice_);  // before the driver forks its passes (they inherit it)
  }
  void OnOK() override { done_.Resolve(why_.empty() ? Napi::Number::New(Env(), pid_) : Napi::Value(Napi::String::New(Env(), why_))); }
  void OnError(const Napi::Error&) override { done_.Resolve(Napi::String::New(Env(), "spawn failed")); }
  Napi::Promise promise() const { return done_.Promise(); }

 private:
  std::vector<std::string> argv_;
  std::string err_, why_;
  int nice_;
  pid_t pid_ = 0;
  Napi::Promise::Deferred done_;
};

Napi::Value CodeSpawn(const Napi::CallbackInfo& info) {
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(info.Env());
  std::vector<std::string> argv;
  bool ok = info.Length() >= 3 && info[0].IsArray() && info[1].IsString() && info[2].IsNumber();
  for (uint32_t i = 0; ok && i < info[0].As<Napi::Array>().Length(); i++) {
    Napi::Value x = info[0].As<Napi::Array>().Get(i);
    ok = x.IsString();
    if (ok) argv.push_back(x.As<Napi::String>().Utf8Value());
  }
  if (!ok || argv.empty()) {
    d.Resolve(Napi::String::New(info.Env(), "expected (argv, outPath, nice)"));
    return d.Promise();
  }
  const int nice = std::max(0, std::min(19, info[2].As<Napi::Number>().Int32Value()));
  Spawn* w = new Spawn(info.Env(), std::move(argv), info[1].As<Napi::String>().Utf8Value(), nice);
  Napi::Promise p = w->promise();
  w->Queue();  // deletes itself when done
  return p;
}

/** codeReap(pid): null while the child runs, else its exit code (≥ 0) or −signal; reaps it */
Napi::Value CodeReap(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) return Napi::String::New(info.Env(), "expected (pid)");
  const pid_t pid = pid_t(info[0].As<Napi::Number>().Int64Value());
  int status = 0;
  if (pid <= 0) return Napi::String::New(info.Env(), "expected (pid)");
  const pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == 0) return info.Env().Null();
  if (r < 0) return Napi::String::New(info.Env(), std::string("waitpid: ") + strerror(errno));
  return Napi::Number::New(info.Env(), WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : -1000);
}

Napi::Value ThreadCpuMs(const Napi::CallbackInfo& info) {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return Napi::Number::New(info.Env(), double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6);
}

Napi::Value CodeDetach(const Napi::CallbackInfo& info) {
  std::string why;
  if (ImageHeader* h = imageOf(info, 1, &why)) detachCode(h);
  return info.Env().Undefined();
}

Napi::Value CodeFree(const Napi::CallbackInfo& info) {
  if (info.Length() >= 1 && info[0].IsNumber()) freeCodeSlot(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value CodeInterpret(const Napi::CallbackInfo& info) {
  std::string why;
  ImageHeader* h = imageOf(info, 2, &why);
  if (h && info[1].IsBoolean()) __atomic_store_n(&h->interpret, info[1].As<Napi::Boolean>().Value() ? 1 : 0, __ATOMIC_RELEASE);
  return info.Env().Undefined();
}

Napi::Value CodeAttached(const Napi::CallbackInfo& info) {
  std::string why;
  ImageHeader* h = imageOf(info, 1, &why);
  return Napi::Boolean::New(info.Env(), h && codeOf(h).fn != nullptr);
}

}  // namespace

void codegenExports(Napi::Env env, Napi::Object exports) {
  exports.Set("codeSource", Napi::Function::New(env, CodeSource));
  exports.Set("codeSourceAsync", Napi::Function::New(env, CodeSourceAsync));
  exports.Set("codePreload", Napi::Function::New(env, CodePreload));
  exports.Set("codeSpawn", Napi::Function::New(env, CodeSpawn));
  exports.Set("codeReap", Napi::Function::New(env, CodeReap));
  exports.Set("threadCpuMs", Napi::Function::New(env, ThreadCpuMs));
  exports.Set("codeAttach", Napi::Function::New(env, CodeAttach));
  exports.Set("codeDetach", Napi::Function::New(env, CodeDetach));
  exports.Set("codeFree", Napi::Function::New(env, CodeFree));
  exports.Set("codeInterpret", Napi::Function::New(env, CodeInterpret));
  exports.Set("codeAttached", Napi::Function::New(env, CodeAttached));
  exports.Set("codeAbi", Napi::Number::New(env, WG_CODE_ABI));
}

}  // namespace wg
