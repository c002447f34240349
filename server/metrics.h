// Prometheus metrics of `aidledger serve`, rendered in the text exposition
// format (version 0.0.4). Counters and histograms are safe to update from
// any thread.
#ifndef AIDLEDGER_SERVER_METRICS_H_
#define AIDLEDGER_SERVER_METRICS_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "ledger/ledger.h"
#include "state/books.h"

namespace aidledger::app {

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  // The _bucket, _sum and _count lines of `name` with `labels` ("" or
  // `key="value"`).
  std::string Render(const std::string& name, const std::string& labels) const;

 private:
  const std::vector<double> bounds_;
  mutable absl::Mutex mutex_;
  std::vector<uint64_t> counts_ ABSL_GUARDED_BY(mutex_);  // per bucket, not cumulative
  double sum_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t count_ ABSL_GUARDED_BY(mutex_) = 0;
};

class Metrics {
 public:
  explicit Metrics(const std::vector<std::string>& routes);

  void CountAppended(uint64_t events) { appended_events_ += events; }
  // The committer copied the whole published state: readers still held its
  // spare when a commit was to be published.
  void CountStateCopy() { state_copies_ += 1; }
  void CountRejection(const std::string& reason);
  void ObserveCommit(uint64_t events) { commit_events_.Observe(static_cast<double>(events)); }
  void ObserveRequest(const std::string& route, int status, double seconds);

  // Everything, with the head sequence, the store's outage counters and,
  // when `with_regions`, the per-region money gauges of `books`.
  std::string Render(uint64_t head_sequence, const Ledger::OutageCounts& outages,
                     const Books& books, bool with_regions) const;

 private:
  std::atomic<uint64_t> appended_events_{0};
  std::atomic<uint64_t> state_copies_{0};
  Histogram commit_events_;
  std::map<std::string, std::unique_ptr<Histogram>> latency_;  // fixed at construction
  mutable absl::Mutex mutex_;
  std::map<std::string, uint64_t> rejections_ ABSL_GUARDED_BY(mutex_);
  std::map<std::pair<std::string, int>, uint64_t> requests_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace aidledger::app

#endif  // AIDLEDGER_SERVER_METRICS_H_
