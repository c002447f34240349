#include "tests/state/random_stream.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace aidledger::testing {

void RandomStream::Append(v1::Event event) {
  event.set_actor("random");
  absl::StatusOr<AppendResult> result = ledger_->Append(event);
  ASSERT_TRUE(result.ok()) << result.status() << "\n" << event.DebugString();
}

std::string RandomStream::NextDate() {
  day_ += static_cast<int>(random_() % 2);
  const absl::CivilDay day = absl::CivilDay(2017, 1, 1) + day_;
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string RandomStream::Pick(const std::vector<std::string>& from) {
  return from[random_() % from.size()];
}

std::string RandomStream::SomewhereIn(const std::string& code) {
  std::vector<std::string> inside;
  for (const std::string& candidate : regions_) {
    if (ledger_->books().regions.IsWithin(candidate, code)) inside.push_back(candidate);
  }
  return Pick(inside);
}

void RandomStream::AddRegistry() {
  // Provinces 31, 32 help; 51, 52, 53 receive. Each has two cities with two
  // counties each: PP0000 > PPCC00 > PPCCNN.
  for (int province : {31, 32, 51, 52, 53}) {
    const std::string p = absl::StrFormat("%02d0000", province);
    v1::Event event;
    event.set_effective_date("2016-01-01");
    event.mutable_region_registered()->set_code(p);
    event.mutable_region_registered()->set_name(absl::StrCat("省", province));
    Append(event);
    regions_.push_back(p);
    for (int city = 1; city <= 2; ++city) {
      const std::string c = absl::StrFormat("%02d%02d00", province, city);
      event.mutable_region_registered()->set_code(c);
      event.mutable_region_registered()->set_name(absl::StrCat("市", province, city));
      event.mutable_region_registered()->set_parent_code(p);
      Append(event);
      regions_.push_back(c);
      for (int county = 1; county <= 2; ++county) {
        const std::string k = absl::StrFormat("%02d%02d%02d", province, city, county);
        event.mutable_region_registered()->set_code(k);
        event.mutable_region_registered()->set_name(absl::StrCat("县", k));
        event.mutable_region_registered()->set_parent_code(c);
        Append(event);
        regions_.push_back(k);
        if (province > 50) recipient_leaves_.push_back(k);
      }
    }
  }
  const std::tuple<const char*, const char*, v1::Program> pairings[] = {
      {"310100", "510100", v1::EAST_WEST_COOPERATION},
      {"310200", "510200", v1::COUNTERPART_SUPPORT},
      {"320100", "520100", v1::INTRA_PROVINCE},
      {"320200", "530100", v1::EAST_WEST_COOPERATION},
      {"320000", "530000", v1::COUNTERPART_SUPPORT},
      {"310101", "520201", v1::EAST_WEST_COOPERATION},
  };
  for (const auto& [helper, recipient, program] : pairings) {
    v1::Event event;
    event.set_effective_date("2016-06-01");
    auto& p = *event.mutable_pairing_established();
    p.set_helper_code(helper);
    p.set_recipient_code(recipient);
    p.set_program(program);
    Append(event);
    pairings_.emplace_back(helper, recipient);
  }
  for (int i = 0; i < 40; ++i) {
    v1::Event event;
    event.set_effective_date("2016-06-01");
    auto& p = *event.mutable_project_registered();
    p.set_project_id(absl::StrCat("P-", i));
    p.set_region_code(i % 3 == 0 ? Pick(recipient_leaves_) : Pick(regions_));
    p.set_name(absl::StrCat("项目", i));
    p.set_category(static_cast<v1::ProjectCategory>(1 + random_() % 7));
    p.set_budget_fen(static_cast<int64_t>(random_() % 1'000'000'000));
    Append(event);
    projects_.push_back(p.project_id());
  }
}

bool RandomStream::TryReverse(MoneyEvent& target) {
  if (target.reversed) return false;
  absl::StatusOr<std::optional<StoredEvent>> stored = ledger_->FindByEventId(target.event_id);
  EXPECT_TRUE(stored.ok() && stored->has_value());
  if (!stored.ok() || !stored->has_value()) return false;
  if ((*stored)->event.has_funds_allocated()) {
    const auto& a = (*stored)->event.funds_allocated();
    const v1::RegionEntry* region = ledger_->books().regions.FindRegion(a.recipient_code());
    if (region->own().balance_fen() < a.amount_fen()) return false;  // would overspend
  }
  v1::Event event;
  event.set_event_id(absl::StrCat("rv-", ++next_id_));
  event.set_effective_date(std::max(NextDate(), target.effective_date));
  event.mutable_event_reversed()->set_reversed_event_id(target.event_id);
  event.mutable_event_reversed()->set_reason("random correction");
  Append(event);
  target.reversed = true;
  return true;
}

void RandomStream::AddMoneyEvents(size_t count, size_t reversal_every) {
  size_t added = 0;
  for (size_t attempt = 0; added < count && attempt < count * 20; ++attempt) {
    v1::Event event;
    event.set_event_id(absl::StrCat("m-", ++next_id_));
    event.set_effective_date(NextDate());
    const int64_t amount = 1 + static_cast<int64_t>(random_() % 100'000'000);
    const uint64_t dice = random_() % 100;
    if (reversal_every > 0 && !money_.empty() && random_() % reversal_every == 0) {
      if (TryReverse(money_[random_() % money_.size()])) ++added;
      continue;
    }
    if (dice < 40) {
      const auto& [helper, recipient] = pairings_[random_() % pairings_.size()];
      auto& a = *event.mutable_funds_allocated();
      a.set_helper_code(SomewhereIn(helper));
      a.set_recipient_code(SomewhereIn(recipient));
      a.set_amount_fen(amount);
      a.set_source(random_() % 4 == 0 ? v1::SOCIAL : v1::FISCAL);
      if (random_() % 2 == 0) {
        for (const std::string& project : projects_) {
          const v1::ProjectEntry* entry = ledger_->books().projects.FindProject(project);
          if (ledger_->books().regions.IsWithin(entry->region_code(), a.recipient_code())) {
            a.set_project_id(project);
            break;
          }
        }
      }
    } else if (dice < 65) {
      const std::string project = Pick(projects_);
      const std::string& region = ledger_->books().projects.FindProject(project)->region_code();
      const int64_t balance = ledger_->books().regions.FindRegion(region)->own().balance_fen();
      if (balance <= 0) continue;
      auto& d = *event.mutable_funds_disbursed();
      d.set_project_id(project);
      d.set_amount_fen(1 + static_cast<int64_t>(random_() % static_cast<uint64_t>(balance)));
    } else if (dice < 80) {
      auto& i = *event.mutable_investment_recorded();
      i.set_enterprise(absl::StrCat("企业", random_() % 50));
      i.set_region_code(Pick(recipient_leaves_));
      if (random_() % 2 == 0) i.set_helper_code(Pick(regions_));
      i.set_amount_fen(amount);
    } else {
      auto& s = *event.mutable_sale_recorded();
      s.set_region_code(Pick(regions_));
      if (random_() % 2 == 0) s.set_helper_code(Pick(regions_));
      s.set_channel("线上");
      s.set_amount_fen(amount);
    }
    const v1::Event::PayloadCase type = event.payload_case();
    const std::string date = event.effective_date();
    Append(event);
    money_.push_back({event.event_id(), type, date});
    ++added;
  }
  ASSERT_EQ(added, count) << "the generator could not find enough valid events";
}

void RandomStream::ReverseEverything() {
  for (bool allocations : {false, true}) {
    for (MoneyEvent& target : money_) {
      if ((target.type == v1::Event::kFundsAllocated) != allocations) continue;
      if (!target.reversed) {
        ASSERT_TRUE(TryReverse(target)) << target.event_id;
      }
    }
  }
}

}  // namespace aidledger::testing
