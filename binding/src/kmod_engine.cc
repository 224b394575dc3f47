#include "kmod_engine.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "scap_kmod_abi.h"

namespace scap_ts {

namespace {

constexpr uint32_t kHeaderSize = 26;
constexpr uint32_t kMaxEvent = 64 * 1024;

std::string Errno(const std::string& what, int err) { return what + ": " + std::strerror(err); }

}  // namespace

KmodEngine::KmodEngine(const BpfOptions& options, const std::string& dev_dir) {
  if (options.tgids.size() > SCAP_KMOD_MAX_TGIDS) {
    throw std::invalid_argument("at most " + std::to_string(SCAP_KMOD_MAX_TGIDS) + " tgids");
  }
  for (uint32_t cpu = 0; cpu < 4096; cpu++) {
    const std::string path = dev_dir + "/" SCAP_KMOD_NAME + std::to_string(cpu);
    int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      if (err == ENOENT) break;
      if (err == ENODEV) continue;  // offline CPU
      Close();
      if (err == EACCES || err == EPERM) throw BpfError("PERMISSION", Errno(path, err), {}, {"root (the devices are 0600)"});
      if (err == EBUSY) throw BpfError("BUSY", Errno(path, err) + " (another process is capturing with the module)");
      throw BpfError("KMOD", Errno(path, err));
    }
    scap_kmod_info probe{};
    if (ioctl(fd, SCAP_IOCTL_GET_STATS, &probe) != 0 || probe.magic != SCAP_KMOD_MAGIC ||
        probe.abi != SCAP_KMOD_ABI_VERSION) {
      close(fd);
      Close();
      throw BpfError("KMOD", path + ": not a scap module device of ABI " + std::to_string(SCAP_KMOD_ABI_VERSION));
    }
    KmodRing r;
    r.fd = fd;
    r.cpu = cpu;
    r.dim = static_cast<uint32_t>(probe.buffer_bytes);
    r.map_len = SCAP_KMOD_PAGE + r.dim;
    void* m = mmap(nullptr, r.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
      const int err = errno;
      close(fd);
      Close();
      throw BpfError("KMOD", Errno("mmap " + path, err));
    }
    r.info = static_cast<scap_kmod_info*>(m);
    r.data = static_cast<const uint8_t*>(m) + SCAP_KMOD_PAGE;
    rings_.push_back(r);
  }
  if (rings_.empty()) {
    throw BpfError("UNSUPPORTED", "the scap kernel module is not loaded (no " + dev_dir + "/" SCAP_KMOD_NAME "0): insmod driver/kmod/scap.ko");
  }
  const int ctl = rings_[0].fd;
  auto must = [&](unsigned long req, unsigned long arg, const char* what) {
    if (ioctl(ctl, req, arg) != 0) {
      const int err = errno;
      Close();
      throw BpfError("KMOD", Errno(std::string("ioctl ") + what, err));
    }
  };
  must(SCAP_IOCTL_SET_SNAPLEN, options.snaplen, "SET_SNAPLEN");
  must(SCAP_IOCTL_SET_DROP_FAILED, options.drop_failed ? 1 : 0, "SET_DROP_FAILED");
  must(SCAP_IOCTL_SET_SELF_TGID, options.include_self ? 0 : static_cast<unsigned long>(getpid()), "SET_SELF_TGID");
  if (options.syscalls) {
    must(SCAP_IOCTL_SET_ALL_SYSCALLS, 0, "SET_ALL_SYSCALLS");
    for (uint32_t id : *options.syscalls) must(SCAP_IOCTL_ENABLE_SYSCALL, id, "ENABLE_SYSCALL");
  } else {
    must(SCAP_IOCTL_SET_ALL_SYSCALLS, 1, "SET_ALL_SYSCALLS");
  }
  if (!options.tgids.empty()) {
    scap_kmod_tgids req{};
    req.count = static_cast<__u32>(options.tgids.size());
    req.tgids = reinterpret_cast<uintptr_t>(options.tgids.data());
    must(SCAP_IOCTL_SET_TGIDS, reinterpret_cast<unsigned long>(&req), "SET_TGIDS");
  }
  if (options.sched_switch) must(SCAP_IOCTL_SET_SCHED_SWITCH, 1, "SET_SCHED_SWITCH");
  must(SCAP_IOCTL_ENABLE, 0, "ENABLE");
}

KmodEngine::~KmodEngine() { Close(); }

void KmodEngine::Detach() {
  // The module stops writing; its rings stay mapped for the final drain.
  if (!rings_.empty()) ioctl(rings_[0].fd, SCAP_IOCTL_DISABLE, 0);
}

