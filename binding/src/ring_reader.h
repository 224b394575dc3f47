// Direct reader of BPF ring buffers (BPF_MAP_TYPE_RINGBUF), one per CPU.
//
// libbpf 1.1 only consumes rings through callbacks and cannot peek at one
// ring's head, which a timestamp merge across rings needs, so the rings are
// mapped and walked here:
//
//   offset 0          consumer page, RW: u64 consumer_pos (we write it)
//   offset page       producer page, RO: u64 producer_pos (the kernel writes it)
//   offset 2 * page   data, RO, mapped twice back to back so that a record
//                     never wraps
//
// A record is an 8-byte header (u32 len with BUSY bit 31 and DISCARD bit 30,
// u32 page offset) then len bytes, the whole padded to 8 bytes. Records are
// published in reservation order; a BUSY one is still being written.
//
// Not thread-safe: one reader thread per RingReader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace scap_ts {

// What the drain thread reads from: per-CPU rings of scap events, one reader
// thread. Implemented by RingReader (BPF ring buffers, below) and
// KmodRingReader (the kernel module's rings, kmod_engine.h).
class RingSource {
 public:
  virtual ~RingSource() = default;
  virtual size_t size() const = 0;
  // An fd that polls readable when ring i gets data (the drain thread sleeps
  // in epoll, edge-triggered, on these).
  virtual int fd(size_t i) const = 0;
  virtual void Refresh(size_t i) = 0;
  virtual const uint8_t* Head(size_t i, uint32_t* len) = 0;
  virtual void Consume(size_t i) = 0;
  virtual void Publish(size_t i) = 0;
  virtual void PublishAll() = 0;
  virtual bool Empty(size_t i) = 0;
  virtual uint64_t Pending(size_t i) const = 0;
  // Events of ring i not consumed yet (what closing now would discard).
  virtual uint64_t CountRecords(size_t i) = 0;
};

class RingReader final : public RingSource {
 public:
  RingReader() = default;
  ~RingReader() override;
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;
  RingReader(RingReader&& other) noexcept;
  RingReader& operator=(RingReader&& other) noexcept;

  // Maps the ring behind `map_fd` (data size `data_bytes`, a power of two).
  // Throws std::system_error when mmap fails. The fd stays owned by the caller
  // and must outlive the reader.
  void Add(int map_fd, size_t data_bytes);

  size_t size() const override { return rings_.size(); }
  int fd(size_t i) const override { return rings_[i].fd; }

  // Reloads ring i's producer position (acquire). Records up to it are then
  // visible to Head().
  void Refresh(size_t i) override;

  // The first committed record of ring i within the last Refresh(), or nullptr
  // when there is none (empty, or the head is still being written). Discarded
  // records are skipped. The pointer stays valid until Consume(i).
  const uint8_t* Head(size_t i, uint32_t* len) override;

  // Steps past ring i's head record (the one Head() returned). The space is
  // given back to the kernel lazily; see Publish().
  void Consume(size_t i) override;

  // Gives consumed space of ring i back to the kernel (release store of the
  // consumer position). Called by Consume() every so often and before
  // sleeping, so that the kernel's "reader caught up" wake-ups work.
  void Publish(size_t i) override;
  void PublishAll() override;

  // True when ring i has no record at all past the consumer position (fresh
  // producer position; a BUSY head counts as not empty).
  bool Empty(size_t i) override;

  // Bytes between the consumer and the producer positions (fill level).
  uint64_t Pending(size_t i) const override;

  // Records (events) of ring i past our consumer position, up to the fresh
  // producer position: committed ones and any still being written (BUSY);
  // discarded ones are not counted. What is lost if the ring is freed now.
  uint64_t CountRecords(size_t i) override;

 private:
  struct Ring {
    int fd = -1;
    uint8_t* consumer_page = nullptr;   // mmap at offset 0, RW
    uint8_t* producer_map = nullptr;    // mmap at offset page: producer page + 2x data
    size_t producer_map_len = 0;
    size_t page = 0;
    const uint8_t* data = nullptr;
    uint64_t mask = 0;
    uint64_t cons = 0;       // our consumer position
    uint64_t published = 0;  // last value stored to the consumer page
    uint64_t prod = 0;       // producer position snapshot
    uint32_t head_stride = 0;
  };

  void Unmap(Ring& r);
  void Reset();

  std::vector<Ring> rings_;
};

}  // namespace scap_ts
