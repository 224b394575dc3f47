#include "bpf_engine.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <linux/types.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include "probe_env.h"
#include "scap_probe.skel.h"
#include "scap_schema.h"
#include "shared.h"
#include "syscall_table.h"

namespace scap_ts {

namespace {

constexpr const char* kVmlinuxBtf = "/sys/kernel/btf/vmlinux";
constexpr size_t kMaxVerifierLog = 1 << 20;
// ExitHook::kAuto: the tracepoints up to this many captured syscalls.
// Measured here (bench/live-capture.mjs, getpid and read8): a captured
// syscall costs 20-75 ns more through its perf tracepoint than through
// tp_btf, one not captured 45-65 ns less, so the tracepoints win unless about
// half of the calls are captured, which a small set practically rules out;
// closing takes ~70 ms per syscall event (an RCU tasks-trace grace period
// each), which bounds the set: <= ~1.1 s.
constexpr size_t kAutoTracepointMax = 16;

// --- libbpf log capture --------------------------------------------------------
// libbpf_set_print is process-wide: loads are serialized and the log of the
// current one is collected here. Messages are not printed unless
// SCAP_TS_LIBBPF_DEBUG is set (a library should not write to stderr).

std::mutex g_load_mu;
std::string* g_log = nullptr;  // guarded by g_load_mu while loading

int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  static const bool debug = std::getenv("SCAP_TS_LIBBPF_DEBUG") != nullptr;
  if (debug) {
    va_list copy;
    va_copy(copy, args);
    std::vfprintf(stderr, fmt, copy);
    va_end(copy);
  }
  if (level == LIBBPF_DEBUG || g_log == nullptr) return 0;
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n <= 0) return 0;
  std::string msg(static_cast<size_t>(n) + 1, '\0');
  std::vsnprintf(msg.data(), msg.size(), fmt, args);
  msg.resize(static_cast<size_t>(n));
  g_log->append(msg);
  if (g_log->size() > 2 * kMaxVerifierLog) g_log->erase(0, g_log->size() - kMaxVerifierLog);
  return 0;
}

class LogCapture {
 public:
  explicit LogCapture(std::string* out) : lock_(g_load_mu) {
    g_log = out;
    previous_ = libbpf_set_print(LibbpfPrint);
  }
  ~LogCapture() {
    libbpf_set_print(previous_);
    g_log = nullptr;
  }

 private:
  std::lock_guard<std::mutex> lock_;
  libbpf_print_fn_t previous_ = nullptr;
};

// The verifier's own words out of libbpf's log ("-- BEGIN PROG LOAD LOG --").
std::string ExtractVerifierLog(const std::string& log) {
  const std::string begin = "-- BEGIN PROG LOAD LOG --";
  const std::string end = "-- END PROG LOAD LOG --";
  const size_t b = log.find(begin);
  if (b == std::string::npos) return {};
  size_t start = log.rfind('\n', b);
  start = start == std::string::npos ? 0 : start + 1;  // keep the "prog 'x':" prefix line
  size_t e = log.find(end, b);
  e = e == std::string::npos ? log.size() : e + end.size();
  std::string out = log.substr(start, e - start);
  if (out.size() > kMaxVerifierLog) out = "...\n" + out.substr(out.size() - kMaxVerifierLog);
  return out;
}

std::string Errno(int err) { return std::strerror(err < 0 ? -err : err); }

bool HasCap(uint64_t caps, unsigned cap) { return (caps >> cap) & 1u; }

// The capabilities missing for loading tracing programs: CAP_BPF and
// CAP_PERFMON, or CAP_SYS_ADMIN which covers both.
std::vector<std::string> MissingCaps() {
  uint64_t caps = 0;
  try {
    caps = EffectiveCapabilities();
  } catch (const std::exception&) {
    return {"CAP_BPF", "CAP_PERFMON"};
  }
  if (HasCap(caps, 21)) return {};
  std::vector<std::string> missing;
  if (!HasCap(caps, 39)) missing.push_back("CAP_BPF");
  if (!HasCap(caps, 38)) missing.push_back("CAP_PERFMON");
  return missing;
}

