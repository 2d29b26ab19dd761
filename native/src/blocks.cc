// Result blocks (see blocks.h): per env, a short list of kept blocks, most recently kept last.
#include "blocks.h"
#include "image.h"
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace wg {

namespace {

/** blocks smaller than this are not kept (malloc's own free lists serve them) */
constexpr size_t MIN_KEPT = size_t(64) << 10;
/** kept bytes per env at most: the results of about two collections (V8 collects about every 64 MB of new ones) */
constexpr size_t MAX_KEPT = size_t(256) << 20;
/** kept bytes reported to V8 at most: its external-memory growth that starts a collection */
constexpr size_t MAX_REPORTED = size_t(64) << 20;
/** blocks of at least this many bytes get a mapping of their own on 2 MB boundaries, as huge pages */
constexpr size_t HUGE = size_t(2) << 20;
constexpr size_t PAGE = size_t(4) << 10;

}  // namespace

struct Blocks {
  std::vector<Block*> kept;
  size_t keptBytes = 0;
  size_t reportedBytes = 0;
  /** the env (until it closes) and every block made and not yet freed */
  std::atomic<long> refs{1};
  bool closed = false;
};

namespace {

void unref(Blocks* c) {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete c;
}

/**
 * `bytes` of memory; large blocks are mapped on their own, 2 MB-aligned and advised as huge
 * pages. The kernel backs whole 2 MB ranges with huge pages, so the mapping extends to the next
 * 2 MB when that wastes under 1 MB (an 8·10⁶-byte gradient: 4 huge pages, not 3 and 418 small ones).
 */
double* allocate(size_t bytes, size_t* mapped) {
  *mapped = 0;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= HUGE) {
    const size_t whole = (bytes + HUGE - 1) / HUGE * HUGE;
    const size_t len = whole - bytes < HUGE / 2 ? whole : (bytes + PAGE - 1) / PAGE * PAGE;
    char* p = static_cast<char*>(mmap(nullptr, len + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED) return nullptr;
    char* a = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(p) + HUGE - 1) / HUGE * HUGE);
    if (a > p) munmap(p, size_t(a - p));
    munmap(a + len, size_t(p + HUGE - a));
    madvise(a, len, MADV_HUGEPAGE);
    *mapped = len;
    return reinterpret_cast<double*>(a);
  }
#endif
  return static_cast<double*>(std::malloc(bytes));
}

void freeBlock(Block* b) {
  Blocks* c = b->owner;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (b->mapped) munmap(b->data, b->mapped); else std::free(b->data);
#else
  std::free(b->data);
#endif
  delete b;
  unref(c);
}

/** bytes kept: + on keeping, − on handing out or dropping (what the env's cache holds, as V8 sees it) */
void report(napi_env env, int64_t bytes) {
  int64_t ignored;
  napi_adjust_external_memory(env, bytes, &ignored);
}

/** b leaves the kept list: its bytes leave the reported external memory */
void unreport(napi_env env, Blocks* c, Block* b) {
  if (!b->reported) return;
  b->reported = false;
  c->reportedBytes -= b->bytes;
  report(env, -int64_t(b->bytes));
}

/** b joins the kept list: reported while the reported bytes stay within MAX_REPORTED, else its pages may go back to the kernel */
void keep(napi_env env, Blocks* c, Block* b) {
  c->kept.push_back(b);
  c->keptBytes += b->bytes;
  if (c->reportedBytes + b->bytes <= MAX_REPORTED) {
    b->reported = true;
    c->reportedBytes += b->bytes;
    report(env, int64_t(b->bytes));
    return;
  }
#if defined(__linux__) && defined(MADV_FREE)
  if (b->mapped) madvise(b->data, b->mapped, MADV_FREE);
#endif
}

void closeBlocks(napi_env, void* data, void*) {
  Blocks* c = static_cast<Blocks*>(data);
  c->closed = true;
  std::vector<Block*> kept;
  kept.swap(c->kept);
  c->keptBytes = c->reportedBytes = 0;
  for (Block* b : kept) freeBlock(b);
  unref(c);
}

}  // namespace

Blocks* blocksOf(napi_env env) {
  void* data = nullptr;
  Blocks* c = napi_get_instance_data(env, &data) == napi_ok ? static_cast<Blocks*>(data) : nullptr;
  if (!c) {
    c = new Blocks();
    if (napi_set_instance_data(env, c, closeBlocks, nullptr) != napi_ok) { delete c; return nullptr; }
  }
  c->refs.fetch_add(1, std::memory_order_relaxed);
  return c;
}

void dropBlocks(Blocks* c) { unref(c); }

Block* newBlock(Blocks* c, size_t bytes) {
  size_t mapped = 0;
  double* data = allocate(bytes, &mapped);
  if (!data) return nullptr;
  c->refs.fetch_add(1, std::memory_order_relaxed);
  return new Block{data, bytes, mapped, c, false};
}

Block* takeBlock(napi_env env, Blocks* c, size_t bytes) {
  if (bytes < MIN_KEPT) return nullptr;
  // the newest block of that size, a reported one first (its hand-over is net zero for V8)
  size_t at = c->kept.size();
  for (size_t i = c->kept.size(); i-- > 0;) {
    Block* b = c->kept[i];
    if (b->bytes != bytes || (at < c->kept.size() && !b->reported)) continue;
    at = i;
    if (b->reported) break;
  }
  if (at == c->kept.size()) return nullptr;
  Block* b = c->kept[at];
  c->kept.erase(c->kept.begin() + long(at));
  c->keptBytes -= bytes;
  unreport(env, c, b);
  return b;
}

void giveBlock(napi_env env, Block* b) {
  if (!b) return;
  Blocks* c = b->owner;
  if (c->closed || b->bytes < MIN_KEPT || b->bytes > MAX_KEPT) return freeBlock(b);
  // oldest first: blocks of a size no longer asked for age out
  while (c->keptBytes + b->bytes > MAX_KEPT) {
    Block* old = c->kept.front();
    c->kept.erase(c->kept.begin());
    c->keptBytes -= old->bytes;
    unreport(env, c, old);
    freeBlock(old);
  }
  keep(env, c, b);
}

void blockFinalizer(napi_env env, void*, void* hint) { giveBlock(env, static_cast<Block*>(hint)); }

napi_value detachResult(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a = nullptr, r;
  void* data = nullptr;
  size_t len = 0;
  const bool ok = napi_get_cb_info(env, info, &argc, &a, nullptr, nullptr) == napi_ok && argc >= 1 &&
                  napi_get_arraybuffer_info(env, a, &data, &len) == napi_ok && !isImage(data, len) && !isArena(data, len) &&
                  napi_detach_arraybuffer(env, a) == napi_ok;
  napi_get_boolean(env, ok, &r);
  return r;
}

napi_value blocksInfo(napi_env env, napi_callback_info) {
  void* data = nullptr;
  const Blocks* c = napi_get_instance_data(env, &data) == napi_ok ? static_cast<Blocks*>(data) : nullptr;
  int64_t external = 0;
  napi_adjust_external_memory(env, 0, &external);
  napi_value o, v;
  napi_create_object(env, &o);
  const std::pair<const char*, double> fields[] = {
      {"kept", c ? double(c->keptBytes) : 0}, {"reported", c ? double(c->reportedBytes) : 0}, {"external", double(external)}};
  for (const auto& [name, x] : fields) {
    napi_create_double(env, x, &v);
    napi_set_named_property(env, o, name, v);
  }
  return o;
}

}  // namespace wg
