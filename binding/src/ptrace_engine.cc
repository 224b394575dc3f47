// The ptrace engine (see ptrace_engine.h for the design).
#include "ptrace_engine.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "scap_schema.h"
#include <linux/types.h>

#include "scap_flags.h"
#include "shared.h"
#include "syscall_table.h"

extern char** environ;

namespace scap_ts {

namespace {

constexpr uint32_t kHeader = 26;
constexpr size_t kPathMax = 4096;   // PATH_MAX_LEN, MAX_PROC_EXE, MAX_ARG_ENV of the probe
constexpr int kMaxArgv = 16;        // argv/envp pointers walked for a failed execve
constexpr size_t kSockaddrMax = 112;
constexpr size_t kMaxIov = 256;     // iovec entries looked at (the probe's MAX_IOVCNT)
// ptrace's PT_DYN addr/data: a u8 index (ptrace_dynamic_param), then the value.
constexpr uint8_t kPtraceIdxU64 = 0;
constexpr uint8_t kPtraceIdxSigtype = 1;
const uint8_t kNparams[] = SCAP_EVENT_NPARAMS_INIT;

uint64_t ClockNs(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t BootTime() {
  uint64_t best = UINT64_MAX, boot = 0;
  for (int i = 0; i < 5; i++) {
    const uint64_t r1 = ClockNs(CLOCK_REALTIME), b = ClockNs(CLOCK_BOOTTIME), r2 = ClockNs(CLOCK_REALTIME);
    if (r2 >= r1 && r2 - r1 < best) {
      best = r2 - r1;
      boot = r1 + (r2 - r1) / 2 - b;
    }
  }
  return boot;
}

std::string Errno(int e) { return std::string(strerror(e)) + " (errno " + std::to_string(e) + ")"; }

// --- /proc helpers -------------------------------------------------------------

std::string ReadFile(const std::string& path, size_t max = 1 << 16) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  while (out.size() < max) {
    ssize_t n = read(fd, buf, std::min(sizeof buf, max - out.size()));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

std::string ReadLink(const std::string& path) {
  char buf[kPathMax];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

// "Key:\tv1\tv2..." of /proc/<pid>/status, as fields.
std::vector<std::string> StatusField(const std::string& status, const char* key) {
  std::vector<std::string> out;
  const std::string k = std::string("\n") + key + ":";
  size_t p = status.find(k);
  if (p == std::string::npos) {
    if (status.compare(0, k.size() - 1, k.substr(1)) != 0) return out;
    p = 0;
  } else {
    p += 1;
  }
  p += k.size() - 1;
  size_t e = status.find('\n', p);
  std::istringstream is(status.substr(p, e == std::string::npos ? std::string::npos : e - p));
  std::string f;
  while (is >> f) out.push_back(f);
  return out;
}

int64_t FieldI(const std::vector<std::string>& f, size_t i, int64_t def = 0) {
  if (i >= f.size()) return def;
  return std::strtoll(f[i].c_str(), nullptr, 10);
}

// A hex field of /proc/<pid>/status (capability sets, signal masks); 0 when absent.
uint64_t StatusHex(const std::string& status, const char* key) {
  const auto v = StatusField(status, key);
  return v.empty() ? 0 : std::strtoull(v[0].c_str(), nullptr, 16);
}

// Fields of /proc/<...>/stat after the comm: index 0 is field 3 (state).
std::vector<std::string> StatFields(const std::string& stat) {
  std::vector<std::string> out;
  size_t p = stat.rfind(')');
  if (p == std::string::npos) return out;
  std::istringstream is(stat.substr(p + 2));
  std::string f;
  while (is >> f) out.push_back(f);
  return out;
}

// The cgroups param: "subsys=path\0" for cpuset, cpu, cpuacct, io, memory
// (those the kernel has), each the path in the controller's hierarchy; on
// cgroup v2 the nearest ancestor where the controller is enabled.
std::string Cgroups(pid_t pid) {
  static const char* kSubsys[] = {"cpuset", "cpu", "cpuacct", "io", "memory"};
  const std::string known = ReadFile("/proc/cgroups");
  auto kernel_has = [&](const std::string& s) {
    std::string name = s == "io" ? "blkio" : s;
    std::istringstream is(known);
    std::string line;
    while (std::getline(is, line)) {
      std::istringstream ls(line);
      std::string n;
      ls >> n;
      if (n == name || n == s) return true;
    }
    return false;
  };
  std::map<std::string, std::string> v1;
  std::string v2;
  bool have_v2 = false;
  std::istringstream is(ReadFile("/proc/" + std::to_string(pid) + "/cgroup"));
  std::string line;
  while (std::getline(is, line)) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (ctrls.empty()) {
      v2 = path;
      have_v2 = true;
      continue;
    }
    std::istringstream cs(ctrls);
    std::string c;
    while (std::getline(cs, c, ',')) v1[c == "blkio" ? "io" : c] = path;
  }
  std::string out;
  for (const char* s : kSubsys) {
    if (!kernel_has(s)) continue;
    std::string path;
    auto it = v1.find(s);
    if (it != v1.end()) {
      path = it->second;
    } else if (have_v2) {
      path = v2;
      while (path.size() > 1) {
        const std::string ctl = ReadFile("/sys/fs/cgroup" + path + "/cgroup.controllers");
        std::istringstream w(ctl);
        std::string c;
        bool on = false;
        while (w >> c) on = on || c == s;
        if (on) break;
        size_t slash = path.rfind('/');
        path = slash == 0 ? "/" : path.substr(0, slash);
      }
    } else {
      continue;
    }
    if (path.empty()) path = "/";
    out += std::string(s) + "=" + path;
    out.push_back('\0');
  }
  return out;
}

// --- event writer ---------------------------------------------------------------

// One event: header, u16 length slots, params in schema order.
struct EventWriter {
  std::vector<uint8_t> b;
  uint32_t nparams;
  uint32_t idx = 0;
  EventWriter(uint16_t type, uint64_t ts, uint64_t tid) {
    nparams = kNparams[type];
    b.resize(kHeader + 2 * nparams);
    std::memcpy(&b[0], &ts, 8);
    std::memcpy(&b[8], &tid, 8);
    std::memcpy(&b[20], &type, 2);
    std::memcpy(&b[22], &nparams, 4);
    b.reserve(512);
  }
  void Len(size_t n) {
    if (idx >= nparams) return;  // never: fillers follow the schema
    const uint16_t l = static_cast<uint16_t>(n);
    std::memcpy(&b[kHeader + 2 * idx], &l, 2);
    idx++;
  }
  void Raw(const void* p, size_t n) {
    const uint8_t* c = static_cast<const uint8_t*>(p);
    b.insert(b.end(), c, c + n);
  }
  void U8(uint8_t v) { Raw(&v, 1), Len(1); }
  void U16(uint16_t v) { Raw(&v, 2), Len(2); }
  void U32(uint32_t v) { Raw(&v, 4), Len(4); }
  void U64(uint64_t v) { Raw(&v, 8), Len(8); }
  void S64(int64_t v) { Raw(&v, 8), Len(8); }
  void Empty() { Len(0); }
  void Bytes(const std::string& s) { Raw(s.data(), s.size()), Len(s.size()); }
  // A string with its NUL, cut at max bytes (NUL included).
  void Str(const std::string& s, size_t max = kPathMax) {
    size_t n = std::min(s.size(), max - 1);
    n = std::min(n, std::strlen(s.c_str()));
    Raw(s.data(), n);
    uint8_t z = 0;
    Raw(&z, 1);
    Len(n + 1);
  }
  void OptStr(const std::optional<std::string>& s, size_t max = kPathMax) {
    if (s) Str(*s, max); else Empty();
  }
  std::vector<uint8_t> Finish() {
    while (idx < nparams) Empty();
    const uint32_t len = static_cast<uint32_t>(b.size());
    std::memcpy(&b[16], &len, 4);
    return std::move(b);
  }
};

// Syscalls with their own events here, those the probe has exit fillers for
// (the rest are GENERIC_X in full mode). The seccomp filter stops these.
const long kCovered[] = {
    SYS_read, SYS_write, SYS_open, SYS_close, SYS_pread64, SYS_pwrite64, SYS_socket,
    SYS_connect, SYS_accept, SYS_sendto, SYS_recvfrom, SYS_shutdown, SYS_bind, SYS_listen,
    SYS_clone, SYS_fork, SYS_vfork, SYS_execve, SYS_kill, SYS_creat, SYS_tkill, SYS_tgkill,
    SYS_openat, SYS_accept4, SYS_execveat, SYS_clone3, SYS_openat2,
    SYS_dup, SYS_dup2, SYS_dup3, SYS_pipe, SYS_pipe2,
    SYS_readv, SYS_writev, SYS_preadv, SYS_pwritev, SYS_socketpair, SYS_sendmsg, SYS_recvmsg,
    SYS_fcntl, SYS_ioctl, SYS_memfd_create, SYS_userfaultfd, SYS_io_uring_setup,
    SYS_mmap, SYS_munmap, SYS_mprotect,
    SYS_chmod, SYS_fchmod, SYS_fchmodat, SYS_rename, SYS_renameat, SYS_renameat2, SYS_unlink,
    SYS_unlinkat, SYS_mkdir, SYS_mkdirat, SYS_link, SYS_linkat, SYS_symlink, SYS_symlinkat,
    SYS_chdir, SYS_fchdir,
    SYS_setuid, SYS_setgid, SYS_setresuid, SYS_setresgid, SYS_capset,
    SYS_setns, SYS_unshare, SYS_mount, SYS_umount2,
    SYS_ptrace, SYS_prctl, SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_bpf,
};
// The filter's jumps over the list are 8-bit.
static_assert(std::size(kCovered) < 255, "the seccomp filter cannot jump over more syscalls");

}  // namespace

// --- tracee memory and facts ----------------------------------------------------

struct PtraceEngine::Tracee {
  pid_t tid = 0;
  pid_t tgid = 0;
  pid_t ptid = 0;          // real parent thread, as the probe's real_parent->pid
  bool in_syscall = false;
  long nr = -1;
  uint64_t args[6] = {};
  std::optional<std::string> exec_filename;
  bool existed = false;    // O_CREAT target existed at entry
  bool exec_emitted = false;
  bool exit_emitted = false;
  bool awaiting_first_stop = false;  // new child: its first stop is its clone exit
  bool held = false;       // stopped by us, not resumed yet
  bool detaching = false;
};

namespace {

// Reads tracee memory; false when any of it is unreadable.
bool ReadMem(pid_t tid, uint64_t addr, void* out, size_t n) {
  if (addr == 0 || n == 0) return false;
  iovec local{out, n};
  iovec remote{reinterpret_cast<void*>(addr), n};
  ssize_t r = process_vm_readv(tid, &local, 1, &remote, 1, 0);
  return r == static_cast<ssize_t>(n);
}

// A NUL-terminated string at addr, at most max bytes with its NUL; nullopt
// when unreadable.
std::optional<std::string> ReadStr(pid_t tid, uint64_t addr, size_t max = kPathMax) {
  if (addr == 0) return std::nullopt;
  std::string out;
  char buf[4096];
  while (out.size() < max - 1) {
    const size_t page_left = 4096 - (addr & 4095);
    const size_t want = std::min(page_left, max - 1 - out.size());
    iovec local{buf, want};
    iovec remote{reinterpret_cast<void*>(addr), want};
    ssize_t r = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (r <= 0) {
      if (out.empty()) return std::nullopt;
      break;
    }
    const void* z = std::memchr(buf, 0, static_cast<size_t>(r));
    if (z) {
      out.append(buf, static_cast<const char*>(z) - buf);
      return out;
    }
    out.append(buf, static_cast<size_t>(r));
    addr += static_cast<uint64_t>(r);
  }
  return out;
}

// Strings of a user pointer array from index `first`, each with its NUL, at
// most kPathMax bytes and kMaxArgv pointers (the probe's failed-execve rule).
std::string ReadStrArray(pid_t tid, uint64_t argv, int first) {
  std::string out;
  for (int i = first; i < kMaxArgv && argv; i++) {
    uint64_t p = 0;
    if (!ReadMem(tid, argv + 8 * static_cast<uint64_t>(i), &p, 8) || p == 0) break;
    if (out.size() >= kPathMax) break;
    auto s = ReadStr(tid, p, kPathMax);
    if (!s) continue;
    out += *s;
    out.push_back('\0');
  }
  if (out.size() > kPathMax) {
    out.resize(kPathMax);
    out.back() = '\0';
  }
  return out;
}

// A NUL-separated list cut at max bytes; a cut list gets a final NUL.
std::string CutList(std::string s, size_t max = kPathMax) {
  if (s.size() > max) s.resize(max);
  if (!s.empty()) s.back() = '\0';
  return s;
}

struct ProcFacts {
  std::string status;
  std::vector<std::string> stat;      // of the thread
  std::vector<std::string> pstat;     // of the process
};

// /proc/<tgid>/task/<tid>/status, or the process's when the thread's is gone.
std::string TaskStatus(pid_t tgid, pid_t tid) {
  const std::string base = "/proc/" + std::to_string(tgid);
  std::string s = ReadFile(base + "/task/" + std::to_string(tid) + "/status");
  return s.empty() ? ReadFile(base + "/status") : s;
}

ProcFacts Facts(pid_t tgid, pid_t tid) {
  ProcFacts f;
  const std::string base = "/proc/" + std::to_string(tgid);
  f.status = TaskStatus(tgid, tid);
  f.stat = StatFields(ReadFile(base + "/task/" + std::to_string(tid) + "/stat"));
  f.pstat = StatFields(ReadFile(base + "/stat"));
  return f;
}

// vm_size, vm_rss, vm_swap (KiB): what the probe reads from the mm (rss is
// file + anon + shmem pages there and in /proc).
void PutVm(EventWriter& w, const std::string& status) {
  w.U32(static_cast<uint32_t>(FieldI(StatusField(status, "VmSize"), 0)));
  w.U32(static_cast<uint32_t>(FieldI(StatusField(status, "VmRSS"), 0)));
  w.U32(static_cast<uint32_t>(FieldI(StatusField(status, "VmSwap"), 0)));
}

// cap_inheritable, cap_permitted, cap_effective (PPM_CAP_* bits are the kernel's).
void PutCaps(EventWriter& w, const std::string& status) {
  w.U64(StatusHex(status, "CapInh"));
  w.U64(StatusHex(status, "CapPrm"));
  w.U64(StatusHex(status, "CapEff"));
}

// exe and args from the process's argument area (/proc/<pid>/cmdline).
void PutExeArgs(EventWriter& w, pid_t tgid) {
  const std::string cmd = ReadFile("/proc/" + std::to_string(tgid) + "/cmdline", 1 << 20);
  if (cmd.empty()) {
    w.Empty();
    w.Empty();
    return;
  }
  const size_t nul = cmd.find('\0');
  const std::string exe = cmd.substr(0, nul);
  w.Str(exe);
  const size_t exe_len = std::min(exe.size(), kPathMax - 1) + 1;
  if (exe_len >= cmd.size()) {
    w.Empty();
    return;
  }
  w.Bytes(CutList(cmd.substr(exe_len)));
}

uint32_t PidnsFlag(pid_t tid) {
  const std::string st = ReadFile("/proc/" + std::to_string(tid) + "/status");
  if (StatusField(st, "NSpid").size() > 1) return PPM_CL_CHILD_IN_PIDNS;
  const std::string a = ReadLink("/proc/" + std::to_string(tid) + "/ns/pid");
  const std::string b = ReadLink("/proc/" + std::to_string(tid) + "/ns/pid_for_children");
  if (!a.empty() && !b.empty() && a != b) return PPM_CL_CHILD_IN_PIDNS;
  return 0;
}

}  // namespace

// tid, pid, ptid, cwd, fdlimit, pgft_maj, pgft_min, vm_size, vm_rss, vm_swap, comm, cgroups
static void PutProcIdsMem(EventWriter& w, const PtraceEngine::Tracee& t, const ProcFacts& f) {
  w.S64(t.tid);
  w.S64(t.tgid);
  pid_t ptid = t.ptid;
  const int64_t ppid = FieldI(StatusField(f.status, "PPid"), 0, 0);
  // Reparented (the parent died): the new parent's tgid is all /proc says.
  if (ptid == 0 || (ppid != 0 && access(("/proc/" + std::to_string(ppid) + "/task/" + std::to_string(ptid)).c_str(), F_OK) != 0))
    ptid = static_cast<pid_t>(ppid);
  w.S64(ptid);
  const std::string cwd = ReadLink("/proc/" + std::to_string(t.tid) + "/cwd");
  if (cwd.empty()) w.Empty(); else w.Str(cwd);
  rlimit rl{};
  if (prlimit(t.tgid, RLIMIT_NOFILE, nullptr, &rl) == 0) w.U64(rl.rlim_cur); else w.U64(0);
  // stat fields: minflt is field 10, majflt field 12 (index 7 and 9 here).
  w.U64(static_cast<uint64_t>(FieldI(f.stat, 9)));
  w.U64(static_cast<uint64_t>(FieldI(f.stat, 7)));
  PutVm(w, f.status);
  std::string comm = ReadFile("/proc/" + std::to_string(t.tgid) + "/task/" + std::to_string(t.tid) + "/comm");
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  w.Str(comm, 16);
  w.Bytes(Cgroups(t.tid));
}

// execve tail after env: tty .. gid.
static void PutExecTail(EventWriter& w, const PtraceEngine::Tracee& t, const ProcFacts& f) {
  const std::string base = "/proc/" + std::to_string(t.tgid);
  w.U32(static_cast<uint32_t>(FieldI(f.pstat, 4)));                 // tty (field 7)
  w.S64(FieldI(StatusField(f.status, "NSpgid"), 0, FieldI(f.pstat, 2)));  // vpgid
  const std::string lu = ReadFile(base + "/loginuid");
  w.U32(lu.empty() ? 0xFFFFFFFFu : static_cast<uint32_t>(std::strtoul(lu.c_str(), nullptr, 10)));
  // flags: writable (owner, mode bits, DAC override in the initial user ns) and memfd.
  struct stat st{};
  const bool have_exe = stat((base + "/exe").c_str(), &st) == 0;
  const std::string exepath = ReadLink(base + "/exe");
  uint32_t flags = 0;
  const auto uids = StatusField(f.status, "Uid");
  const auto gids = StatusField(f.status, "Gid");
  const uint64_t capeff = StatusHex(f.status, "CapEff");
  if (have_exe) {
    struct statvfs vfs{};
    const bool ro = statvfs((base + "/exe").c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
    bool writable = false;
    if (!ro) {
      const uint32_t fsuid = static_cast<uint32_t>(FieldI(uids, 3)), fsgid = static_cast<uint32_t>(FieldI(gids, 3));
      if (fsuid == st.st_uid) {
        writable = true;
      } else {
        bool in_group = fsgid == st.st_gid;
        for (const auto& g : StatusField(f.status, "Groups"))
          in_group = in_group || static_cast<uint32_t>(std::strtoul(g.c_str(), nullptr, 10)) == st.st_gid;
        const uint32_t bits = in_group ? (st.st_mode >> 3) : st.st_mode;
        if (bits & 02) writable = true;
        else if (ReadLink(base + "/ns/user") == ReadLink("/proc/1/ns/user") || ReadLink("/proc/1/ns/user").empty())
          writable = (capeff & (1ull << 1)) || (capeff & (1ull << 3));
      }
    }
    if (writable) flags |= PPM_EXE_WRITABLE;
  }
  if (exepath.rfind("/memfd:", 0) == 0) flags |= PPM_EXE_FROM_MEMFD;
  w.U32(flags);
  PutCaps(w, f.status);
  w.U64(have_exe ? st.st_ino : 0);
  w.U64(have_exe ? static_cast<uint64_t>(st.st_ctim.tv_sec) * 1000000000ull + st.st_ctim.tv_nsec : 0);
  w.U64(have_exe ? static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + st.st_mtim.tv_nsec : 0);
  w.U32(static_cast<uint32_t>(FieldI(uids, 1)));                    // uid (euid)
  if (exepath.empty()) {
    w.Empty();
  } else {
    std::string p = exepath;
    const std::string del = " (deleted)";
    if (p.size() > del.size() && p.compare(p.size() - del.size(), del.size(), del) == 0) p.resize(p.size() - del.size());
    if (p.rfind("/memfd:", 0) == 0) p = p.substr(1);
    w.Str(p);
  }
  w.S64(FieldI(f.pstat, 2));                                        // pgid (field 5)
  w.U32(static_cast<uint32_t>(FieldI(gids, 1)));                    // gid (egid)
}

// --- engine ---------------------------------------------------------------------

PtraceEngine::PtraceEngine(PtraceOptions options, std::function<void()> on_ready)
    : opts_(std::move(options)), on_ready_(std::move(on_ready)) {
  if (opts_.snaplen > SCAP_MAX_SNAPLEN) throw std::invalid_argument("snaplen must be at most 65000");
  if (opts_.argv.empty() && opts_.pid <= 0) throw std::invalid_argument("a command or a pid is needed");
  emit_all_ = opts_.full;
  const bool launch = !opts_.argv.empty();
  use_seccomp_ = launch && opts_.seccomp && !opts_.full && opts_.kill_on_close;
  covered_.assign(SCAP_SYSCALL_IDS, 0);
  for (long nr : kCovered) covered_[static_cast<size_t>(nr)] = 1;
  boot_time_ns_ = BootTime();
  cur_ = std::make_unique<Batch>(opts_.batch_bytes);
}

PtraceEngine::~PtraceEngine() { Stop(); }

void PtraceEngine::Start() {
  tracer_ = std::thread([this] { Run(); });
  flusher_ = std::thread([this] { FlushLoop(); });
  std::unique_lock<std::mutex> lk(start_mu_);
  start_cv_.wait(lk, [this] { return started_; });
  if (start_error_) {
    PtraceError e = *start_error_;
    lk.unlock();
    Stop();
    throw e;
  }
}

void PtraceEngine::Stop() {
  stop_.store(true);
  {
    std::lock_guard<std::mutex> lk(mu_);
    closing_ = true;
  }
  room_cv_.notify_all();
  flush_cv_.notify_all();
  // Wakes the tracer out of waitpid(): the waker child exits.
  int fd = __atomic_exchange_n(&waker_fd_, -1, __ATOMIC_SEQ_CST);
  if (fd >= 0) close(fd);
  if (tracer_.joinable()) tracer_.join();
  if (flusher_.joinable()) flusher_.join();
}

std::unique_ptr<Batch> PtraceEngine::Pop() {
  std::unique_ptr<Batch> b;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (ready_.empty()) return nullptr;
    b = std::move(ready_.front());
    ready_.pop_front();
  }
  room_cv_.notify_all();
  return b;
}

bool PtraceEngine::Done() {
  std::lock_guard<std::mutex> lk(mu_);
  return finished_ && ready_.empty();
}

PtraceCounters PtraceEngine::counters() {
  std::lock_guard<std::mutex> lk(mu_);
  return counters_;
}

ExitStatus PtraceEngine::exit_status() {
  std::lock_guard<std::mutex> lk(mu_);
  return exit_;
}

void PtraceEngine::QueueLocked() {
  ready_.push_back(std::move(cur_));
  cur_ = std::make_unique<Batch>(opts_.batch_bytes);
}

void PtraceEngine::Emit(const std::vector<uint8_t>& ev) {
  if (!emitting_) return;
  bool queued = false;
  {
    std::unique_lock<std::mutex> lk(mu_);
    if (closing_) return;
    if (!cur_->Fits(ev.size())) {
      // Back-pressure: the tracer (and so the tracees) waits for JS.
      room_cv_.wait(lk, [this] { return closing_ || ready_.size() < opts_.max_queued; });
      if (closing_) return;
      if (!cur_->offsets.empty()) {
        QueueLocked();
        queued = true;
      }
      if (!cur_->Fits(ev.size())) return;  // larger than a batch: never (events < 64 KiB)
    }
    if (cur_->offsets.empty()) cur_->opened_ns = ClockNs(CLOCK_MONOTONIC);
    std::memcpy(cur_->data + cur_->size, ev.data(), ev.size());
    cur_->offsets.push_back(static_cast<uint32_t>(cur_->size));
    cur_->cpus.push_back(0);
    cur_->size += ev.size();
    counters_.events++;
  }
  if (queued && on_ready_) on_ready_();
}

void PtraceEngine::FlushLoop() {
  const uint64_t flush_ns = static_cast<uint64_t>(opts_.flush_ms) * 1000000ull;
  std::unique_lock<std::mutex> lk(mu_);
  while (!closing_ && !finished_) {
    flush_cv_.wait_for(lk, std::chrono::milliseconds(std::max<uint32_t>(1, opts_.flush_ms / 2)));
    if (closing_ || finished_) break;
    if (!cur_->offsets.empty() && ClockNs(CLOCK_MONOTONIC) - cur_->opened_ns >= flush_ns &&
        ready_.size() < opts_.max_queued) {
      QueueLocked();
      lk.unlock();
      if (on_ready_) on_ready_();
      lk.lock();
    }
  }
}

int PtraceEngine::PidFd(pid_t tgid) {
  auto it = pidfds_.find(tgid);
  if (it != pidfds_.end()) return it->second;
  int fd = static_cast<int>(syscall(SYS_pidfd_open, tgid, 0));
  pidfds_[tgid] = fd;
  return fd;
}

PtraceEngine::Tracee& PtraceEngine::Add(pid_t tid, pid_t tgid) {
  auto& p = tracees_[tid];
  if (!p) {
    p = std::make_unique<Tracee>();
    p->tid = tid;
    p->tgid = tgid;
    std::lock_guard<std::mutex> lk(mu_);
    counters_.tracees++;
  }
  return *p;
}

void PtraceEngine::ReportStarted() {
  std::lock_guard<std::mutex> lk(start_mu_);
  if (started_) return;
  started_ = true;
  start_cv_.notify_all();
}

// The launched program exec'd (ok) or is gone: Start() may return.
void PtraceEngine::LaunchSettled(bool gone) {
  if (err_fd_ < 0) return;
  int msg[2] = {0, 0};
  ssize_t r = gone ? read(err_fd_, msg, sizeof msg) : 0;
  close(err_fd_);
  err_fd_ = -1;
  if (r == static_cast<ssize_t>(sizeof msg)) {
    static const char* what[] = {"", "redirecting stdio", "changing directory", "installing the seccomp filter", "execve"};
    const int stage = msg[0] >= 0 && msg[0] <= 4 ? msg[0] : 0;
    std::lock_guard<std::mutex> lk(start_mu_);
    start_error_ = PtraceError(msg[1] == EPERM || msg[1] == EACCES ? "PERMISSION" : "PTRACE", msg[1],
                               std::string("the launched program failed ") + what[stage] + ": " + Errno(msg[1]));
  }
  ReportStarted();
}

void PtraceEngine::Run() {
  tracer_tid_ = static_cast<pid_t>(syscall(SYS_gettid));
  try {
    // The waker: a child blocked on a pipe. Stop() closes the write end; the
    // waker exits and waitpid() in the loop returns.
    int wp[2];
    if (pipe2(wp, O_CLOEXEC) != 0) throw PtraceError("PTRACE", errno, "pipe2: " + Errno(errno));
    pid_t w = fork();
    if (w < 0) throw PtraceError("PTRACE", errno, "fork: " + Errno(errno));
    if (w == 0) {
      dup2(wp[0], 0);
      syscall(SYS_close_range, 1u, ~0u, 0u);
      char c;
      while (read(0, &c, 1) < 0 && errno == EINTR) {
      }
      _exit(0);
    }
    close(wp[0]);
    waker_pid_ = w;
    __atomic_store_n(&waker_fd_, wp[1], __ATOMIC_SEQ_CST);
    if (!opts_.argv.empty()) Launch(); else Attach();
  } catch (const PtraceError& e) {
    std::lock_guard<std::mutex> lk(start_mu_);
    start_error_ = e;
  }
  if (start_error_ || opts_.argv.empty()) ReportStarted();
  if (!start_error_) Loop();
  ReportStarted();
  // Reap the waker.
  int fd = __atomic_exchange_n(&waker_fd_, -1, __ATOMIC_SEQ_CST);
  if (fd >= 0) close(fd);
  if (waker_pid_ > 0) {
    int st;
    while (waitpid(waker_pid_, &st, __WALL) < 0 && errno == EINTR) {
    }
  }
  // A launched program left running (detached) is still our child: reap it
  // when it ends, so that it does not stay a zombie.
  bool reap = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    reap = root_pid_ > 0 && !exit_.exited && !start_error_;
  }
  if (reap) {
    const pid_t pid = root_pid_;
    std::thread([pid] {
      int st;
      while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR) {
      }
    }).detach();
  }
  for (auto& p : pidfds_)
    if (p.second >= 0) close(p.second);
  pidfds_.clear();
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!cur_->offsets.empty()) QueueLocked();
    finished_ = true;
  }
  flush_cv_.notify_all();
  if (on_ready_) on_ready_();
}

