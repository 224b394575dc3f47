// PtraceCapture: the JS class over PtraceEngine (API in ptrace_capture.h).
#include "ptrace_capture.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include <linux/types.h>

#include "batch_js.h"
#include "napi_options.h"
#include "shared.h"

namespace scap_ts {

void PtraceCapture::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "PtraceCapture",
                                    {
                                        InstanceMethod<&PtraceCapture::NextBatch>("nextBatch"),
                                        InstanceMethod<&PtraceCapture::Stats>("stats"),
                                        InstanceMethod<&PtraceCapture::Close>("close"),
                                    });
  exports.Set("PtraceCapture", ctor);
}

PtraceCapture::PtraceCapture(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PtraceCapture>(info) {
  Napi::Env env = info.Env();
  env_ = env;
  if (info.Length() < 1 || !info[0].IsObject()) ThrowType(env, "options must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  PtraceOptions opts;
  opts.argv = StringArrayOption(env, o, "command");
  opts.pid = static_cast<pid_t>(IntOption(env, o, "pid", 0, 0, 4194304));
  if (opts.argv.empty() == (opts.pid == 0)) ThrowType(env, "exactly one of options.command (non-empty) and options.pid is needed");
  if (!o.Get("env").IsUndefined()) {
    opts.env = StringArrayOption(env, o, "env");
    opts.env_set = true;
  }
  Napi::Value cwd = o.Get("cwd");
  if (!cwd.IsUndefined()) {
    if (!cwd.IsString()) ThrowType(env, "options.cwd must be a string");
    opts.cwd = cwd.As<Napi::String>().Utf8Value();
  }
  Napi::Value stdio = o.Get("stdio");
  if (!stdio.IsUndefined()) {
    if (!stdio.IsArray() || stdio.As<Napi::Array>().Length() > 3) ThrowType(env, "options.stdio must be an array of up to 3 fds");
    Napi::Array a = stdio.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value e = a.Get(i);
      if (!e.IsNumber()) ThrowType(env, "options.stdio must hold numbers");
      opts.stdio[i] = e.As<Napi::Number>().Int32Value();
    }
  }
  opts.full = BoolOption(env, o, "full", false);
  opts.kill_on_close = BoolOption(env, o, "killOnClose", true);
  opts.seccomp = BoolOption(env, o, "seccomp", true);
  opts.snaplen = static_cast<uint32_t>(IntOption(env, o, "snaplen", 80, 0, SCAP_MAX_SNAPLEN));
  opts.batch_bytes = static_cast<size_t>(IntOption(env, o, "batchBytes", 1 << 20, 64 * 1024, 1ull << 30));
  opts.max_queued = static_cast<size_t>(IntOption(env, o, "maxQueuedBatches", 4, 1, 1024));

  // The engine starts first: when it fails, nothing refers to this object.
  // Its notifications reach JS only once the thread-safe function exists;
  // what it queued before is found by nextBatch() itself.
  auto ready = std::make_shared<std::atomic<bool>>(false);
  ready_flag_ = ready;
  try {
    engine_ = std::make_unique<PtraceEngine>(opts, [this, ready] {
      if (ready->load()) tsfn_.NonBlockingCall([this](Napi::Env e, Napi::Function) { Deliver(e); });
    });
    engine_->Start();
  } catch (const PtraceError& e) {
    engine_.reset();
    closed_ = true;
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Set("code", Napi::String::New(env, e.code()));
    err.Set("errno", Napi::Number::New(env, e.errnum()));
    throw err;
  } catch (const std::invalid_argument& e) {
    engine_.reset();
    closed_ = true;
    ThrowRange(env, e.what());
  } catch (const std::exception& e) {
    engine_.reset();
    closed_ = true;
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Set("code", Napi::String::New(env, "PTRACE"));
    throw err;
  }
  tsfn_ = Napi::ThreadSafeFunction::New(
      env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "scap-ts-ptrace", 0, 1, this,
      [](Napi::Env, PtraceCapture* self) { self->Unref(); });
  tsfn_live_ = true;
  Ref();
  tsfn_.Unref(env);
  ready->store(true);
  seccomp_ = engine_->seccomp_active();
  pid_ = engine_->launched_pid() ? engine_->launched_pid() : opts.pid;
  if (napi_add_env_cleanup_hook(env, EnvCleanup, this) == napi_ok) cleanup_hook_ = true;
}

PtraceCapture::~PtraceCapture() { Shutdown(false); }

void PtraceCapture::EnvCleanup(void* arg) {
  auto* self = static_cast<PtraceCapture*>(arg);
  self->cleanup_hook_ = false;
  self->Shutdown(true);
}

void PtraceCapture::Shutdown(bool env_teardown) {
  if (closed_) return;
  closed_ = true;
  if (ready_flag_) ready_flag_->store(false);
  if (engine_) {
    engine_->Stop();
    last_counters_ = engine_->counters();
    last_exit_ = engine_->exit_status();
  }
  engine_.reset();
  if (cleanup_hook_) {
    napi_remove_env_cleanup_hook(env_, EnvCleanup, this);
    cleanup_hook_ = false;
  }
  if (!env_teardown) {
    Napi::Env env(env_);
    ResolveAllNull(env, pending_);
  } else {
    pending_.clear();
  }
  if (tsfn_live_) {
    tsfn_live_ = false;
    tsfn_.Release();
  }
}

Napi::Object PtraceCapture::ToJs(Napi::Env env, std::unique_ptr<Batch> b) {
  delivered_ += b->offsets.size();
  batches_ += 1;
  return BatchToJs(env, *b);
}

void PtraceCapture::UpdateLoopRef(Napi::Env env) {
  if (tsfn_live_) SetLoopRef(env, tsfn_, &tsfn_refed_, !pending_.empty());
}

void PtraceCapture::Deliver(Napi::Env env) {
  while (!pending_.empty() && engine_) {
    std::unique_ptr<Batch> b = engine_->Pop();
    if (!b) {
      if (engine_->Done()) {
        // The traced program is gone and everything was handed out.
        ResolveAllNull(env, pending_);
      }
      break;
    }
    Napi::Promise::Deferred d = std::move(pending_.front());
    pending_.pop_front();
    d.Resolve(ToJs(env, std::move(b)));
  }
  UpdateLoopRef(env);
}

Napi::Value PtraceCapture::NextBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
  if (closed_ || !engine_) {
    d.Resolve(env.Null());
    return d.Promise();
  }
  if (pending_.empty()) {
    if (std::unique_ptr<Batch> b = engine_->Pop()) {
      d.Resolve(ToJs(env, std::move(b)));
      return d.Promise();
    }
    if (engine_->Done()) {
      d.Resolve(env.Null());
      return d.Promise();
    }
  }
  Napi::Promise p = d.Promise();
  pending_.push_back(std::move(d));
  UpdateLoopRef(env);
  // A batch or the end may have come between the look and the queueing.
  Deliver(env);
  return p;
}

