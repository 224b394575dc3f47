// `PtraceCapture`: the ptrace engine (ptrace_engine.h) as a JS class, with
// the same shape as BpfCapture.
//
//   new PtraceCapture(options: {
//     command?: string[],        // launch this (argv[0] looked up in PATH) ...
//     pid?: number,              // ... or attach to this process (every thread)
//     env?: string[],            // launch: "K=V" list (default: this process's)
//     cwd?: string,              // launch: working directory
//     stdio?: number[],          // launch: fds for the child's 0, 1, 2 (-1: inherit)
//     full?: boolean,            // emit every syscall (default false: the covered ones)
//     killOnClose?: boolean,     // launch: kill on close (default true) or detach
//     seccomp?: boolean,         // launch: use the seccomp filter when allowed (default true)
//     snaplen?: number,          // 0..65000 (default 80)
//     batchBytes?: number,       // >= 64 KiB (default 1 MiB)
//     maxQueuedBatches?: number, // 1..1024 (default 4)
//   })
//     Starts the tracer; returns once the program runs under it. Throws an
//     Error with `.code` 'PERMISSION' | 'NOT_FOUND' | 'PTRACE' and `.errno`.
//
//   nextBatch(): Promise<{ data, offsets, cpus, count } | null>
//     As BpfCapture's; resolves null once closed, or once every traced task
//     is gone and every batch was handed out.
//   stats(): { events, syscallStops, readFaults, tracees, delivered, batches,
//              pid, seccomp, exit: { code, signal } | null }
//   close(): kills or detaches (see killOnClose), stops the tracer. Idempotent.
#pragma once

#include <napi.h>

#include <cstdint>
#include <deque>
#include <atomic>
#include <memory>

#include "ptrace_engine.h"

namespace scap_ts {

class PtraceCapture : public Napi::ObjectWrap<PtraceCapture> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit PtraceCapture(const Napi::CallbackInfo& info);
  ~PtraceCapture() override;

 private:
  Napi::Value NextBatch(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void Shutdown(bool env_teardown);
  void Deliver(Napi::Env env);
  void UpdateLoopRef(Napi::Env env);
  Napi::Object ToJs(Napi::Env env, std::unique_ptr<Batch> batch);
  static void EnvCleanup(void* arg);

  napi_env env_ = nullptr;
  std::unique_ptr<PtraceEngine> engine_;
  std::shared_ptr<std::atomic<bool>> ready_flag_;
  Napi::ThreadSafeFunction tsfn_;
  bool tsfn_live_ = false;
  bool tsfn_refed_ = false;
  bool cleanup_hook_ = false;
  bool closed_ = false;
  std::deque<Napi::Promise::Deferred> pending_;
  PtraceCounters last_counters_;
  ExitStatus last_exit_;
  bool seccomp_ = false;
  int64_t pid_ = 0;
  uint64_t delivered_ = 0;
  uint64_t batches_ = 0;
};

}  // namespace scap_ts
