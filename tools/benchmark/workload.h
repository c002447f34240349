// A deterministic, realistic workload for the benchmark: about 3,000
// county-level recipients under 300 cities and 15 provinces, 300 helper
// districts under 30 cities and 5 provinces, pairings of helper cities with
// recipient cities, 30,000 projects, then allocations, disbursements,
// investments, sales and about one reversal in 200, over ten years, every
// one valid (the generator tracks each county's balance).
#ifndef AIDLEDGER_TOOLS_BENCHMARK_WORKLOAD_H_
#define AIDLEDGER_TOOLS_BENCHMARK_WORKLOAD_H_

#include <cstdint>
#include <string>

namespace aidledger::bench {

struct WorkloadStats {
  uint64_t registry_events = 0;  // regions, pairings, projects (they come first)
  uint64_t events = 0;
  uint64_t bytes = 0;
};

// Writes `events` events as an import CSV to `path`. `with_indicators`
// (issue 22) makes one event in ten of the money years a recorded
// indicator and gives every pairing targets for each year; the rest is
// drawn as without them.
WorkloadStats WriteWorkload(const std::string& path, uint64_t events, uint64_t seed,
                            bool with_indicators = false);

}  // namespace aidledger::bench

#endif  // AIDLEDGER_TOOLS_BENCHMARK_WORKLOAD_H_
