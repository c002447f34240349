#include "ledger/store/log_store.h"

namespace aidledger {
namespace {

// LogStore::BeginAppend's default: the batch is written whole at Finish.
class WholeAppend final : public AppendStream {
 public:
  WholeAppend(LogStore* store, const internal::Head& expected, bool sync)
      : store_(store), expected_(expected), sync_(sync) {}

  absl::Status Add(const LogRecord&, absl::string_view) override { return absl::OkStatus(); }
  absl::Status Finish(const LogAppend& batch) override {
    return store_->Append(expected_, batch, sync_);
  }

 private:
  LogStore* store_;
  const internal::Head expected_;
  const bool sync_;
};

}  // namespace

std::unique_ptr<AppendStream> LogStore::BeginAppend(const internal::Head& expected, bool sync) {
  return std::make_unique<WholeAppend>(this, expected, sync);
}

}  // namespace aidledger