[[noreturn]] void ThrowFor(int err, const std::string& what, const std::string& log = {}) {
  const int e = err < 0 ? -err : err;
  if (e == EPERM) {
    std::vector<std::string> missing = MissingCaps();
    std::string names;
    for (const std::string& m : missing) names += (names.empty() ? "" : " and ") + m;
    throw BpfError("PERMISSION",
                   what + ": " + Errno(e) + "; loading the eBPF probe needs CAP_BPF and CAP_PERFMON" +
                       " (or CAP_SYS_ADMIN)" +
                       (names.empty() ? std::string("; the capabilities are there, so the kernel "
                                                    "refused for another reason (a low RLIMIT_MEMLOCK "
                                                    "on kernels before 5.11, lockdown, seccomp)")
                                      : "; missing " + names),
                   {}, missing);
  }
  std::string verifier = ExtractVerifierLog(log);
  if (!verifier.empty()) {
    throw BpfError("VERIFIER", what + ": the kernel verifier rejected a program (" + Errno(e) + ")",
                   verifier);
  }
  std::string detail;
  if (!log.empty()) {
    // Last libbpf line is usually the useful one.
    std::string trimmed = log;
    while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
    const size_t nl = trimmed.rfind('\n');
    detail = " (libbpf: " + (nl == std::string::npos ? trimmed : trimmed.substr(nl + 1)) + ")";
  }
  throw BpfError("BPF", what + ": " + Errno(e) + detail);
}

uint64_t ClockNs(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

std::string RaiseMemlock() {
  rlimit inf{RLIM_INFINITY, RLIM_INFINITY};
  if (setrlimit(RLIMIT_MEMLOCK, &inf) == 0) return {};
  const int err = errno;
  rlimit cur{};
  if (getrlimit(RLIMIT_MEMLOCK, &cur) == 0 && cur.rlim_cur < cur.rlim_max) {
    cur.rlim_cur = cur.rlim_max;
    setrlimit(RLIMIT_MEMLOCK, &cur);
  }
  return "setrlimit(RLIMIT_MEMLOCK, infinity) failed (" + Errno(err) +
         "); relying on memcg accounting of BPF memory (Linux >= 5.11)";
}

// Exit/enter event code -> program name, from the filler registry.
struct FillerTables {
  std::unordered_map<int, const char*> exit;
  std::unordered_map<int, const char*> enter;
};

const FillerTables& Fillers() {
  static const FillerTables tables = [] {
    FillerTables t;
#define SCAP_EXIT_FILLER(event, prog) t.exit[event] = #prog;
#define SCAP_ENTER_FILLER(event, prog) t.enter[event] = #prog;
#include "fillers.def"
#undef SCAP_EXIT_FILLER
#undef SCAP_ENTER_FILLER
    return t;
  }();
  return tables;
}

// --- the syscall events' perf tracepoints (enter events, tracepoint exit hook) -----

// Ids of the events `names` of tracefs group `syscalls` under `root` (-1: no
// such event, or an empty name), or nullopt when the group cannot be read there.
std::optional<std::vector<int>> ReadEventIds(const std::string& root, const std::vector<std::string>& names) {
  if (access((root + "/events/syscalls").c_str(), R_OK | X_OK) != 0) return std::nullopt;
  std::vector<int> ids;
  for (const std::string& name : names) {
    int id = -1;
    if (!name.empty()) {
      std::ifstream f(root + "/events/syscalls/" + name + "/id");
      if (!(f >> id) || id < 0) id = -1;
    }
    ids.push_back(id);
  }
  return ids;
}

// The event ids from tracefs: where it is mounted, or else from a private
// mount made in a mount namespace of a short-lived thread of our own (the
// process and the system never see it; needs CAP_SYS_ADMIN). -1 for an event
// the kernel does not have.
std::optional<std::vector<int>> SyscallEventIds(const std::vector<std::string>& names) {
  for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    if (auto ids = ReadEventIds(root, names)) return ids;
  }
  std::optional<std::vector<int>> ids;
  std::thread t([&] {
    if (unshare(CLONE_FS | CLONE_NEWNS) != 0) return;
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return;
    if (mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
      return;
    }
    ids = ReadEventIds("/sys/kernel/tracing", names);
  });
  t.join();
  return ids;
}