namespace {

// Looks `file` up in PATH (execvp's rule) before forking.
std::string ResolveProgram(const std::string& file, const std::vector<std::string>& env) {
  if (file.find('/') != std::string::npos) return file;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  std::istringstream is(path);
  std::string dir;
  while (std::getline(is, dir, ':')) {
    const std::string p = (dir.empty() ? "." : dir) + "/" + file;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

}  // namespace

void PtraceEngine::Launch() {
  std::vector<std::string> env = opts_.env;
  if (!opts_.env_set)
    for (char** e = environ; *e; e++) env.emplace_back(*e);
  const std::string prog = ResolveProgram(opts_.argv[0], env);
  if (prog.empty() || access(prog.c_str(), X_OK) != 0)
    throw PtraceError("NOT_FOUND", ENOENT, "cannot run '" + opts_.argv[0] + "': not found or not executable");
  std::vector<char*> argv, envp;
  for (auto& a : opts_.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  // The seccomp filter: TRACE for the covered syscalls, ALLOW for the rest.
  std::vector<sock_filter> f;
  std::vector<long> nrs(std::begin(kCovered), std::end(kCovered));
  const uint8_t n = static_cast<uint8_t>(nrs.size());
  f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, static_cast<uint8_t>(n + 1)));
  f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  for (uint8_t i = 0; i < n; i++)
    f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nrs[i]), static_cast<uint8_t>(n - i), 0));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
  sock_fprog prog_f{static_cast<unsigned short>(f.size()), f.data()};
  const bool seccomp = use_seccomp_;

  int sync[2], err[2];
  if (pipe2(sync, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
    throw PtraceError("PTRACE", errno, "pipe2: " + Errno(errno));
  const char* cwd = opts_.cwd.empty() ? nullptr : opts_.cwd.c_str();
  const int* stdio = opts_.stdio;
  pid_t pid = fork();
  if (pid < 0) throw PtraceError("PTRACE", errno, "fork: " + Errno(errno));
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    int stage = 0, e = 0;
    for (int i = 0; i < 3; i++)
      if (stdio[i] >= 0 && stdio[i] != i && dup2(stdio[i], i) < 0) { stage = 1; goto fail; }
    // Node opens its stdio O_CLOEXEC: the program inherits them as they are.
    for (int i = 0; i < 3; i++) fcntl(i, F_SETFD, 0);
    if (cwd && chdir(cwd) != 0) { stage = 2; goto fail; }
    {
      char c = 0;
      ssize_t r;
      while ((r = read(sync[0], &c, 1)) < 0 && errno == EINTR) {
      }
      if (r != 1 || c != 'g') _exit(127);
    }
    if (seccomp) {
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog_f) != 0) {
        // Without CAP_SYS_ADMIN a filter needs no_new_privs.
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog_f) != 0) { stage = 3; goto fail; }
      }
    }
    execve(prog.c_str(), argv.data(), envp.data());
    stage = 4;
  fail:
    e = errno;
    {
      int msg[2] = {stage, e};
      ssize_t wr = write(err[1], msg, sizeof msg);
      (void)wr;
    }
    _exit(127);
  }
  close(sync[0]);
  close(err[1]);
  root_pid_ = pid;
  long o = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
           PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_TRACESECCOMP;
  if (opts_.kill_on_close) o |= PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(o)) != 0) {
    const int e = errno;
    kill(pid, SIGKILL);
    close(sync[1]);
    close(err[0]);
    int st;
    waitpid(pid, &st, 0);
    throw PtraceError(e == EPERM || e == EACCES ? "PERMISSION" : "PTRACE", e, "ptrace(PTRACE_SEIZE) of the launched program: " + Errno(e));
  }
  Tracee& t = Add(pid, pid);
  t.ptid = tracer_tid_;
  // Stop it once so that it resumes in the right mode, then let it go on.
  ptrace(PTRACE_INTERRUPT, pid, nullptr, nullptr);
  int st = 0;
  while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR) {
  }
  if (WIFSTOPPED(st)) Resume(t);
  const char g = 'g';
  ssize_t wr = write(sync[1], &g, 1);
  (void)wr;
  close(sync[1]);
  // A setup failure before exec (seccomp refused, bad cwd) comes through this
  // pipe; Start() returns once the program has exec'd or is gone.
  err_fd_ = err[0];
}

