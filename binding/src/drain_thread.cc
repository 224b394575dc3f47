#include "drain_thread.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <system_error>
#include <utility>

namespace scap_ts {

namespace {

constexpr uint32_t kEventHeaderSize = 26;
// Longest sleep with nothing to do; a safety net only (wake-ups are epoll's).
constexpr int kIdleWaitMs = 500;

uint64_t ClockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

inline uint64_t ReadU64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline uint32_t ReadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

int CeilMs(uint64_t ns) { return static_cast<int>((ns + 999'999) / 1'000'000); }

}  // namespace

BufferPool::BufferPool(size_t buffer_bytes, size_t max_free)
    : buffer_bytes_(buffer_bytes), max_free_(max_free) {}

BufferPool::~BufferPool() {
  for (uint8_t* b : free_) std::free(b);
}

uint8_t* BufferPool::Get() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!free_.empty()) {
      uint8_t* b = free_.back();
      free_.pop_back();
      return b;
    }
  }
  auto* b = static_cast<uint8_t*>(std::malloc(buffer_bytes_));
  if (b == nullptr) throw std::bad_alloc();
  return b;
}

void BufferPool::Put(uint8_t* buf, size_t capacity) {
  if (buf == nullptr) return;
  if (capacity == buffer_bytes_) {
    std::lock_guard<std::mutex> lk(mu_);
    if (free_.size() < max_free_) {
      free_.push_back(buf);
      return;
    }
  }
  std::free(buf);
}

Batch::Batch(size_t cap, std::shared_ptr<BufferPool> p) : capacity(cap), pool(std::move(p)) {
  if (pool) {
    data = pool->Get();
  } else {
    data = static_cast<uint8_t*>(std::malloc(cap));
    if (data == nullptr) throw std::bad_alloc();
  }
}

Batch::~Batch() {
  if (pool) {
    pool->Put(data, capacity);
  } else {
    std::free(data);
  }
}

uint8_t* Batch::ReleaseData() {
  uint8_t* d = data;
  data = nullptr;
  return d;
}

DrainThread::DrainThread(std::unique_ptr<RingSource> reader, DrainConfig config, std::function<void()> on_ready)
    : reader_(std::move(reader)), config_(config), on_ready_(std::move(on_ready)) {
  heads_.resize(reader_->size());
  // Enough for the queue, the open batch and a few held by JS.
  pool_ = std::make_shared<BufferPool>(config_.batch_bytes, config_.max_queued + 4);
  corrupt_.reset(new std::atomic<uint64_t>[reader_->size()]);
  for (size_t i = 0; i < reader_->size(); i++) corrupt_[i].store(0, std::memory_order_relaxed);
}

DrainThread::~DrainThread() {
  Stop();
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
}

void DrainThread::Start() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = UINT32_MAX;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stop_fd_, &ev) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl(eventfd)");
  }
  for (size_t i = 0; i < reader_->size(); i++) {
    epoll_event rev{};
    rev.events = EPOLLIN | EPOLLET;
    rev.data.u32 = static_cast<uint32_t>(i);
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, reader_->fd(i), &rev) != 0) {
      throw std::system_error(errno, std::generic_category(), "epoll_ctl(ring buffer)");
    }
  }
  cur_ = NewBatch();
  thread_ = std::thread([this] { Run(); });
}

void DrainThread::Stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  room_cv_.notify_all();
  if (stop_fd_ >= 0) {
    const uint64_t one = 1;
    ssize_t w = write(stop_fd_, &one, sizeof one);
    (void)w;
  }
  if (thread_.joinable()) thread_.join();
}

void DrainThread::Finish() {
  finishing_.store(true, std::memory_order_release);
  if (stop_fd_ >= 0) {
    const uint64_t one = 1;
    ssize_t w = write(stop_fd_, &one, sizeof one);
    (void)w;
  }
}

std::vector<uint64_t> DrainThread::Discarded() {
  const size_t n = reader_->size();
  std::vector<uint64_t> out(n, 0);
  for (size_t i = 0; i < n; i++) out[i] = reader_->CountRecords(i);
  auto add = [&](const Batch& b) {
    for (uint16_t cpu : b.cpus) {
      if (cpu < n) out[cpu]++;
    }
  };
  if (cur_) add(*cur_);
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto& b : ready_) add(*b);
  return out;
}