// A perf event on tracepoint `id` (all CPUs see its BPF programs), or -1.
// Opened disabled: until a program is attached (libbpf then enables it), the
// kernel's syscall tracepoint skips the event instead of filling samples.
int OpenTracepointEvent(int id) {
  perf_event_attr attr{};
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.size = sizeof attr;
  attr.config = static_cast<__u64>(id);
  attr.sample_period = 1;
  attr.wakeup_events = 1;
  attr.disabled = 1;
  return static_cast<int>(syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC));
}

// The name of syscall `id` in its tracefs events (syscalls:sys_exit_<name>),
// or "" for an unassigned number. The kernel names the events after the
// syscall's function (SYSCALL_DEFINE), which for a few x86_64 syscalls is not
// the table's name (syscall_64.tbl lists those functions).
std::string KernelSyscallName(uint32_t id) {
  const char* name = scap_x86_64_syscall_names[id];
  if (name == nullptr) return {};
  static const std::unordered_map<std::string, const char*> renamed = {
      {"stat", "newstat"},   {"fstat", "newfstat"}, {"lstat", "newlstat"},
      {"uname", "newuname"}, {"umount2", "umount"}, {"sendfile", "sendfile64"},
  };
  auto r = renamed.find(name);
  return r == renamed.end() ? name : r->second;
}

}  // namespace

uint64_t BootTimeNs() {
  uint64_t best_gap = UINT64_MAX;
  uint64_t boot = 0;
  for (int i = 0; i < 5; i++) {
    const uint64_t r1 = ClockNs(CLOCK_REALTIME);
    const uint64_t b = ClockNs(CLOCK_BOOTTIME);
    const uint64_t r2 = ClockNs(CLOCK_REALTIME);
    if (r2 >= r1 && r2 - r1 < best_gap) {
      best_gap = r2 - r1;
      boot = r1 + (r2 - r1) / 2 - b;
    }
  }
  return boot;
}

BpfEngine::BpfEngine(const BpfOptions& options) {
  const uint64_t size = options.buffer_bytes_per_cpu;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  if (size < 2 * page || (size & (size - 1)) != 0 || size > (1ull << 30)) {
    throw std::invalid_argument(
        "bufferBytesPerCpu must be a power of two between two pages and 1 GiB");
  }
  if (options.snaplen > SCAP_MAX_SNAPLEN) {
    throw std::invalid_argument("snaplen must be at most " + std::to_string(SCAP_MAX_SNAPLEN));
  }
  if (options.syscalls) {
    for (uint32_t id : *options.syscalls) {
      if (id >= SCAP_SYSCALL_IDS) {
        throw std::invalid_argument("syscall number " + std::to_string(id) + " is out of range (0..511)");
      }
    }
  }
  if (options.tgids.size() > 4096) throw std::invalid_argument("at most 4096 tgids");
  ring_bytes_ = size;
  try {
    PlanExitHook(options);
    Load(options);
    Configure(options);
    FillTailCalls();
    CreateRings();
    Attach(options);
  } catch (...) {
    Close();
    throw;
  }
}

namespace {

// Detaching a tracepoint program waits for an RCU grace period: 55-85 ms each
// on these VMs, 350 ms for a capture's links one after the other. Grace
// periods waited for at the same time are shared, so the links go in parallel.
void DestroyLinks(std::vector<bpf_link*>& links) {
  constexpr size_t kMaxThreads = 32;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < links.size();) bpf_link__destroy(links[i]);
  };
  std::vector<std::thread> threads;
  const size_t n = std::min(links.size(), kMaxThreads);
  try {
    for (size_t i = 1; i < n; i++) threads.emplace_back(work);
  } catch (const std::system_error&) {
    // No more threads: this one does the rest.
  }
  work();
  for (std::thread& t : threads) t.join();
  links.clear();
}

}  // namespace

BpfEngine::~BpfEngine() { Close(); }

