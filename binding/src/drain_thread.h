// The drain thread: moves events from the per-CPU rings into batches, in
// timestamp order, and queues full batches for JS.
//
// - Merge: of the head events of all rings, the one with the smallest ts is
//   taken. An event can still be in flight on a CPU whose ring looks empty
//   (its ts was taken before ours, it is published after), so while any ring
//   is empty only events older than `reorder_window_ns` (measured against a
//   clock read before the rings were looked at) are taken. Rings are then
//   merged exactly, unless an event stays in flight longer than the window.
//   Measured here, an event is published at most ~0.2 ms after its ts; the
//   window is 1 ms. It costs latency only while some CPU's ring is empty.
//   The oldest ring's events are taken in a run while they stay older than
//   every other ring's head, without rescanning the rings for each event.
// - Batches: events are copied back to back into a buffer of `batch_bytes`
//   with an offsets array and a cpus array. A batch is queued when the next
//   event does not fit, or when it has been open `flush_ms` (so a trickle of
//   events still reaches JS quickly). Buffers come back from JS (BufferPool)
//   and batch shells with their arrays (Recycle), so that a steady capture
//   allocates nothing and touches no fresh page per batch.
// - Back-pressure: at most `max_queued` batches wait for JS. When the queue
//   is full the thread stops draining: the kernel rings fill up and the probe
//   counts the drops; memory here stays bounded.
// - Sleeping: when nothing is eligible the thread waits in epoll on the ring
//   fds (edge-triggered: a BPF ring buffer wakes it when a record lands in a
//   ring it had caught up with, the kernel module once per wait, at the next
//   tick or when a quarter of a ring is used) plus an eventfd used to stop
//   it; no busy polling.
// - Finishing: once the producers are gone (probe detached, running programs
//   waited for), Finish() makes the thread take everything left in the rings
//   (no reorder window: nothing is in flight any more), queue the last batch
//   and exit; finished() then says no batch will follow those queued.
// - Accounting: after Stop(), Discarded() gives per ring the events that
//   were never handed over (still in the ring, in the open batch, in queued
//   batches), so that seen = delivered + drops + discarded holds exactly.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <time.h>

#include "ring_reader.h"

namespace scap_ts {

// Batch data buffers of one size, recycled. The drain thread takes them; the
// finalizers of the JS ArrayBuffers that wrapped them give them back (on the
// JS thread, possibly after the capture is gone: the pool is shared). A
// recycled buffer is already faulted in: no page faults, no zeroing.
class BufferPool {
 public:
  BufferPool(size_t buffer_bytes, size_t max_free);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  size_t buffer_bytes() const { return buffer_bytes_; }
  // A buffer of buffer_bytes(): a recycled one, else a new one (throws bad_alloc).
  uint8_t* Get();
  // Takes back a buffer of `capacity` bytes (from Get() or malloc()); frees it
  // when it is not of the pool's size or the pool holds enough.
  void Put(uint8_t* buf, size_t capacity);

 private:
  const size_t buffer_bytes_;
  const size_t max_free_;
  std::mutex mu_;
  std::vector<uint8_t*> free_;
};

// A batch of events: `size` bytes of back-to-back scap events in `data`.
struct Batch {
  // Data from `pool` (or malloc when null).
  Batch(size_t capacity, std::shared_ptr<BufferPool> pool = nullptr);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  bool Fits(size_t len) const { return size + len <= capacity; }
  // Hands the data buffer over (to be given back with pool->Put() or free()).
  uint8_t* ReleaseData();

  uint8_t* data = nullptr;
  size_t capacity = 0;
  size_t size = 0;
  std::vector<uint32_t> offsets;
  std::vector<uint16_t> cpus;
  uint64_t opened_ns = 0;  // CLOCK_MONOTONIC when the first event was added
  std::shared_ptr<BufferPool> pool;
};

struct DrainConfig {
  size_t batch_bytes = 1 << 20;
  size_t max_queued = 4;
  uint32_t flush_ms = 20;
  uint64_t reorder_window_ns = 1'000'000;
  uint64_t boot_time_ns = 0;  // event ts = boot_time_ns + `clock`
  clockid_t clock = CLOCK_BOOTTIME;
};

class DrainThread {
 public:
  // `on_ready` is called from the drain thread after a batch was queued.
  DrainThread(std::unique_ptr<RingSource> reader, DrainConfig config, std::function<void()> on_ready);
  ~DrainThread();
  DrainThread(const DrainThread&) = delete;
  DrainThread& operator=(const DrainThread&) = delete;

  // Starts the thread. Throws std::system_error (epoll/eventfd/thread).
  void Start();
  // Stops and joins the thread (idempotent). Queued batches stay poppable.
  void Stop();

  // Drains the rings to the end, then exits (see above). Call only once the
  // producers are gone. Returns at once.
  void Finish();
  // True once the thread, after Finish(), queued its last batch and exited.
  // Check it before Pop(): finished() then an empty Pop() means the end.
  bool finished() const { return finished_.load(std::memory_order_acquire); }

  // The oldest queued batch, or nullptr. Makes room for the thread.
  std::unique_ptr<Batch> Pop();
  // Gives back a popped batch whose data was released (ReleaseData()): its
  // offsets/cpus arrays are reused (no regrowth), its data comes from pool().
  void Recycle(std::unique_ptr<Batch> shell);
  // Where batch data buffers come from and go back to.
  const std::shared_ptr<BufferPool>& pool() const { return pool_; }

  // Per ring: events that failed validation and were skipped (should stay 0).
  std::vector<uint64_t> corrupt_events() const;

  // Per ring: events not handed over, still in the ring, the open batch or a
  // queued batch. Only after Stop().
  std::vector<uint64_t> Discarded();

 private:
  void Run();
  // Copies eligible events into `cur_`; returns what stopped it.
  enum class MergeStop { kNothing, kHeld, kFull };
  MergeStop Merge(uint64_t now_ts, uint64_t* held_ts, bool* took_any);
  // Makes heads_[i] ring i's next valid event (skipping corrupt ones);
  // false when the ring has none committed.
  bool LoadHead(size_t i);
  void Queue();
  std::unique_ptr<Batch> NewBatch();
  bool WaitForRoom();
  void Sleep(int timeout_ms);

  std::unique_ptr<RingSource> reader_;
  DrainConfig config_;
  std::function<void()> on_ready_;

  int epoll_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable room_cv_;
  std::deque<std::unique_ptr<Batch>> ready_;
  std::vector<std::unique_ptr<Batch>> shells_;  // recycled, without data
  std::shared_ptr<BufferPool> pool_;
  bool stop_ = false;

  // Drain-thread state.
  std::unique_ptr<Batch> cur_;
  struct HeadCache {
    const uint8_t* ptr = nullptr;
    uint32_t len = 0;
    uint64_t ts = 0;
  };
  std::vector<HeadCache> heads_;
  std::unique_ptr<std::atomic<uint64_t>[]> corrupt_;
  std::atomic<bool> finishing_{false};
  std::atomic<bool> finished_{false};
};

}  // namespace scap_ts
