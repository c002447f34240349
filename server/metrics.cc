#include "server/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace aidledger::app {
namespace {

std::string Number(double value) { return absl::StrFormat("%.9g", value); }

std::string Joined(const std::string& labels, const std::string& more) {
  if (labels.empty()) return more;
  return absl::StrCat(labels, ",", more);
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  absl::MutexLock lock(&mutex_);
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

std::string Histogram::Render(const std::string& name, const std::string& labels) const {
  absl::MutexLock lock(&mutex_);
  std::string out;
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? Number(bounds_[i]) : "+Inf";
    absl::StrAppend(&out, name, "_bucket{", Joined(labels, absl::StrCat("le=\"", le, "\"")), "} ",
                    cumulative, "\n");
  }
  const std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(&out, name, "_sum", braces, " ", Number(sum_), "\n");
  absl::StrAppend(&out, name, "_count", braces, " ", count_, "\n");
  return out;
}

Metrics::Metrics(const std::vector<std::string>& routes)
    : commit_events_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}) {
  for (const std::string& route : routes) {
    latency_[route] = std::make_unique<Histogram>(std::vector<double>{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
  }
}

void Metrics::CountRejection(const std::string& reason) {
  absl::MutexLock lock(&mutex_);
  ++rejections_[reason];
}

void Metrics::ObserveRequest(const std::string& route, int status, double seconds) {
  auto it = latency_.find(route);
  if (it != latency_.end()) it->second->Observe(seconds);
  absl::MutexLock lock(&mutex_);
  ++requests_[{route, status}];
}

std::string Metrics::Render(uint64_t head_sequence, const Ledger::OutageCounts& outages,
                            const Books& books, bool with_regions) const {
  std::string out;
  absl::StrAppend(&out, "# HELP aidledger_head_sequence Sequence of the newest event.\n",
                  "# TYPE aidledger_head_sequence gauge\n", "aidledger_head_sequence ",
                  head_sequence, "\n");
  absl::StrAppend(&out,
                  "# HELP aidledger_store_reconnects_total Connections to the store made again "
                  "after one broke or could not be made (a restart, a failover).\n",
                  "# TYPE aidledger_store_reconnects_total counter\n",
                  "aidledger_store_reconnects_total ", outages.reconnects, "\n");
  absl::StrAppend(&out,
                  "# HELP aidledger_unknown_outcomes_total Appends whose connection broke "
                  "before the commit's outcome was known, by what the store then said.\n",
                  "# TYPE aidledger_unknown_outcomes_total counter\n",
                  "aidledger_unknown_outcomes_total{resolution=\"committed\"} ", outages.committed,
                  "\n", "aidledger_unknown_outcomes_total{resolution=\"not_written\"} ",
                  outages.not_written, "\n",
                  "aidledger_unknown_outcomes_total{resolution=\"unresolved\"} ",
                  outages.unresolved, "\n");
  absl::StrAppend(&out, "# HELP aidledger_appended_events_total Events appended through this server.\n",
                  "# TYPE aidledger_appended_events_total counter\n",
                  "aidledger_appended_events_total ", appended_events_.load(), "\n");
  absl::StrAppend(&out,
                  "# HELP aidledger_state_copies_total Commits published by copying the whole "
                  "projection state, because readers still held the spare.\n",
                  "# TYPE aidledger_state_copies_total counter\n",
                  "aidledger_state_copies_total ", state_copies_.load(), "\n");
  absl::StrAppend(&out, "# HELP aidledger_rejections_total Rejected append requests by reason.\n",
                  "# TYPE aidledger_rejections_total counter\n");
  {
    absl::MutexLock lock(&mutex_);
    for (const auto& [reason, count] : rejections_) {
      absl::StrAppend(&out, "aidledger_rejections_total{reason=\"", reason, "\"} ", count, "\n");
    }
    absl::StrAppend(&out, "# HELP aidledger_http_requests_total HTTP requests by route and status.\n",
                    "# TYPE aidledger_http_requests_total counter\n");
    for (const auto& [key, count] : requests_) {
      absl::StrAppend(&out, "aidledger_http_requests_total{route=\"", key.first, "\",status=\"",
                      key.second, "\"} ", count, "\n");
    }
  }
  absl::StrAppend(&out, "# HELP aidledger_commit_events Events written by each group commit.\n",
                  "# TYPE aidledger_commit_events histogram\n",
                  commit_events_.Render("aidledger_commit_events", ""));
  absl::StrAppend(&out, "# HELP aidledger_http_request_duration_seconds Request latency by route.\n",
                  "# TYPE aidledger_http_request_duration_seconds histogram\n");
  for (const auto& [route, histogram] : latency_) {
    absl::StrAppend(&out, histogram->Render("aidledger_http_request_duration_seconds",
                                            absl::StrCat("route=\"", route, "\"")));
  }
  if (!with_regions) return out;
  struct Gauge {
    const char* name;
    const char* help;
    int64_t (v1::RegionFigures::*get)() const;
  };
  const Gauge gauges[] = {
      {"aidledger_region_balance_fen", "Allocated minus disbursed, region and below.", &v1::RegionFigures::balance_fen},
      {"aidledger_region_allocated_fen", "Allocated to the region and below.", &v1::RegionFigures::allocated_fen},
      {"aidledger_region_disbursed_fen", "Disbursed in the region and below.", &v1::RegionFigures::disbursed_fen},
      {"aidledger_region_invested_fen", "Invested in the region and below.", &v1::RegionFigures::invested_fen},
      {"aidledger_region_sales_fen", "Consumption-assistance sales of the region and below.", &v1::RegionFigures::sales_fen},
  };
  for (const Gauge& gauge : gauges) {
    absl::StrAppend(&out, "# HELP ", gauge.name, " ", gauge.help, "\n# TYPE ", gauge.name, " gauge\n");
    for (const v1::RegionEntry& region : books.regions.state().regions()) {
      absl::StrAppend(&out, gauge.name, "{region=\"", region.code(), "\"} ",
                      (region.total().*gauge.get)(), "\n");
    }
  }
  return out;
}

}  // namespace aidledger::app