void BpfEngine::Detach() {
  if (stopped_ || skel_ == nullptr) return;
  stopped_ = true;
  // The other fields are rewritten with the values they have: a program
  // reading the struct while it is copied sees them unchanged.
  const __u32 zero = 0;
  scap_settings s{};
  const int settings = bpf_map__fd(skel_->maps.settings);
  bool told = bpf_map_lookup_elem(settings, &zero, &s) == 0;
  if (told) {
    s.stopped = 1;
    told = bpf_map_update_elem(settings, &zero, &s, BPF_ANY) == 0;
  }
  if (!told) DestroyLinks(links_);
  // Writing an element of a map-in-map makes the kernel wait for every
  // running non-sleepable BPF program to finish (synchronize_rcu) before the
  // call returns. Rewrite ring 0's slot with the same ring.
  bool waited = false;
  if (!ring_fds_.empty()) {
    const __u32 key = 0;
    const int fd = ring_fds_[0];
    waited = bpf_map_update_elem(bpf_map__fd(skel_->maps.ringbuf_maps), &key, &fd, BPF_ANY) == 0;
  }
  // Fallback: the programs are short; a few ms is far more than they take.
  if (!waited) usleep(20000);
}

void BpfEngine::Close() {
  DestroyLinks(links_);
  for (const auto& event : exit_events_) {
    if (event.second >= 0) close(event.second);
  }
  exit_events_.clear();
  if (skel_ != nullptr) {
    scap_probe__destroy(skel_);
    skel_ = nullptr;
  }
  for (int fd : ring_fds_) close(fd);
  ring_fds_.clear();
  if (template_ring_fd_ >= 0) close(template_ring_fd_);
  template_ring_fd_ = -1;
}

// The exit hook (exit_hook_) and, for the tracepoint hook, the perf events to
// attach to (exit_events_), opened now so that `auto` can still fall back to
// tp_btf when they cannot be (only the chosen hook's programs are loaded).
//
// `auto` picks the tracepoints when the captured set is at most
// kAutoTracepointMax syscalls and every one of them has its sys_exit event, so
// that both hooks give the same events. 'tracepoint' leaves out the captured
// syscalls without an event.
void BpfEngine::PlanExitHook(const BpfOptions& options) {
  exit_hook_ = "btf";
  if (options.exit_hook == ExitHook::kBtf) return;
  const bool forced = options.exit_hook == ExitHook::kTracepoint;
  std::vector<bool> wanted(SCAP_SYSCALL_IDS, !options.syscalls);
  if (options.syscalls) {
    for (uint32_t id : *options.syscalls) wanted[id] = true;
  }
  std::vector<uint32_t> ids;
  std::vector<std::string> names;
  for (uint32_t id = 0; id < SCAP_SYSCALL_IDS; id++) {
    if (!wanted[id]) continue;
    const std::string name = KernelSyscallName(id);
    ids.push_back(id);
    names.push_back(name.empty() ? std::string() : "sys_exit_" + name);
  }
  if (!forced && ids.size() > kAutoTracepointMax) return;
  const std::optional<std::vector<int>> event_ids = SyscallEventIds(names);
  if (!event_ids) {
    if (!forced) return;
    throw BpfError("UNSUPPORTED", "the syscall tracepoints for the exit events: tracefs (for the syscall "
                                  "events' ids) is not readable and cannot be mounted");
  }
  // A captured syscall without an event is one the kernel's 64-bit table does
  // not wire to a function (configured out, too new, ia32 only): its calls
  // only fail with ENOSYS. tp_btf reports them, the tracepoints cannot.
  for (size_t i = 0; i < ids.size(); i++) {
    if ((*event_ids)[i] < 0 && !forced) return;
  }
  for (size_t i = 0; i < ids.size(); i++) {
    if ((*event_ids)[i] < 0) continue;
    const int pfd = OpenTracepointEvent((*event_ids)[i]);
    if (pfd < 0) {
      const std::string why = "perf_event_open(syscalls:" + names[i] + "): " + Errno(errno);
      for (const auto& event : exit_events_) close(event.second);
      exit_events_.clear();
      if (!forced) return;
      throw BpfError("UNSUPPORTED", "the syscall tracepoints for the exit events: " + why);
    }
    exit_events_.emplace_back(ids[i], pfd);
  }
  exit_hook_ = "tracepoint";
}