Napi::Value PtraceCapture::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const PtraceCounters c = engine_ ? engine_->counters() : last_counters_;
  const ExitStatus x = engine_ ? engine_->exit_status() : last_exit_;
  Napi::Object out = Napi::Object::New(env);
  out.Set("events", Napi::Number::New(env, static_cast<double>(c.events)));
  out.Set("syscallStops", Napi::Number::New(env, static_cast<double>(c.syscall_stops)));
  out.Set("readFaults", Napi::Number::New(env, static_cast<double>(c.read_faults)));
  out.Set("tracees", Napi::Number::New(env, static_cast<double>(c.tracees)));
  out.Set("delivered", Napi::Number::New(env, static_cast<double>(delivered_)));
  out.Set("batches", Napi::Number::New(env, static_cast<double>(batches_)));
  out.Set("pid", Napi::Number::New(env, static_cast<double>(pid_)));
  out.Set("seccomp", Napi::Boolean::New(env, seccomp_));
  if (x.exited) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("code", x.code >= 0 ? Napi::Value(Napi::Number::New(env, x.code)) : env.Null());
    e.Set("signal", x.signal ? Napi::Value(Napi::Number::New(env, x.signal)) : env.Null());
    out.Set("exit", e);
  } else {
    out.Set("exit", env.Null());
  }
  return out;
}

Napi::Value PtraceCapture::Close(const Napi::CallbackInfo& info) {
  Shutdown(false);
  return info.Env().Undefined();
}

}  // namespace scap_ts
