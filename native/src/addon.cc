// N-API glue: the op table handshake, SIMD info, and programs as images (image.h) — decode once
// into an image, make an arena per concurrent evaluation, then one call per evaluation:
//   decode(enc: Int32Array, consts: Float64Array) → ArrayBuffer (image) | {status, instr, message}
//   arena(image) → ArrayBuffer | {status, instr, message}
//   run(image, arena, inputs: Float64Array[], outputs: Float64Array[]) → 0 | status (lastError())
//   runPacked(image, arena) → 0 | status: inputs and outputs in the arena's io region, back to back
//   runAsync(image, arena, inputs, outputs | count) → Promise (async.h)
//   info(image) → {steps, scalarOps, imageBytes, memoryBytes, ioOffset, ioValues, simd, bodies} | null
//     (ioValues: the arena's io region, Σ input and output sizes up to kMaxPackedValues, else 0;
//     bodies: {steps, scalarOps, depth} of every loop body, pre-order; memoryBytes includes their regions)
//   release(image | arena) → boolean: detach (free now) unless an evaluation holds it
//   lastError() → {status, instr, message} | null: the last failed run or runPacked of this thread
// Nothing native outlives its ArrayBuffer, so there is no finalizer: V8 frees images and arenas
// during garbage collection. Every argument is type-checked and every image and arena header
// validated on every call; errors come back as values, never as crashes. Plain napi callbacks on
// the hot paths (fewer calls per evaluation than node-addon-api's wrappers); context-aware.
#include <napi.h>
#include <cstdlib>
#include <vector>
#include "async.h"
#include "dispatch.h"
#include "image.h"
#include "kernels/math_ref.h"
#include "threads.h"

namespace wg {
void codegenExports(Napi::Env env, Napi::Object exports);  // codegen/napi.cc
void machineExports(Napi::Env env, Napi::Object exports);  // addon_machine.cc
}

