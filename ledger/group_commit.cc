#include "ledger/group_commit.h"

#include <utility>

#include "base/limits.h"

namespace aidledger {

GroupCommitter::GroupCommitter(Ledger* ledger, Hooks hooks, bool follow_others)
    : ledger_(ledger), hooks_(std::move(hooks)), committer_([this] { Run(); }) {
  if (follow_others) watcher_ = std::thread([this] { Watch(); });
}

GroupCommitter::~GroupCommitter() { Stop(); }

absl::StatusOr<std::future<absl::StatusOr<SubmitOutcome>>> GroupCommitter::Enqueue(
    std::vector<v1::Event> drafts) {
  auto request = std::make_unique<Request>();
  request->drafts = std::move(drafts);
  std::future<absl::StatusOr<SubmitOutcome>> done = request->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= limits::kCommitQueueRequestsMax) {
      return absl::UnavailableError("the committer is busy or stopping; try again");
    }
    queue_.push_back(std::move(request));
  }
  ready_.notify_one();
  return done;
}

void GroupCommitter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  if (committer_.joinable()) committer_.join();
}

void GroupCommitter::Watch() {
  while (true) {
    ledger_->AwaitOthers(absl::FromChrono(limits::kFollowPollMax));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      others_appended_ = true;
    }
    ready_.notify_one();
  }
}

std::vector<std::unique_ptr<GroupCommitter::Request>> GroupCommitter::NextGroup(bool* follow) {
  std::vector<std::unique_ptr<Request>> group;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!ready_.wait_for(lock, limits::kCommitIdleFlushAfter,
                          [&] { return stopping_ || others_appended_ || !queue_.empty(); })) {
    lock.unlock();
    absl::Status flushed = ledger_->FlushIfBehind(limits::kUnflushedBytesWorthFlushing);
    if (!flushed.ok() && hooks_.warn) hooks_.warn(flushed);
    lock.lock();
  }
  // Requests first: a group whose append finds the head moved catches up
  // with the others itself.
  *follow = others_appended_ && !stopping_ && queue_.empty();
  others_appended_ = false;
  if (*follow) return group;
  size_t events = 0;
  while (!queue_.empty() && group.size() < limits::kCommitGroupRequestsMax &&
         (group.empty() ||
          events + queue_.front()->drafts.size() <= limits::kCommitGroupEventsMax)) {
    events += queue_.front()->drafts.size();
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return group;  // empty: stopping, and everything queued is written
}

void GroupCommitter::Run() {
  while (true) {
    bool follow = false;
    std::vector<std::unique_ptr<Request>> group = NextGroup(&follow);
    if (follow) {
      FollowOthers();
      continue;
    }
    if (group.empty()) return;
    Commit(std::move(group));
  }
}

void GroupCommitter::FollowOthers() {
  absl::StatusOr<bool> moved = ledger_->Follow();
  if (!moved.ok() && hooks_.warn) hooks_.warn(moved.status());
  // Also when it did not move now: a failed group may have caught up.
  if (moved.ok() && hooks_.committed) hooks_.committed({}, {});
}

void GroupCommitter::Commit(std::vector<std::unique_ptr<Request>> group) {
  std::vector<std::vector<v1::Event*>> pointers;
  std::vector<Drafts> requests;
  pointers.reserve(group.size());
  requests.reserve(group.size());
  for (const auto& request : group) {
    pointers.push_back(DraftPointers(request->drafts));
    requests.emplace_back(pointers.back());
  }
  const uint64_t before = ledger_->head().sequence;
  absl::StatusOr<std::vector<SubmitOutcome>> outcomes = ledger_->Submit(requests, SubmitOptions{});
  if (!outcomes.ok()) {
    // It may have caught up with other writers before it failed.
    if (ledger_->head().sequence != before && hooks_.committed) hooks_.committed({}, {});
    for (const auto& request : group) request->done.set_value(outcomes.status());
    return;
  }
  if (ledger_->head().sequence != before && hooks_.committed) hooks_.committed(*outcomes, requests);
  for (size_t i = 0; i < group.size(); ++i) group[i]->done.set_value(std::move((*outcomes)[i]));
}

}  // namespace aidledger
