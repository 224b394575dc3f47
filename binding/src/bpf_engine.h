// The eBPF capture engine: opens, configures, loads and attaches the CO-RE
// probe (driver/bpf, embedded as a bpftool skeleton) and owns its maps and
// links. Plain C++ (no Node-API); bpf_capture.cc exposes it to JS.
//
// Load sequence:
//   0. choose the exit hook (ExitHook) and open the perf events it needs;
//   1. preflight: kernel BTF present, capabilities (CAP_BPF + CAP_PERFMON or
//      CAP_SYS_ADMIN), RLIMIT_MEMLOCK raised if allowed (BPF memory is
//      memcg-accounted since 5.11, so failing to raise it is only a warning);
//   2. open the skeleton; size the per-CPU maps to the possible CPUs; give the
//      ring array an inner-map template of the requested size;
//   3. load (verifier); libbpf's log is captured for errors;
//   4. write settings, the interesting-syscalls table (off / generic event
//      written by the dispatcher / tail call to a filler) and the tgid filter;
//      fill the tail-call tables from the x86_64 syscall table and the filler
//      registry (driver/bpf/fillers.def); create one
//      ring per possible CPU and put them in the ring array;
//   5. attach sched_process_exit, signal_deliver, (only when one of their
//      syscalls is captured) sched_process_exec and the enter events (the
//      syscall events' perf tracepoints, else sys_enter), (only when asked)
//      sched_switch, and the exit hook: sys_exit, or the sys_exit events of
//      the captured syscalls.
//
// The exit hook is chosen before loading (step 0), because only its programs
// are loaded: every filler exists for both hooks (driver/bpf/sys_exit.h), and
// verifying both sets would double the load time. The captured set is fixed
// for the engine's life (no runtime change): the tracepoints attached are
// those of the set given at construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "live_engine.h"

struct scap_probe;
struct bpf_link;

namespace scap_ts {

// How the TOCTOU enter events (open, openat, openat2, creat, connect) are hooked.
enum class EnterHook {
  kAuto,        // the syscall events' perf tracepoints when tracefs can be had, else kBtf
  kTracepoint,  // the perf tracepoints, or fail
  kBtf,         // tp_btf/sys_enter: a dispatcher run for every syscall
};

// How the exit events are hooked.
enum class ExitHook {
  kAuto,        // kTracepoint when at most 16 syscalls are captured and every
                // one has its event (see PlanExitHook), else kBtf
  kTracepoint,  // the syscall events' perf tracepoints (syscalls:sys_exit_<name>)
                // of the captured syscalls, or fail
  kBtf,         // tp_btf/sys_exit: a dispatcher run for every syscall
};

struct BpfOptions {
  uint64_t buffer_bytes_per_cpu = 8ull << 20;  // power of two, page multiple
  uint32_t snaplen = 80;
  bool drop_failed = false;
  std::optional<std::vector<uint32_t>> syscalls;  // native ids; nullopt = all
  std::vector<uint32_t> tgids;                    // empty = all processes
  bool include_self = false;
  bool sched_switch = false;  // attach sched_switch (PPME_SCHEDSWITCH_6_E)
  EnterHook enter_hook = EnterHook::kAuto;
  ExitHook exit_hook = ExitHook::kAuto;
};

// A load/attach failure. code(): "PERMISSION", "UNSUPPORTED", "VERIFIER" or "BPF".
class BpfError : public std::runtime_error {
 public:
  BpfError(std::string code, const std::string& message, std::string verifier_log = {},
           std::vector<std::string> missing = {})
      : std::runtime_error(message),
        code_(std::move(code)),
        verifier_log_(std::move(verifier_log)),
        missing_(std::move(missing)) {}
  const std::string& code() const { return code_; }
  // VERIFIER: the verifier's log of the rejected program.
  const std::string& verifier_log() const { return verifier_log_; }
  // PERMISSION: the missing capabilities, e.g. {"CAP_PERFMON"}.
  const std::vector<std::string>& missing() const { return missing_; }

 private:
  std::string code_;
  std::string verifier_log_;
  std::vector<std::string> missing_;
};

class BpfEngine final : public LiveEngine {
 public:
  // Opens, loads and attaches. Throws BpfError (or std::invalid_argument for
  // bad options).
  explicit BpfEngine(const BpfOptions& options);
  ~BpfEngine() override;
  BpfEngine(const BpfEngine&) = delete;
  BpfEngine& operator=(const BpfEngine&) = delete;

  // Stops every program from capturing (settings.stopped, which they all
  // check before writing or counting anything) and waits until none is still
  // running (an RCU grace period: the programs run under rcu_read_lock), so
  // that nothing is written to the rings or counted any more. Idempotent.
  // Programs, maps and rings stay until Close(): detaching a syscall perf
  // tracepoint makes the kernel wait for an RCU tasks-trace grace period,
  // one event after the other (~70 ms each here), which a graceful stop
  // should not wait for.
  void Detach() override;

  // Detaches and frees everything (idempotent); with the tracepoint hooks
  // that takes ~70 ms per syscall event attached. Ring fds become invalid:
  // stop any reader first.
  void Close() override;
  bool closed() const { return skel_ == nullptr; }

  // One ring per possible CPU, index = CPU.
  const std::vector<int>& ring_fds() const { return ring_fds_; }
  uint64_t ring_bytes() const { return ring_bytes_; }
  // ns since the epoch at boot; event ts = boot_time_ns() + CLOCK_BOOTTIME.
  uint64_t boot_time_ns() const { return boot_time_ns_; }
  // Set when raising RLIMIT_MEMLOCK failed (not fatal).
  const std::string& memlock_warning() const { return memlock_warning_; }
  // How the enter events are hooked: "tracepoint", "btf", or "" (none wanted).
  std::string enter_hook() const override { return enter_hook_; }
  // How the exit events are hooked: "tracepoint" or "btf".
  std::string exit_hook() const override { return exit_hook_; }

  // Per-CPU counters read from the probe's counters map.
  std::vector<CpuCounters> ReadCounters() const override;
  std::unique_ptr<RingSource> OpenRings() override;
  void ConfigureDrain(DrainConfig* dc) const override;

 private:
  void PlanExitHook(const BpfOptions& options);
  void Load(const BpfOptions& options);
  void Configure(const BpfOptions& options);
  void FillTailCalls();
  void CreateRings();
  void Attach(const BpfOptions& options);

  scap_probe* skel_ = nullptr;
  std::vector<bpf_link*> links_;
  std::vector<int> ring_fds_;
  int template_ring_fd_ = -1;
  uint64_t ring_bytes_ = 0;
  int ncpus_ = 0;
  uint64_t boot_time_ns_ = 0;
  std::string memlock_warning_;
  bool stopped_ = false;
  std::string enter_hook_;
  std::string exit_hook_;
  // Tracepoint exit hook: (syscall id, perf event fd of its sys_exit event),
  // opened by PlanExitHook; an fd moves into its link once attached.
  std::vector<std::pair<uint32_t, int>> exit_events_;
};

// ns since the epoch at boot (CLOCK_REALTIME - CLOCK_BOOTTIME, best of a few samples).
uint64_t BootTimeNs();

}  // namespace scap_ts
