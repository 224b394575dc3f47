// The ptrace engine: a userspace driver for hosts where the kernel is off
// limits (no eBPF, no module), in the spirit of Falco's pdig. One tracer
// thread launches a command (or attaches to a running process), follows every
// child and thread, and turns syscall stops into scap events with the same
// codes and params as the eBPF probe (driver/bpf) for the syscalls it covers.
//
// Mechanisms:
// - seccomp (launch mode, the default): the child installs a seccomp-bpf
//   filter before its execve that returns SECCOMP_RET_TRACE for the covered
//   syscalls only and SECCOMP_RET_ALLOW for the rest, which then run at full
//   speed. A traced syscall stops at entry (PTRACE_EVENT_SECCOMP); the tracer
//   resumes it with PTRACE_SYSCALL to get its exit stop, then PTRACE_CONT.
// - syscall stops (attach mode, full mode, and launches that must stay
//   detachable): PTRACE_SYSCALL everywhere, entry and exit of every syscall.
//   A seccomp filter cannot be removed, and once its tracer is gone every
//   SECCOMP_RET_TRACE syscall fails with ENOSYS; so a process that is to keep
//   running after the capture never gets one.
// Children and threads are followed with PTRACE_O_TRACECLONE/FORK/VFORK,
// execs and exits are seen with PTRACE_O_TRACEEXEC/EXIT; every tracee is
// PTRACE_SEIZEd (directly or by inheritance), so PTRACE_INTERRUPT can stop it
// for a clean detach.
//
// User memory is read with process_vm_readv; process facts (cwd, cgroups,
// memory, credentials) come from /proc; socket addresses from a copy of the
// tracee's fd (pidfd_getfd, Linux >= 5.6). PTRACE_GET_SYSCALL_INFO (Linux >=
// 5.3) gives syscall numbers, arguments and results.
//
// Events go into batches (Batch, as the eBPF drain thread builds them) that
// JS pops; a second thread closes a batch that has been open flush_ms. When
// max_queued batches wait, the tracer blocks, and with it the tracees: no
// event is ever dropped.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "drain_thread.h"

namespace scap_ts {

struct PtraceOptions {
  // Launch: argv (argv[0] is looked up in PATH), env ("K=V"), cwd ("" = ours),
  // stdio fds for the child's 0, 1, 2 (-1 = inherit ours).
  std::vector<std::string> argv;
  std::vector<std::string> env;
  bool env_set = false;
  std::string cwd;
  int stdio[3] = {-1, -1, -1};
  // Attach: a running process (all its threads).
  pid_t pid = 0;
  // Emit every syscall (covered ones with their events, the others as
  // GENERIC_X); traces with syscall stops.
  bool full = false;
  // Launch mode: on close, kill the launched program and its descendants
  // (true) or detach and leave them running (false, which means no seccomp
  // filter). Attached processes are always detached.
  bool kill_on_close = true;
  // Launch mode: use the seccomp filter when allowed (see above).
  bool seccomp = true;
  uint32_t snaplen = 80;
  size_t batch_bytes = 1 << 20;
  size_t max_queued = 4;
  uint32_t flush_ms = 20;
};

// code: 'PERMISSION' (ptrace or seccomp denied), 'NOT_FOUND' (no such
// process or program), 'PTRACE' (anything else). `errnum` is the errno.
class PtraceError : public std::runtime_error {
 public:
  PtraceError(std::string code, int errnum, const std::string& msg)
      : std::runtime_error(msg), code_(std::move(code)), errnum_(errnum) {}
  const std::string& code() const { return code_; }
  int errnum() const { return errnum_; }

