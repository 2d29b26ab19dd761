// N-API glue (node-addon-api, no C++ exceptions): the op table handshake, SIMD info, and the
// Program class — constructed once from an encoding, then `run(inputs, outputs)` per evaluation
// (or `runAsync`, on the thread pool: async.h). Every argument is type-checked here; errors come
// back as values ({status, instr, message}), never as crashes. No static JS references: each
// worker thread's env gets its own class (context-aware module).
#include <napi.h>
#include <memory>
#include <vector>
#include "async.h"
#include "dispatch.h"
#include "kernels/math_ref.h"
#include "program.h"

namespace {

using namespace wg;

Napi::Value errorObject(Napi::Env env, const Error& e) { return Napi::Value(env, errorValue(env, e)); }

/** data and length of a typed array of the given type; false for anything else */
bool typedArray(Napi::Value v, napi_typedarray_type want, void** data, size_t* length) {
  if (!v.IsTypedArray()) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(v.Env(), v, &type, length, data, &buffer, &offset) != napi_ok) return false;
  if (type != want) return false;
  if (*length == 0) *data = nullptr;
  return true;
}

class ProgramWrap : public Napi::ObjectWrap<ProgramWrap> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Program", {
      InstanceMethod("run", &ProgramWrap::Run),
      InstanceMethod("runPacked", &ProgramWrap::RunPacked),
      InstanceMethod("runAsync", &ProgramWrap::RunAsync),
      InstanceMethod("error", &ProgramWrap::GetError),
      InstanceMethod("info", &ProgramWrap::Info),
      InstanceMethod("dispose", &ProgramWrap::Dispose),
    });
  }

  // new Program(encoding: Int32Array, consts: Float64Array); check error() afterwards
  explicit ProgramWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProgramWrap>(info) {
    void* enc = nullptr;
    void* consts = nullptr;
    size_t encLen = 0, constLen = 0;
    if (info.Length() < 2 || !typedArray(info[0], napi_int32_array, &enc, &encLen) ||
        !typedArray(info[1], napi_float64_array, &consts, &constLen)) {
      err_.status = S_FORMAT;
      err_.message = "expected (Int32Array encoding, Float64Array constants)";
      return;
    }
    const KernelTable* K = kernelTable(currentLevel());
    Program* p = decodeProgram(static_cast<const int32_t*>(enc), i64(encLen), static_cast<const double*>(consts),
                               i64(constLen), K, &err_);
    if (!p) return;
    runner_ = std::make_shared<Runner>(p);
    prog_ = p;
    // tell V8 what this small object holds, so garbage collection frees big arenas in time
    reported_ = Napi::MemoryManagement::AdjustExternalMemory(info.Env(), prog_->memoryBytes()) >= 0 ? prog_->memoryBytes() : 0;
  }

  // the finalizer: the program is freed here unless an async job still holds it (then when it ends)
  ~ProgramWrap() override { release(Env()); }

 private:
  std::shared_ptr<Runner> runner_;
  Program* prog_ = nullptr;  // runner_->prog while not disposed
  i64 reported_ = 0;
  Error err_;

  void release(Napi::Env env) {
    runner_.reset();
    prog_ = nullptr;
    if (reported_) Napi::MemoryManagement::AdjustExternalMemory(env, -reported_);
    reported_ = 0;
  }
  std::vector<const double*> in_;
  std::vector<double*> arr_, out_;
  std::vector<i64> inLen_, arrLen_, outLen_;
  std::vector<Napi::Value> vals_;

  Napi::Value disposed(Napi::Env env) {
    if (err_.status == S_OK) { err_.status = S_ARGS; err_.message = "program was disposed"; }
    return Napi::Number::New(env, err_.status);
  }

  // one evaluation over the bound in_/out_ pointers (waits for an async run of this program)
  Napi::Value runBound(Napi::Env env) {
    std::lock_guard<std::mutex> lock(runner_->m);
    err_ = prog_->run(in_.data(), inLen_.data(), out_.data(), outLen_.data());
    return Napi::Number::New(env, err_.status);
  }

  // run(inputs: Float64Array[], outputs: Float64Array[]) → 0, or a status (details in error()).
  // Fewer output arrays than outputs: the last one holds the rest back to back (async.h bindOutputs).
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!prog_) return disposed(env);
    err_ = Error();
    if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsArray()) return fail(env, S_ARGS, "expected (inputs: Float64Array[], outputs: Float64Array[])");
    Napi::Array ins = info[0].As<Napi::Array>(), outs = info[1].As<Napi::Array>();
    const int32_t nin = prog_->nin, narr = int32_t(outs.Length());
    if (ins.Length() != uint32_t(nin) || narr > prog_->nout || (narr == 0 && prog_->nout > 0)) {
      return fail(env, S_ARGS, "expected " + std::to_string(nin) + " inputs and " + std::to_string(prog_->nout) +
                                   " outputs (or fewer, the last packing the rest) but received " + std::to_string(ins.Length()) +
                                   " and " + std::to_string(narr));
    }
    // fetch every element first (a getter may run JS), then unwrap without calling into JS, so no
    // pointer can be detached or freed between unwrapping and running
    vals_.resize(size_t(nin) + narr);
    for (int32_t k = 0; k < nin; k++) vals_[k] = ins.Get(uint32_t(k));
    for (int32_t k = 0; k < narr; k++) vals_[nin + k] = outs.Get(uint32_t(k));
    if (env.IsExceptionPending()) return fail(env, S_ARGS, "reading the input or output arrays threw");
    if (!prog_) return fail(env, S_ARGS, "program was disposed during the call");
    in_.resize(nin); inLen_.resize(nin);
    arr_.resize(narr); arrLen_.resize(narr);
    for (int32_t k = 0; k < nin + narr; k++) {
      void* d = nullptr;
      size_t n = 0;
      const bool isIn = k < nin;
      if (!typedArray(vals_[k], napi_float64_array, &d, &n)) {
        return fail(env, S_ARGS, std::string(isIn ? "input " : "output ") + std::to_string(isIn ? k : k - nin) + ": expected a Float64Array");
      }
      if (isIn) { in_[k] = static_cast<const double*>(d); inLen_[k] = i64(n); }
      else { arr_[k - nin] = static_cast<double*>(d); arrLen_[k - nin] = i64(n); }
    }
    std::string msg;
    if (!bindOutputs(*prog_, arr_.size(), arr_.data(), arrLen_.data(), &out_, &outLen_, &msg)) return fail(env, S_ARGS, msg);
    return runBound(env);
  }

  // runPacked(io: Float64Array) → 0, or a status: every input, then every output, back to back in
  // one array (small programs: one typed array to unwrap instead of one per input and output)
  Napi::Value RunPacked(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!prog_) return disposed(env);
    err_ = Error();
    void* d = nullptr;
    size_t n = 0;
    if (info.Length() < 1 || !typedArray(info[0], napi_float64_array, &d, &n)) return fail(env, S_ARGS, "expected (io: Float64Array)");
    const int32_t nin = prog_->nin, nout = prog_->nout;
    in_.resize(nin); inLen_.resize(nin); out_.resize(nout); outLen_.resize(nout);
    double* at = static_cast<double*>(d);
    i64 used = 0;
    for (int32_t k = 0; k < nin + nout; k++) {
      const i64 s = prog_->vars[k < nin ? prog_->inputs[k] : prog_->outputs[k - nin]].size;
      if (k < nin) { in_[k] = at + used; inLen_[k] = s; } else { out_[k - nin] = at + used; outLen_[k - nin] = s; }
      used += s;
    }
    if (used != i64(n)) return fail(env, S_ARGS, "expected " + std::to_string(used) + " values (inputs then outputs) but received " + std::to_string(n));
    return runBound(env);
  }

  // runAsync(inputs: Float64Array[], outputs: Float64Array[] | number) → Promise<null | Float64Array[] | {status, instr, message}>
  Napi::Value RunAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!runner_) {
      Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
      d.Resolve(errorObject(env, Error{S_ARGS, -1, "program was disposed"}));
      return d.Promise();
    }
    napi_value p = runAsync(env, runner_, info.Length() > 0 ? info[0] : env.Undefined(), info.Length() > 1 ? info[1] : env.Undefined());
    return p ? Napi::Value(env, p) : env.Undefined();
  }

  Napi::Value fail(Napi::Env env, Status s, const std::string& msg) {
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    err_.status = s;
    err_.instr = -1;
    err_.message = msg;
    return Napi::Number::New(env, s);
  }

  Napi::Value GetError(const Napi::CallbackInfo& info) {
    if (err_.status == S_OK) return info.Env().Null();
    return errorObject(info.Env(), err_);
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    if (!prog_) return o;
    size_t scalarOps = prog_->sops.size();
    o.Set("steps", Napi::Number::New(env, double(prog_->steps.size())));
    o.Set("scalarOps", Napi::Number::New(env, double(scalarOps)));
    o.Set("memoryBytes", Napi::Number::New(env, double(prog_->memoryBytes())));
    o.Set("simd", Napi::String::New(env, prog_->K->name));
    return o;
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    release(info.Env());
    return info.Env().Undefined();
  }
};

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
  for (int l = 0; l <= detectLevel(); l++) sup.Set(uint32_t(l), Napi::String::New(env, levelName(l)));
  o.Set("supported", sup);
  o.Set("reason", Napi::String::New(env, levelReason()));
  return o;
}

// test-only: setSimd(name) switches the level used by programs created afterwards
Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return Napi::Boolean::New(env, false);
  const std::string want = info[0].As<Napi::String>().Utf8Value();
  for (int l = 0; l < L_COUNT; l++)
    if (want == levelName(l)) return Napi::Boolean::New(env, setLevel(l));
  return Napi::Boolean::New(env, false);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Program", ProgramWrap::Init(env));
  exports.Set("opTable", Napi::Function::New(env, OpTable));
  exports.Set("simdInfo", Napi::Function::New(env, SimdInfo));
  exports.Set("setSimd", Napi::Function::New(env, SetSimd));
  exports.Set("encodingVersion", Napi::Number::New(env, kVersion));
  exports.Set("_mathTest", wg::mathTestExports(env));  // test-only (test/native/math.test.ts)
  return exports;
}

}  // namespace

NODE_API_MODULE(wengert, Init)
