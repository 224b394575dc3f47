// KmodEngine: live capture with the kernel module (driver/kmod). Opens and
// maps /dev/scap0..N-1 (scap_kmod_abi.h), applies the options through ioctls
// and enables capture; KmodRingReader reads the mapped rings for the shared
// DrainThread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bpf_engine.h"  // BpfOptions, BpfError: the same options and error codes
#include "live_engine.h"

struct scap_kmod_info;

namespace scap_ts {

struct KmodRing {
  int fd = -1;
  uint32_t cpu = 0;
  scap_kmod_info* info = nullptr;  // the mapping starts here
  const uint8_t* data = nullptr;
  uint32_t dim = 0;
  size_t map_len = 0;
};

class KmodEngine final : public LiveEngine {
 public:
  // Throws BpfError: UNSUPPORTED (module not loaded: no /dev/scap0),
  // PERMISSION (a device cannot be opened for lack of rights), BUSY (another
  // process is the consumer), KMOD (anything else).
  explicit KmodEngine(const BpfOptions& options, const std::string& dev_dir = "/dev");
  ~KmodEngine() override;
  KmodEngine(const KmodEngine&) = delete;
  KmodEngine& operator=(const KmodEngine&) = delete;

  void Close() override;
  void Detach() override;
  std::vector<CpuCounters> ReadCounters() const override;
  std::unique_ptr<RingSource> OpenRings() override;
  void ConfigureDrain(DrainConfig* dc) const override;

 private:
  std::vector<KmodRing> rings_;
};

// Reads the module's byte rings: [tail, head) holds whole events, one may
// wrap at the end of the ring (then it is copied out whole).
class KmodRingReader final : public RingSource {
 public:
  explicit KmodRingReader(const std::vector<KmodRing>& rings);
  size_t size() const override { return rings_.size(); }
  int fd(size_t i) const override { return rings_[i].r.fd; }
  void Refresh(size_t i) override;
  const uint8_t* Head(size_t i, uint32_t* len) override;
  void Consume(size_t i) override;
  void Publish(size_t i) override;
  void PublishAll() override;
  bool Empty(size_t i) override;
  uint64_t Pending(size_t i) const override;
  uint64_t CountRecords(size_t i) override;

 private:
  struct Ring {
    KmodRing r;
    uint32_t cons = 0;       // our tail
    uint32_t published = 0;  // last tail stored
    uint32_t prod = 0;       // head snapshot
    uint32_t head_len = 0;
    std::vector<uint8_t> wrap;  // a wrapped head event, copied out
  };
  std::vector<Ring> rings_;
};

}  // namespace scap_ts