 private:
  std::string code_;
  int errnum_;
};

struct PtraceCounters {
  uint64_t events = 0;        // events written
  uint64_t syscall_stops = 0; // seccomp, entry and exit stops handled
  uint64_t read_faults = 0;   // params left empty: tracee memory unreadable
  uint64_t tracees = 0;       // tasks traced so far
};

struct ExitStatus {
  bool exited = false;
  int code = -1;    // exit code, or -1 when killed
  int signal = 0;   // killing signal, or 0
};

class PtraceEngine {
 public:
  // `on_ready` runs on the tracer or flusher thread after a batch was queued
  // or once the tracer has finished.
  PtraceEngine(PtraceOptions options, std::function<void()> on_ready);
  ~PtraceEngine();
  PtraceEngine(const PtraceEngine&) = delete;
  PtraceEngine& operator=(const PtraceEngine&) = delete;

  // Starts the tracer thread and waits until the program runs under it (or
  // the attach is done). Throws PtraceError.
  void Start();
  // Kills or detaches, stops the threads (idempotent). Queued batches stay.
  void Stop();

  std::unique_ptr<Batch> Pop();
  // True once the tracer has finished (no tracee left, or stopped) and every
  // batch has been popped.
  bool Done();

  PtraceCounters counters();
  ExitStatus exit_status();
  pid_t launched_pid() const { return root_pid_; }
  bool seccomp_active() const { return use_seccomp_; }

  // Everything below runs on the tracer thread only; public for the helpers
  // in ptrace_engine.cc.
  struct Tracee;

 private:
  void Run();
  void ReportStarted();
  void LaunchSettled(bool gone);
  void Launch();
  void Attach();
  void Loop();
  void Shutdown();
  void HandleStop(pid_t tid, int status);
  void HandleGone(pid_t tid, int status);
  void Resume(Tracee& t, int sig = 0);
  Tracee& Add(pid_t tid, pid_t tgid);
  void OnEnter(Tracee& t, long nr, const uint64_t* args);
  void OnExit(Tracee& t, int64_t ret);
  void NewChildReady(Tracee& child);

  // Event output (tracer thread).
  void Emit(const std::vector<uint8_t>& ev);
  void FlushLoop();
  void QueueLocked();

  PtraceOptions opts_;
  std::function<void()> on_ready_;
  bool use_seccomp_ = false;
  bool emit_all_ = false;
  std::vector<uint8_t> covered_;  // native nr -> 1 when we emit its own events

  std::thread tracer_;
  std::thread flusher_;
  pid_t tracer_tid_ = 0;
  pid_t root_pid_ = 0;
  int waker_fd_ = -1;   // write end: closing it wakes the tracer
  pid_t waker_pid_ = 0;
  int err_fd_ = -1;     // launch: the child's setup-failure pipe

  // Start handshake.
  std::mutex start_mu_;
  std::condition_variable start_cv_;
  bool started_ = false;
  std::optional<PtraceError> start_error_;

  // Tracer state.
  std::map<pid_t, std::unique_ptr<Tracee>> tracees_;
  struct ChildInfo {
    uint16_t type;   // clone-family exit event
    uint32_t flags;  // PPM_CL_*
    pid_t parent;
  };
  std::map<pid_t, ChildInfo> children_;  // announced by the parent, first stop not seen
  std::set<pid_t> early_;                // first stop seen before the parent's event
  std::map<pid_t, int> pidfds_;          // tgid -> pidfd (socket lookups)
  std::atomic<bool> stop_{false};
  bool emitting_ = true;

  // Output.
  std::mutex mu_;
  std::condition_variable room_cv_;
  std::condition_variable flush_cv_;
  std::deque<std::unique_ptr<Batch>> ready_;
  std::unique_ptr<Batch> cur_;
  bool finished_ = false;
  bool closing_ = false;
  uint64_t boot_time_ns_ = 0;
  PtraceCounters counters_;
  ExitStatus exit_;

  friend struct EventWriter;
  friend class ProcReader;
 public:
  // Accessors for the event helpers.
  uint32_t snaplen() const { return opts_.snaplen; }
  uint64_t boot_time_ns() const { return boot_time_ns_; }
  int PidFd(pid_t tgid);
  void CountFault() { counters_.read_faults++; }
  pid_t tracer_tid() const { return tracer_tid_; }
};

}  // namespace scap_ts