void PtraceEngine::Attach() {
  const pid_t pid = opts_.pid;
  const std::string task = "/proc/" + std::to_string(pid) + "/task";
  if (access(("/proc/" + std::to_string(pid)).c_str(), F_OK) != 0)
    throw PtraceError("NOT_FOUND", ESRCH, "no process " + std::to_string(pid));
  const long o = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                 PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_TRACESECCOMP;
  // Seize every thread; threads born meanwhile are seized on the next pass.
  for (bool more = true; more;) {
    more = false;
    std::string listing;
    std::vector<pid_t> tids;
    if (DIR* d = opendir(task.c_str())) {
      while (dirent* de = readdir(d)) {
        if (de->d_name[0] == '.') continue;
        tids.push_back(static_cast<pid_t>(std::atoi(de->d_name)));
      }
      closedir(d);
    }
    for (pid_t tid : tids) {
      if (tracees_.count(tid)) continue;
      if (ptrace(PTRACE_SEIZE, tid, nullptr, reinterpret_cast<void*>(o)) != 0) {
        const int e = errno;
        if (e == ESRCH && !tracees_.empty()) continue;  // a thread that just exited
        for (auto& p : tracees_) ptrace(PTRACE_DETACH, p.first, nullptr, nullptr);
        tracees_.clear();
        if (e == ESRCH) throw PtraceError("NOT_FOUND", e, "no process " + std::to_string(pid));
        throw PtraceError(e == EPERM || e == EACCES ? "PERMISSION" : "PTRACE", e,
                          "ptrace(PTRACE_SEIZE, " + std::to_string(tid) + "): " + Errno(e));
      }
      Tracee& t = Add(tid, pid);
      t.ptid = 0;  // from /proc
      ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
      more = true;
    }
  }
  root_pid_ = 0;
}

void PtraceEngine::Resume(Tracee& t, int sig) {
  t.held = false;
  long req;
  if (t.detaching) {
    ptrace(PTRACE_DETACH, t.tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
    return;
  }
  if (t.in_syscall || !use_seccomp_) req = PTRACE_SYSCALL;
  else req = PTRACE_CONT;
  if (ptrace(static_cast<__ptrace_request>(req), t.tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig))) != 0 &&
      getenv("SCAP_TS_PTRACE_DEBUG"))
    fprintf(stderr, "[ptrace] resume %d failed: %s\n", t.tid, strerror(errno));
}

