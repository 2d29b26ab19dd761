// N-API glue of the compiled tier (driven by src/backends/native/codegen/):
//   codeSource(image) → string (C source) | {reason}: the generator's output (emit.h)
//   codeAttach(image, path) → slot number (> 0) | string (why not): dlopen and attach (code.h)
//   codeDetach(image) → undefined: its runs go back to the interpreter
//   codeFree(slot) → undefined: the slot of an image garbage collection freed
//   codeInterpret(image, on) → undefined: run on the interpreter even with code attached (bit comparison)
//   codeAttached(image) → boolean: runs use compiled code
// Arguments are checked like every other addon call; errors come back as values.
#include <napi.h>
#include "../async.h"
#include "code.h"
#include "emit.h"

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

Napi::Value CodeSource(const Napi::CallbackInfo& info) {
  ImageView v;
  std::string why;
  std::string src = imageOf(info, 1, &why, &v) ? emitProgram(v, &why) : "";
  if (src.empty()) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("reason", Napi::String::New(info.Env(), why));
    return o;
  }
  return Napi::String::New(info.Env(), src);
}

Napi::Value CodeAttach(const Napi::CallbackInfo& info) {
  std::string why;
  ImageHeader* h = imageOf(info, 2, &why);
  if (h && !info[1].IsString()) why = "expected (image, path)";
  if (h && why.empty()) why = attachCode(h, info[1].As<Napi::String>().Utf8Value());
  if (!why.empty()) return Napi::String::New(info.Env(), why);
  return Napi::Number::New(info.Env(), h->code);
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
  exports.Set("codeAttach", Napi::Function::New(env, CodeAttach));
  exports.Set("codeDetach", Napi::Function::New(env, CodeDetach));
  exports.Set("codeFree", Napi::Function::New(env, CodeFree));
  exports.Set("codeInterpret", Napi::Function::New(env, CodeInterpret));
  exports.Set("codeAttached", Napi::Function::New(env, CodeAttached));
  exports.Set("codeAbi", Napi::Number::New(env, WG_CODE_ABI));
}

}  // namespace wg