void KmodEngine::Close() {
  if (!rings_.empty()) ioctl(rings_[0].fd, SCAP_IOCTL_DISABLE, 0);
  for (KmodRing& r : rings_) {
    if (r.info != nullptr) munmap(r.info, r.map_len);
    close(r.fd);  // the last close unhooks the module's tracepoints and frees the rings
  }
  rings_.clear();
}

std::vector<CpuCounters> KmodEngine::ReadCounters() const {
  std::vector<CpuCounters> out;
  for (const KmodRing& r : rings_) {
    scap_kmod_info st{};
    if (ioctl(r.fd, SCAP_IOCTL_GET_STATS, &st) != 0) continue;
    CpuCounters c;
    c.cpu = r.cpu;
    c.events = st.n_evts;
    c.drops_ring_full = st.n_drops_buffer;
    c.drops_too_large = st.n_drops_too_large;
    c.read_faults = st.n_read_faults;
    c.drops_no_ring = st.n_preemptions + st.n_bad_tail;
    out.push_back(c);
  }
  return out;
}

std::unique_ptr<RingSource> KmodEngine::OpenRings() { return std::make_unique<KmodRingReader>(rings_); }

void KmodEngine::ConfigureDrain(DrainConfig* dc) const {
  dc->boot_time_ns = 0;  // the module stamps events with the wall clock
  dc->clock = CLOCK_REALTIME;
}

KmodRingReader::KmodRingReader(const std::vector<KmodRing>& rings) {
  for (const KmodRing& r : rings) {
    Ring x;
    x.r = r;
    x.cons = x.published = x.prod = __atomic_load_n(&r.info->tail, __ATOMIC_RELAXED);
    rings_.push_back(std::move(x));
  }
}

void KmodRingReader::Refresh(size_t i) {
  rings_[i].prod = __atomic_load_n(&rings_[i].r.info->head, __ATOMIC_ACQUIRE);
}

const uint8_t* KmodRingReader::Head(size_t i, uint32_t* len) {
  Ring& g = rings_[i];
  const uint32_t mask = g.r.dim - 1;
  const uint32_t avail = (g.prod - g.cons) & mask;
  if (avail == 0) return nullptr;
  uint8_t hdr[kHeaderSize];
  const uint32_t to_end = g.r.dim - g.cons;
  if (avail < kHeaderSize) {
    g.cons = g.prod;  // cannot be: resynchronise on the producer
    return nullptr;
  }
  for (uint32_t k = 0; k < kHeaderSize; k++) hdr[k] = g.r.data[(g.cons + k) & mask];
  uint32_t n;
  std::memcpy(&n, hdr + 16, sizeof n);
  if (n < kHeaderSize || n > avail || n > kMaxEvent) {
    g.cons = g.prod;
    return nullptr;
  }
  g.head_len = n;
  *len = n;
  if (n <= to_end) return g.r.data + g.cons;
  g.wrap.resize(n);
  std::memcpy(g.wrap.data(), g.r.data + g.cons, to_end);
  std::memcpy(g.wrap.data() + to_end, g.r.data, n - to_end);
  return g.wrap.data();
}

void KmodRingReader::Consume(size_t i) {
  Ring& g = rings_[i];
  g.cons = (g.cons + g.head_len) & (g.r.dim - 1);
  g.head_len = 0;
  if (((g.cons - g.published) & (g.r.dim - 1)) >= 64 * 1024) Publish(i);
}

void KmodRingReader::Publish(size_t i) {
  Ring& g = rings_[i];
  if (g.published == g.cons) return;
  __atomic_store_n(&g.r.info->tail, g.cons, __ATOMIC_RELEASE);
  g.published = g.cons;
}

void KmodRingReader::PublishAll() {
  for (size_t i = 0; i < rings_.size(); i++) Publish(i);
}

bool KmodRingReader::Empty(size_t i) {
  Refresh(i);
  return rings_[i].prod == rings_[i].cons;
}

uint64_t KmodRingReader::Pending(size_t i) const {
  const Ring& g = rings_[i];
  return (g.prod - g.cons) & (g.r.dim - 1);
}

uint64_t KmodRingReader::CountRecords(size_t i) {
  Refresh(i);
  const Ring& g = rings_[i];
  const uint32_t mask = g.r.dim - 1;
  uint64_t n = 0;
  // Walk the event lengths from our tail to the producer's head, without consuming.
  for (uint32_t pos = g.cons; ((g.prod - pos) & mask) >= kHeaderSize;) {
    uint8_t len_bytes[4];
    for (uint32_t k = 0; k < 4; k++) len_bytes[k] = g.r.data[(pos + 16 + k) & mask];
    uint32_t len;
    std::memcpy(&len, len_bytes, sizeof len);
    if (len < kHeaderSize || len > ((g.prod - pos) & mask)) break;
    n++;
    pos = (pos + len) & mask;
  }
  return n;
}

}  // namespace scap_ts
