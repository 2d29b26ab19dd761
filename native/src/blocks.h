// Result blocks: the memory of the arrays async evaluations return. Ownership passes to JS (an
// external ArrayBuffer); its finalizer, after garbage collection, gives the block back to the
// env's cache, which keeps it for the next result of the same size (up to 256 MB per env). So a
// stream of evaluations writes into memory already mapped: no page faults, no zeroing by the
// kernel, no munmap per call (a fresh 8 MB gradient costs the kernel 8 MB of zeroing even as huge
// pages, about the evaluation's own time; as 4 KB pages on a virtual machine, ~25 ms of faults).
// New large blocks are mapped as transparent huge pages, so even a first use faults 2 MB at a time.
// V8 starts a full collection when external memory grows 64 MB past its low point since the last
// one; every result array counts. Kept blocks up to 64 MB are reported to V8 as external memory
// (napi_adjust_external_memory) and handed out first: that hand-over is net zero, so a collection
// comes about every 16 calls of 8 MB rather than 8. Kept blocks beyond those 64 MB are not
// reported (more would start a collection as soon as the last one returns them) and are advised
// MADV_FREE: the kernel may take their pages back under memory pressure; reused, they are
// written in place (or, if taken, faulted anew). A cache holds the blocks of about two
// collections' worth of results, so a steady stream of calls maps no new memory.
// Threads: blocks are made on pool threads (newBlock); everything else runs on the env's JS thread
// (where the finalizers of external buffers run). A cache outlives its env while blocks it made
// are held (a count), and a block given back after the env closed is freed. The cache is the
// addon's napi instance data.
#pragma once
#include <node_api.h>
#include <cstddef>

namespace wg {

struct Blocks;

/** a block of memory for one result array */
struct Block {
  double* data;
  size_t bytes;
  /** length of the block's own mapping (huge pages), 0 when malloc'd */
  size_t mapped;
  Blocks* owner;
  /** counted in the cache's reported external memory (while kept) */
  bool reported;
};

/** the env's cache, made on first use and closed with the env, held for the caller (drop it after); nullptr if N-API fails */
Blocks* blocksOf(napi_env env);
/** the caller's hold on a cache ends */
void dropBlocks(Blocks* c);
/** a kept block of exactly `bytes` (its bytes leave the reported external memory), or nullptr */
Block* takeBlock(napi_env env, Blocks* c, size_t bytes);
/** a new block of `bytes` > 0 for cache c (any thread); nullptr when out of memory */
Block* newBlock(Blocks* c, size_t bytes);
/** a block back from use (a result array's finalizer, or a job that failed): kept or freed */
void giveBlock(napi_env env, Block* b);
/** finalizer of a result's external ArrayBuffer (napi_finalize; the hint is the Block) */
void blockFinalizer(napi_env env, void* data, void* hint);
/**
 * detachResult(buffer) → boolean: detach an async result's ArrayBuffer that its owner gives back
 * (w.release; JS passes only result buffers no evaluation in flight uses). A result block's
 * finalizer then returns it to the cache, so the next result of its size reuses it without a
 * collection; a V8-allocated buffer is freed. False for an image, an arena or a buffer that
 * cannot be detached.
 */
napi_value detachResult(napi_env env, napi_callback_info info);
/** test-only: {kept, reported, external}: the env's kept and reported bytes and V8's external-memory total (bytes) */
napi_value blocksInfo(napi_env env, napi_callback_info info);

}  // namespace wg