void PtraceEngine::Loop() {
  bool shutting = false;
  for (;;) {
    if (!shutting && stop_.load()) {
      shutting = true;
      Shutdown();
    }
    if (tracees_.empty() && children_.empty()) break;
    int st = 0;
    pid_t tid = waitpid(-1, &st, __WALL | __WNOTHREAD);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: nothing left
    }
    if (tid == waker_pid_) {
      waker_pid_ = 0;
      continue;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      HandleGone(tid, st);
      continue;
    }
    if (WIFSTOPPED(st)) HandleStop(tid, st);
  }
}

void PtraceEngine::Shutdown() {
  if (getenv("SCAP_TS_PTRACE_DEBUG")) {
    for (auto& p : tracees_) fprintf(stderr, "[ptrace] shutdown tracee %d held=%d first=%d\n", p.first, p.second->held, p.second->awaiting_first_stop);
    for (auto& c : children_) fprintf(stderr, "[ptrace] shutdown child %d\n", c.first);
  }
  emitting_ = false;
  const bool kill_all = !opts_.argv.empty() && opts_.kill_on_close;
  for (auto& p : tracees_) {
    Tracee& t = *p.second;
    if (kill_all) {
      kill(t.tgid, SIGKILL);
      if (t.held) Resume(t);
    } else {
      t.detaching = true;
      if (t.held) Resume(t);  // detaches
      else ptrace(PTRACE_INTERRUPT, t.tid, nullptr, nullptr);
    }
  }
  // Held tracees were detached by Resume(); forget them.
  if (!kill_all) {
    for (auto it = tracees_.begin(); it != tracees_.end();) {
      if (it->second->detaching && !it->second->held && early_.count(it->first)) it = tracees_.erase(it);
      else ++it;
    }
    early_.clear();
  }
}

void PtraceEngine::HandleGone(pid_t tid, int st) {
  auto it = tracees_.find(tid);
  if (tid == root_pid_) LaunchSettled(true);
  if (tid == root_pid_) {
    std::lock_guard<std::mutex> lk(mu_);
    exit_.exited = true;
    exit_.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    exit_.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  }
  if (it == tracees_.end()) return;
  Tracee& t = *it->second;
  if (!t.exit_emitted && emitting_) {
    // No PTRACE_EVENT_EXIT seen (e.g. killed during an exec): report it now.
    const int code = WIFEXITED(st) ? (WEXITSTATUS(st) << 8) : (WTERMSIG(st) | (WCOREDUMP(st) ? 0x80 : 0));
    EventWriter w(PPME_PROCEXIT_1_E, boot_time_ns_ + ClockNs(CLOCK_BOOTTIME), static_cast<uint64_t>(tid));
    const uint8_t sig = code & 0x7f;
    w.S64(code);
    w.S64((code >> 8) & 0xff);
    w.U8(sig != 0 && sig != 0x7f ? sig : 0);
    w.U8((code & 0x80) ? 1 : 0);
    w.S64(0);
    Emit(w.Finish());
  }
  tracees_.erase(it);
  children_.erase(tid);
}

void PtraceEngine::HandleStop(pid_t tid, int st) {
  const int sig = WSTOPSIG(st);
  const int event = st >> 16;
  static const bool debug = getenv("SCAP_TS_PTRACE_DEBUG") != nullptr;
  if (debug) fprintf(stderr, "[ptrace] stop tid=%d sig=%d event=%d stop=%d known=%d\n", tid, sig, event, stop_.load() ? 1 : 0, tracees_.count(tid) ? 1 : 0);
  auto it = tracees_.find(tid);
  if (it == tracees_.end()) {
    // A new child whose parent's fork event is not handled yet.
    auto c = children_.find(tid);
    pid_t tgid = tid;
    if (c != children_.end() && (c->second.flags & PPM_CL_CLONE_THREAD)) {
      auto p = tracees_.find(c->second.parent);
      if (p != tracees_.end()) tgid = p->second->tgid;
    } else if (c == children_.end()) {
      const auto tg = StatusField(ReadFile("/proc/" + std::to_string(tid) + "/status"), "Tgid");
      tgid = static_cast<pid_t>(FieldI(tg, 0, tid));
    }
    Tracee& t = Add(tid, tgid);
    t.awaiting_first_stop = true;
    it = tracees_.find(tid);
  }
  Tracee& t = *it->second;
  t.held = true;
  if (stop_.load()) {
    if (!opts_.argv.empty() && opts_.kill_on_close) {
      // Shutting down by killing: nothing is reported any more.
      kill(tid, SIGKILL);
      t.held = false;
      ptrace(PTRACE_CONT, tid, nullptr, nullptr);
      return;
    }
    // Shutting down by detaching, from whatever stop this is.
    if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) {
      unsigned long child = 0;
      ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child);
      children_[static_cast<pid_t>(child)] = ChildInfo{0, 0, tid};
    }
    const bool signal_stop = event == 0 && sig != (SIGTRAP | 0x80);
    ptrace(PTRACE_DETACH, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(signal_stop ? sig : 0)));
    children_.erase(tid);
    tracees_.erase(it);
    return;
  }
  if (t.awaiting_first_stop && event == PTRACE_EVENT_STOP) {
    if (children_.find(tid) == children_.end()) {
      early_.insert(tid);  // its parent's clone event comes next: wait for it
      return;
    }
    NewChildReady(t);
    Resume(t);
    return;
  }

  if (sig == (SIGTRAP | 0x80) || (sig == SIGTRAP && event == PTRACE_EVENT_SECCOMP)) {
    __ptrace_syscall_info info{};
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, reinterpret_cast<void*>(sizeof info), &info) <= 0) {
      Resume(t);
      return;
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      counters_.syscall_stops++;
    }
    if (info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
      OnEnter(t, static_cast<long>(info.seccomp.nr), info.seccomp.args);
    } else if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
      OnEnter(t, static_cast<long>(info.entry.nr), info.entry.args);
    } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
      if (t.in_syscall) OnExit(t, info.exit.rval);
      t.in_syscall = false;
    }
    Resume(t);
    return;
  }
  if (sig == SIGTRAP && (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE)) {
    unsigned long child = 0;
    ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child);
    const pid_t c = static_cast<pid_t>(child);
    uint16_t type = PPME_SYSCALL_CLONE_20_X;
    uint64_t kflags = 0;
    switch (t.nr) {
      case SYS_fork: type = PPME_SYSCALL_FORK_20_X; break;
      case SYS_vfork: type = PPME_SYSCALL_VFORK_20_X; kflags = CLONE_VFORK | CLONE_VM; break;
      case SYS_clone3: {
        type = PPME_SYSCALL_CLONE3_X;
        ReadMem(tid, t.args[0], &kflags, 8);
        break;
      }
      default: kflags = t.args[0]; break;
    }
    ChildInfo ci{type, clone_flags_to_scap(kflags), tid};
    children_[c] = ci;
    if (tracees_.count(c) == 0) {
      Tracee& ct = Add(c, (kflags & CLONE_THREAD) ? t.tgid : c);
      ct.awaiting_first_stop = true;
    }
    Tracee& ct = *tracees_[c];
    ct.tgid = (kflags & CLONE_THREAD) ? t.tgid : c;
    ct.ptid = (kflags & (CLONE_THREAD | CLONE_PARENT)) ? t.ptid : tid;
    if (early_.count(c)) {
      early_.erase(c);
      NewChildReady(ct);
      Resume(ct);
    }
    Resume(t);
    return;
  }
  if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC) {
    unsigned long former = 0;
    ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &former);
    if (static_cast<pid_t>(former) != tid) {
      auto f = tracees_.find(static_cast<pid_t>(former));
      if (f != tracees_.end()) {
        t.in_syscall = f->second->in_syscall;
        t.nr = f->second->nr;
        std::memcpy(t.args, f->second->args, sizeof t.args);
        t.exec_filename = f->second->exec_filename;
        tracees_.erase(f);
      }
    }
    // The new image is in place: the successful execve (EXECVE_19_X, as the probe).
    if (emitting_ && (emit_all_ || covered_[SYS_execve])) {
      const ProcFacts f = Facts(t.tgid, tid);
      EventWriter w(PPME_SYSCALL_EXECVE_19_X, boot_time_ns_ + ClockNs(CLOCK_BOOTTIME), static_cast<uint64_t>(tid));
      w.S64(0);
      PutExeArgs(w, t.tgid);
      PutProcIdsMem(w, t, f);
      const std::string env = ReadFile("/proc/" + std::to_string(t.tgid) + "/environ", 1 << 20);
      if (env.empty()) w.Empty(); else w.Bytes(CutList(env));
      PutExecTail(w, t, f);
      // filename: what the kernel resolved; for an fd-relative execveat /dev/fd/N[/path].
      std::optional<std::string> fn = t.exec_filename;
      if (fn && t.nr == SYS_execveat) {
        const int dirfd = static_cast<int>(t.args[0]);
        if (!fn->empty() && (*fn)[0] == '/') {
        } else if (dirfd == AT_FDCWD) {
        } else if (fn->empty()) {
          fn = "/dev/fd/" + std::to_string(dirfd);
        } else {
          fn = "/dev/fd/" + std::to_string(dirfd) + "/" + *fn;
        }
      }
      w.OptStr(fn);
      Emit(w.Finish());
    }
    t.exec_emitted = true;
    if (t.tgid == root_pid_) LaunchSettled(false);
    Resume(t);
    return;
  }
  if (sig == SIGTRAP && event == PTRACE_EVENT_EXIT) {
    unsigned long code = 0;
    ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &code);
    if (emitting_) {
      const int c = static_cast<int>(code);
      // reaper_tid: 0 without children; else a live thread of the group, else init (1).
      int64_t reaper = 0;
      const std::string kids = ReadFile("/proc/" + std::to_string(t.tgid) + "/task/" + std::to_string(tid) + "/children");
      if (kids.find_first_not_of(" \n") != std::string::npos) {
        reaper = 1;
        for (auto& p : tracees_)
          if (p.second->tgid == t.tgid && p.first != tid && !p.second->exit_emitted) reaper = p.first;
      }
      EventWriter w(PPME_PROCEXIT_1_E, boot_time_ns_ + ClockNs(CLOCK_BOOTTIME), static_cast<uint64_t>(tid));
      const uint8_t s = c & 0x7f;
      w.S64(c);
      w.S64((c >> 8) & 0xff);
      w.U8(s != 0 && s != 0x7f ? s : 0);
      w.U8((c & 0x80) ? 1 : 0);
      w.S64(reaper);
      Emit(w.Finish());
    }
    t.exit_emitted = true;
    t.in_syscall = false;
    Resume(t);
    return;
  }
  if (event == PTRACE_EVENT_STOP) {
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
      t.held = false;
      ptrace(PTRACE_LISTEN, tid, nullptr, nullptr);  // group-stop: stay stopped
    } else {
      Resume(t);  // PTRACE_INTERRUPT or a spurious trap stop
    }
    return;
  }
  if (event != 0) {
    Resume(t);
    return;
  }
  // Signal-delivery-stop: report it (signaldeliver, as the probe) and deliver it.
  // A traced task is shown even the signals it ignores, which the kernel would
  // have dropped at send time for an untraced one (no signal_deliver then).
  bool ignored = false, as_kill = false;
  {
    const std::string status = ReadFile("/proc/" + std::to_string(t.tgid) + "/task/" + std::to_string(tid) + "/status");
    auto mask = [&](const char* k) { return StatusHex(status, k); };
    const uint64_t bit = 1ull << (sig - 1);
    const bool dfl_ignore = sig == SIGCHLD || sig == SIGCONT || sig == SIGWINCH || sig == SIGURG;
    ignored = (mask("SigIgn") & bit) || (dfl_ignore && !(mask("SigCgt") & bit));
    // An untraced task gets a fatal, uncaught, non-core-dumping signal as a
    // group-wide SIGKILL without siginfo (the kernel's fast path, skipped
    // for traced tasks): report it that way, as the probe sees it.
    const bool stop_sig = sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
    const bool core = sig == SIGQUIT || sig == SIGILL || sig == SIGTRAP || sig == SIGABRT || sig == SIGBUS ||
                      sig == SIGFPE || sig == SIGSEGV || sig == SIGXCPU || sig == SIGXFSZ || sig == SIGSYS;
    as_kill = !ignored && !dfl_ignore && !stop_sig && !core && !(mask("SigCgt") & bit) && !(mask("SigBlk") & bit);
  }
  if (emitting_ && !ignored) {
    siginfo_t si{};
    int32_t spid = 0;
    if (ptrace(PTRACE_GETSIGINFO, tid, nullptr, &si) == 0) {
      switch (sig) {
        case SIGKILL: spid = si.si_pid; break;
        case SIGTERM: case SIGHUP: case SIGINT: case SIGTSTP: case SIGQUIT:
          if (si.si_code <= 0) spid = si.si_pid;
          break;
        case SIGCHLD: spid = si.si_pid; break;
        default:
          if (sig >= SIGRTMIN && sig <= SIGRTMAX) spid = si.si_pid;
      }
    }
    EventWriter w(PPME_SIGNALDELIVER_E, boot_time_ns_ + ClockNs(CLOCK_BOOTTIME), static_cast<uint64_t>(tid));
    w.S64(as_kill ? 0 : spid);
    w.S64(tid);
    w.U8(static_cast<uint8_t>(as_kill ? SIGKILL : sig));
    Emit(w.Finish());
  }
  Resume(t, sig);
}

