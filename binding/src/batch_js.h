// A drained Batch handed to JS as { data: ArrayBuffer, offsets: Uint32Array,
// cpus: Uint16Array, count }, the shape every live source's nextBatch()
// resolves with. The event bytes are not copied: the ArrayBuffer owns the
// batch's buffer and gives it back to its pool (or frees it) when collected.
//
// SPDX-License-Identifier: MIT
#pragma once

#include <napi.h>

#include <deque>

#include "drain_thread.h"

namespace scap_ts {

Napi::Object BatchToJs(Napi::Env env, Batch& batch);

// Settles every waiting nextBatch() with null (the capture has ended).
void ResolveAllNull(Napi::Env env, std::deque<Napi::Promise::Deferred>& pending);

// Keeps the event loop alive (ref) only while JS waits for a batch.
void SetLoopRef(Napi::Env env, Napi::ThreadSafeFunction& tsfn, bool* refed, bool want);

}  // namespace scap_ts
