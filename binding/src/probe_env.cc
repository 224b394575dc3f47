#include "probe_env.h"

#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <mntent.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace scap_ts {

namespace {

constexpr const char* kVmlinuxBtf = "/sys/kernel/btf/vmlinux";

std::string ErrnoMessage(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

// capget(2) with the 64-bit (version 3) layout; returns false if the syscall
// is unavailable (e.g. filtered by seccomp).
bool CapgetEffective(uint64_t* out) {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;  // this thread
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  *out = static_cast<uint64_t>(data[0].effective) |
         (static_cast<uint64_t>(data[1].effective) << 32);
  return true;
}

// Fallback: the "CapEff:" line of /proc/self/status (hex mask).
bool ProcStatusEffective(uint64_t* out) {
  std::ifstream status("/proc/self/status");
  if (!status) return false;
  std::string line;
  const std::string key = "CapEff:";
  while (std::getline(status, line)) {
    if (line.compare(0, key.size(), key) != 0) continue;
    try {
      size_t used = 0;
      *out = std::stoull(line.substr(key.size()), &used, 16);
      return used > 0;
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

bool HasCap(uint64_t mask, unsigned cap) {
  return cap < 64 && ((mask >> cap) & 1u) != 0;
}

std::optional<uint64_t> RlimValue(rlim_t v) {
  if (v == RLIM_INFINITY) return std::nullopt;
  return static_cast<uint64_t>(v);
}

}  // namespace

uint64_t EffectiveCapabilities() {
  uint64_t mask = 0;
  if (CapgetEffective(&mask)) return mask;
  if (ProcStatusEffective(&mask)) return mask;
  throw ProbeEnvError(
      "cannot read the effective capability set (capget failed and "
      "/proc/self/status has no CapEff line)");
}

std::optional<std::string> FindTracefs() {
  // setmntent/getmntent_r decode the octal escapes (\040 etc.) in the fields.
  FILE* f = setmntent("/proc/self/mounts", "r");
  if (f == nullptr) return std::nullopt;
  std::vector<std::string> found;
  mntent entry{};
  char buf[4096];
  while (getmntent_r(f, &entry, buf, sizeof buf) != nullptr) {
    if (entry.mnt_type != nullptr && std::strcmp(entry.mnt_type, "tracefs") == 0 &&
        entry.mnt_dir != nullptr) {
      found.emplace_back(entry.mnt_dir);
    }
  }
  endmntent(f);
  if (found.empty()) return std::nullopt;
  for (const char* preferred : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    for (const auto& dir : found) {
      if (dir == preferred) return dir;
    }
  }
  return found.front();
}

std::string LibbpfVersion() {
  return std::to_string(libbpf_major_version()) + "." +
         std::to_string(libbpf_minor_version());
}

bool RingbufSupported() {
  // 1: supported, 0: not supported, <0: could not tell (EPERM without
  // CAP_BPF/CAP_SYS_ADMIN, bpf() blocked by seccomp...): report false.
  return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) > 0;
}

RlimitPair MemlockLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_MEMLOCK, &lim) != 0) {
    throw ProbeEnvError(ErrnoMessage("getrlimit(RLIMIT_MEMLOCK)", errno));
  }
  return RlimitPair{RlimValue(lim.rlim_cur), RlimValue(lim.rlim_max)};
}

std::string KernelRelease() {
  utsname u{};
  if (uname(&u) != 0) throw ProbeEnvError(ErrnoMessage("uname", errno));
  return u.release;
}

KernelFeatures ProbeKernelFeatures() {
  KernelFeatures f;
  f.release = KernelRelease();
  f.btf = access(kVmlinuxBtf, R_OK) == 0;
  const uint64_t caps = EffectiveCapabilities();
  f.cap_bpf = HasCap(caps, 39);        // CAP_BPF
  f.cap_perfmon = HasCap(caps, 38);    // CAP_PERFMON
  f.cap_sys_admin = HasCap(caps, 21);  // CAP_SYS_ADMIN
  f.tracefs = FindTracefs();
  f.ringbuf_supported = RingbufSupported();
  f.libbpf_version = LibbpfVersion();
  f.memlock = MemlockLimit();
  return f;
}

}  // namespace scap_ts
