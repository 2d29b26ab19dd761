// Async evaluation (see async.h): a job per evaluation, queued per Runner, run on a pool thread.
#include "async.h"
#include <cstdlib>
#include <cstring>

namespace wg {

struct Job {
  std::shared_ptr<Runner> runner;
  std::vector<napi_ref> refs;  // input and output arrays, alive until the job completes
  std::vector<const double*> in;
  std::vector<i64> inLen;
  std::vector<double*> arr;    // output arrays as given (or allocated), packed as for bindOutputs
  std::vector<i64> arrLen;
  std::vector<double*> out;    // per-output pointers into arr
  std::vector<i64> outLen;
  /** no output arrays given: arr is malloc'd on the pool thread, then handed to JS */
  bool allocate = false;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
  Error err;
};

i64 tailSize(const Program& P, int32_t from) {
  i64 n = 0;
  for (int32_t k = from; k < P.nout; k++) n += P.vars[P.outputs[k]].size;
  return n;
}

bool bindOutputs(const Program& P, size_t n, double* const* arr, const i64* len, std::vector<double*>* out,
                 std::vector<i64>* outLen, std::string* msg) {
  const size_t nout = size_t(P.nout);
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
  const i64 want = tailSize(P, int32_t(n - 1));
  if (len[n - 1] != want) {
    *msg = "outputs " + std::to_string(n - 1) + ".." + std::to_string(nout - 1) + " (packed): expected " + std::to_string(want) +
           " values but received " + std::to_string(len[n - 1]);
    return false;
  }
  i64 at = 0;
  for (size_t k = n - 1; k < nout; k++) {
    const i64 s = P.vars[P.outputs[k]].size;
    (*out)[k] = s ? arr[n - 1] + at : nullptr;
    (*outLen)[k] = s;
    at += s;
  }
  return true;
}

namespace {

void destroy(napi_env env, Job* j) {
  for (napi_ref r : j->refs) napi_delete_reference(env, r);
  if (j->allocate) for (double* d : j->arr) std::free(d);
  if (j->work) napi_delete_async_work(env, j->work);
  delete j;
}

void execute(napi_env, void* data) {
  Job* j = static_cast<Job*>(data);
  const Program& P = *j->runner->prog;
  if (j->allocate) {
    for (size_t k = 0; k < j->arr.size(); k++) {
      if (j->arrLen[k] == 0) continue;
      j->arr[k] = static_cast<double*>(std::malloc(size_t(j->arrLen[k]) * 8));
      if (!j->arr[k]) { j->err = Error{S_ALLOC, -1, "out of memory for output " + std::to_string(k)}; return; }
    }
  }
  std::string msg;
  if (!bindOutputs(P, j->arr.size(), j->arr.data(), j->arrLen.data(), &j->out, &j->outLen, &msg)) {
    j->err = Error{S_ARGS, -1, msg};
    return;
  }
  std::lock_guard<std::mutex> lock(j->runner->m);
  j->err = j->runner->prog->run(j->in.data(), j->inLen.data(), j->out.data(), j->outLen.data());
}

void freeData(napi_env, void* data, void*) { std::free(data); }

/** the job's own output arrays as Float64Arrays over its memory (ownership passes to JS), or nullptr */
napi_value ownOutputs(napi_env env, Job* j) {
  napi_value list;
  if (napi_create_array_with_length(env, j->arr.size(), &list) != napi_ok) return nullptr;
  for (size_t k = 0; k < j->arr.size(); k++) {
    const size_t bytes = size_t(j->arrLen[k]) * 8;
    napi_value ab, ta;
    if (bytes && napi_create_external_arraybuffer(env, j->arr[k], bytes, freeData, nullptr, &ab) == napi_ok) {
      j->arr[k] = nullptr;
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
  std::shared_ptr<Runner> r = j->runner;
  r->inflight = false;
  if (status == napi_cancelled) j->err = Error{S_ARGS, -1, "the evaluation was cancelled"};
  napi_value result = nullptr;
  if (j->err.status != S_OK) result = errorValue(env, j->err);
  else if (j->allocate) result = ownOutputs(env, j);
  else napi_get_null(env, &result);
  // resolving fails when the env is shutting down (a terminated worker): JS will not run again
  const bool alive = result && napi_resolve_deferred(env, j->deferred, result) == napi_ok;
  destroy(env, j);
  if (!alive) {
    while (!r->pending.empty()) { destroy(env, r->pending.front()); r->pending.pop_front(); }
    return;
  }
  while (!r->pending.empty()) {
    Job* next = r->pending.front();
    r->pending.pop_front();
    if (napi_queue_async_work(env, next->work) == napi_ok) { r->inflight = true; return; }
    napi_value e = errorValue(env, Error{S_ARGS, -1, "could not queue the evaluation"});
    if (e) napi_resolve_deferred(env, next->deferred, e);
    destroy(env, next);
  }
}

/** a Promise already resolved with an error value */
napi_value resolved(napi_env env, Status s, const std::string& msg) {
  napi_deferred d;
  napi_value promise;
  if (napi_create_promise(env, &d, &promise) != napi_ok) return nullptr;
  napi_resolve_deferred(env, d, errorValue(env, Error{s, -1, msg}));
  return promise;
}

/** the Float64Array at `v`: data pointer and length; false for anything else */
bool float64Array(napi_env env, napi_value v, void** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok || type != napi_float64_array) return false;
  if (*length == 0) *data = nullptr;
  return true;
}

}  // namespace

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

napi_value runAsync(napi_env env, const std::shared_ptr<Runner>& runnerArg, napi_value inputs, napi_value outputs) {
  const std::shared_ptr<Runner> runner = runnerArg;  // a getter below may dispose the wrapper
  const Program& P = *runner->prog;
  bool inArr = false, outArr = false;
  napi_valuetype outType = napi_undefined;
  napi_is_array(env, inputs, &inArr);
  napi_is_array(env, outputs, &outArr);
  napi_typeof(env, outputs, &outType);
  const bool allocate = outType == napi_number;
  if (!inArr || !(outArr || allocate)) return resolved(env, S_ARGS, "expected (inputs: Float64Array[], outputs: Float64Array[] | number)");
  uint32_t nin = 0, narr = 0;
  napi_get_array_length(env, inputs, &nin);
  if (allocate) {
    double n = 0;
    napi_get_value_double(env, outputs, &n);
    narr = n >= 0 && n <= double(P.nout) ? uint32_t(n) : uint32_t(P.nout) + 1;
  } else {
    napi_get_array_length(env, outputs, &narr);
  }
  if (nin != uint32_t(P.nin) || narr > uint32_t(P.nout) || (narr == 0 && P.nout > 0)) {
    return resolved(env, S_ARGS, "expected " + std::to_string(P.nin) + " inputs and " + std::to_string(P.nout) +
                                     " outputs (or fewer, the last packing the rest) but received " + std::to_string(nin) + " and " +
                                     std::to_string(narr));
  }
  const uint32_t ngiven = allocate ? 0 : narr;
  // fetch every element first (a getter may run JS), then unwrap without calling into JS
  std::vector<napi_value> vals(size_t(nin) + ngiven);
  for (uint32_t k = 0; k < nin + ngiven; k++) {
    if (napi_get_element(env, k < nin ? inputs : outputs, k < nin ? k : k - nin, &vals[k]) != napi_ok) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
      return resolved(env, S_ARGS, "reading the input or output arrays threw");
    }
  }
  Job* j = new Job();
  j->runner = runner;
  j->allocate = allocate;
  j->in.resize(nin);
  j->inLen.resize(nin);
  j->arr.assign(narr, nullptr);
  j->arrLen.assign(narr, 0);
  if (allocate) {
    for (uint32_t k = 0; k + 1 < narr; k++) j->arrLen[k] = P.vars[P.outputs[k]].size;
    if (narr) j->arrLen[narr - 1] = tailSize(P, int32_t(narr - 1));
  }
  for (uint32_t k = 0; k < nin + ngiven; k++) {
    void* d = nullptr;
    size_t n = 0;
    const bool isIn = k < nin;
    if (!float64Array(env, vals[k], &d, &n)) {
      destroy(env, j);
      return resolved(env, S_ARGS, std::string(isIn ? "input " : "output ") + std::to_string(isIn ? k : k - nin) + ": expected a Float64Array");
    }
    if (isIn) { j->in[k] = static_cast<const double*>(d); j->inLen[k] = i64(n); }
    else { j->arr[k - nin] = static_cast<double*>(d); j->arrLen[k - nin] = i64(n); }
    napi_ref ref;
    if (napi_create_reference(env, vals[k], 1, &ref) != napi_ok) { destroy(env, j); return nullptr; }
    j->refs.push_back(ref);
  }
  napi_value promise, name;
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok) { destroy(env, j); return nullptr; }
  napi_create_string_utf8(env, "wengert:run", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, nullptr, name, execute, complete, j, &j->work) != napi_ok) {
    napi_resolve_deferred(env, j->deferred, errorValue(env, Error{S_ALLOC, -1, "could not create the async work"}));
    destroy(env, j);
    return promise;
  }
  if (runner->inflight) { runner->pending.push_back(j); return promise; }
  if (napi_queue_async_work(env, j->work) != napi_ok) {
    napi_resolve_deferred(env, j->deferred, errorValue(env, Error{S_ARGS, -1, "could not queue the evaluation"}));
    destroy(env, j);
    return promise;
  }
  runner->inflight = true;
  return promise;
}

}  // namespace wg
