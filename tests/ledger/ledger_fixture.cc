#include "tests/ledger/ledger_fixture.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/status_macros.h"

namespace aidledger::testing {

void LedgerFixture::SetUp() {
  path_ = dir_.Sub("ledger");
  ASSERT_TRUE(Ledger::Create(path_).ok());
  Reopen();
}

LedgerOptions LedgerFixture::Options() {
  return {.read_only = false, .sync = true, .clock = [this] { return clock_(); }};
}

void LedgerFixture::Reopen() {
  ledger_.reset();
  absl::StatusOr<std::unique_ptr<Ledger>> opened = Ledger::Open(path_, Options());
  ASSERT_TRUE(opened.ok()) << opened.status();
  ledger_ = std::move(*opened);
}

std::string LedgerFixture::WriteFile(const std::string& name, const std::string& text) {
  const std::string path = dir_.Sub(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

v1::Event LedgerFixture::Draft(const std::string& type, app::FieldMap fields) {
  absl::StatusOr<v1::Event> draft = app::DraftFromFields(type, fields);
  EXPECT_TRUE(draft.ok()) << draft.status();
  v1::Event event = draft.ok() ? *draft : v1::Event();
  event.set_actor("tester");
  return event;
}

absl::StatusOr<AppendResult> LedgerFixture::Add(const std::string& type, app::FieldMap fields) {
  absl::StatusOr<v1::Event> draft = app::DraftFromFields(type, fields);
  if (!draft.ok()) return draft.status();
  draft->set_actor("tester");
  return ledger_->Append(*std::move(draft));
}

uint64_t LedgerFixture::MustAdd(const std::string& type, app::FieldMap fields) {
  absl::StatusOr<AppendResult> result = Add(type, fields);
  EXPECT_TRUE(result.ok()) << type << ": " << result.status();
  return result.ok() ? result->sequence : 0;
}

void LedgerFixture::AddQingdaoBasics() {
  const char* kDate = "2016-01-01";
  MustAdd("region", {{"code", "370000"}, {"name", "山东省"}, {"effective_date", kDate}});
  MustAdd("region", {{"code", "370200"}, {"name", "青岛市"}, {"parent_code", "370000"},
                     {"effective_date", kDate}});
  MustAdd("region", {{"code", "370202"}, {"name", "市南区"}, {"parent_code", "370200"},
                     {"effective_date", kDate}});
  MustAdd("region", {{"code", "620000"}, {"name", "甘肃省"}, {"effective_date", kDate}});
  MustAdd("region", {{"code", "621100"}, {"name", "定西市"}, {"parent_code", "620000"},
                     {"effective_date", kDate}});
  MustAdd("region", {{"code", "621102"}, {"name", "安定区"}, {"parent_code", "621100"},
                     {"effective_date", kDate}});
  MustAdd("region", {{"code", "540000"}, {"name", "西藏自治区"}, {"effective_date", kDate}});
  MustAdd("region", {{"code", "540200"}, {"name", "日喀则市"}, {"parent_code", "540000"},
                     {"effective_date", kDate}});
  MustAdd("region", {{"code", "540202"}, {"name", "桑珠孜区"}, {"parent_code", "540200"},
                     {"effective_date", kDate}});
  MustAdd("pairing", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                      {"program", "east-west"}, {"since", "2021-01-01"},
                      {"effective_date", "2021-01-01"}});
  MustAdd("pairing", {{"helper_code", "370200"}, {"recipient_code", "540202"},
                      {"program", "counterpart"}, {"since", "2016-01-01"},
                      {"effective_date", kDate}});
}

absl::StatusOr<SubmitOutcome> SubmitRequest(Ledger& ledger, std::vector<v1::Event*> drafts,
                                            const SubmitOptions& options) {
  const Drafts request(drafts);
  ASSIGN_OR_RETURN(std::vector<SubmitOutcome> outcomes, ledger.Submit({&request, 1}, options));
  return std::move(outcomes.front());
}

absl::StatusOr<SubmitOutcome> SubmitRequest(Ledger& ledger, std::vector<v1::Event>& drafts,
                                            const SubmitOptions& options) {
  return SubmitRequest(ledger, DraftPointers(drafts), options);
}

absl::StatusOr<std::vector<SubmitOutcome>> SubmitRequests(
    Ledger& ledger, std::vector<std::vector<v1::Event>>& requests) {
  std::vector<std::vector<v1::Event*>> pointers;
  std::vector<Drafts> spans;
  pointers.reserve(requests.size());
  for (std::vector<v1::Event>& request : requests) {
    pointers.push_back(DraftPointers(request));
    spans.emplace_back(pointers.back());
  }
  return ledger.Submit(spans, {});
}

absl::StatusOr<std::vector<AppendResult>> AppendBatch(Ledger& ledger,
                                                      std::vector<v1::Event> drafts) {
  ASSIGN_OR_RETURN(SubmitOutcome outcome, SubmitRequest(ledger, drafts));
  if (!outcome.rejections.empty()) {
    const Rejection& first = outcome.rejections.front();
    return drafts.size() == 1
               ? first.status
               : WithContext(first.status,
                             absl::StrCat("event ", first.index + 1, " of the batch: "));
  }
  return std::move(outcome.results);
}

absl::Status AppendVerbatim(Ledger& ledger, std::vector<std::pair<v1::Event, Hash>> events) {
  std::vector<v1::Event*> drafts;
  std::vector<Hash> hashes;
  for (auto& [event, hash] : events) {
    drafts.push_back(&event);
    hashes.push_back(hash);
  }
  return SubmitRequest(ledger, drafts, {.verbatim_hashes = &hashes}).status();
}

}  // namespace aidledger::testing
