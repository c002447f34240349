#include "tools/benchmark/workload.h"

#include <cstdio>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace aidledger::bench {
namespace {

constexpr int kRecipientProvinces = 15, kCitiesPerProvince = 20, kCountiesPerCity = 10;
constexpr int kHelperProvinces = 5, kHelperCitiesPerProvince = 6, kDistrictsPerCity = 10;
constexpr int kProjectsPerCounty = 10;
constexpr int kPairingsPerHelperCity = 10;
constexpr size_t kReversalCandidatesMax = 100'000;  // recent money events a reversal may pick

struct Money {
  uint64_t id;
  char type;      // a, d, i, s
  int county;     // index into counties
  int64_t amount;
  bool reversed;
};

std::string Yuan(int64_t fen) { return absl::StrFormat("%d.%02d", fen / 100, fen % 100); }

// The columns of one row; empty ones stay empty.
struct Row {
  std::string code, name, parent, helper, recipient, program, project, region, category, budget,
      amount, enterprise, reversed, reason, indicator, value, of_which, year;
};

constexpr const char* kHeader =
    "type,event_id,effective_date,code,name,parent_code,helper_code,recipient_code,program,"
    "project_id,region_code,category,budget,amount,enterprise,reversed_event_id,reason";
// The columns a workload with indicators adds (issue 22).
constexpr const char* kIndicatorColumns = ",indicator,value,of_which,year";

// The indicators the workload records, in turn.
constexpr const char* kRecordedIndicators[] = {"rural_workers_employed", "people_trained",
                                               "enterprises_introduced", "paired_schools",
                                               "party_cadres_sent"};
// The targets of each pairing, for each year of the workload.
constexpr const char* kTargetIndicators[] = {"rural_workers_employed", "people_trained",
                                             "fiscal_assistance"};

std::string Line(const char* type, uint64_t id, const std::string& date, const Row& r) {
  return absl::StrCat(type, ",w-", id, ",", date, ",", r.code, ",", r.name, ",", r.parent, ",",
                      r.helper, ",", r.recipient, ",", r.program, ",", r.project, ",", r.region,
                      ",", r.category, ",", r.budget, ",", r.amount, ",", r.enterprise, ",",
                      r.reversed, ",", r.reason);
}

}  // namespace

