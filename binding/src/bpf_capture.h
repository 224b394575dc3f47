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
//                                  // (driver/kmod, loaded: /dev/scapN); the module has
//                                  // no tgids filter nor schedSwitch (UNSUPPORTED)
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
//   stats(): { cpus: Array<{ cpu, events, dropsRingFull, dropsTooLarge, readFaults }>,
//              delivered: number, batches: number }
//     Kernel-side counters per CPU (events = events the probe tried to emit;
//     drops by cause; params left empty because user memory could not be read)
//     and the events / batches handed to JS so far. After close(): the last
//     counters read.
//
//   close(): void
//     Idempotent. Stops the drain thread, detaches the probe, frees the rings;
//     pending nextBatch() calls resolve null. Also done automatically when the
//     Node environment exits.
#pragma once

#include <napi.h>

#include <cstdint>
#include <deque>
#include <memory>
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
  Napi::Value Close(const Napi::CallbackInfo& info);

  // Stops everything native. From the env cleanup hook no JS may run.
  void Shutdown(bool env_teardown);
  // On the JS thread: resolve pending nextBatch() calls with ready batches.
  void Deliver(Napi::Env env);
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
  bool closed_ = false;
  std::deque<Napi::Promise::Deferred> pending_;
  std::vector<CpuCounters> last_counters_;
  uint64_t delivered_ = 0;
  uint64_t batches_ = 0;
};

}  // namespace scap_ts