// The clone-family exit event of a new task, at its first stop.
void PtraceEngine::NewChildReady(Tracee& t) {
  t.awaiting_first_stop = false;
  auto c = children_.find(t.tid);
  if (c == children_.end()) return;
  const ChildInfo ci = c->second;
  children_.erase(c);
  if (!emitting_ || ci.type == 0) return;
  if (!emit_all_ && !covered_[SYS_clone]) return;
  const ProcFacts f = Facts(t.tgid, t.tid);
  EventWriter w(ci.type, boot_time_ns_ + ClockNs(CLOCK_BOOTTIME), static_cast<uint64_t>(t.tid));
  w.S64(0);
  PutExeArgs(w, t.tgid);
  PutProcIdsMem(w, t, f);
  w.U32(ci.flags | PidnsFlag(t.tid));
  const auto uids = StatusField(f.status, "Uid"), gids = StatusField(f.status, "Gid");
  w.U32(static_cast<uint32_t>(FieldI(uids, 1)));
  w.U32(static_cast<uint32_t>(FieldI(gids, 1)));
  const auto nspid = StatusField(f.status, "NSpid"), nstgid = StatusField(f.status, "NStgid");
  w.S64(nspid.empty() ? t.tid : FieldI(nspid, nspid.size() - 1));
  w.S64(nstgid.empty() ? t.tgid : FieldI(nstgid, nstgid.size() - 1));
  // pidns_init_start_ts: start of the pid namespace's init (ticks from /proc, in ns).
  uint64_t ns_start = 0;
  {
    const auto init = StatFields(ReadFile("/proc/1/stat"));
    const long hz = sysconf(_SC_CLK_TCK);
    if (init.size() > 19 && hz > 0) ns_start = static_cast<uint64_t>(FieldI(init, 19)) * (1000000000ull / static_cast<uint64_t>(hz));
  }
  w.U64(ns_start);
  Emit(w.Finish());
}

void PutSockaddr(EventWriter& w, pid_t tid, uint64_t addr, uint64_t len);

void PtraceEngine::OnEnter(Tracee& t, long nr, const uint64_t* a) {
  t.in_syscall = true;
  t.nr = nr;
  std::memcpy(t.args, a, sizeof t.args);
  t.exec_emitted = false;
  if (nr < 0 || nr >= SCAP_SYSCALL_IDS) return;
  const bool want = emit_all_ || covered_[static_cast<size_t>(nr)];
  const uint64_t ts = boot_time_ns_ + ClockNs(CLOCK_BOOTTIME);
  const pid_t tid = t.tid;
  // Whether an O_CREAT target exists now (PPM_O_F_CREATED at exit).
  auto existed = [&](int dirfd, uint64_t name_addr) {
    auto name = ReadStr(tid, name_addr);
    if (!name) return true;
    std::string path = *name;
    if (path.empty() || path[0] != '/') {
      const std::string base = dirfd == AT_FDCWD ? "/proc/" + std::to_string(tid) + "/cwd"
                                                 : "/proc/" + std::to_string(tid) + "/fd/" + std::to_string(dirfd);
      path = base + "/" + path;
    }
    struct stat st{};
    return stat(path.c_str(), &st) == 0;
  };
  switch (nr) {
    case SYS_execve:
      t.exec_filename = ReadStr(tid, a[0]);
      return;
    case SYS_execveat:
      t.exec_filename = ReadStr(tid, a[1]);
      return;
    case SYS_open: {
      const uint32_t fl = static_cast<uint32_t>(a[1]);
      t.existed = (fl & O_CREAT) ? existed(AT_FDCWD, a[0]) : true;
      if (!want) return;
      EventWriter w(PPME_SYSCALL_OPEN_E, ts, static_cast<uint64_t>(tid));
      w.OptStr(ReadStr(tid, a[0]));
      w.U32(open_flags_to_scap(fl));
      w.U32(open_mode_to_scap(fl, static_cast<uint32_t>(a[2])));
      Emit(w.Finish());
      return;
    }
    case SYS_openat: {
      const uint32_t fl = static_cast<uint32_t>(a[2]);
      t.existed = (fl & O_CREAT) ? existed(static_cast<int>(a[0]), a[1]) : true;
      if (!want) return;
      EventWriter w(PPME_SYSCALL_OPENAT_2_E, ts, static_cast<uint64_t>(tid));
      w.S64(static_cast<int32_t>(a[0]));
      w.OptStr(ReadStr(tid, a[1]));
      w.U32(open_flags_to_scap(fl));
      w.U32(open_mode_to_scap(fl, static_cast<uint32_t>(a[3])));
      Emit(w.Finish());
      return;
    }
    case SYS_openat2: {
      uint64_t how[3] = {};
      ReadMem(tid, a[2], how, sizeof how);
      t.existed = (how[0] & O_CREAT) ? existed(static_cast<int>(a[0]), a[1]) : true;
      if (!want) return;
      EventWriter w(PPME_SYSCALL_OPENAT2_E, ts, static_cast<uint64_t>(tid));
      w.S64(static_cast<int32_t>(a[0]));
      w.OptStr(ReadStr(tid, a[1]));
      w.U32(open_flags_to_scap(static_cast<uint32_t>(how[0])));
      w.U32(open_mode_to_scap(static_cast<uint32_t>(how[0]), static_cast<uint32_t>(how[1])));
      w.U32(openat2_resolve_to_scap(how[2]));
      Emit(w.Finish());
      return;
    }
    case SYS_creat: {
      if (!want) return;
      EventWriter w(PPME_SYSCALL_CREAT_E, ts, static_cast<uint64_t>(tid));
      w.OptStr(ReadStr(tid, a[0]));
      w.U32(open_mode_to_scap(O_CREAT, static_cast<uint32_t>(a[1])));
      Emit(w.Finish());
      return;
    }
    default:
      break;
  }
  if (nr == SYS_connect && want) {
    EventWriter w(PPME_SOCKET_CONNECT_E, ts, static_cast<uint64_t>(tid));
    w.S64(static_cast<int32_t>(a[0]));
    PutSockaddr(w, tid, a[1], a[2]);
    Emit(w.Finish());
  }
}

// PT_SOCKADDR from a user sockaddr (as driver/bpf/net.h).
void PutSockaddr(EventWriter& w, pid_t tid, uint64_t addr, uint64_t len) {
  uint8_t sa[kSockaddrMax * 2] = {};
  if (addr == 0 || len < 2) {
    w.Empty();
    return;
  }
  if (len > kSockaddrMax) len = kSockaddrMax;
  if (!ReadMem(tid, addr, sa, len)) {
    w.Empty();
    return;
  }
  uint16_t fam;
  std::memcpy(&fam, sa, 2);
  const size_t start = w.b.size();
  if (fam == AF_INET) {
    uint8_t f = PPM_AF_INET;
    w.Raw(&f, 1);
    w.Raw(sa + 4, 4);
    uint16_t port = ntohs(*reinterpret_cast<uint16_t*>(sa + 2));
    w.Raw(&port, 2);
  } else if (fam == AF_INET6) {
    uint8_t f = PPM_AF_INET6;
    w.Raw(&f, 1);
    w.Raw(sa + 8, 16);
    uint16_t port = ntohs(*reinterpret_cast<uint16_t*>(sa + 2));
    w.Raw(&port, 2);
  } else if (fam == AF_UNIX) {
    uint8_t f = PPM_AF_UNIX;
    w.Raw(&f, 1);
    const size_t off = sa[2] == 0 ? 3 : 2;
    const char* p = reinterpret_cast<const char*>(sa + off);
    const size_t n = strnlen(p, 107);
    w.Raw(p, n);
    uint8_t z = 0;
    w.Raw(&z, 1);
  }
  w.Len(w.b.size() - start);
}

