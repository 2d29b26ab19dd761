// N-API glue of the compiled tier (driven by src/backends/native/codegen/):
//   codeSource(image) → string (C source) | {reason}: the generator's output (emit.h)
//   codeSourceAsync(image[, keyTail, dirPrefix]) → Promise<string | {reason}>: the same, generated on a
//                       libuv pool thread (the image is held: release() refuses it until then); with
//                       keyTail and dirPrefix → Promise<{source, key, hit} | {reason}>: in the same task
//                       key = sha256(source + keyTail) and codeLoadCached(dirPrefix + key + '.so', … '.sha256')
//   codePreload(path) → Promise<string> ('' or why not): dlopen on a libuv pool thread, so that
//                       codeAttach on the main thread finds the object loaded
//   codeLoadCached(path, hashPath) → Promise<string>: a cache hit in one pool task — the object
//                       read and hashed against hashPath's digest, then preloaded: '' or 'missing',
//                       'corrupt' (not loaded) or why not
//   codeSpawn(argv, outPath, nice) → Promise<pid | string>: the compiler argv[0] started with argv,
//                       stdin /dev/null, stdout and stderr into outPath, at `nice`, by posix_spawn on a
//                       pool thread (fork, as child_process uses, copies the process's page tables
//                       while the main thread waits: tens of ms for a large heap)
//   threadCpuMs() → number: the calling thread's CPU time (ms; bench/codegen-stall.ts times the
//                       tier's steps on the main thread with it)
//   codeReap(pid) → null (running) | exit code | −signal | string: waitpid without blocking
//   codeAttach(image, path) → slot number (> 0) | string (why not): dlopen and attach (code.h)
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

Napi::Value sourceValue(Napi::Env env, const std::string& src, const std::string& why);

Napi::Value CodeSource(const Napi::CallbackInfo& info) {
  ImageView v;
  std::string why;
  const std::string src = imageOf(info, 1, &why, &v) ? emitProgram(v, &why) : "";
  return sourceValue(info.Env(), src, why);
}

Napi::Value CodeAttach(const Napi::CallbackInfo& info) {
  std::string why;
  ImageHeader* h = imageOf(info, 2, &why);
  if (h && !info[1].IsString()) why = "expected (image, path)";
  if (h && why.empty()) why = attachCode(h, info[1].As<Napi::String>().Utf8Value());
  if (!why.empty()) return Napi::String::New(info.Env(), why);
  return Napi::Number::New(info.Env(), h->code);
}

Napi::Value sourceValue(Napi::Env env, const std::string& src, const std::string& why) {
  if (!src.empty()) return Napi::String::New(env, src);
  Napi::Object o = Napi::Object::New(env);
  o.Set("reason", Napi::String::New(env, why));
  return o;
}

/** the generator off the main thread: the image's users count holds it (release waits), a reference keeps it alive */
class Source : public Napi::AsyncWorker {
 public:
  Source(Napi::Env env, Napi::ArrayBuffer image, const ImageView& v, std::string tail, std::string prefix, bool checked)
      : Napi::AsyncWorker(env), ref_(Napi::Persistent(image)), v_(v), tail_(std::move(tail)), prefix_(std::move(prefix)),
        checked_(checked), done_(Napi::Promise::Deferred::New(env)) {
    __atomic_fetch_add(&const_cast<ImageHeader*>(v_.h)->users, 1u, __ATOMIC_ACQUIRE);
  }
  void Execute() override {
    src_ = emitProgram(v_, &why_);
    if (src_.empty() || !checked_) return;
    // the cache key as tier.ts computes it: sha256 of the source and the tail (compiler, flags, level, arch)
    const std::string keyed = src_ + tail_;
    key_ = cg::sha256Hex(reinterpret_cast<const uint8_t*>(keyed.data()), keyed.size());
    hit_ = checkedPreload(prefix_ + key_ + ".so", prefix_ + key_ + ".sha256");
  }
  void OnOK() override { settle(); }
  void OnError(const Napi::Error&) override { why_ = "the generator failed"; src_.clear(); settle(); }
  Napi::Promise promise() const { return done_.Promise(); }

 private:
  void settle() {
    __atomic_fetch_sub(&const_cast<ImageHeader*>(v_.h)->users, 1u, __ATOMIC_RELEASE);
    Napi::Value src = sourceValue(Env(), src_, why_);
    if (!checked_ || src_.empty()) return done_.Resolve(src);
    Napi::Object o = Napi::Object::New(Env());
    o.Set("source", src);
    o.Set("key", Napi::String::New(Env(), key_));
    o.Set("hit", Napi::String::New(Env(), hit_));
    done_.Resolve(o);
  }
  Napi::Reference<Napi::ArrayBuffer> ref_;
  ImageView v_;
  std::string src_, why_, tail_, prefix_, key_, hit_;
  bool checked_;
  Napi::Promise::Deferred done_;
};

Napi::Value CodeSourceAsync(const Napi::CallbackInfo& info) {
  ImageView v;
  std::string why;
  if (!imageOf(info, 1, &why, &v)) {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(info.Env());
    d.Resolve(sourceValue(info.Env(), "", why));
    return d.Promise();
  }
  const bool checked = info.Length() >= 3 && info[1].IsString() && info[2].IsString();
  Source* w = new Source(info.Env(), info[0].As<Napi::ArrayBuffer>(), v, checked ? info[1].As<Napi::String>().Utf8Value() : "",
                         checked ? info[2].As<Napi::String>().Utf8Value() : "", checked);
  Napi::Promise p = w->promise();
  w->Queue();  // deletes itself when done
  return p;
}

/** dlopen off the main thread (it reads and relocates the object: ~0.5 ms), with hash_ the cache's check first */
class Preload : public Napi::AsyncWorker {
 public:
  Preload(Napi::Env env, std::string path, std::string hash, bool checked)
      : Napi::AsyncWorker(env), path_(std::move(path)), hash_(std::move(hash)), checked_(checked), done_(Napi::Promise::Deferred::New(env)) {}
  void Execute() override { why_ = checked_ ? checkedPreload(path_, hash_) : preloadCode(path_); }
  void OnOK() override { done_.Resolve(Napi::String::New(Env(), why_)); }
  void OnError(const Napi::Error&) override { done_.Resolve(Napi::String::New(Env(), "the preload failed")); }
  Napi::Promise promise() const { return done_.Promise(); }

 private:
  std::string path_, hash_, why_;
  bool checked_;
  Napi::Promise::Deferred done_;
};

Napi::Value preload(const Napi::CallbackInfo& info, bool checked) {
  if (info.Length() < (checked ? 2u : 1u) || !info[0].IsString() || (checked && !info[1].IsString())) {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(info.Env());
    d.Resolve(Napi::String::New(info.Env(), checked ? "expected (path, hashPath)" : "expected (path)"));
    return d.Promise();
  }
  const std::string hash = checked ? info[1].As<Napi::String>().Utf8Value() : "";
  Preload* w = new Preload(info.Env(), info[0].As<Napi::String>().Utf8Value(), hash, checked);
  Napi::Promise p = w->promise();
  w->Queue();  // deletes itself when done
  return p;
}
Napi::Value CodePreload(const Napi::CallbackInfo& info) { return preload(info, false); }
Napi::Value CodeLoadCached(const Napi::CallbackInfo& info) { return preload(info, true); }

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
  exports.Set("codeLoadCached", Napi::Function::New(env, CodeLoadCached));
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
