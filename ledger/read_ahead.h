// Reading the log ahead on a second thread: what the 2 cores give a long
// walk of the log (a fold, a verify). One thread reads and checks records a
// chunk at a time, the other consumes the chunks in order.
#ifndef AIDLEDGER_LEDGER_READ_AHEAD_H_
#define AIDLEDGER_LEDGER_READ_AHEAD_H_

#include <sched.h>

#include <atomic>
#include <deque>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"

namespace aidledger::internal {

// Hands read chunks from the reading thread to the consuming one, in order:
// at most `capacity` wait; consumed chunks come back to be filled again, so
// a walk allocates at most capacity + 2 of them.
template <typename Chunk>
class ChunkPipe {
 public:
  explicit ChunkPipe(size_t capacity) : capacity_(capacity) {}

  // Reading side: a chunk to fill (a recycled one keeps its storage).
  std::unique_ptr<Chunk> TakeFree() {
    absl::MutexLock lock(&mutex_);
    if (free_.empty()) return std::make_unique<Chunk>();
    std::unique_ptr<Chunk> chunk = std::move(free_.back());
    free_.pop_back();
    return chunk;
  }
  // Reading side: waits for room; false when the consumer has stopped.
  bool Push(std::unique_ptr<Chunk> chunk) {
    absl::MutexLock lock(&mutex_);
    mutex_.Await(absl::Condition(this, &ChunkPipe::RoomOrCancelled));
    if (cancelled_) return false;
    full_.push_back(std::move(chunk));
    return true;
  }
  // Reading side: nothing more will come; `status` is why (OK: the end).
  void Close(absl::Status status) {
    absl::MutexLock lock(&mutex_);
    closed_ = true;
    status_ = std::move(status);
  }

  // Consuming side: the next chunk, or nullptr once the reading has closed
  // and every chunk was taken.
  std::unique_ptr<Chunk> Pop() {
    absl::MutexLock lock(&mutex_);
    mutex_.Await(absl::Condition(this, &ChunkPipe::ChunkOrClosed));
    if (full_.empty()) return nullptr;
    std::unique_ptr<Chunk> chunk = std::move(full_.front());
    full_.pop_front();
    return chunk;
  }
  void Recycle(std::unique_ptr<Chunk> chunk) {
    absl::MutexLock lock(&mutex_);
    free_.push_back(std::move(chunk));
  }
  // Consuming side: stop the reading (the consumer met an error).
  void Cancel() {
    absl::MutexLock lock(&mutex_);
    cancelled_ = true;
  }
  absl::Status status() {
    absl::MutexLock lock(&mutex_);
    return status_;
  }

 private:
  bool RoomOrCancelled() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return cancelled_ || full_.size() < capacity_;
  }
  bool ChunkOrClosed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return !full_.empty() || closed_;
  }

  const size_t capacity_;
  absl::Mutex mutex_;
  std::deque<std::unique_ptr<Chunk>> full_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::unique_ptr<Chunk>> free_ ABSL_GUARDED_BY(mutex_);
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mutex_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mutex_);
};

// Calls `fill(Chunk*) -> absl::StatusOr<bool>` on a thread of its own until
// it returns false (nothing more) or an error, and `consume(const Chunk&) ->
// absl::Status` on this one for each chunk it filled, in order, at most
// `capacity` chunks ahead. The first error in log order wins: chunks are
// consumed in order, a consumer's error stops the reading, and the
// reading's own error comes after the chunks filled before it.
template <typename Chunk, typename Fill, typename Consume>
absl::Status ReadAhead(size_t capacity, Fill fill, Consume consume) {
  ChunkPipe<Chunk> pipe(capacity);
  std::thread reading([&fill, &pipe] {
    for (;;) {  // bounded by what `fill` reads
      std::unique_ptr<Chunk> chunk = pipe.TakeFree();
      absl::StatusOr<bool> filled = fill(chunk.get());
      if (!filled.ok() || !*filled) {
        pipe.Close(filled.status());
        return;
      }
      if (!pipe.Push(std::move(chunk))) return;  // the consumer stopped
    }
  });
  absl::Status consumed;
  while (std::unique_ptr<Chunk> chunk = pipe.Pop()) {
    consumed = consume(*chunk);
    if (!consumed.ok()) {
      pipe.Cancel();
      break;
    }
    pipe.Recycle(std::move(chunk));
  }
  reading.join();
  if (!consumed.ok()) return consumed;
  return pipe.status();
}

// Whether this process may run on two CPUs or more: on one, reading ahead
// on a second thread only adds switches between the two.
inline bool TwoCpusAllowed() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  return sched_getaffinity(0, sizeof(cpus), &cpus) != 0 || CPU_COUNT(&cpus) >= 2;
}

// Runs task(0) .. task(count - 1), each once, on this thread and, when two
// CPUs are there, on one more: each takes the next index not yet taken.
// The tasks must touch nothing in common. The error of the lowest index
// wins; every task runs even after one failed.
inline absl::Status ForEachOnTwoThreads(size_t count, absl::FunctionRef<absl::Status(size_t)> task) {
  std::vector<absl::Status> statuses(count);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) statuses[i] = task(i);
  };
  if (count >= 2 && TwoCpusAllowed()) {
    std::thread helper(work);
    work();
    helper.join();
  } else {
    work();
  }
  for (absl::Status& status : statuses) RETURN_IF_ERROR(status);
  return absl::OkStatus();
}

}  // namespace aidledger::internal

#endif  // AIDLEDGER_LEDGER_READ_AHEAD_H_
