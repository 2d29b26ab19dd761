// The compiled tier's table of loaded programs (code.cc): an image names its compiled code by a
// slot number in its header; the slot is honoured only while it records that image's id, so a
// stale or forged number is ignored (the run stays on the interpreter). Shared objects stay
// loaded for the life of the process (a run may still be inside one when its program is freed).
#pragma once
#include <string>
#include "../image.h"
#include "rt.h"

namespace wg {

constexpr int32_t kCodeSlots = 1 << 14;

/** a program's compiled code: the program and its compiled loop bodies */
struct CodeRef {
  wg_program_fn fn = nullptr;
  const wg_body* bodies = nullptr;
  i64 nbodies = 0;
};

/** the compiled code attached to image h and switched on (fn null when none; lock-free) */
CodeRef codeOf(const ImageHeader* h);
/** attach the program of the object at `path`, loaded by checkedPreload, to the image; "" or why not */
std::string attachCode(ImageHeader* h, const std::string& path);
/**
 * load a disk-cache entry (a pool thread, or the main thread for a small program): the object at
 * path opened once, hashed through that fd against the digest in hashPath, and that same file
 * dlopened (/proc/self/fd; without /proc, by path, refused when the path no longer names the
 * hashed file), then its times set to now (recently used); an entry of a path already loaded is
 * checked, not loaded again; "" or "missing", "corrupt" (never loaded), why not
 */
std::string checkedPreload(const std::string& path, const std::string& hashPath);
/** free a slot whose image is gone (garbage collected without dispose) */
void freeCodeSlot(int32_t slot);
/** free the image's slot (its runs go back to the interpreter) */
void detachCode(ImageHeader* h);

/**
 * Run image v with its compiled code fn: steps the generator left to the interpreter run
 * through the rt->step callback. false and err on a run-time error (as runSteps).
 */
/** the compiled function of the body whose sub-image is v, or null (exec_loops.cc) */
inline wg_program_fn bodyCode(const ArenaView& A, const ImageView& v) {
  const i64 off = v.base - A.root;
  for (i64 i = 0; i < A.nbodies; i++)
    if (A.bodies[i].offset == off) return A.bodies[i].fn;
  return nullptr;
}

bool runCompiled(const CodeRef& code, const ImageView& v, const ArenaView& A, double* mem, double* const* ext, Error* err);

}  // namespace wg
