// SPDX-License-Identifier: MIT
#include "batch_js.h"

#include <cstdlib>
#include <cstring>
#include <memory>

namespace scap_ts {
namespace {

// Finalizer hint of a batch's ArrayBuffer: where its data goes back to.
struct BatchData {
  size_t capacity;
  std::shared_ptr<BufferPool> pool;  // null: free()
};

void GiveBack(uint8_t* data, size_t capacity, const std::shared_ptr<BufferPool>& pool) {
  if (pool) {
    pool->Put(data, capacity);
  } else {
    std::free(data);
  }
}

void FreeBatchData(Napi::Env, void* data, BatchData* hint) {
  GiveBack(static_cast<uint8_t*>(data), hint->capacity, hint->pool);
  delete hint;
}

}  // namespace

Napi::Object BatchToJs(Napi::Env env, Batch& b) {
  const size_t count = b.offsets.size();
  const size_t size = b.size;
  size_t capacity = b.capacity;
  uint8_t* data = b.ReleaseData();
  std::shared_ptr<BufferPool> pool = b.pool;
  // A mostly empty batch gives its tail back before JS holds on to it (its
  // buffer no longer fits the pool then).
  if (size > 0 && size < capacity / 2) {
    if (void* shrunk = std::realloc(data, size)) {
      data = static_cast<uint8_t*>(shrunk);
      capacity = size;
    }
  }
  Napi::ArrayBuffer ab;
  try {
    // No AdjustExternalMemory: V8 counts an external ArrayBuffer's backing
    // store itself; adding it again doubled the pressure and the full GCs it
    // brings (measured: 19 -> 13-16 mark-compacts while JS drains 3.5 M events).
    ab = Napi::ArrayBuffer::New(env, data, size, FreeBatchData, new BatchData{capacity, pool});
  } catch (const Napi::Error&) {
    // Runtimes without external buffers: copy.
    ab = Napi::ArrayBuffer::New(env, size);
    std::memcpy(ab.Data(), data, size);
    GiveBack(data, capacity, pool);
  }
  Napi::Uint32Array offsets = Napi::Uint32Array::New(env, count);
  if (count) std::memcpy(offsets.Data(), b.offsets.data(), count * sizeof(uint32_t));
  Napi::Uint16Array cpus = Napi::Uint16Array::New(env, count);
  if (count) std::memcpy(cpus.Data(), b.cpus.data(), count * sizeof(uint16_t));
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", ab);
  out.Set("offsets", offsets);
  out.Set("cpus", cpus);
  out.Set("count", Napi::Number::New(env, static_cast<double>(count)));
  return out;
}

void ResolveAllNull(Napi::Env env, std::deque<Napi::Promise::Deferred>& pending) {
  while (!pending.empty()) {
    pending.front().Resolve(env.Null());
    pending.pop_front();
  }
}

void SetLoopRef(Napi::Env env, Napi::ThreadSafeFunction& tsfn, bool* refed, bool want) {
  if (want && !*refed) {
    tsfn.Ref(env);
    *refed = true;
  } else if (!want && *refed) {
    tsfn.Unref(env);
    *refed = false;
  }
}

}  // namespace scap_ts