namespace {

using namespace wg;

/** the last error of run/runPacked on this JS thread (each worker thread has its own) */
thread_local Error lastErr;

napi_value number(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

napi_value failed(napi_env env, Error e) {
  lastErr = std::move(e);
  return number(env, lastErr.status);
}

/** up to N arguments (missing ones are undefined) */
template <size_t N>
bool args(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  return napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) == napi_ok;
}

/** a new ArrayBuffer of `bytes` zeroed bytes; nullptr (and err) when the memory is not there */
napi_value newBuffer(napi_env env, i64 bytes, void** data, Error* err) {
  // V8 aborts the process when an ArrayBuffer cannot be allocated: ask malloc first
  void* probe = std::malloc(size_t(bytes));
  if (!probe) { *err = Error{S_ALLOC, -1, "could not allocate " + std::to_string(bytes) + " bytes"}; return nullptr; }
  std::free(probe);
  napi_value ab;
  if (napi_create_arraybuffer(env, size_t(bytes), data, &ab) != napi_ok) {
    *err = Error{S_ALLOC, -1, "could not create an ArrayBuffer of " + std::to_string(bytes) + " bytes"};
    return nullptr;
  }
  return ab;
}

napi_value Decode(napi_env env, napi_callback_info info) {
  napi_value a[2];
  void* enc = nullptr;
  void* consts = nullptr;
  size_t encLen = 0, constLen = 0;
  if (!args(env, info, a) || !typedArrayArg(env, a[0], napi_int32_array, &enc, &encLen) ||
      !typedArrayArg(env, a[1], napi_float64_array, &consts, &constLen)) {
    return errorValue(env, Error{S_FORMAT, -1, "expected (Int32Array encoding, Float64Array constants)"});
  }
  Error err;
  Program* P = decodeProgram(static_cast<const int32_t*>(enc), i64(encLen), static_cast<const double*>(consts), i64(constLen),
                             kernelTable(currentLevel()), &err);
  if (!P) return errorValue(env, err);
  void* data = nullptr;
  napi_value ab = newBuffer(env, imageBytes(*P), &data, &err);
  if (ab) writeImage(*P, data);
  delete P;
  return ab ? ab : errorValue(env, err);
}

napi_value Arena(napi_env env, napi_callback_info info) {
  napi_value a[1];
  ImageView v;
  Error err;
  if (!args(env, info, a) || !imageArg(env, a[0], &v, &err)) return errorValue(env, err);
  void* data = nullptr;
  napi_value ab = newBuffer(env, v.h->arenaBytes, &data, &err);
  if (!ab) return errorValue(env, err);
  // JS ran no code since imageArg: v still points into the image
  initArena(v, data);
  return ab;
}

/** thread-local scratch for unwrapping the arrays of run() (no allocation per call once grown) */
struct RunScratch {
  std::vector<napi_value> vals;
  std::vector<const double*> in;
  std::vector<double*> arr, out;
  std::vector<i64> inLen, arrLen, outLen;
};
thread_local RunScratch scratch;

/** unwrap inputs and output arrays from scratch.vals; "" or why not */
std::string unwrapArrays(napi_env env, uint32_t nin, uint32_t narr) {
  RunScratch& s = scratch;
  s.in.resize(nin); s.inLen.resize(nin); s.arr.resize(narr); s.arrLen.resize(narr);
  for (uint32_t k = 0; k < nin + narr; k++) {
    void* d = nullptr;
    size_t n = 0;
    const bool isIn = k < nin;
    if (!typedArrayArg(env, s.vals[k], napi_float64_array, &d, &n)) {
      return std::string(isIn ? "input " : "output ") + std::to_string(isIn ? k : k - nin) + ": expected a Float64Array";
    }
    if (isIn) { s.in[k] = static_cast<const double*>(d); s.inLen[k] = i64(n); }
    else { s.arr[k - nin] = static_cast<double*>(d); s.arrLen[k - nin] = i64(n); }
  }
  return "";
}

/** one evaluation with a claimed arena */
napi_value runClaimed(napi_env env, const ImageView& v, const ArenaView& ar, const double* const* in, const i64* inLen,
                      double* const* out, const i64* outLen) {
  if (!claimArena(ar.h)) return failed(env, Error{S_BUSY, -1, "program is already running: another evaluation owns this arena"});
  Error e = runImage(v, ar, in, inLen, out, outLen);
  releaseArena(ar.h);
  return e.status == S_OK ? number(env, 0) : failed(env, std::move(e));
}

// run(image, arena, inputs, outputs): fewer output arrays than outputs — the last one holds the
// rest back to back (async.h bindOutputs)
napi_value Run(napi_env env, napi_callback_info info) {
  napi_value a[4];
  ImageView v;
  ArenaView ar;
  Error err;
  if (!args(env, info, a) || !imageArg(env, a[0], &v, &err)) return failed(env, err);
  bool ia = false, oa = false;
  napi_is_array(env, a[2], &ia);
  napi_is_array(env, a[3], &oa);
  if (!ia || !oa) return failed(env, Error{S_ARGS, -1, "expected (image, arena, inputs: Float64Array[], outputs: Float64Array[])"});
  uint32_t nin = 0, narr = 0;
  napi_get_array_length(env, a[2], &nin);
  napi_get_array_length(env, a[3], &narr);
  const int32_t want = v.h->nin, nout = v.h->nout;
  if (nin != uint32_t(want) || narr > uint32_t(nout) || (narr == 0 && nout > 0)) {
    return failed(env, Error{S_ARGS, -1, "expected " + std::to_string(want) + " inputs and " + std::to_string(nout) +
                                              " outputs (or fewer, the last packing the rest) but received " + std::to_string(nin) +
                                              " and " + std::to_string(narr)});
  }
  // fetch every element first (a getter may run JS), then resolve the buffers and unwrap without
  // calling into JS, so nothing can be detached or freed between unwrapping and running
  RunScratch& s = scratch;
  s.vals.resize(size_t(nin) + narr);
  for (uint32_t k = 0; k < nin + narr; k++) {
    if (napi_get_element(env, k < nin ? a[2] : a[3], k < nin ? k : k - nin, &s.vals[k]) != napi_ok) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
      return failed(env, Error{S_ARGS, -1, "reading the input or output arrays threw"});
    }
  }
  if (!imageArg(env, a[0], &v, &err) || !arenaArg(env, a[1], v, &ar, &err)) return failed(env, err);
  std::string msg = unwrapArrays(env, nin, narr);
  if (msg.empty() && !bindOutputs(v, narr, s.arr.data(), s.arrLen.data(), &s.out, &s.outLen, &msg)) {}
  if (!msg.empty()) return failed(env, Error{S_ARGS, -1, msg});
  return runClaimed(env, v, ar, s.in.data(), s.inLen.data(), s.out.data(), s.outLen.data());
}

// runPacked(image, arena): every input, then every output, back to back in the arena's io region
// (small programs: JS writes the inputs through a Float64Array over that region; nothing to unwrap)
napi_value RunPacked(napi_env env, napi_callback_info info) {
  napi_value a[2];
  ImageView v;
  ArenaView ar;
  Error err;
  if (!args(env, info, a) || !imageArg(env, a[0], &v, &err) || !arenaArg(env, a[1], v, &ar, &err)) return failed(env, err);
  if (v.h->ioRegion != v.h->ioValues) {
    return failed(env, Error{S_ARGS, -1, "runPacked: the inputs and outputs hold " + std::to_string(v.h->ioValues) + " values, more than the " +
                                             std::to_string(kMaxPackedValues) + " of an arena's io region; use run"});
  }
  const int32_t nio = v.h->nin + v.h->nout;
  double* stack[32];
  i64 stackLen[32];
  RunScratch& s = scratch;
  if (nio > 32) { s.out.resize(size_t(nio)); s.outLen.resize(size_t(nio)); }
  double** ptr = nio > 32 ? s.out.data() : stack;
  i64* len = nio > 32 ? s.outLen.data() : stackLen;
  double* at = ar.io;
  for (int32_t k = 0; k < nio; k++) { ptr[k] = at; len[k] = v.io[k].size; at += len[k]; }
  return runClaimed(env, v, ar, ptr, len, ptr + v.h->nin, len + v.h->nin);
}