namespace {

// PT_SOCKTUPLE of the tracee's socket `fd`, from a copy of the fd. UNIX
// tuples carry 0 for the kernel socket pointers (not visible from userspace).
void PutSocktuple(EventWriter& w, PtraceEngine& eng, const PtraceEngine::Tracee& t, int64_t fd, bool outbound,
                  uint64_t uaddr, uint64_t ulen) {
  const int pfd = fd >= 0 ? eng.PidFd(t.tgid) : -1;
  const int s = pfd >= 0 ? static_cast<int>(syscall(SYS_pidfd_getfd, pfd, static_cast<int>(fd), 0)) : -1;
  if (s < 0) {
    w.Empty();
    return;
  }
  int domain = 0;
  socklen_t dl = sizeof domain;
  if (getsockopt(s, SOL_SOCKET, SO_DOMAIN, &domain, &dl) != 0) {
    close(s);
    w.Empty();
    return;
  }
  sockaddr_storage l{}, r{};
  socklen_t ll = sizeof l, rl = sizeof r;
  getsockname(s, reinterpret_cast<sockaddr*>(&l), &ll);
  const bool connected = getpeername(s, reinterpret_cast<sockaddr*>(&r), &rl) == 0;
  close(s);
  const size_t start = w.b.size();
  uint8_t ua[kSockaddrMax] = {};
  const bool have_u = uaddr && ulen >= 2 && ReadMem(t.tid, uaddr, ua, std::min<uint64_t>(ulen, kSockaddrMax));
  if (domain == AF_INET) {
    auto* li = reinterpret_cast<sockaddr_in*>(&l);
    auto* ri = reinterpret_cast<sockaddr_in*>(&r);
    uint32_t lip = li->sin_addr.s_addr, rip = connected ? ri->sin_addr.s_addr : 0;
    uint16_t lport = ntohs(li->sin_port), rport = connected ? ntohs(ri->sin_port) : 0;
    if (rport == 0 && have_u && *reinterpret_cast<uint16_t*>(ua) == AF_INET) {
      std::memcpy(&rip, ua + 4, 4);
      rport = ntohs(*reinterpret_cast<uint16_t*>(ua + 2));
    }
    uint8_t f = PPM_AF_INET;
    w.Raw(&f, 1);
    if (outbound) {
      w.Raw(&lip, 4), w.Raw(&lport, 2), w.Raw(&rip, 4), w.Raw(&rport, 2);
    } else {
      w.Raw(&rip, 4), w.Raw(&rport, 2), w.Raw(&lip, 4), w.Raw(&lport, 2);
    }
  } else if (domain == AF_INET6) {
    auto* li = reinterpret_cast<sockaddr_in6*>(&l);
    auto* ri = reinterpret_cast<sockaddr_in6*>(&r);
    uint8_t lip[16], rip[16] = {};
    std::memcpy(lip, &li->sin6_addr, 16);
    if (connected) std::memcpy(rip, &ri->sin6_addr, 16);
    uint16_t lport = ntohs(li->sin6_port), rport = connected ? ntohs(ri->sin6_port) : 0;
    if (rport == 0 && have_u && *reinterpret_cast<uint16_t*>(ua) == AF_INET6) {
      std::memcpy(rip, ua + 8, 16);
      rport = ntohs(*reinterpret_cast<uint16_t*>(ua + 2));
    }
    uint8_t f = PPM_AF_INET6;
    w.Raw(&f, 1);
    if (outbound) {
      w.Raw(lip, 16), w.Raw(&lport, 2), w.Raw(rip, 16), w.Raw(&rport, 2);
    } else {
      w.Raw(rip, 16), w.Raw(&rport, 2), w.Raw(lip, 16), w.Raw(&lport, 2);
    }
  } else if (domain == AF_UNIX) {
    uint8_t f = PPM_AF_UNIX;
    w.Raw(&f, 1);
    uint64_t zero = 0;
    w.Raw(&zero, 8), w.Raw(&zero, 8);
    // outbound: the peer's path (or the address passed); inbound: our own.
    const sockaddr_un* u = nullptr;
    sockaddr_un tmp{};
    if (outbound) {
      if (connected && rl > sizeof(sa_family_t)) u = reinterpret_cast<sockaddr_un*>(&r);
      else if (have_u) {
        std::memcpy(&tmp, ua, sizeof tmp < kSockaddrMax ? sizeof tmp : kSockaddrMax);
        u = &tmp;
      }
    } else if (ll > sizeof(sa_family_t)) {
      u = reinterpret_cast<sockaddr_un*>(&l);
    }
    const char* p = u ? u->sun_path : "";
    if (u && p[0] == 0) p++;
    const size_t n = strnlen(p, 107);
    w.Raw(p, n);
    uint8_t z = 0;
    w.Raw(&z, 1);
  }
  w.Len(w.b.size() - start);
}

void PutData(EventWriter& w, PtraceEngine& eng, pid_t tid, uint64_t addr, uint64_t len) {
  len = std::min<uint64_t>(len, eng.snaplen());
  if (addr == 0 || len == 0) {
    w.Empty();
    return;
  }
  std::string buf(len, '\0');
  if (!ReadMem(tid, addr, buf.data(), len)) {
    eng.CountFault();
    w.Empty();
    return;
  }
  w.Bytes(buf);
}

void FileDevIno(pid_t tid, int64_t fd, uint32_t* dev, uint64_t* ino) {
  *dev = 0;
  *ino = 0;
  if (fd < 0) return;
  struct stat st{};
  if (stat(("/proc/" + std::to_string(tid) + "/fd/" + std::to_string(fd)).c_str(), &st) != 0) return;
  *dev = static_cast<uint32_t>(st.st_dev);
  *ino = st.st_ino;
}

// The two fds a successful pipe or socketpair stored at addr; -1, -1 (and a
// fault) when unreadable.
void ReadFdPair(PtraceEngine& eng, pid_t tid, uint64_t addr, int32_t fds[2]) {
  if (ReadMem(tid, addr, fds, 2 * sizeof(int32_t))) return;
  eng.CountFault();
  fds[0] = fds[1] = -1;
}

// The user iovec array (at most kMaxIov entries); none when unreadable (a fault).
std::vector<iovec> FetchIov(PtraceEngine& eng, pid_t tid, uint64_t uiov, uint64_t cnt) {
  std::vector<iovec> v;
  if (uiov == 0 || cnt == 0) return v;
  v.resize(std::min<uint64_t>(cnt, kMaxIov));
  if (!ReadMem(tid, uiov, v.data(), v.size() * sizeof(iovec))) {
    eng.CountFault();
    v.clear();
  }
  return v;
}

// The size a vectored write asked for.
uint64_t IovTotal(const std::vector<iovec>& v) {
  uint64_t total = 0;
  for (const iovec& e : v) total += e.iov_len;
  return total;
}

// PT_BYTEBUF: the first `limit` bytes (at most snaplen) of the buffers, in
// order; a buffer that cannot be read ends the data (a fault).
void PutIovData(EventWriter& w, PtraceEngine& eng, pid_t tid, const std::vector<iovec>& v, uint64_t limit) {
  limit = std::min<uint64_t>(limit, eng.snaplen());
  std::string out;
  for (const iovec& e : v) {
    const size_t n = std::min<uint64_t>(e.iov_len, limit - out.size());
    if (n == 0) continue;
    const size_t at = out.size();
    out.resize(at + n);
    if (!ReadMem(tid, reinterpret_cast<uint64_t>(e.iov_base), &out[at], n)) {
      eng.CountFault();
      out.resize(at);
      break;
    }
  }
  w.Bytes(out);
}

// The user msghdr of sendmsg/recvmsg; false when NULL or unreadable (a fault).
bool FetchMsghdr(PtraceEngine& eng, pid_t tid, uint64_t addr, msghdr* m) {
  *m = msghdr{};
  if (addr == 0) return false;
  if (ReadMem(tid, addr, m, sizeof *m)) return true;
  eng.CountFault();
  *m = msghdr{};
  return false;
}

void PutPtraceU64(EventWriter& w, uint64_t v) {
  w.Raw(&kPtraceIdxU64, 1);
  w.Raw(&v, 8);
  w.Len(9);
}

}  // namespace

