// The interface a live capture engine gives the capture glue
// (bpf_capture.cc): the eBPF probe (BpfEngine) and the kernel module
// (KmodEngine). Both fill per-CPU rings with scap events, drained by the
// same DrainThread into the same batches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "drain_thread.h"
#include "ring_reader.h"

namespace scap_ts {

struct CpuCounters {
  uint32_t cpu = 0;
  uint64_t events = 0;
  uint64_t drops_ring_full = 0;
  uint64_t drops_too_large = 0;
  uint64_t read_faults = 0;
  uint64_t drops_no_ring = 0;
};

class LiveEngine {
 public:
  virtual ~LiveEngine() = default;
  // Stops capturing and frees everything (idempotent). Stop readers first.
  virtual void Close() = 0;
  // Stops producing events but keeps the rings readable, for a graceful end
  // that drains what was already written (idempotent).
  virtual void Detach() = 0;
  // Per-CPU counters kept by the driver.
  virtual std::vector<CpuCounters> ReadCounters() const = 0;
  // A reader over the engine's rings (valid until Close()).
  virtual std::unique_ptr<RingSource> OpenRings() = 0;
  // The clock of event timestamps and how to wait for data.
  virtual void ConfigureDrain(DrainConfig* dc) const = 0;
  // How the TOCTOU enter events are hooked ("tracepoint", "btf"; "" when
  // none is captured or the engine has no such choice).
  virtual std::string enter_hook() const { return {}; }
  // How the exit events are hooked ("tracepoint", "btf"; "" when the engine
  // has no such choice).
  virtual std::string exit_hook() const { return {}; }
};

}  // namespace scap_ts