void BpfEngine::Load(const BpfOptions& options) {
  (void)options;
  if (access(kVmlinuxBtf, R_OK) != 0) {
    throw BpfError("UNSUPPORTED", std::string("the kernel exposes no BTF (") + kVmlinuxBtf +
                                      "), which the CO-RE probe needs");
  }
  memlock_warning_ = RaiseMemlock();
  ncpus_ = libbpf_num_possible_cpus();
  if (ncpus_ <= 0) ThrowFor(ncpus_, "counting possible CPUs");

  std::string log;
  LogCapture capture(&log);

  // Template of the inner ring maps: the verifier needs the shape (and
  // max_entries) of the rings the array will hold.
  template_ring_fd_ = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "scap_ring_tmpl", 0, 0,
                                     static_cast<__u32>(ring_bytes_), nullptr);
  if (template_ring_fd_ < 0) {
    const int err = errno;
    if (err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP) {
      throw BpfError("UNSUPPORTED", "the kernel cannot create BPF ring buffers (" + Errno(err) +
                                        "; needs Linux >= 5.8)");
    }
    ThrowFor(err, "creating a BPF ring buffer", log);
  }

  skel_ = scap_probe__open();
  if (skel_ == nullptr) ThrowFor(errno, "opening the eBPF probe", log);

  int err = bpf_map__set_max_entries(skel_->maps.scratch_map,
                                     static_cast<__u32>(ncpus_ * SCAP_NSLOTS));
  if (!err) err = bpf_map__set_max_entries(skel_->maps.ringbuf_maps, static_cast<__u32>(ncpus_));
  if (!err) err = bpf_map__set_inner_map_fd(skel_->maps.ringbuf_maps, template_ring_fd_);
  if (err) ThrowFor(err, "sizing the probe's maps", log);

  // Only the chosen exit hook's programs: the fillers exist for both hooks,
  // told apart by section (driver/bpf/sys_exit.h).
  const bool exit_tp = exit_hook_ == "tracepoint";
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel_->obj) {
    const char* sec = bpf_program__section_name(prog);
    if (std::strcmp(sec, "tp_btf/sys_exit") == 0) err = bpf_program__set_autoload(prog, !exit_tp);
    if (std::strcmp(sec, "tracepoint") == 0) err = bpf_program__set_autoload(prog, exit_tp);
    if (err) ThrowFor(err, "choosing the probe's programs", log);
  }

  err = scap_probe__load(skel_);
  if (err) ThrowFor(err, "loading the eBPF probe", log);
}

void BpfEngine::Configure(const BpfOptions& options) {
  boot_time_ns_ = BootTimeNs();
  scap_settings s{};
  s.boot_time = boot_time_ns_;
  s.snaplen = options.snaplen;
  s.self_tgid = options.include_self ? 0 : static_cast<__u32>(getpid());
  s.drop_failed = options.drop_failed ? 1 : 0;
  s.tgid_filter = options.tgids.empty() ? 0 : 1;
  const __u32 zero = 0;
  int err = bpf_map__update_elem(skel_->maps.settings, &zero, sizeof zero, &s, sizeof s, BPF_ANY);
  if (err) ThrowFor(err, "writing the probe settings");

  // Per syscall: off, the generic event (written by the dispatcher), or a
  // tail call to the syscall's own exit filler.
  std::vector<bool> wanted(SCAP_SYSCALL_IDS, !options.syscalls);
  if (options.syscalls) {
    for (uint32_t id : *options.syscalls) wanted[id] = true;
  }
  const FillerTables& fillers = Fillers();
  for (__u32 id = 0; id < SCAP_SYSCALL_IDS; id++) {
    __u8 mode = SCAP_SC_OFF;
    if (wanted[id]) {
      const int exit_event = scap_x86_64_syscall_table[id].exit_event;
      mode = exit_event != 0 && fillers.exit.count(exit_event) ? SCAP_SC_FILLER : SCAP_SC_GENERIC;
    }
    err = bpf_map__update_elem(skel_->maps.interesting_syscalls, &id, sizeof id, &mode, 1, BPF_ANY);
    if (err) ThrowFor(err, "writing the interesting-syscalls table");
  }
  for (uint32_t tgid : options.tgids) {
    const __u32 key = tgid;
    const __u8 one = 1;
    err = bpf_map__update_elem(skel_->maps.tgids, &key, sizeof key, &one, 1, BPF_ANY);
    if (err) ThrowFor(err, "writing the tgid filter");
  }
}

