// Async evaluation (see async.h): a job per evaluation, run on a pool thread.
#include "async.h"
#include <cstring>
#include "blocks.h"
#include "decoder.h"

namespace wg {

struct Job {
  std::vector<napi_ref> refs;  // image, arena, input and output arrays, alive until the job completes
  ImageView v{};
  ArenaView a{};
  std::vector<const double*> in;
  std::vector<i64> inLen;
  std::vector<double*> arr;    // output arrays as given (or allocated), packed as for bindOutputs
  std::vector<i64> arrLen;
  std::vector<double*> out;    // per-output pointers into arr
  std::vector<i64> outLen;
  /** no output arrays given: arr is blocks of the env's cache (held by the job), kept or new, handed to JS */
  bool allocate = false;
  Blocks* cache = nullptr;
  std::vector<Block*> blocks;  // nullptr once handed to JS
  /** the job owns its arena and counts as a user of its image (from queueing to completion) */
  bool holds = false;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
  Error err;
};

i64 tailSize(const ImageView& v, int32_t from) {
  i64 n = 0;
  for (int32_t k = from; k < v.h->nout; k++) n += v.io[v.h->nin + k].size;
  return n;
}

bool bindOutputs(const ImageView& v, size_t n, double* const* arr, const i64* len, std::vector<double*>* out,
                 std::vector<i64>* outLen, std::string* msg) {
  const size_t nout = size_t(v.h->nout);
  out->assign(nout, nullptr);
  outLen->assign(nout, 0);
  if (n > nout || (n == 0 && nout > 0)) {
    *msg = "expected " + std::to_string(nout) + " outputs (or fewer, the last packing the rest) but received " + std::to_string(n);
    return false;
  }
  for (size_t k = 0; k + 1 < n; k++) { (*out)[k] = arr[k]; (*outLen)[k] = len[k]; }
  if (n == nout) {
    if (n) { (*out)[n - 1] = arr[n - 1]; (*outLen)[n - 1] = len[n - 1]; }
    return true;
  }
  const i64 want = tailSize(v, int32_t(n - 1));
  if (len[n - 1] != want) {
    *msg = "outputs " + std::to_string(n - 1) + ".." + std::to_string(nout - 1) + " (packed): expected " + std::to_string(want) +
           " values but received " + std::to_string(len[n - 1]);
    return false;
  }
  i64 at = 0;
  for (size_t k = n - 1; k < nout; k++) {
    const i64 s = v.io[v.h->nin + k].size;
    (*out)[k] = s ? arr[n - 1] + at : nullptr;
    (*outLen)[k] = s;
    at += s;
  }
  return true;
}

bool typedArrayArg(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok || type != want) return false;
  if (*length == 0) *data = nullptr;
  return true;
}

bool imageArg(napi_env env, napi_value v, ImageView* out, Error* err) {
  void* data = nullptr;
  size_t len = 0;
  if (napi_get_arraybuffer_info(env, v, &data, &len) != napi_ok) {
    *err = Error{S_ARGS, -1, "expected a program image (ArrayBuffer)"};
    return false;
  }
  return viewImage(data, len, out, err);
}

bool arenaArg(napi_env env, napi_value v, const ImageView& image, ArenaView* out, Error* err) {
  void* data = nullptr;
  size_t len = 0;
  if (napi_get_arraybuffer_info(env, v, &data, &len) != napi_ok) {
    *err = Error{S_ARGS, -1, "expected an arena (ArrayBuffer)"};
    return false;
  }
  return viewArena(image, data, len, out, err);
}

napi_value errorValue(napi_env env, const Error& e) {
  napi_value o, status, instr, message;
  if (napi_create_object(env, &o) != napi_ok || napi_create_int32(env, e.status, &status) != napi_ok ||
      napi_create_int32(env, e.instr, &instr) != napi_ok ||
      napi_create_string_utf8(env, e.message.c_str(), e.message.size(), &message) != napi_ok) return nullptr;
  napi_set_named_property(env, o, "status", status);
  napi_set_named_property(env, o, "instr", instr);
  napi_set_named_property(env, o, "message", message);
  return o;
}