std::unique_ptr<Batch> DrainThread::Pop() {
  std::unique_ptr<Batch> b;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (ready_.empty()) return nullptr;
    b = std::move(ready_.front());
    ready_.pop_front();
  }
  room_cv_.notify_one();
  return b;
}

std::unique_ptr<Batch> DrainThread::NewBatch() {
  std::unique_ptr<Batch> b;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!shells_.empty()) {
      b = std::move(shells_.back());
      shells_.pop_back();
    }
  }
  if (!b) return std::make_unique<Batch>(config_.batch_bytes, pool_);
  b->data = pool_->Get();
  b->capacity = pool_->buffer_bytes();
  b->size = 0;
  b->offsets.clear();
  b->cpus.clear();
  b->opened_ns = 0;
  return b;
}

void DrainThread::Recycle(std::unique_ptr<Batch> shell) {
  if (!shell) return;
  if (shell->data != nullptr) {
    pool_->Put(shell->ReleaseData(), shell->capacity);
  }
  std::lock_guard<std::mutex> lk(mu_);
  if (shells_.size() < config_.max_queued + 2) shells_.push_back(std::move(shell));
}

std::vector<uint64_t> DrainThread::corrupt_events() const {
  std::vector<uint64_t> out(reader_->size());
  for (size_t i = 0; i < out.size(); i++) out[i] = corrupt_[i].load(std::memory_order_relaxed);
  return out;
}

bool DrainThread::WaitForRoom() {
  std::unique_lock<std::mutex> lk(mu_);
  room_cv_.wait(lk, [this] { return stop_ || ready_.size() < config_.max_queued; });
  return !stop_;
}

void DrainThread::Queue() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    ready_.push_back(std::move(cur_));
  }
  cur_ = NewBatch();
  if (on_ready_) on_ready_();
}