void BpfEngine::FillTailCalls() {
  const FillerTables& fillers = Fillers();
  const scap_syscall_entry* table = scap_x86_64_syscall_table;
  bpf_object* obj = skel_->obj;
  auto prog_fd = [&](const char* name) {
    bpf_program* p = bpf_object__find_program_by_name(obj, name);
    if (p == nullptr) {
      throw BpfError("BPF", std::string("the probe has no program '") + name +
                                "' (driver/bpf/fillers.def and the probe disagree)");
    }
    return bpf_program__fd(p);
  };
  const int exit_map = bpf_map__fd(skel_->maps.exit_progs);
  const int enter_map = bpf_map__fd(skel_->maps.enter_progs);
  for (__u32 id = 0; id < SCAP_SYSCALL_IDS; id++) {
    const scap_syscall_entry& e = table[id];
    // Syscalls without a filler are written by the dispatcher (SCAP_SC_GENERIC).
    auto x = fillers.exit.find(e.exit_event);
    if (exit_hook_ == "btf" && e.exit_event != 0 && x != fillers.exit.end()) {
      const int fd = prog_fd(x->second);
      if (bpf_map_update_elem(exit_map, &id, &fd, BPF_ANY) != 0) {
        ThrowFor(errno, "filling the sys_exit tail-call table");
      }
    }
    auto n = fillers.enter.find(e.enter_event);
    if (e.enter_event != 0 && n != fillers.enter.end()) {
      const int efd = prog_fd(n->second);
      if (bpf_map_update_elem(enter_map, &id, &efd, BPF_ANY) != 0) {
        ThrowFor(errno, "filling the sys_enter tail-call table");
      }
    }
  }
}

void BpfEngine::CreateRings() {
  const int outer = bpf_map__fd(skel_->maps.ringbuf_maps);
  for (int cpu = 0; cpu < ncpus_; cpu++) {
    const int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "scap_ring", 0, 0,
                                  static_cast<__u32>(ring_bytes_), nullptr);
    if (fd < 0) ThrowFor(errno, "creating the ring buffer of CPU " + std::to_string(cpu));
    ring_fds_.push_back(fd);
    const __u32 key = static_cast<__u32>(cpu);
    if (bpf_map_update_elem(outer, &key, &fd, BPF_ANY) != 0) {
      ThrowFor(errno, "registering the ring buffer of CPU " + std::to_string(cpu));
    }
  }
}

