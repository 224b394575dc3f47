// BpfCapture: the JS class over BpfEngine + DrainThread. Its JS API and
// options are documented in bpf_capture.h; among them:
//
//   schedSwitch?: boolean   attach the sched_switch tracepoint (default false).
//                           When true, every context switch of a captured task
//                           (tgid filter and self-exclusion apply, as the task
//                           switched out) gives a PPME_SCHEDSWITCH_6_E event:
//                           next (host tid switched in), pgft_maj, pgft_min,
//                           vm_size, vm_rss, vm_swap of the outgoing task. Off by
//                           default because it is by far the busiest source.
//
// signal_deliver (PPME_SIGNALDELIVER_E) is always attached, like
// sched_process_exit.
#include "bpf_capture.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include <linux/types.h>

#include "batch_js.h"
#include "napi_options.h"
#include "kmod_engine.h"
#include "shared.h"

namespace scap_ts {

namespace {

constexpr size_t kMinBatchBytes = 64 * 1024;
constexpr size_t kMaxBatchBytes = 1ull << 30;

[[noreturn]] void ThrowCode(Napi::Env env, const std::string& code, const std::string& message,
                            const std::string& verifier_log = {},
                            const std::vector<std::string>& missing = {}) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  if (!verifier_log.empty()) err.Set("verifierLog", Napi::String::New(env, verifier_log));
  if (code == "PERMISSION") {
    Napi::Array m = Napi::Array::New(env, missing.size());
    for (size_t i = 0; i < missing.size(); i++) m.Set(static_cast<uint32_t>(i), missing[i]);
    err.Set("missing", m);
  }
  throw err;
}

}  // namespace

void BpfCapture::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "BpfCapture",
                                    {
                                        InstanceMethod<&BpfCapture::NextBatch>("nextBatch"),
                                        InstanceMethod<&BpfCapture::Stats>("stats"),
                                        InstanceMethod<&BpfCapture::Stop>("stop"),
                                        InstanceMethod<&BpfCapture::Close>("close"),
                                    });
  exports.Set("BpfCapture", ctor);
}

BpfCapture::BpfCapture(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfCapture>(info) {
  Napi::Env env = info.Env();
  env_ = env;
  Napi::Object o = Napi::Object::New(env);
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsObject()) ThrowType(env, "options must be an object");
    o = info[0].As<Napi::Object>();
  }
  BpfOptions opts;
  opts.buffer_bytes_per_cpu =
      static_cast<uint64_t>(IntOption(env, o, "bufferBytesPerCpu", 8 << 20, 1, 1ull << 30));
  opts.snaplen = static_cast<uint32_t>(IntOption(env, o, "snaplen", 80, 0, SCAP_MAX_SNAPLEN));
  opts.drop_failed = BoolOption(env, o, "dropFailed", false);
  if (!o.Get("syscalls").IsUndefined()) opts.syscalls = IntArrayOption(env, o, "syscalls", 0, 511);
  if (!o.Get("tgids").IsUndefined()) opts.tgids = IntArrayOption(env, o, "tgids", 1, 4294967295.0);
  opts.include_self = BoolOption(env, o, "includeSelf", false);
  // Off by default: one event per context switch of every captured task.
  opts.sched_switch = BoolOption(env, o, "schedSwitch", false);
  {
    Napi::Value v = o.Get("enterHook");
    if (!v.IsUndefined()) {
      const std::string h = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
      if (h == "auto") opts.enter_hook = EnterHook::kAuto;
      else if (h == "tracepoint") opts.enter_hook = EnterHook::kTracepoint;
      else if (h == "btf") opts.enter_hook = EnterHook::kBtf;
      else ThrowType(env, "options.enterHook must be 'auto', 'tracepoint' or 'btf'");
    }
  }
  {
    Napi::Value v = o.Get("exitHook");
    if (!v.IsUndefined()) {
      const std::string h = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
      if (h == "auto") opts.exit_hook = ExitHook::kAuto;
      else if (h == "tracepoint") opts.exit_hook = ExitHook::kTracepoint;
      else if (h == "btf") opts.exit_hook = ExitHook::kBtf;
      else ThrowType(env, "options.exitHook must be 'auto', 'tracepoint' or 'btf'");
    }
  }
  DrainConfig dc;
  dc.batch_bytes = static_cast<size_t>(
      IntOption(env, o, "batchBytes", 1 << 20, kMinBatchBytes, kMaxBatchBytes));
  dc.max_queued = static_cast<size_t>(IntOption(env, o, "maxQueuedBatches", 4, 1, 1024));

  // engine: 'bpf' (default, the eBPF probe) or 'kmod' (the kernel module,
  // driver/kmod, already loaded). Both feed the same drain thread.
  std::string engine_name = "bpf";
  if (!o.Get("engine").IsUndefined()) {
    if (!o.Get("engine").IsString()) ThrowType(env, "options.engine must be 'bpf' or 'kmod'");
    engine_name = o.Get("engine").As<Napi::String>().Utf8Value();
    if (engine_name != "bpf" && engine_name != "kmod") ThrowRange(env, "options.engine must be 'bpf' or 'kmod'");
  }
  try {
    if (engine_name == "kmod")
      engine_ = std::make_unique<KmodEngine>(opts);
    else
      engine_ = std::make_unique<BpfEngine>(opts);
  } catch (const BpfError& e) {
    ThrowCode(env, e.code(), e.what(), e.verifier_log(), e.missing());
  } catch (const std::invalid_argument& e) {
    ThrowRange(env, e.what());
  } catch (const std::exception& e) {
    ThrowCode(env, engine_name == "kmod" ? "KMOD" : "BPF", e.what());
  }

  engine_->ConfigureDrain(&dc);
  enter_hook_ = engine_->enter_hook();
  exit_hook_ = engine_->exit_hook();
  try {
    std::unique_ptr<RingSource> reader = engine_->OpenRings();
    // Delivery to JS: the drain thread pokes the JS thread through a
    // thread-safe function. Our wrapper stays alive (Ref) until the function
    // is finalized, so the callback's `this` is always valid.
    tsfn_ = Napi::ThreadSafeFunction::New(
        env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "scap-ts-bpf-drain", 0, 1,
        this, [](Napi::Env, BpfCapture* self) { self->Unref(); });
    tsfn_live_ = true;
    Ref();
    tsfn_.Unref(env);
    drain_ = std::make_unique<DrainThread>(std::move(reader), dc, [this] {
      tsfn_.NonBlockingCall([this](Napi::Env cb_env, Napi::Function) { Deliver(cb_env); });
    });
    drain_->Start();
  } catch (const std::exception& e) {
    Shutdown(false);
    ThrowCode(env, "BPF", std::string("starting the drain thread: ") + e.what());
  }
  if (napi_add_env_cleanup_hook(env, EnvCleanup, this) == napi_ok) cleanup_hook_ = true;
}