namespace {

void destroy(napi_env env, Job* j) {
  if (j->holds) {
    releaseArena(j->a.h);
    __atomic_fetch_sub(&const_cast<ImageHeader*>(j->v.h)->users, 1u, __ATOMIC_RELEASE);
  }
  for (napi_ref r : j->refs) napi_delete_reference(env, r);
  for (Block* b : j->blocks) giveBlock(env, b);
  if (j->cache) dropBlocks(j->cache);
  if (j->work) napi_delete_async_work(env, j->work);
  delete j;
}

void execute(napi_env, void* data) {
  Job* j = static_cast<Job*>(data);
  if (j->allocate) {
    for (size_t k = 0; k < j->arr.size(); k++) {
      if (j->arrLen[k] == 0) continue;
      if (!j->blocks[k]) j->blocks[k] = newBlock(j->cache, size_t(j->arrLen[k]) * 8);
      if (!j->blocks[k]) { j->err = Error{S_ALLOC, -1, "out of memory for output " + std::to_string(k)}; return; }
      j->arr[k] = j->blocks[k]->data;
    }
  }
  std::string msg;
  if (!bindOutputs(j->v, j->arr.size(), j->arr.data(), j->arrLen.data(), &j->out, &j->outLen, &msg)) {
    j->err = Error{S_ARGS, -1, msg};
    return;
  }
  j->err = runImage(j->v, j->a, j->in.data(), j->inLen.data(), j->out.data(), j->outLen.data());
}

/** the job's own output arrays as Float64Arrays over its memory (ownership passes to JS), or nullptr */
napi_value ownOutputs(napi_env env, Job* j) {
  napi_value list;
  if (napi_create_array_with_length(env, j->arr.size(), &list) != napi_ok) return nullptr;
  for (size_t k = 0; k < j->arr.size(); k++) {
    const size_t bytes = size_t(j->arrLen[k]) * 8;
    napi_value ab, ta;
    if (bytes && napi_create_external_arraybuffer(env, j->arr[k], bytes, blockFinalizer, j->blocks[k], &ab) == napi_ok) {
      j->blocks[k] = nullptr;
    } else {  // external buffers not allowed here (or empty): copy into a V8-allocated buffer
      void* d = nullptr;
      if (napi_create_arraybuffer(env, bytes, &d, &ab) != napi_ok) return nullptr;
      if (bytes) std::memcpy(d, j->arr[k], bytes);
    }
    if (napi_create_typedarray(env, napi_float64_array, size_t(j->arrLen[k]), ab, 0, &ta) != napi_ok ||
        napi_set_element(env, list, uint32_t(k), ta) != napi_ok) return nullptr;
  }
  return list;
}

void complete(napi_env env, napi_status status, void* data) {
  Job* j = static_cast<Job*>(data);
  if (status == napi_cancelled) j->err = Error{S_ARGS, -1, "the evaluation was cancelled"};
  napi_value result = nullptr;
  if (j->err.status != S_OK) result = errorValue(env, j->err);
  else if (j->allocate) result = ownOutputs(env, j);
  else napi_get_null(env, &result);
  // resolving fails when the env is shutting down (a terminated worker): JS will not run again
  if (result) napi_resolve_deferred(env, j->deferred, result);
  destroy(env, j);
}

/** a Promise already resolved with an error value */
napi_value resolved(napi_env env, const Error& e) {
  napi_deferred d;
  napi_value promise;
  if (napi_create_promise(env, &d, &promise) != napi_ok) return nullptr;
  napi_resolve_deferred(env, d, errorValue(env, e));
  return promise;
}

napi_value resolved(napi_env env, Status s, const std::string& msg) { return resolved(env, Error{s, -1, msg}); }

/** the arrays' elements (a getter may run JS: fetched before any buffer is unwrapped); false if reading threw */
bool elements(napi_env env, napi_value inputs, uint32_t nin, napi_value outputs, uint32_t nout, std::vector<napi_value>* vals) {
  vals->resize(size_t(nin) + nout);
  for (uint32_t k = 0; k < nin + nout; k++) {
    if (napi_get_element(env, k < nin ? inputs : outputs, k < nin ? k : k - nin, &(*vals)[k]) != napi_ok) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
      return false;
    }
  }
  return true;
}

/** unwrap the job's inputs and given outputs and reference them; an error message, or "" */
std::string bindArrays(napi_env env, Job* j, const std::vector<napi_value>& vals, uint32_t nin) {
  for (uint32_t k = 0; k < vals.size(); k++) {
    void* d = nullptr;
    size_t n = 0;
    const bool isIn = k < nin;
    if (!typedArrayArg(env, vals[k], napi_float64_array, &d, &n)) {
      return std::string(isIn ? "input " : "output ") + std::to_string(isIn ? k : k - nin) + ": expected a Float64Array";
    }
    if (isIn) { j->in[k] = static_cast<const double*>(d); j->inLen[k] = i64(n); }
    else { j->arr[k - nin] = static_cast<double*>(d); j->arrLen[k - nin] = i64(n); }
    napi_ref ref;
    if (napi_create_reference(env, vals[k], 1, &ref) != napi_ok) return "could not reference an argument";
    j->refs.push_back(ref);
  }
  return "";
}

