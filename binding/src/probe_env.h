// Kernel and process environment checks needed before loading the eBPF probe.
//
// Plain C++ (no Node-API): addon.cc turns the result into a JS object.
// Functions throw ProbeEnvError (a std::runtime_error) on failures that leave
// no meaningful answer; checks that can simply be "not available" return
// false / empty instead.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace scap_ts {

class ProbeEnvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A resource limit; std::nullopt stands for RLIM_INFINITY.
struct RlimitPair {
  std::optional<uint64_t> soft;
  std::optional<uint64_t> hard;
};

struct KernelFeatures {
  std::string release;                 // uname -r
  bool btf = false;                    // /sys/kernel/btf/vmlinux readable
  bool cap_bpf = false;                // CAP_BPF (39) in the effective set
  bool cap_perfmon = false;            // CAP_PERFMON (38)
  bool cap_sys_admin = false;          // CAP_SYS_ADMIN (21)
  std::optional<std::string> tracefs;  // tracefs mount point, if mounted
  bool ringbuf_supported = false;      // BPF_MAP_TYPE_RINGBUF can be created
  std::string libbpf_version;          // runtime libbpf "major.minor"
  RlimitPair memlock;                  // RLIMIT_MEMLOCK, bytes
};

// Effective capability set as a 64-bit mask (bit n = capability n).
uint64_t EffectiveCapabilities();

// Mount point of tracefs from /proc/self/mounts (prefers /sys/kernel/tracing,
// then /sys/kernel/debug/tracing, then the first one listed), or nullopt.
std::optional<std::string> FindTracefs();

// libbpf's runtime version, "major.minor".
std::string LibbpfVersion();

// True when the kernel lets us create a BPF ring buffer map.
bool RingbufSupported();

RlimitPair MemlockLimit();

std::string KernelRelease();

KernelFeatures ProbeKernelFeatures();

}  // namespace scap_ts