BpfCapture::~BpfCapture() {
  Shutdown(false);
}

void BpfCapture::EnvCleanup(void* arg) {
  auto* self = static_cast<BpfCapture*>(arg);
  self->cleanup_hook_ = false;  // being run: nothing to remove
  self->Shutdown(true);
}

void BpfCapture::StopNative() {
  // Detach first (and wait for running programs), so that the counters read
  // below are final and the rings hold everything not yet handed over.
  if (engine_) engine_->Detach();
  if (drain_) drain_->Stop();
  std::lock_guard<std::mutex> lock(native_mu_);
  if (drain_) {
    discarded_ = drain_->Discarded();
    last_corrupt_ = drain_->corrupt_events();
  }
  drain_.reset();  // frees queued batches and unmaps the rings
  if (engine_) {
    last_counters_ = engine_->ReadCounters();
    engine_->Close();
  }
  engine_.reset();
}

void BpfCapture::JoinWorkers() {
  if (stopper_.joinable()) stopper_.join();
  if (closer_.joinable()) closer_.join();
}

void BpfCapture::Shutdown(bool env_teardown) {
  // A close() or stop() in progress ends first: then the rest is ours.
  JoinWorkers();
  if (finished_) return;
  finished_ = true;
  closed_ = true;
  StopNative();
  if (cleanup_hook_) {
    napi_remove_env_cleanup_hook(env_, EnvCleanup, this);
    cleanup_hook_ = false;
  }
  if (!env_teardown) {
    // Nobody will get a batch any more.
    Napi::Env env(env_);
    ResolveAllNull(env, pending_);
    for (Napi::Promise::Deferred& d : stop_waiters_) d.Resolve(env.Undefined());
    for (Napi::Promise::Deferred& d : close_waiters_) d.Resolve(env.Undefined());
  } else {
    pending_.clear();
  }
  stop_waiters_.clear();
  close_waiters_.clear();
  if (tsfn_live_) {
    tsfn_live_ = false;
    tsfn_.Release();  // its finalizer drops our self-reference
  }
}

Napi::Object BpfCapture::ToJs(Napi::Env env, std::unique_ptr<Batch> b) {
  Napi::Object out = BatchToJs(env, *b);
  delivered_ += b->offsets.size();
  batches_ += 1;
  if (drain_) drain_->Recycle(std::move(b));
  return out;
}

void BpfCapture::UpdateLoopRef(Napi::Env env) {
  // The loop stays alive while JS waits: for a batch, or for stop()/close() to finish.
  const bool waiting = !pending_.empty() || !stop_waiters_.empty() || !close_waiters_.empty();
  if (tsfn_live_) SetLoopRef(env, tsfn_, &tsfn_refed_, waiting);
}

std::unique_ptr<Batch> BpfCapture::Take(bool* ended) {
  *ended = false;
  if (closed_ || !drain_) return nullptr;
  // finished() before Pop(): the last batch is queued before finished is set.
  const bool finished = stopping_ && drain_->finished();
  std::unique_ptr<Batch> b = drain_->Pop();
  if (!b && finished) *ended = true;
  return b;
}

