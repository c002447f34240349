// Group commit: many threads hand in append requests; one committer thread
// takes what has queued (up to the limits in base/limits.h) and writes it
// with Ledger::SubmitGroup as one synced write. Each request is validated
// on its own, in arrival order, against the state the accepted ones before
// it leave, and is answered only once its events are on disk. Under load a
// group carries many requests for one fsync; alone, a request commits at
// once.
//
// With `follow_others` (a store other processes append to: PostgreSQL) it
// also follows them: a thread of its own waits for their appends
// (Ledger::AwaitOthers: notified, or every kFollowPollMax), and the
// committer, when no request waits, brings the ledger up to them
// (Ledger::Follow) and calls the `committed` hook as for a group of its
// own. (Under load a group that finds the head moved catches up itself.)
//
// The server uses it for POST /v1/events; any adapter with concurrent
// writers can.
#ifndef AIDLEDGER_LEDGER_GROUP_COMMIT_H_
#define AIDLEDGER_LEDGER_GROUP_COMMIT_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"

namespace aidledger {

class GroupCommitter {
 public:
  struct Hooks {
    // On the committer thread whenever the ledger's head moved: after a
    // group (that wrote events, or caught up with other writers first),
    // before any of its requests is answered, with the outcomes and the
    // requests (their drafts completed as written), one per request, in
    // order; or after following other writers, with none. A server updates
    // its published state here, reading from the ledger what it lacks.
    std::function<void(const std::vector<SubmitOutcome>&, absl::Span<const Drafts>)> committed;
    // Told of a failed idle flush (which changes nothing written).
    std::function<void(const absl::Status&)> warn;
  };

  // Starts the committer thread. `ledger` must outlive the committer, and
  // no other thread may append to it meanwhile.
  GroupCommitter(Ledger* ledger, Hooks hooks, bool follow_others = false);
  // Stop().
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Queues `drafts` as one all-or-nothing request; the future gets its
  // outcome (or the error that stopped its group: I/O, corruption) once
  // written. kUnavailable when kCommitQueueRequestsMax wait already, or
  // after Stop().
  absl::StatusOr<std::future<absl::StatusOr<SubmitOutcome>>> Enqueue(std::vector<v1::Event> drafts);

  // Takes no more requests, writes every one queued, and joins the
  // committer. Safe to call more than once.
  void Stop();

 private:
  struct Request {
    std::vector<v1::Event> drafts;
    std::promise<absl::StatusOr<SubmitOutcome>> done;
  };
  void Run();
  // The next group: waits for a request (flushing when idle); empty once
  // stopped and drained, or when `*follow` is set: time to follow others.
  std::vector<std::unique_ptr<Request>> NextGroup(bool* follow);
  // Writes one group; calls the hook when the head moved.
  void Commit(std::vector<std::unique_ptr<Request>> group);
  // Brings the ledger up to other writers; calls the hook when it moved.
  void FollowOthers();
  // The follower thread: wakes the committer when others may have appended.
  void Watch();

  Ledger* const ledger_;
  const Hooks hooks_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::unique_ptr<Request>> queue_;  // guarded by mutex_
  bool stopping_ = false;                       // guarded by mutex_
  bool others_appended_ = false;                // guarded by mutex_
  std::thread committer_;
  std::thread watcher_;  // only when following others
};

}  // namespace aidledger

#endif  // AIDLEDGER_LEDGER_GROUP_COMMIT_H_
