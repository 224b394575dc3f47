// `BpfCapture`: live capture with the eBPF probe, as a JS class.
//
// JS API (the raw addon; lib/ wraps it):
//
//   new BpfCapture(options?: {
//     bufferBytesPerCpu?: number,  // ring buffer per CPU; power of two, >= 2 pages,
//                                  // <= 1 GiB (default 8 MiB)
//     snaplen?: number,            // bytes of I/O data kept per event, 0..65000 (default 80)
//     dropFailed?: boolean,        // skip syscalls that returned < 0 (default false)
//     syscalls?: number[],         // native x86_64 syscall numbers (0..511) to capture;
//                                  // default all. procexit and signaldeliver (the
//                                  // signal_deliver tracepoint) are always captured.
//     tgids?: number[],            // capture only these processes (default all; max 4096)
//     includeSelf?: boolean,       // also capture this process's syscalls (default false)
//     schedSwitch?: boolean,       // attach the sched_switch tracepoint: one `switch`
//                                  // event (PPME_SCHEDSWITCH_6_E: next, page faults and
//                                  // memory of the task switched out) per context switch
//                                  // of a captured task. Default false: it is by far the
//                                  // busiest source of events.
//     engine?: 'bpf' | 'kmod',     // the eBPF probe (default) or the kernel module
//                                  // (driver/kmod, loaded: /dev/scapN), with the same
//                                  // options and events
//     enterHook?: 'auto' | 'tracepoint' | 'btf',
//                                  // how the TOCTOU enter events (open, openat, openat2,
//                                  // creat, connect) are hooked, when one of them is
//                                  // captured. 'tracepoint': a perf tracepoint program per
//                                  // syscall event (syscalls:sys_enter_<name>), so that
//                                  // other syscalls only cost the kernel a bitmap test; the
//                                  // events' ids come from tracefs (mounted privately, in a
//                                  // mount namespace of a short-lived thread, when it is not
//                                  // mounted). 'btf': tp_btf/sys_enter, a BPF program run
//                                  // for every syscall. 'auto' (default): 'tracepoint' when
//                                  // possible, else 'btf'.
//     exitHook?: 'auto' | 'tracepoint' | 'btf',
//                                  // how the exit events are hooked. 'tracepoint': one
//                                  // perf tracepoint program per captured syscall's event
//                                  // (syscalls:sys_exit_<name>), so that syscalls not
//                                  // captured only cost the kernel a bitmap test; captured
//                                  // syscalls without an event (not wired in the kernel's
//                                  // 64-bit table: calls that only fail with ENOSYS) are
//                                  // left out; close() takes ~70 ms per event attached.
//                                  // 'btf': tp_btf/sys_exit, a BPF program run for every
//                                  // syscall. 'auto' (default): 'tracepoint' when every
//                                  // captured syscall has its event and they are at most 16,
//                                  // else 'btf' (the same events either way).
//                                  // The syscalls captured are fixed for the capture's life.
//     batchBytes?: number,         // batch buffer size, >= 64 KiB (default 1 MiB)
//     maxQueuedBatches?: number,   // batches waiting for JS before draining stops,
//                                  // 1..1024 (default 4)
//   })
//     Opens, loads and attaches the probe and starts the drain thread. Throws an
//     Error with `.code`:
//       'PERMISSION'   missing capabilities; `.missing` lists them (e.g. ['CAP_PERFMON'])
//       'UNSUPPORTED'  no kernel BTF, no BPF ring buffers
//       'VERIFIER'     the verifier rejected a program; `.verifierLog` has its log
//       'BPF'          any other libbpf/bpf(2) failure
//     and TypeError / RangeError for bad options.
//
//   nextBatch(): Promise<{ data: ArrayBuffer, offsets: Uint32Array,
//                          cpus: Uint16Array, count: number } | null>
//     The next batch of events in timestamp order, waiting if none is ready:
//     `count` scap events (26-byte header + params) back to back in `data`,
//     event i at byte offsets[i], from CPU cpus[i]. Resolves null once closed.
//     Several calls may be pending; they resolve in order. A pending call keeps
//     the event loop alive; an idle capture does not.
//
//   stats(): { cpus: Array<{ cpu, events, dropsRingFull, dropsTooLarge, dropsNoRing,
//                            readFaults, corrupt, discardedAtClose }>,
//              delivered: number, batches: number, state: 'running' | 'stopping' | 'closed',
//              enterHook: 'tracepoint' | 'btf' | null, exitHook: 'tracepoint' | 'btf' | null }
//     Per CPU: kernel-side counters (events = events the probe tried to emit;
//     drops by cause: ring full, over 64 KiB, no ring for the CPU; params left
//     empty because user memory could not be read), events the drain thread
//     found corrupt and skipped (should stay 0), and events discarded by
//     close(): still in the ring, or in a batch not yet handed to JS.
//     delivered / batches: events and batches handed to JS so far. Every event
//     is accounted for: once closed, on every CPU
//       events = delivered from that CPU + dropsRingFull + dropsTooLarge
//                + dropsNoRing + corrupt + discardedAtClose.
//     Once close() resolved: the last figures, taken with the probe detached.
//     enterHook: how the enter events are hooked (null: none is captured).
//     exitHook: how the exit events are hooked (null: the kernel module).
//
//   stop(): Promise<void>
//     Graceful end. Stops the probe (every program checks a stop flag first),
//     waits until no program is still running, off the JS thread, and
//     resolves then: nothing new is captured from then on. The programs stay
//     attached, idle, until everything is freed. The events already in the
//     rings keep coming through nextBatch(), which resolves null once the last
//     one was delivered (then everything is freed, as by close()).
//     discardedAtClose stays 0 unless close() comes before the end. Idempotent.
//
//   close(): Promise<void>
//     Idempotent. At once: pending and later nextBatch() calls resolve null.
//     Then, off the JS thread (each detach waits for an RCU grace period:
//     55-85 ms a hook on these VMs): detaches the probe, stops the drain
//     thread, frees the rings, and counts the events not delivered
//     (discardedAtClose); resolves when done. Done synchronously when the
//     Node environment exits or the object is collected.
#pragma once