void BpfCapture::Deliver(Napi::Env env) {
  while (!pending_.empty()) {
    bool ended = false;
    std::unique_ptr<Batch> b = Take(&ended);
    if (ended) {
      Shutdown(false);  // resolves what is pending with null
      return;
    }
    if (!b) break;
    Napi::Promise::Deferred d = std::move(pending_.front());
    pending_.pop_front();
    d.Resolve(ToJs(env, std::move(b)));
  }
  UpdateLoopRef(env);
}

Napi::Value BpfCapture::NextBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
  if (closed_ || !drain_) {
    d.Resolve(env.Null());
    return d.Promise();
  }
  if (pending_.empty()) {
    bool ended = false;
    std::unique_ptr<Batch> b = Take(&ended);
    if (b) {
      d.Resolve(ToJs(env, std::move(b)));
      return d.Promise();
    }
    if (ended) {
      Shutdown(false);
      d.Resolve(env.Null());
      return d.Promise();
    }
  }
  Napi::Promise p = d.Promise();
  pending_.push_back(std::move(d));
  UpdateLoopRef(env);
  return p;
}

Napi::Value BpfCapture::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // A close() in progress may be tearing the engine down on its own thread.
  std::unique_lock<std::mutex> lock(native_mu_);
  const std::vector<CpuCounters> counters = engine_ ? engine_->ReadCounters() : last_counters_;
  const std::vector<uint64_t> corrupt = drain_ ? drain_->corrupt_events() : last_corrupt_;
  const std::vector<uint64_t> discarded = discarded_;
  lock.unlock();
  auto at = [](const std::vector<uint64_t>& v, uint32_t cpu) -> double {
    return cpu < v.size() ? static_cast<double>(v[cpu]) : 0;
  };
  Napi::Array cpus = Napi::Array::New(env, counters.size());
  for (size_t i = 0; i < counters.size(); i++) {
    const CpuCounters& c = counters[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("cpu", Napi::Number::New(env, c.cpu));
    o.Set("events", Napi::Number::New(env, static_cast<double>(c.events)));
    o.Set("dropsRingFull", Napi::Number::New(env, static_cast<double>(c.drops_ring_full)));
    o.Set("dropsTooLarge", Napi::Number::New(env, static_cast<double>(c.drops_too_large)));
    o.Set("dropsNoRing", Napi::Number::New(env, static_cast<double>(c.drops_no_ring)));
    o.Set("readFaults", Napi::Number::New(env, static_cast<double>(c.read_faults)));
    o.Set("corrupt", Napi::Number::New(env, at(corrupt, c.cpu)));
    o.Set("discardedAtClose", Napi::Number::New(env, at(discarded, c.cpu)));
    cpus.Set(static_cast<uint32_t>(i), o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("cpus", cpus);
  out.Set("delivered", Napi::Number::New(env, static_cast<double>(delivered_)));
  out.Set("batches", Napi::Number::New(env, static_cast<double>(batches_)));
  out.Set("state", Napi::String::New(env, closed_ ? "closed" : stopping_ ? "stopping" : "running"));
  if (enter_hook_.empty()) {
    out.Set("enterHook", env.Null());
  } else {
    out.Set("enterHook", Napi::String::New(env, enter_hook_));
  }
  if (exit_hook_.empty()) {
    out.Set("exitHook", env.Null());
  } else {
    out.Set("exitHook", Napi::String::New(env, exit_hook_));
  }
  return out;
}

Napi::Value BpfCapture::Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
  if (closed_ || stopping_ || !engine_ || !drain_ || !tsfn_live_) {
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  stopping_ = true;
  stop_waiters_.push_back(d);
  UpdateLoopRef(env);
  // Waiting for running programs is an RCU grace period: not on the JS thread.
  // The drain thread goes on delivering meanwhile.
  stopper_ = std::thread([this] {
    engine_->Detach();
    drain_->Finish();  // its last on_ready_ resolves what waits for batches
    tsfn_.NonBlockingCall([this](Napi::Env cb_env, Napi::Function) { StopDone(cb_env); });
  });
  return d.Promise();
}

void BpfCapture::StopDone(Napi::Env env) {
  if (stopper_.joinable()) stopper_.join();
  for (Napi::Promise::Deferred& d : stop_waiters_) d.Resolve(env.Undefined());
  stop_waiters_.clear();
  UpdateLoopRef(env);
}

Napi::Value BpfCapture::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
  if (finished_) {
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  close_waiters_.push_back(d);
  if (closed_) return d.Promise();  // closing already: resolved with the first
  closed_ = true;
  // Nobody will get a batch any more.
  ResolveAllNull(env, pending_);
  if (!tsfn_live_) {
    Shutdown(false);
    return d.Promise();
  }
  UpdateLoopRef(env);
  // Detaching (a grace period per hook) and joining the drain thread: on a
  // thread of their own; Shutdown() finishes on the JS thread.
  closer_ = std::thread([this] {
    if (stopper_.joinable()) stopper_.join();
    StopNative();
    tsfn_.NonBlockingCall([this](Napi::Env cb_env, Napi::Function) {
      (void)cb_env;
      Shutdown(false);
    });
  });
  return d.Promise();
}

}  // namespace scap_ts