/** the output array count asked for: outputs' length, or the number given (allocate) */
bool outputCount(napi_env env, napi_value outputs, const ImageView& v, bool* allocate, uint32_t* narr) {
  bool outArr = false;
  napi_valuetype outType = napi_undefined;
  napi_is_array(env, outputs, &outArr);
  napi_typeof(env, outputs, &outType);
  *allocate = outType == napi_number;
  if (!outArr && !*allocate) return false;
  if (*allocate) {
    double n = 0;
    napi_get_value_double(env, outputs, &n);
    *narr = n >= 0 && n <= double(v.h->nout) ? uint32_t(n) : uint32_t(v.h->nout) + 1;
  } else {
    napi_get_array_length(env, outputs, narr);
  }
  return true;
}

/** the sizes of the arrays to allocate, and kept blocks for them (the pool thread makes the rest) */
bool takeBlocks(napi_env env, Job* j, uint32_t narr) {
  const ImageView& v = j->v;
  for (uint32_t k = 0; k + 1 < narr; k++) j->arrLen[k] = v.io[v.h->nin + k].size;
  if (narr) j->arrLen[narr - 1] = tailSize(v, int32_t(narr - 1));
  j->cache = blocksOf(env);
  if (!j->cache) return false;
  j->blocks.assign(narr, nullptr);
  for (uint32_t k = 0; k < narr; k++) j->blocks[k] = takeBlock(env, j->cache, size_t(j->arrLen[k]) * 8);
  return true;
}

}  // namespace

napi_value runAsync(napi_env env, napi_value image, napi_value arena, napi_value inputs, napi_value outputs) {
  ImageView v;
  ArenaView a;
  Error err;
  if (!imageArg(env, image, &v, &err)) return resolved(env, err);
  bool inArr = false, allocate = false;
  uint32_t nin = 0, narr = 0;
  napi_is_array(env, inputs, &inArr);
  if (!inArr || !outputCount(env, outputs, v, &allocate, &narr)) {
    return resolved(env, S_ARGS, "expected (image, arena, inputs: Float64Array[], outputs: Float64Array[] | number)");
  }
  napi_get_array_length(env, inputs, &nin);
  if (nin != uint32_t(v.h->nin) || narr > uint32_t(v.h->nout) || (narr == 0 && v.h->nout > 0)) {
    return resolved(env, S_ARGS, "expected " + std::to_string(v.h->nin) + " inputs and " + std::to_string(v.h->nout) +
                                     " outputs (or fewer, the last packing the rest) but received " + std::to_string(nin) + " and " +
                                     std::to_string(narr));
  }
  std::vector<napi_value> vals;
  if (!elements(env, inputs, nin, outputs, allocate ? 0 : narr, &vals)) return resolved(env, S_ARGS, "reading the input or output arrays threw");
  // JS may have run: resolve the image and arena again, then nothing calls into JS until queued
  if (!imageArg(env, image, &v, &err) || !arenaArg(env, arena, v, &a, &err)) return resolved(env, err);
  if (!claimArena(a.h)) return resolved(env, S_BUSY, "program is already running: another evaluation owns this arena");
  Job* j = new Job();
  j->v = v;
  j->a = a;
  j->holds = true;
  __atomic_fetch_add(&const_cast<ImageHeader*>(v.h)->users, 1u, __ATOMIC_ACQUIRE);
  j->allocate = allocate;
  j->in.resize(nin);
  j->inLen.resize(nin);
  j->arr.assign(narr, nullptr);
  j->arrLen.assign(narr, 0);
  if (allocate && !takeBlocks(env, j, narr)) { destroy(env, j); return resolved(env, S_ALLOC, "could not make the result arrays' cache"); }
  napi_ref ref;
  for (napi_value held : {image, arena}) {
    if (napi_create_reference(env, held, 1, &ref) != napi_ok) { destroy(env, j); return nullptr; }
    j->refs.push_back(ref);
  }
  const std::string bad = bindArrays(env, j, vals, nin);
  if (!bad.empty()) { destroy(env, j); return resolved(env, S_ARGS, bad); }
  napi_value promise, name;
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok) { destroy(env, j); return nullptr; }
  napi_create_string_utf8(env, "wengert:run", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, nullptr, name, execute, complete, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    napi_resolve_deferred(env, j->deferred, errorValue(env, Error{S_ALLOC, -1, "could not queue the evaluation"}));
    destroy(env, j);
  }
  return promise;
}

}  // namespace wg