void PtraceEngine::OnExit(Tracee& t, int64_t ret) {
  const long nr = t.nr;
  if (nr < 0 || nr >= SCAP_SYSCALL_IDS || !emitting_) return;
  const bool covered = covered_[static_cast<size_t>(nr)];
  if (!emit_all_ && !covered) return;
  const uint64_t* a = t.args;
  const pid_t tid = t.tid;
  const uint64_t ts = boot_time_ns_ + ClockNs(CLOCK_BOOTTIME);
  const uint64_t tidu = static_cast<uint64_t>(tid);
  if (!covered) {
    EventWriter w(PPME_GENERIC_X, ts, tidu);
    w.U16(static_cast<uint16_t>(scap_x86_64_syscall_table[nr].ppm_sc));
    w.U16(static_cast<uint16_t>(nr));
    Emit(w.Finish());
    return;
  }
  const uint32_t created = (!t.existed && ret >= 0) ? PPM_O_F_CREATED : 0;
  // A string argument as the probe reads it at exit (empty when NULL or unreadable).
  auto str = [&](EventWriter& w, uint64_t addr) { w.OptStr(ReadStr(tid, addr)); };
  switch (nr) {
    case SYS_open: {
      EventWriter w(PPME_SYSCALL_OPEN_X, ts, tidu);
      uint32_t dev;
      uint64_t ino;
      FileDevIno(tid, ret, &dev, &ino);
      const uint32_t fl = static_cast<uint32_t>(a[1]);
      w.S64(ret);
      w.OptStr(ReadStr(tid, a[0]));
      w.U32(open_flags_to_scap(fl) | created);
      w.U32(open_mode_to_scap(fl, static_cast<uint32_t>(a[2])));
      w.U32(dev);
      w.U64(ino);
      Emit(w.Finish());
      return;
    }
    case SYS_openat: {
      EventWriter w(PPME_SYSCALL_OPENAT_2_X, ts, tidu);
      uint32_t dev;
      uint64_t ino;
      FileDevIno(tid, ret, &dev, &ino);
      const uint32_t fl = static_cast<uint32_t>(a[2]);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      w.OptStr(ReadStr(tid, a[1]));
      w.U32(open_flags_to_scap(fl) | created);
      w.U32(open_mode_to_scap(fl, static_cast<uint32_t>(a[3])));
      w.U32(dev);
      w.U64(ino);
      Emit(w.Finish());
      return;
    }
    case SYS_openat2: {
      EventWriter w(PPME_SYSCALL_OPENAT2_X, ts, tidu);
      uint32_t dev;
      uint64_t ino;
      FileDevIno(tid, ret, &dev, &ino);
      uint64_t how[3] = {};
      ReadMem(tid, a[2], how, sizeof how);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      w.OptStr(ReadStr(tid, a[1]));
      w.U32(open_flags_to_scap(static_cast<uint32_t>(how[0])) | created);
      w.U32(open_mode_to_scap(static_cast<uint32_t>(how[0]), static_cast<uint32_t>(how[1])));
      w.U32(openat2_resolve_to_scap(how[2]));
      w.U32(dev);
      w.U64(ino);
      Emit(w.Finish());
      return;
    }
    case SYS_creat: {
      EventWriter w(PPME_SYSCALL_CREAT_X, ts, tidu);
      uint32_t dev;
      uint64_t ino;
      FileDevIno(tid, ret, &dev, &ino);
      w.S64(ret);
      w.OptStr(ReadStr(tid, a[0]));
      w.U32(open_mode_to_scap(O_CREAT, static_cast<uint32_t>(a[1])));
      w.U32(dev);
      w.U64(ino);
      w.U16(0);
      Emit(w.Finish());
      return;
    }
    case SYS_dup: {
      EventWriter w(PPME_SYSCALL_DUP_1_X, ts, tidu);
      w.S64(static_cast<int32_t>(ret));
      w.S64(static_cast<int32_t>(a[0]));
      Emit(w.Finish());
      return;
    }
    case SYS_dup2:
    case SYS_dup3: {
      EventWriter w(nr == SYS_dup2 ? PPME_SYSCALL_DUP2_X : PPME_SYSCALL_DUP3_X, ts, tidu);
      w.S64(static_cast<int32_t>(ret));
      w.S64(static_cast<int32_t>(a[0]));
      w.S64(static_cast<int32_t>(a[1]));
      if (nr == SYS_dup3) w.U32(dup3_flags_to_scap(static_cast<uint32_t>(a[2])));
      Emit(w.Finish());
      return;
    }
    case SYS_pipe:
    case SYS_pipe2: {
      EventWriter w(nr == SYS_pipe ? PPME_SYSCALL_PIPE_X : PPME_SYSCALL_PIPE2_X, ts, tidu);
      int32_t fds[2] = {-1, -1};
      uint32_t dev = 0;
      uint64_t ino = 0;
      if (ret == 0) {
        ReadFdPair(*this, tid, a[0], fds);
        FileDevIno(tid, fds[0], &dev, &ino);
      }
      w.S64(ret);
      w.S64(fds[0]);
      w.S64(fds[1]);
      w.U64(ino);
      if (nr == SYS_pipe2) w.U32(pipe2_flags_to_scap(static_cast<uint32_t>(a[1])));
      Emit(w.Finish());
      return;
    }
    case SYS_close: {
      EventWriter w(PPME_SYSCALL_CLOSE_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      Emit(w.Finish());
      return;
    }
    case SYS_read:
    case SYS_write:
    case SYS_pread64:
    case SYS_pwrite64: {
      const uint16_t type = nr == SYS_read ? PPME_SYSCALL_READ_X
                            : nr == SYS_write ? PPME_SYSCALL_WRITE_X
                            : nr == SYS_pread64 ? PPME_SYSCALL_PREAD_X
                                                : PPME_SYSCALL_PWRITE_X;
      EventWriter w(type, ts, tidu);
      w.S64(ret);
      PutData(w, *this, tid, a[1], ret > 0 ? static_cast<uint64_t>(ret) : 0);
      w.S64(static_cast<int32_t>(a[0]));
      w.U32(static_cast<uint32_t>(a[2]));
      if (nr == SYS_pread64 || nr == SYS_pwrite64) w.U64(a[3]);
      Emit(w.Finish());
      return;
    }
    case SYS_socket: {
      EventWriter w(PPME_SOCKET_SOCKET_X, ts, tidu);
      const uint32_t type = static_cast<uint32_t>(a[1]);
      w.S64(ret);
      w.U32(socket_family_to_scap(static_cast<uint32_t>(a[0])));
      w.U32(type);
      w.U32(static_cast<uint32_t>(a[2]));
      w.U32(socket_flags_to_scap(type));
      Emit(w.Finish());
      return;
    }
    case SYS_bind: {
      EventWriter w(PPME_SOCKET_BIND_X, ts, tidu);
      w.S64(ret);
      PutSockaddr(w, tid, a[1], a[2]);
      w.S64(static_cast<int32_t>(a[0]));
      Emit(w.Finish());
      return;
    }
    case SYS_connect: {
      EventWriter w(PPME_SOCKET_CONNECT_X, ts, tidu);
      const int64_t fd = static_cast<int32_t>(a[0]);
      w.S64(ret);
      if (ret == 0 || ret == -EINPROGRESS) PutSocktuple(w, *this, t, fd, true, a[1], a[2]);
      else w.Empty();
      w.S64(fd);
      PutSockaddr(w, tid, a[1], a[2]);
      Emit(w.Finish());
      return;
    }
    case SYS_listen: {
      EventWriter w(PPME_SOCKET_LISTEN_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      w.U32(static_cast<uint32_t>(a[1]));
      Emit(w.Finish());
      return;
    }
    case SYS_accept:
    case SYS_accept4: {
      EventWriter w(nr == SYS_accept ? PPME_SOCKET_ACCEPT_5_X : PPME_SOCKET_ACCEPT4_6_X, ts, tidu);
      uint32_t qlen = 0, qmax = 0;
      uint8_t qpct = 0;
      w.S64(ret);
      if (ret >= 0) {
        PutSocktuple(w, *this, t, ret, false, 0, 0);
        const int pfd = PidFd(t.tgid);
        const int s = pfd >= 0 ? static_cast<int>(syscall(SYS_pidfd_getfd, pfd, static_cast<int>(static_cast<int32_t>(a[0])), 0)) : -1;
        if (s >= 0) {
          tcp_info ti{};
          socklen_t tl = sizeof ti;
          if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 && ti.tcpi_state == TCP_LISTEN) {
            qlen = ti.tcpi_unacked;
            qmax = ti.tcpi_sacked;
            if (qmax) qpct = static_cast<uint8_t>(static_cast<uint64_t>(qlen) * 100 / qmax);
          }
          close(s);
        }
      } else {
        w.Empty();
      }
      w.U8(qpct);
      w.U32(qlen);
      w.U32(qmax);
      if (nr == SYS_accept4) w.U32(socket_flags_to_scap(static_cast<uint32_t>(a[3])));
      Emit(w.Finish());
      return;
    }
    case SYS_shutdown: {
      EventWriter w(PPME_SOCKET_SHUTDOWN_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      w.U8(shutdown_how_to_scap(static_cast<uint32_t>(a[1])));
      Emit(w.Finish());
      return;
    }
    case SYS_sendto: {
      EventWriter w(PPME_SOCKET_SENDTO_X, ts, tidu);
      const int64_t fd = static_cast<int32_t>(a[0]);
      const uint32_t size = static_cast<uint32_t>(a[2]);
      w.S64(ret);
      PutData(w, *this, tid, a[1], ret > 0 ? static_cast<uint64_t>(ret) : size);
      w.S64(fd);
      w.U32(size);
      if (ret >= 0) PutSocktuple(w, *this, t, fd, true, a[4], a[5]);
      else w.Empty();
      Emit(w.Finish());
      return;
    }
    case SYS_recvfrom: {
      EventWriter w(PPME_SOCKET_RECVFROM_X, ts, tidu);
      const int64_t fd = static_cast<int32_t>(a[0]);
      w.S64(ret);
      if (ret >= 0) {
        PutData(w, *this, tid, a[1], static_cast<uint64_t>(ret));
        uint32_t alen = 0;
        if (a[4] && a[5]) ReadMem(tid, a[5], &alen, 4);
        PutSocktuple(w, *this, t, fd, false, a[4], alen);
      } else {
        w.Empty();
        w.Empty();
      }
      w.S64(fd);
      w.U32(static_cast<uint32_t>(a[2]));
      Emit(w.Finish());
      return;
    }
    case SYS_kill:
    case SYS_tkill: {
      EventWriter w(nr == SYS_kill ? PPME_SYSCALL_KILL_X : PPME_SYSCALL_TKILL_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      w.U8(static_cast<uint8_t>(a[1]));
      Emit(w.Finish());
      return;
    }
    case SYS_tgkill: {
      EventWriter w(PPME_SYSCALL_TGKILL_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      w.S64(static_cast<int32_t>(a[1]));
      w.U8(static_cast<uint8_t>(a[2]));
      Emit(w.Finish());
      return;
    }
    case SYS_clone:
    case SYS_fork:
    case SYS_vfork:
    case SYS_clone3: {
      // The parent's side (res = child tid, or the error). The child's side is
      // written at the child's first stop (NewChildReady).
      uint16_t type = PPME_SYSCALL_CLONE_20_X;
      uint64_t kflags = a[0];
      if (nr == SYS_fork) type = PPME_SYSCALL_FORK_20_X, kflags = 0;
      if (nr == SYS_vfork) type = PPME_SYSCALL_VFORK_20_X, kflags = CLONE_VFORK | CLONE_VM;
      if (nr == SYS_clone3) {
        type = PPME_SYSCALL_CLONE3_X;
        kflags = 0;
        ReadMem(tid, a[0], &kflags, 8);
      }
      const ProcFacts f = Facts(t.tgid, tid);
      EventWriter w(type, ts, tidu);
      w.S64(ret);
      if (ret >= 0) PutExeArgs(w, t.tgid);
      else w.Empty(), w.Empty();
      PutProcIdsMem(w, t, f);
      w.U32(clone_flags_to_scap(kflags) | PidnsFlag(tid));
      const auto uids = StatusField(f.status, "Uid"), gids = StatusField(f.status, "Gid");
      w.U32(static_cast<uint32_t>(FieldI(uids, 1)));
      w.U32(static_cast<uint32_t>(FieldI(gids, 1)));
      const auto nspid = StatusField(f.status, "NSpid"), nstgid = StatusField(f.status, "NStgid");
      w.S64(nspid.empty() ? tid : FieldI(nspid, nspid.size() - 1));
      w.S64(nstgid.empty() ? t.tgid : FieldI(nstgid, nstgid.size() - 1));
      w.U64(0);
      Emit(w.Finish());
      return;
    }
    case SYS_execve:
    case SYS_execveat: {
      if (ret == 0 || t.exec_emitted) return;  // the success was written at the exec event
      const bool at = nr == SYS_execveat;
      const uint64_t argv = a[at ? 2 : 1], envp = a[at ? 3 : 2];
      const ProcFacts f = Facts(t.tgid, tid);
      EventWriter w(at ? PPME_SYSCALL_EXECVEAT_X : PPME_SYSCALL_EXECVE_19_X, ts, tidu);
      w.S64(ret);
      uint64_t exe = 0;
      if (argv) ReadMem(tid, argv, &exe, 8);
      w.OptStr(ReadStr(tid, exe));
      if (exe) w.Bytes(ReadStrArray(tid, argv, 1)); else w.Empty();
      PutProcIdsMem(w, t, f);
      if (envp) w.Bytes(ReadStrArray(tid, envp, 0)); else w.Empty();
      PutExecTail(w, t, f);
      if (!at) w.OptStr(ReadStr(tid, a[0]));
      Emit(w.Finish());
      return;
    }
    case SYS_readv:
    case SYS_preadv: {
      EventWriter w(nr == SYS_readv ? PPME_SYSCALL_READV_X : PPME_SYSCALL_PREADV_X, ts, tidu);
      w.S64(ret);
      if (ret > 0) {
        w.U32(static_cast<uint32_t>(ret));
        PutIovData(w, *this, tid, FetchIov(*this, tid, a[1], a[2]), static_cast<uint64_t>(ret));
      } else {
        w.U32(0);
        w.Empty();
      }
      w.S64(static_cast<int32_t>(a[0]));
      if (nr == SYS_preadv) w.U64(a[3]);
      Emit(w.Finish());
      return;
    }
    case SYS_writev:
    case SYS_pwritev: {
      EventWriter w(nr == SYS_writev ? PPME_SYSCALL_WRITEV_X : PPME_SYSCALL_PWRITEV_X, ts, tidu);
      const std::vector<iovec> iov = FetchIov(*this, tid, a[1], a[2]);
      w.S64(ret);
      PutIovData(w, *this, tid, iov, ret > 0 ? static_cast<uint64_t>(ret) : UINT64_MAX);
      w.S64(static_cast<int32_t>(a[0]));
      w.U32(static_cast<uint32_t>(IovTotal(iov)));
      if (nr == SYS_pwritev) w.U64(a[3]);
      Emit(w.Finish());
      return;
    }
    case SYS_socketpair: {
      // source and peer are the kernel's socket pointers, which userspace
      // cannot see: 0, as the probe leaves them when it finds no socket.
      EventWriter w(PPME_SOCKET_SOCKETPAIR_X, ts, tidu);
      int32_t fds[2] = {-1, -1};
      if (ret == 0) ReadFdPair(*this, tid, a[3], fds);
      w.S64(ret);
      w.S64(fds[0]);
      w.S64(fds[1]);
      w.U64(0);
      w.U64(0);
      w.U32(socket_family_to_scap(static_cast<uint32_t>(a[0])));
      w.U32(static_cast<uint32_t>(a[1]));
      w.U32(static_cast<uint32_t>(a[2]));
      Emit(w.Finish());
      return;
    }
    case SYS_sendmsg: {
      EventWriter w(PPME_SOCKET_SENDMSG_X, ts, tidu);
      const int64_t fd = static_cast<int32_t>(a[0]);
      msghdr m;
      const bool have = FetchMsghdr(*this, tid, a[1], &m);
      w.S64(ret);
      if (!have) {
        w.Empty();
        w.S64(fd);
        w.Empty();
        w.Empty();
      } else {
        const std::vector<iovec> iov = FetchIov(*this, tid, reinterpret_cast<uint64_t>(m.msg_iov), m.msg_iovlen);
        PutIovData(w, *this, tid, iov, ret > 0 ? static_cast<uint64_t>(ret) : UINT64_MAX);
        w.S64(fd);
        w.U32(static_cast<uint32_t>(IovTotal(iov)));
        if (ret >= 0) PutSocktuple(w, *this, t, fd, true, reinterpret_cast<uint64_t>(m.msg_name), m.msg_namelen);
        else w.Empty();
      }
      Emit(w.Finish());
      return;
    }
    case SYS_recvmsg: {
      // The msghdr is read at exit: msg_namelen and msg_controllen are what the kernel filled in.
      EventWriter w(PPME_SOCKET_RECVMSG_X, ts, tidu);
      const int64_t fd = static_cast<int32_t>(a[0]);
      msghdr m;
      w.S64(ret);
      if (ret >= 0 && FetchMsghdr(*this, tid, a[1], &m)) {
        w.U32(static_cast<uint32_t>(ret));
        PutIovData(w, *this, tid, FetchIov(*this, tid, reinterpret_cast<uint64_t>(m.msg_iov), m.msg_iovlen),
                   static_cast<uint64_t>(ret));
        PutSocktuple(w, *this, t, fd, false, reinterpret_cast<uint64_t>(m.msg_name), m.msg_namelen);
        const uint64_t clen = m.msg_controllen;
        std::string control(m.msg_control && clen > 0 && clen <= 0xFFFF ? clen : 0, '\0');
        if (!control.empty() && !ReadMem(tid, reinterpret_cast<uint64_t>(m.msg_control), control.data(), clen)) {
          CountFault();
          control.clear();
        }
        w.Bytes(control);
      } else {
        w.U32(0);
        w.Empty();
        w.Empty();
        w.Empty();
      }
      w.S64(fd);
      Emit(w.Finish());
      return;
    }
    case SYS_fcntl: {
      EventWriter w(PPME_SYSCALL_FCNTL_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      w.U8(fcntl_cmd_to_scap(static_cast<uint32_t>(a[1])));
      w.U64(a[2]);
      Emit(w.Finish());
      return;
    }
    case SYS_ioctl: {
      EventWriter w(PPME_SYSCALL_IOCTL_3_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      w.U64(a[1]);
      w.U64(a[2]);
      Emit(w.Finish());
      return;
    }
    case SYS_memfd_create: {
      EventWriter w(PPME_SYSCALL_MEMFD_CREATE_X, ts, tidu);
      w.S64(ret);
      str(w, a[0]);
      w.U32(memfd_flags_to_scap(static_cast<uint32_t>(a[1])));
      Emit(w.Finish());
      return;
    }
    case SYS_userfaultfd: {
      EventWriter w(PPME_SYSCALL_USERFAULTFD_X, ts, tidu);
      w.S64(ret);
      w.U32(pipe2_flags_to_scap(static_cast<uint32_t>(a[0])));
      Emit(w.Finish());
      return;
    }
    case SYS_io_uring_setup: {
      // The head of struct io_uring_params, read at exit (what the kernel filled in):
      // sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features.
      EventWriter w(PPME_SYSCALL_IO_URING_SETUP_X, ts, tidu);
      uint32_t p[6] = {};
      if (!ReadMem(tid, a[1], p, sizeof p)) {
        CountFault();
        std::memset(p, 0, sizeof p);
      }
      w.S64(ret);
      w.U32(static_cast<uint32_t>(a[0]));
      w.U32(p[0]);
      w.U32(p[1]);
      w.U32(io_uring_setup_flags_to_scap(p[2]));
      w.U32(p[3]);
      w.U32(p[4]);
      w.U32(io_uring_feats_to_scap(p[5]));
      Emit(w.Finish());
      return;
    }
    case SYS_mmap:
    case SYS_munmap: {
      EventWriter w(nr == SYS_mmap ? PPME_SYSCALL_MMAP_X : PPME_SYSCALL_MUNMAP_X, ts, tidu);
      w.S64(ret);
      PutVm(w, TaskStatus(t.tgid, tid));
      w.U64(a[0]);
      w.U64(a[1]);
      if (nr == SYS_mmap) {
        w.U32(prot_flags_to_scap(static_cast<uint32_t>(a[2])));
        w.U32(mmap_flags_to_scap(static_cast<uint32_t>(a[3])));
        w.S64(static_cast<int32_t>(a[4]));
        w.U64(a[5]);
      }
      Emit(w.Finish());
      return;
    }
    case SYS_mprotect: {
      EventWriter w(PPME_SYSCALL_MPROTECT_X, ts, tidu);
      w.S64(ret);
      w.U64(a[0]);
      w.U64(a[1]);
      w.U32(prot_flags_to_scap(static_cast<uint32_t>(a[2])));
      Emit(w.Finish());
      return;
    }
    case SYS_chmod: {
      EventWriter w(PPME_SYSCALL_CHMOD_X, ts, tidu);
      w.S64(ret);
      str(w, a[0]);
      w.U32(chmod_mode_to_scap(static_cast<uint32_t>(a[1])));
      Emit(w.Finish());
      return;
    }
    case SYS_fchmod: {
      EventWriter w(PPME_SYSCALL_FCHMOD_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      w.U32(chmod_mode_to_scap(static_cast<uint32_t>(a[1])));
      Emit(w.Finish());
      return;
    }
    case SYS_fchmodat: {
      EventWriter w(PPME_SYSCALL_FCHMODAT_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      str(w, a[1]);
      w.U32(chmod_mode_to_scap(static_cast<uint32_t>(a[2])));
      Emit(w.Finish());
      return;
    }
    case SYS_unlink:
    case SYS_chdir: {
      EventWriter w(nr == SYS_unlink ? PPME_SYSCALL_UNLINK_2_X : PPME_SYSCALL_CHDIR_X, ts, tidu);
      w.S64(ret);
      str(w, a[0]);
      Emit(w.Finish());
      return;
    }
    case SYS_rename:
    case SYS_link:
    case SYS_symlink: {
      EventWriter w(nr == SYS_rename ? PPME_SYSCALL_RENAME_X : nr == SYS_link ? PPME_SYSCALL_LINK_2_X : PPME_SYSCALL_SYMLINK_X,
                    ts, tidu);
      w.S64(ret);
      str(w, a[0]);
      str(w, a[1]);
      Emit(w.Finish());
      return;
    }
    case SYS_renameat:
    case SYS_renameat2:
    case SYS_linkat: {
      EventWriter w(nr == SYS_renameat ? PPME_SYSCALL_RENAMEAT_X
                    : nr == SYS_renameat2 ? PPME_SYSCALL_RENAMEAT2_X
                                          : PPME_SYSCALL_LINKAT_2_X,
                    ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      str(w, a[1]);
      w.S64(static_cast<int32_t>(a[2]));
      str(w, a[3]);
      if (nr == SYS_renameat2) w.U32(renameat2_flags_to_scap(static_cast<uint32_t>(a[4])));
      if (nr == SYS_linkat) w.U32(linkat_flags_to_scap(static_cast<uint32_t>(a[4])));
      Emit(w.Finish());
      return;
    }
    case SYS_unlinkat: {
      EventWriter w(PPME_SYSCALL_UNLINKAT_2_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      str(w, a[1]);
      w.U32(unlinkat_flags_to_scap(static_cast<uint32_t>(a[2])));
      Emit(w.Finish());
      return;
    }
    case SYS_mkdir: {
      EventWriter w(PPME_SYSCALL_MKDIR_2_X, ts, tidu);
      w.S64(ret);
      str(w, a[0]);
      w.U32(static_cast<uint32_t>(a[1]));
      Emit(w.Finish());
      return;
    }
    case SYS_mkdirat: {
      EventWriter w(PPME_SYSCALL_MKDIRAT_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      str(w, a[1]);
      w.U32(static_cast<uint32_t>(a[2]));
      Emit(w.Finish());
      return;
    }
    case SYS_symlinkat: {
      EventWriter w(PPME_SYSCALL_SYMLINKAT_X, ts, tidu);
      w.S64(ret);
      str(w, a[0]);
      w.S64(static_cast<int32_t>(a[1]));
      str(w, a[2]);
      Emit(w.Finish());
      return;
    }
    case SYS_fchdir: {
      EventWriter w(PPME_SYSCALL_FCHDIR_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      Emit(w.Finish());
      return;
    }
    case SYS_setuid:
    case SYS_setgid: {
      EventWriter w(nr == SYS_setuid ? PPME_SYSCALL_SETUID_X : PPME_SYSCALL_SETGID_X, ts, tidu);
      w.S64(ret);
      w.U32(static_cast<uint32_t>(a[0]));
      Emit(w.Finish());
      return;
    }
    case SYS_setresuid:
    case SYS_setresgid: {
      EventWriter w(nr == SYS_setresuid ? PPME_SYSCALL_SETRESUID_X : PPME_SYSCALL_SETRESGID_X, ts, tidu);
      w.S64(ret);
      w.U32(static_cast<uint32_t>(a[0]));
      w.U32(static_cast<uint32_t>(a[1]));
      w.U32(static_cast<uint32_t>(a[2]));
      Emit(w.Finish());
      return;
    }
    case SYS_capset: {
      // The sets the task holds once the call is done.
      EventWriter w(PPME_SYSCALL_CAPSET_X, ts, tidu);
      w.S64(ret);
      PutCaps(w, TaskStatus(t.tgid, tid));
      Emit(w.Finish());
      return;
    }
    case SYS_setns: {
      EventWriter w(PPME_SYSCALL_SETNS_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      w.U32(clone_flags_to_scap(static_cast<uint32_t>(a[1])));
      Emit(w.Finish());
      return;
    }
    case SYS_unshare: {
      EventWriter w(PPME_SYSCALL_UNSHARE_X, ts, tidu);
      w.S64(ret);
      w.U32(clone_flags_to_scap(static_cast<uint32_t>(a[0])));
      Emit(w.Finish());
      return;
    }
    case SYS_mount: {
      EventWriter w(PPME_SYSCALL_MOUNT_X, ts, tidu);
      w.S64(ret);
      str(w, a[0]);
      str(w, a[1]);
      str(w, a[2]);
      w.U32(mount_flags_to_scap(static_cast<uint32_t>(a[3])));
      Emit(w.Finish());
      return;
    }
    case SYS_umount2: {
      EventWriter w(PPME_SYSCALL_UMOUNT2_X, ts, tidu);
      w.S64(ret);
      str(w, a[0]);
      w.U32(umount2_flags_to_scap(static_cast<uint32_t>(a[1])));
      Emit(w.Finish());
      return;
    }
    case SYS_ptrace: {
      // data: the word read for PEEK* (the kernel stored it at *data), the
      // signal for the resuming requests, else the argument; both 0 on failure.
      EventWriter w(PPME_SYSCALL_PTRACE_X, ts, tidu);
      const uint16_t req = ptrace_request_to_scap(a[0]);
      w.S64(ret);
      if (ret < 0) {
        PutPtraceU64(w, 0);
        PutPtraceU64(w, 0);
      } else {
        PutPtraceU64(w, a[2]);
        switch (req) {
          case PPM_PTRACE_PEEKTEXT:
          case PPM_PTRACE_PEEKDATA:
          case PPM_PTRACE_PEEKUSR: {
            uint64_t word = 0;
            if (!ReadMem(tid, a[3], &word, sizeof word)) {
              CountFault();
              word = 0;
            }
            PutPtraceU64(w, word);
            break;
          }
          case PPM_PTRACE_CONT:
          case PPM_PTRACE_SINGLESTEP:
          case PPM_PTRACE_DETACH:
          case PPM_PTRACE_SYSCALL: {
            const uint8_t v[2] = {kPtraceIdxSigtype, static_cast<uint8_t>(a[3])};
            w.Raw(v, 2);
            w.Len(2);
            break;
          }
          default:
            PutPtraceU64(w, a[3]);
        }
      }
      w.U16(req);
      w.S64(static_cast<int32_t>(a[1]));
      Emit(w.Finish());
      return;
    }
    case SYS_prctl: {
      // arg2_str: the name for PR_SET_NAME/PR_GET_NAME (read at exit); arg2_int:
      // the int the kernel stored for PR_GET_CHILD_SUBREAPER, else arg2.
      EventWriter w(PPME_SYSCALL_PRCTL_X, ts, tidu);
      const uint32_t option = static_cast<uint32_t>(a[0]);
      w.S64(ret);
      w.U32(option);
      if (option == PPM_PR_SET_NAME || option == PPM_PR_GET_NAME) {
        str(w, a[1]);
        w.S64(0);
      } else if (option == PPM_PR_GET_CHILD_SUBREAPER) {
        int32_t v = 0;
        if (ret >= 0 && !ReadMem(tid, a[1], &v, sizeof v)) {
          CountFault();
          v = 0;
        }
        w.Empty();
        w.S64(v);
      } else {
        w.Empty();
        w.S64(static_cast<int64_t>(a[1]));
      }
      Emit(w.Finish());
      return;
    }
    case SYS_init_module: {
      // img: the start of the image, cut at snaplen like I/O data.
      EventWriter w(PPME_SYSCALL_INIT_MODULE_X, ts, tidu);
      w.S64(ret);
      PutData(w, *this, tid, a[0], a[1]);
      w.U64(a[1]);
      str(w, a[2]);
      Emit(w.Finish());
      return;
    }
    case SYS_finit_module: {
      EventWriter w(PPME_SYSCALL_FINIT_MODULE_X, ts, tidu);
      w.S64(ret);
      w.S64(static_cast<int32_t>(a[0]));
      str(w, a[1]);
      w.U32(finit_module_flags_to_scap(static_cast<uint32_t>(a[2])));
      Emit(w.Finish());
      return;
    }
    case SYS_delete_module: {
      EventWriter w(PPME_SYSCALL_DELETE_MODULE_X, ts, tidu);
      w.S64(ret);
      str(w, a[0]);
      w.U32(delete_module_flags_to_scap(static_cast<uint32_t>(a[1])));
      Emit(w.Finish());
      return;
    }
    case SYS_bpf: {
      EventWriter w(PPME_SYSCALL_BPF_2_X, ts, tidu);
      w.S64(ret);
      w.U32(static_cast<uint32_t>(a[0]));
      Emit(w.Finish());
      return;
    }
    default:
      return;
  }
}

}  // namespace scap_ts