#include <napi.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bpf_engine.h"
#include "drain_thread.h"

namespace scap_ts {

class BpfCapture : public Napi::ObjectWrap<BpfCapture> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);

  explicit BpfCapture(const Napi::CallbackInfo& info);
  ~BpfCapture() override;

 private:
  Napi::Value NextBatch(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  // Stops everything native and settles what JS waits for. From the env
  // cleanup hook no JS may run.
  void Shutdown(bool env_teardown);
  // Detaches, stops the drain thread, keeps the final counters, frees the
  // engine: the slow part of closing, run on the closer thread by close().
  void StopNative();
  void JoinWorkers();
  // On the JS thread once stop()'s detach is over.
  void StopDone(Napi::Env env);
  // On the JS thread: resolve pending nextBatch() calls with ready batches.
  void Deliver(Napi::Env env);
  // The next batch for JS, or nullptr; after stop(), ends the capture (and
  // sets *ended) once the drain thread finished and its last batch was taken.
  std::unique_ptr<Batch> Take(bool* ended);
  void UpdateLoopRef(Napi::Env env);
  Napi::Object ToJs(Napi::Env env, std::unique_ptr<Batch> batch);
  static void EnvCleanup(void* arg);

  napi_env env_ = nullptr;
  std::unique_ptr<LiveEngine> engine_;
  std::unique_ptr<DrainThread> drain_;
  Napi::ThreadSafeFunction tsfn_;
  bool tsfn_live_ = false;
  bool tsfn_refed_ = false;
  bool cleanup_hook_ = false;
  bool closed_ = false;    // no batch is handed out any more (close() called)
  bool finished_ = false;  // and everything native is stopped and freed
  bool stopping_ = false;
  std::deque<Napi::Promise::Deferred> pending_;
  std::vector<Napi::Promise::Deferred> stop_waiters_;
  std::vector<Napi::Promise::Deferred> close_waiters_;
  std::thread stopper_;  // stop()'s detach
  std::thread closer_;   // close()'s StopNative()
  // Guards engine_, drain_ and the last_* figures while the closer thread frees them.
  std::mutex native_mu_;
  std::vector<CpuCounters> last_counters_;
  std::vector<uint64_t> discarded_;      // per CPU, set by Shutdown()
  std::vector<uint64_t> last_corrupt_;   // per CPU, set by Shutdown()
  std::string enter_hook_;
  std::string exit_hook_;
  uint64_t delivered_ = 0;
  uint64_t batches_ = 0;
};

}  // namespace scap_ts
