#include "ring_reader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace scap_ts {

namespace {

// Record header bits (include/uapi/linux/bpf.h).
constexpr uint32_t kBusyBit = 1u << 31;
constexpr uint32_t kDiscardBit = 1u << 30;
constexpr uint32_t kHeaderSize = 8;
// Consumed space is handed back at least this often.
constexpr uint64_t kPublishEvery = 64 * 1024;

inline uint64_t LoadAcquire(const void* p) {
  return __atomic_load_n(static_cast<const uint64_t*>(p), __ATOMIC_ACQUIRE);
}

inline uint32_t LoadAcquire32(const void* p) {
  return __atomic_load_n(static_cast<const uint32_t*>(p), __ATOMIC_ACQUIRE);
}

inline void StoreRelease(void* p, uint64_t v) {
  __atomic_store_n(static_cast<uint64_t*>(p), v, __ATOMIC_RELEASE);
}

}  // namespace

RingReader::~RingReader() { Reset(); }

RingReader::RingReader(RingReader&& other) noexcept : rings_(std::move(other.rings_)) {
  other.rings_.clear();
}

RingReader& RingReader::operator=(RingReader&& other) noexcept {
  if (this != &other) {
    Reset();
    rings_ = std::move(other.rings_);
    other.rings_.clear();
  }
  return *this;
}

void RingReader::Unmap(Ring& r) {
  if (r.consumer_page != nullptr) munmap(r.consumer_page, r.page);
  if (r.producer_map != nullptr) munmap(r.producer_map, r.producer_map_len);
  r.consumer_page = nullptr;
  r.producer_map = nullptr;
}

void RingReader::Reset() {
  for (Ring& r : rings_) Unmap(r);
  rings_.clear();
}

void RingReader::Add(int map_fd, size_t data_bytes) {
  Ring r;
  r.fd = map_fd;
  r.page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  r.mask = data_bytes - 1;
  void* cons = mmap(nullptr, r.page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (cons == MAP_FAILED) {
    throw std::system_error(errno, std::generic_category(), "mmap of the ring's consumer page");
  }
  r.consumer_page = static_cast<uint8_t*>(cons);
  r.producer_map_len = r.page + 2 * data_bytes;
  void* prod = mmap(nullptr, r.producer_map_len, PROT_READ, MAP_SHARED, map_fd,
                    static_cast<off_t>(r.page));
  if (prod == MAP_FAILED) {
    const int err = errno;
    Unmap(r);
    throw std::system_error(err, std::generic_category(), "mmap of the ring's data pages");
  }
  r.producer_map = static_cast<uint8_t*>(prod);
  r.data = r.producer_map + r.page;
  r.cons = LoadAcquire(r.consumer_page);
  r.published = r.cons;
  r.prod = LoadAcquire(r.producer_map);
  rings_.push_back(r);
}

void RingReader::Refresh(size_t i) {
  Ring& r = rings_[i];
  r.prod = LoadAcquire(r.producer_map);
}

const uint8_t* RingReader::Head(size_t i, uint32_t* len) {
  Ring& r = rings_[i];
  while (r.cons < r.prod) {
    const uint8_t* hdr = r.data + (r.cons & r.mask);
    const uint32_t word = LoadAcquire32(hdr);
    if (word & kBusyBit) return nullptr;
    const uint32_t sample = word & ~(kBusyBit | kDiscardBit);
    const uint32_t stride = (sample + kHeaderSize + 7) & ~7u;
    if (word & kDiscardBit) {
      r.cons += stride;
      continue;
    }
    r.head_stride = stride;
    *len = sample;
    return hdr + kHeaderSize;
  }
  return nullptr;
}

void RingReader::Consume(size_t i) {
  Ring& r = rings_[i];
  r.cons += r.head_stride;
  r.head_stride = 0;
  if (r.cons - r.published >= kPublishEvery) Publish(i);
}

void RingReader::Publish(size_t i) {
  Ring& r = rings_[i];
  if (r.published == r.cons) return;
  StoreRelease(r.consumer_page, r.cons);
  r.published = r.cons;
}

void RingReader::PublishAll() {
  for (size_t i = 0; i < rings_.size(); i++) Publish(i);
}

bool RingReader::Empty(size_t i) {
  Refresh(i);
  const Ring& r = rings_[i];
  return r.cons >= r.prod;
}

uint64_t RingReader::CountRecords(size_t i) {
  Refresh(i);
  const Ring& r = rings_[i];
  uint64_t n = 0;
  for (uint64_t pos = r.cons; pos < r.prod;) {
    // A BUSY record's length is already set (the kernel writes it at reserve).
    const uint32_t word = LoadAcquire32(r.data + (pos & r.mask));
    const uint32_t sample = word & ~(kBusyBit | kDiscardBit);
    if (!(word & kDiscardBit)) n++;
    pos += (sample + kHeaderSize + 7) & ~7u;
  }
  return n;
}

uint64_t RingReader::Pending(size_t i) const {
  const Ring& r = rings_[i];
  return LoadAcquire(r.producer_map) - r.cons;
}

}  // namespace scap_ts