WorkloadStats WriteWorkload(const std::string& path, uint64_t events, uint64_t seed,
                            bool with_indicators) {
  std::mt19937_64 random(seed);
  FILE* out = std::fopen(path.c_str(), "w");
  WorkloadStats stats;
  // `line` is Line's; `extra` the indicator columns of a workload with them.
  auto row_with = [&](const std::string& line, const Row& extra) {
    const std::string whole =
        with_indicators ? absl::StrCat(line, ",", extra.indicator, ",", extra.value, ",",
                                       extra.of_which, ",", extra.year, "\n")
                        : absl::StrCat(line, "\n");
    std::fputs(whole.c_str(), out);
    stats.bytes += whole.size();
    ++stats.events;
  };
  auto row = [&](const std::string& line) { row_with(line, Row()); };
  std::fputs(absl::StrCat(kHeader, with_indicators ? kIndicatorColumns : "", "\n").c_str(), out);
  uint64_t next_id = 0;
  // Regions.
  std::vector<std::string> counties, recipient_cities, helper_districts, helper_cities;
  for (int p = 0; p < kRecipientProvinces; ++p) {
    const std::string province = absl::StrFormat("%02d0000", 41 + p);
    row(Line("region", next_id++, "2015-01-01", {.code = province, .name = absl::StrCat("省", p)}));
    for (int c = 1; c <= kCitiesPerProvince; ++c) {
      const std::string city = absl::StrFormat("%02d%02d00", 41 + p, c);
      recipient_cities.push_back(city);
      row(Line("region", next_id++, "2015-01-01",
               {.code = city, .name = absl::StrCat("市", city), .parent = province}));
      for (int k = 1; k <= kCountiesPerCity; ++k) {
        const std::string county = absl::StrFormat("%02d%02d%02d", 41 + p, c, k);
        counties.push_back(county);
        row(Line("region", next_id++, "2015-01-01",
                 {.code = county, .name = absl::StrCat("县", county), .parent = city}));
      }
    }
  }
  for (int p = 0; p < kHelperProvinces; ++p) {
    const std::string province = absl::StrFormat("%02d0000", 31 + p);
    row(Line("region", next_id++, "2015-01-01", {.code = province, .name = absl::StrCat("助省", p)}));
    for (int c = 1; c <= kHelperCitiesPerProvince; ++c) {
      const std::string city = absl::StrFormat("%02d%02d00", 31 + p, c);
      helper_cities.push_back(city);
      row(Line("region", next_id++, "2015-01-01",
               {.code = city, .name = absl::StrCat("助市", city), .parent = province}));
      for (int d = 1; d <= kDistrictsPerCity; ++d) {
        const std::string district = absl::StrFormat("%02d%02d%02d", 31 + p, c, d);
        helper_districts.push_back(district);
        row(Line("region", next_id++, "2015-01-01",
                 {.code = district, .name = absl::StrCat("区", district), .parent = city}));
      }
    }
  }
  // Pairings: helper city h with recipient cities h*10 .. h*10+9.
  const char* programs[] = {"east-west", "counterpart", "intra-province"};
  std::vector<int> helper_of_city(recipient_cities.size(), 0);
  for (size_t h = 0; h < helper_cities.size(); ++h) {
    for (int j = 0; j < kPairingsPerHelperCity; ++j) {
      const size_t city = h * kPairingsPerHelperCity + j;
      helper_of_city[city] = static_cast<int>(h);
      row(Line("pairing", next_id++, "2015-06-01",
               {.helper = helper_cities[h], .recipient = recipient_cities[city],
                .program = programs[(h + j) % 3]}));
    }
  }
  // Targets: every pairing's, for each year.
  if (with_indicators) {
    for (size_t city = 0; city < recipient_cities.size(); ++city) {
      for (int year = 2016; year <= 2025; ++year) {
        for (const char* indicator : kTargetIndicators) {
          const bool money = std::string(indicator) == "fiscal_assistance";
          const Row target = {.helper = helper_cities[helper_of_city[city]],
                              .recipient = recipient_cities[city], .reason = "协议",
                              .indicator = indicator,
                              .value = money ? "50000000" : absl::StrCat(100 + random() % 900),
                              .year = absl::StrCat(year)};
          row_with(Line("target", next_id++, "2015-06-01", target), target);
        }
      }
    }
  }
  // Projects.
  const char* categories[] = {"industry", "infrastructure", "public-service", "education",
                              "health", "employment", "other"};
  for (size_t c = 0; c < counties.size(); ++c) {
    for (int j = 0; j < kProjectsPerCounty; ++j) {
      row(Line("project", next_id++, "2015-06-01",
               {.name = absl::StrCat("项目", c, "-", j), .project = absl::StrCat("P", c, "-", j),
                .region = counties[c], .category = categories[(c + j) % 7],
                .budget = Yuan(static_cast<int64_t>(1'000'000 + random() % 50'000'000))}));
    }
  }
  stats.registry_events = stats.events;

  // Money over ten years, dates increasing with the event number.
  std::vector<int64_t> balance(counties.size(), 0);
  std::vector<Money> recent;
  recent.reserve(kReversalCandidatesMax);
  const uint64_t money = events > stats.events ? events - stats.events : 0;
  for (uint64_t n = 0; n < money; ++n) {
    const absl::CivilDay day = absl::CivilDay(2016, 1, 1) + static_cast<int>(n * 3650 / (money + 1));
    const std::string date = absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
    const uint64_t dice = random() % 1000;
    const int county = static_cast<int>(random() % counties.size());
    const int city = county / kCountiesPerCity;
    Money record{next_id, ' ', county, 0, false};
    if (with_indicators && n % 10 == 9) {  // one event in ten
      const char* indicator = kRecordedIndicators[(n / 10) % std::size(kRecordedIndicators)];
      const int64_t value = 1 + static_cast<int64_t>(random() % 500);
      Row recorded = {
          .helper = helper_districts[helper_of_city[city] * kDistrictsPerCity +
                                     random() % kDistrictsPerCity],
          .recipient = counties[county], .indicator = indicator, .value = absl::StrCat(value)};
      if (indicator == kRecordedIndicators[0] && value >= 3) {
        recorded.of_which = absl::StrCat("poverty_alleviated_workers=", value / 3);
      }
      row_with(Line("indicator", next_id++, date, recorded), recorded);
      continue;
    }
    if (dice < 5 && !recent.empty()) {
      Money& target = recent[random() % recent.size()];
      const bool allowed = !target.reversed && (target.type != 'a' || balance[target.county] >= target.amount);
      if (allowed) {
        target.reversed = true;
        if (target.type == 'a') balance[target.county] -= target.amount;
        if (target.type == 'd') balance[target.county] += target.amount;
        row(Line("reversal", next_id++, date,
                 {.reversed = absl::StrCat("w-", target.id), .reason = "corrected entry"}));
        continue;
      }
    }
    if (dice < 355) {
      const std::string& helper =
          helper_districts[helper_of_city[city] * kDistrictsPerCity + random() % kDistrictsPerCity];
      record.type = 'a';
      record.amount = 10'000'000 + static_cast<int64_t>(random() % 490'000'000);
      balance[county] += record.amount;
      row(Line("allocation", next_id++, date,
               {.helper = helper, .recipient = counties[county], .amount = Yuan(record.amount)}));
    } else if (dice < 655 && balance[county] > 100) {
      record.type = 'd';
      record.amount = 1 + static_cast<int64_t>(random() % std::min<int64_t>(balance[county], 100'000'000));
      balance[county] -= record.amount;
      row(Line("disbursement", next_id++, date,
               {.project = absl::StrCat("P", county, "-", random() % kProjectsPerCounty),
                .amount = Yuan(record.amount)}));
    } else if (dice < 755) {
      record.type = 'i';
      record.amount = 500'000 + static_cast<int64_t>(random() % 50'000'000);
      row(Line("investment", next_id++, date,
               {.helper = helper_cities[helper_of_city[city]], .region = counties[county],
                .amount = Yuan(record.amount), .enterprise = absl::StrCat("企业", random() % 5000)}));
    } else {
      record.type = 's';
      record.amount = 100'000 + static_cast<int64_t>(random() % 50'000'000);
      row(Line("sale", next_id++, date,
               {.helper = helper_cities[helper_of_city[city]], .region = counties[county],
                .amount = Yuan(record.amount)}));
    }
    if (recent.size() < kReversalCandidatesMax) {
      recent.push_back(record);
    } else {
      recent[random() % kReversalCandidatesMax] = record;
    }
  }
  std::fclose(out);
  return stats;
}

}  // namespace aidledger::bench