void BpfEngine::Attach(const BpfOptions& options) {
  auto wanted = [&](uint32_t id) {
    if (!options.syscalls) return true;
    for (uint32_t s : *options.syscalls) {
      if (s == id) return true;
    }
    return false;
  };
  std::string log;
  LogCapture capture(&log);
  auto attach = [&](bpf_program* p, const char* what) {
    bpf_link* l = bpf_program__attach(p);
    if (l == nullptr) ThrowFor(errno, std::string("attaching ") + what, log);
    links_.push_back(l);
  };
  attach(skel_->progs.sched_proc_exit, "sched_process_exit");
  attach(skel_->progs.signal_deliver_e, "signal_deliver");
  if (options.sched_switch) attach(skel_->progs.sched_switch_e, "sched_switch");
  if (wanted(59) || wanted(322)) attach(skel_->progs.sched_proc_exec, "sched_process_exec");
  // open, creat, connect, openat, openat2: the TOCTOU enter events. Preferred:
  // one perf tracepoint program per captured syscall (the others then cost a
  // bitmap test instead of a BPF program run); else the sys_enter dispatcher.
  struct Enter {
    uint32_t nr;
    const char* event;
    bpf_program* prog;
  };
  std::vector<Enter> enters;
  for (const Enter& e : {Enter{2, "sys_enter_open", skel_->progs.tp_open_e},
                         Enter{257, "sys_enter_openat", skel_->progs.tp_openat_e},
                         Enter{437, "sys_enter_openat2", skel_->progs.tp_openat2_e},
                         Enter{85, "sys_enter_creat", skel_->progs.tp_creat_e},
                         Enter{42, "sys_enter_connect", skel_->progs.tp_connect_e}}) {
    if (wanted(e.nr)) enters.push_back(e);
  }
  if (!enters.empty() && options.enter_hook != EnterHook::kBtf) {
    std::vector<std::string> names;
    for (const Enter& e : enters) names.push_back(e.event);
    std::string why = "tracefs (for the syscall events' ids) is not readable and cannot be mounted";
    std::vector<bpf_link*> made;
    if (std::optional<std::vector<int>> ids = SyscallEventIds(names)) {
      why.clear();
      for (size_t i = 0; i < enters.size() && why.empty(); i++) {
        if ((*ids)[i] < 0) {
          why = std::string("the kernel has no event syscalls:") + enters[i].event;
          break;
        }
        const int pfd = OpenTracepointEvent((*ids)[i]);
        if (pfd < 0) {
          why = std::string("perf_event_open(syscalls:") + enters[i].event + "): " + Errno(errno);
          break;
        }
        bpf_link* l = bpf_program__attach_perf_event(enters[i].prog, pfd);
        if (l == nullptr) {
          why = std::string("attaching to syscalls:") + enters[i].event + ": " + Errno(errno);
          close(pfd);
          break;
        }
        made.push_back(l);
      }
    }
    if (why.empty()) {
      links_.insert(links_.end(), made.begin(), made.end());
      enter_hook_ = "tracepoint";
    } else {
      for (bpf_link* l : made) bpf_link__destroy(l);
      if (options.enter_hook == EnterHook::kTracepoint) {
        throw BpfError("UNSUPPORTED", "the syscall tracepoints for the enter events: " + why);
      }
    }
  }
  if (!enters.empty() && enter_hook_.empty()) {
    attach(skel_->progs.sys_enter_dispatch, "sys_enter");
    enter_hook_ = "btf";
  }
  if (exit_hook_ == "btf") {
    attach(skel_->progs.sys_exit_dispatch, "sys_exit");
    return;
  }
  // Each captured syscall's sys_exit event: its filler's tracepoint program
  // (`<filler>_tp`), or the generic event's.
  const FillerTables& fillers = Fillers();
  for (auto& [id, pfd] : exit_events_) {
    auto x = fillers.exit.find(scap_x86_64_syscall_table[id].exit_event);
    bpf_program* p = skel_->progs.sys_exit_generic_tp;
    if (scap_x86_64_syscall_table[id].exit_event != 0 && x != fillers.exit.end()) {
      const std::string name = std::string(x->second) + "_tp";
      p = bpf_object__find_program_by_name(skel_->obj, name.c_str());
      if (p == nullptr) throw BpfError("BPF", "the probe has no program '" + name + "'");
    }
    const std::string what = "attaching to syscalls:sys_exit_" + KernelSyscallName(id);
    bpf_link* l = bpf_program__attach_perf_event(p, pfd);
    if (l == nullptr) ThrowFor(errno, what, log);
    links_.push_back(l);
    pfd = -1;  // the link owns it now
  }
  exit_events_.clear();
}

std::vector<CpuCounters> BpfEngine::ReadCounters() const {
  std::vector<CpuCounters> out;
  if (skel_ == nullptr) return out;
  const size_t stride = (sizeof(scap_counters) + 7) & ~size_t{7};
  std::vector<uint8_t> values(stride * static_cast<size_t>(ncpus_));
  const __u32 zero = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.counters), &zero, values.data()) != 0) {
    return out;
  }
  for (int cpu = 0; cpu < ncpus_; cpu++) {
    scap_counters c{};
    std::memcpy(&c, values.data() + stride * static_cast<size_t>(cpu), sizeof c);
    CpuCounters cc;
    cc.cpu = static_cast<uint32_t>(cpu);
    cc.events = c.n_evts;
    cc.drops_ring_full = c.drops_ring_full;
    cc.drops_too_large = c.drops_too_large;
    cc.read_faults = c.read_faults;
    cc.drops_no_ring = c.drops_no_ring;
    out.push_back(cc);
  }
  return out;
}

std::unique_ptr<RingSource> BpfEngine::OpenRings() {
  auto reader = std::make_unique<RingReader>();
  for (int fd : ring_fds_) reader->Add(fd, ring_bytes_);
  return reader;
}

void BpfEngine::ConfigureDrain(DrainConfig* dc) const {
  dc->boot_time_ns = boot_time_ns_;
  dc->clock = CLOCK_BOOTTIME;
}

}  // namespace scap_ts