bool DrainThread::LoadHead(size_t i) {
  HeadCache& h = heads_[i];
  while (h.ptr == nullptr) {
    h.ptr = reader_->Head(i, &h.len);
    if (h.ptr == nullptr) return false;
    // Validate: a scap event whose header len is the record's length.
    if (h.len < kEventHeaderSize || ReadU32(h.ptr + 16) != h.len || h.len > config_.batch_bytes) {
      reader_->Consume(i);
      h.ptr = nullptr;
      corrupt_[i].fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    h.ts = ReadU64(h.ptr);
  }
  return true;
}

DrainThread::MergeStop DrainThread::Merge(uint64_t now_ts, uint64_t* held_ts, bool* took_any) {
  const size_t n = reader_->size();
  for (;;) {
    // The oldest head, and the one after it: events of the oldest ring are
    // taken in a run, without looking at the other rings again, as long as
    // they stay older than every other head.
    size_t best = n;
    uint64_t best_ts = UINT64_MAX;
    uint64_t next_ts = UINT64_MAX;
    bool any_empty = false;
    for (size_t i = 0; i < n; i++) {
      if (!LoadHead(i)) {
        any_empty = true;
        continue;
      }
      const uint64_t ts = heads_[i].ts;
      if (ts < best_ts) {
        next_ts = best_ts;
        best_ts = ts;
        best = i;
      } else if (ts < next_ts) {
        next_ts = ts;
      }
    }
    if (best == n) return MergeStop::kNothing;
    // While a ring looks empty, only events older than the window are final.
    const uint64_t limit = any_empty ? (now_ts >= config_.reorder_window_ns ? now_ts - config_.reorder_window_ns : 0)
                                     : UINT64_MAX;
    if (best_ts > limit) {
      *held_ts = best_ts;
      return MergeStop::kHeld;
    }
    const uint64_t run_end = next_ts < limit ? next_ts : limit;
    Batch& cur = *cur_;
    HeadCache& h = heads_[best];
    do {
      if (!cur.Fits(h.len)) return MergeStop::kFull;
      if (cur.offsets.empty()) cur.opened_ns = ClockNs(CLOCK_MONOTONIC);
      std::memcpy(cur.data + cur.size, h.ptr, h.len);
      cur.offsets.push_back(static_cast<uint32_t>(cur.size));
      cur.cpus.push_back(static_cast<uint16_t>(best));
      cur.size += h.len;
      reader_->Consume(best);
      h.ptr = nullptr;
      *took_any = true;
    } while (LoadHead(best) && h.ts <= run_end);
  }
}

void DrainThread::Sleep(int timeout_ms) {
  epoll_event evs[16];
  int r = epoll_wait(epoll_fd_, evs, 16, timeout_ms);
  (void)r;  // EINTR or events: the caller looks at the rings again either way
}

void DrainThread::Run() {
  const size_t n = reader_->size();
  int busy_waits = 0;
  while (WaitForRoom()) {
    if (finishing_.load(std::memory_order_acquire)) {
      // The producers are gone: every event is final, take them all in order.
      for (size_t i = 0; i < n; i++) reader_->Refresh(i);
      uint64_t held_ts = 0;
      bool took_any = false;
      const MergeStop stop = Merge(UINT64_MAX, &held_ts, &took_any);
      if (stop == MergeStop::kFull) {
        Queue();
        continue;
      }
      if (took_any) continue;
      // Nothing committed is left. A record still being written cannot exist
      // once the programs were waited for; should one show up, give it a
      // moment (it is counted as discarded at close otherwise).
      bool busy = false;
      for (size_t i = 0; i < n && !busy; i++) busy = heads_[i].ptr == nullptr && !reader_->Empty(i);
      if (busy && busy_waits++ < 100) {
        usleep(1000);  // not Sleep(): the eventfd Finish() wrote keeps epoll ready
        continue;
      }
      if (!cur_->offsets.empty()) Queue();
      finished_.store(true, std::memory_order_release);
      if (on_ready_) on_ready_();
      break;
    }
    // The clock is read before the rings: an event not visible now, with a ts
    // older than now - window, has been in flight longer than the window.
    // Every ring is refreshed, also those whose head is cached: the "empty"
    // verdict the window relies on must be as recent as now_ts.
    const uint64_t now_ts = config_.boot_time_ns + ClockNs(config_.clock);
    for (size_t i = 0; i < n; i++) reader_->Refresh(i);
    uint64_t held_ts = 0;
    bool took_any = false;
    const MergeStop stop = Merge(now_ts, &held_ts, &took_any);
    const bool have = !cur_->offsets.empty();
    const uint64_t age_ns = have ? ClockNs(CLOCK_MONOTONIC) - cur_->opened_ns : 0;
    const uint64_t flush_ns = static_cast<uint64_t>(config_.flush_ms) * 1'000'000ull;
    if (stop == MergeStop::kFull || (have && age_ns >= flush_ns)) {
      Queue();
      continue;
    }
    if (took_any) continue;

    // Nothing to take now: hand consumed space back (so the kernel's
    // "reader caught up" wake-ups fire), then sleep until a ring gets a
    // record, a held event is old enough, or the open batch is due.
    reader_->PublishAll();
    std::atomic_thread_fence(std::memory_order_seq_cst);
    int timeout = kIdleWaitMs;
    if (stop == MergeStop::kHeld) {
      const uint64_t now2 = config_.boot_time_ns + ClockNs(config_.clock);
      const uint64_t due = held_ts + config_.reorder_window_ns;
      timeout = due > now2 ? CeilMs(due - now2) : 0;
    } else {
      // A record may have landed between the look and the publish: then the
      // kernel saw a lagging consumer and did not wake anyone.
      bool all_empty = true;
      for (size_t i = 0; i < n && all_empty; i++) {
        if (heads_[i].ptr == nullptr && !reader_->Empty(i)) all_empty = false;
      }
      if (!all_empty) continue;
    }
    if (have) {
      const int batch_due = CeilMs(flush_ns - age_ns);
      if (batch_due < timeout) timeout = batch_due;
    }
    if (timeout > 0) Sleep(timeout);
  }
  reader_->PublishAll();
}

}  // namespace scap_ts