napi_value RunAsync(napi_env env, napi_callback_info info) {
  napi_value a[4];
  if (!args(env, info, a)) return nullptr;
  return runAsync(env, a[0], a[1], a[2], a[3]);
}

napi_value LastError(napi_env env, napi_callback_info) {
  if (lastErr.status == S_OK) { napi_value n; napi_get_null(env, &n); return n; }
  return errorValue(env, lastErr);
}

/** {steps, scalarOps, depth} of every loop body below v, pre-order, appended to list */
void bodiesInfo(napi_env env, const ImageView& v, int depth, napi_value list, uint32_t* n) {
  for (int32_t k = 0; k < v.h->nsubs; k++) {
    const ImageView b = subView(v, k);
    napi_value o;
    napi_create_object(env, &o);
    auto set = [&](const char* key, double x) { napi_value num; napi_create_double(env, x, &num); napi_set_named_property(env, o, key, num); };
    set("steps", b.h->nsteps);
    set("scalarOps", double(b.h->nsops));
    set("depth", depth + 1);
    napi_set_element(env, list, (*n)++, o);
    bodiesInfo(env, b, depth + 1, list, n);
  }
}

napi_value Info(napi_env env, napi_callback_info info) {
  napi_value a[1];
  ImageView v;
  Error err;
  napi_value o;
  if (!args(env, info, a) || !imageArg(env, a[0], &v, &err)) { napi_get_null(env, &o); return o; }
  napi_create_object(env, &o);
  auto set = [&](const char* k, double x) { napi_value n; napi_create_double(env, x, &n); napi_set_named_property(env, o, k, n); };
  set("steps", v.h->nsteps);
  set("scalarOps", double(v.h->nsops));
  set("imageBytes", double(v.h->bytes));
  set("memoryBytes", double(v.h->arenaBytes));
  set("ioOffset", double(v.h->aIo));
  set("ioValues", double(v.h->ioRegion));
  napi_value simd;
  napi_create_string_utf8(env, v.K->name, NAPI_AUTO_LENGTH, &simd);
  napi_set_named_property(env, o, "simd", simd);
  napi_value bodies;
  uint32_t nb = 0;
  napi_create_array(env, &bodies);
  bodiesInfo(env, v, 0, bodies, &nb);
  napi_set_named_property(env, o, "bodies", bodies);
  return o;
}

// release(buffer): detach an image no async evaluation holds, or an idle arena, so its memory is
// freed now rather than at the next garbage collection; false for anything else
napi_value Release(napi_env env, napi_callback_info info) {
  napi_value a[1];
  void* data = nullptr;
  size_t len = 0;
  bool ok = args(env, info, a) && napi_get_arraybuffer_info(env, a[0], &data, &len) == napi_ok;
  if (ok && isImage(data, len)) {
    ok = __atomic_load_n(&static_cast<ImageHeader*>(data)->users, __ATOMIC_ACQUIRE) == 0 && napi_detach_arraybuffer(env, a[0]) == napi_ok;
  } else if (ok && isArena(data, len)) {
    ArenaHeader* h = static_cast<ArenaHeader*>(data);
    ok = claimArena(h);
    if (ok && napi_detach_arraybuffer(env, a[0]) != napi_ok) { releaseArena(h); ok = false; }
  } else {
    ok = false;
  }
  napi_value r;
  napi_get_boolean(env, ok, &r);
  return r;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const std::pair<const char*, napi_callback> raw[] = {
      {"decode", Decode}, {"arena", Arena}, {"run", Run}, {"runPacked", RunPacked}, {"runAsync", RunAsync},
      {"info", Info}, {"release", Release}, {"lastError", LastError}};
  for (const auto& [name, fn] : raw) {
    napi_value f;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f);
    exports.Set(name, Napi::Value(env, f));
  }
  wg::machineExports(env, exports);  // addon_machine.cc
  exports.Set("encodingVersion", Napi::Number::New(env, kVersion));
  exports.Set("imageVersion", Napi::Number::New(env, kImageVersion));
  exports.Set("_mathTest", wg::mathTestExports(env));  // test-only (test/native/math.test.ts)
  wg::codegenExports(env, exports);  // test-only (test/native/math.test.ts)
  return exports;
}

}  // namespace

NODE_API_MODULE(wengert, Init)
