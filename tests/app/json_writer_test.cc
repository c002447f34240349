// The report JSON writer prints exactly what protobuf's MessageToJsonString
// prints with the options the CLI and the server use.
#include "app/json_writer.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>

#include "aidledger/v1/audit.pb.h"
#include "aidledger/v1/cli.pb.h"
#include "aidledger/v1/projections.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "state/reports.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/state/random_stream.h"

namespace aidledger {
namespace {

std::string ProtobufJson(const google::protobuf::Message& message, bool defaults) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = defaults;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json, options).ok());
  return json;
}

void ExpectSameAsProtobuf(const google::protobuf::Message& message) {
  for (const bool defaults : {false, true}) {
    if (!app::IsPlainMessage(message.GetDescriptor(), defaults)) {
      // Left to protobuf; only Timestamps with `defaults` are.
      EXPECT_TRUE(defaults && message.GetDescriptor() == v1::Event::descriptor());
      continue;
    }
    std::string ours;
    app::AppendJson(message, defaults, &ours);
    EXPECT_EQ(ours, ProtobufJson(message, defaults)) << "defaults " << defaults;
  }
}

std::string Utf8(uint32_t point) {
  std::string out;
  if (point < 0x80) {
    out += static_cast<char>(point);
  } else if (point < 0x800) {
    out += static_cast<char>(0xc0 | point >> 6);
    out += static_cast<char>(0x80 | (point & 0x3f));
  } else if (point < 0x10000) {
    out += static_cast<char>(0xe0 | point >> 12);
    out += static_cast<char>(0x80 | ((point >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (point & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | point >> 18);
    out += static_cast<char>(0x80 | ((point >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((point >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (point & 0x3f));
  }
  return out;
}

// Every Unicode scalar value, 4,096 to a string: escaped or kept as
// protobuf does (controls, quotes, <, >, C1 controls, format characters,
// surrogate pairs for the supplementary planes).
TEST(JsonWriterTest, EscapesEveryCodePointAsProtobufDoes) {
  constexpr uint32_t kChunk = 4096;
  for (uint32_t first = 0; first < 0x110000; first += kChunk) {
    std::string text;
    for (uint32_t point = std::max<uint32_t>(first, 1); point < first + kChunk; ++point) {
      if (point >= 0xd800 && point <= 0xdfff) continue;  // surrogates are not scalar values
      text += Utf8(point);
    }
    v1::PointInTime at;
    at.set_head_hash(text);
    std::string ours;
    app::AppendJson(at, false, &ours);
    ASSERT_EQ(ours, ProtobufJson(at, false)) << "code points from " << first;
  }
}

// IsPlainJsonText tells when a string may be copied between quotes as it
// is (the trace's JSON does): never for a code point AppendJsonString
// escapes, and for the Chinese of region and project names.
TEST(JsonWriterTest, PlainTextIsExactlyWhatIsWrittenAsItIs) {
  size_t plain = 0;
  for (uint32_t point = 0; point < 0x110000; ++point) {
    if (point >= 0xd800 && point <= 0xdfff) continue;  // surrogates are not scalar values
    const std::string text = Utf8(point);
    std::string quoted;
    app::AppendJsonString(text, &quoted);
    const bool as_is = quoted == "\"" + text + "\"";
    if (app::IsPlainJsonText(text)) {
      ASSERT_TRUE(as_is) << "U+" << std::hex << point;
      ++plain;
    }
    if (point >= 0x3000 && point <= 0xcfff) {
      EXPECT_TRUE(as_is) << "U+" << std::hex << point;
    }
  }
  EXPECT_EQ(plain, 0x7f - 0x20 - 4 + 0xd000 - 0x3000);  // ASCII less " \\ < >, and U+3000..U+CFFF
  EXPECT_TRUE(app::IsPlainJsonText("定西市 项目24-2 青财预指〔2024〕12号"));
  EXPECT_TRUE(app::IsPlainJsonText(""));
  for (const char* text : {"a<b", "\"", "\\", "\n", "\xE2\x80\xA8", "\xC2\xAD",
                           "\xE5\xAE", "\xE5\xAE\x41", "\xE5" "a", "\xEF\xBB\xBF"}) {
    EXPECT_FALSE(app::IsPlainJsonText(text)) << text;
  }
}

TEST(JsonWriterTest, WritesEveryFieldKindOfTheReports) {
  std::mt19937_64 random(20261128);
  const int64_t extremes[] = {0, 1, -1, std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max()};
  v1::HelperTotalsReport helpers;
  helpers.mutable_at()->set_seq(std::numeric_limits<uint64_t>::max());
  for (int i = 0; i < 40; ++i) {
    v1::HelperEntry* helper = helpers.add_helpers();
    if (i % 3 != 0) helper->set_code(absl::StrCat("37", i));
    helper->set_name(i % 2 ? "青岛市\t\"市南区\"" : "");
    helper->set_allocated_fen(extremes[i % 5]);
    helper->set_invested_fen(static_cast<int64_t>(random()));
    for (int k = 0; k < i % 4; ++k) {
      v1::ProgramFigures* row = helper->add_by_program();
      row->set_program(static_cast<v1::Program>(k == 2 ? 99 : k));  // 99: unknown to this build
      row->set_sales_fen(extremes[(i + k) % 5]);
    }
  }
  ExpectSameAsProtobuf(helpers);
  v1::ProjectTotalsReport projects;
  projects.mutable_at()->set_as_of_date("2024-12-31");
  for (int i = 0; i < 8; ++i) {
    v1::ProjectEntry* project = projects.add_projects();
    project->set_project_id(absl::StrCat("P-", i));
    project->set_category(static_cast<v1::ProjectCategory>(i));
    project->set_budget_fen(extremes[i % 5]);
  }
  ExpectSameAsProtobuf(projects);
  v1::RegionBalancesReport empty;
  ExpectSameAsProtobuf(empty);
  v1::RegionBalancesReport regions;
  v1::RegionEntry* region = regions.add_regions();
  region->set_code("620000");
  region->set_depth(-3);
  region->mutable_own();  // present and empty; `total` absent
  ExpectSameAsProtobuf(regions);
}

class JsonWriterLedgerTest : public testing::LedgerFixture {};

TEST_F(JsonWriterLedgerTest, RealReportsMatch) {
  testing::RandomStream stream(ledger_.get(), 7);
  stream.AddRegistry();
  stream.AddMoneyEvents(300, 20);
  const Books& books = ledger_->books();
  absl::StatusOr<v1::RegionBalancesReport> regions = RegionBalancesReport(books, "");
  ASSERT_TRUE(regions.ok());
  ASSERT_GT(regions->regions_size(), 10);
  ExpectSameAsProtobuf(*regions);
  absl::StatusOr<v1::ProjectTotalsReport> projects = ProjectTotalsReport(books, "");
  ASSERT_TRUE(projects.ok());
  ExpectSameAsProtobuf(*projects);
  ExpectSameAsProtobuf(HelperTotalsReport(books));
}

// Events: what `log --format json` and /v1/events print, one per event.
TEST_F(JsonWriterLedgerTest, EveryEventOfARandomLedgerMatches) {
  testing::RandomStream stream(ledger_.get(), 11);
  stream.AddRegistry();
  stream.AddMoneyEvents(300, 20);
  size_t reversals = 0;
  for (uint64_t seq = 1; seq <= ledger_->head().sequence; ++seq) {
    absl::StatusOr<std::optional<StoredEvent>> stored = ledger_->ReadEvent(seq);
    ASSERT_TRUE(stored.ok() && stored->has_value());
    reversals += (*stored)->event.has_event_reversed() ? 1 : 0;
    ExpectSameAsProtobuf((*stored)->event);
  }
  EXPECT_GT(reversals, 0u);  // whose target copies hold Timestamps too
}

TEST(JsonWriterTest, WritesTimestampsAsProtobufDoes) {
  const int64_t seconds[] = {-62'135'596'800, -1, 0, 1, 951'782'400 /* 2000-02-29 */,
                             1'795'000'000, 253'402'300'799};
  const int32_t nanos[] = {0, 1, 10, 999, 1000, 120'000, 999'000, 1'000'000, 120'000'000,
                           123'456'789, 999'999'999};
  for (int64_t s : seconds) {
    for (int32_t n : nanos) {
      v1::Event event;
      event.set_sequence(1);
      event.mutable_recorded_at()->set_seconds(s);
      event.mutable_recorded_at()->set_nanos(n);
      SCOPED_TRACE(absl::StrCat(s, " s ", n, " ns"));
      ExpectSameAsProtobuf(event);
    }
  }
}

TEST(JsonWriterTest, LeavesWhatItDoesNotWriteToProtobuf) {
  for (const bool defaults : {false, true}) {
    EXPECT_TRUE(app::IsPlainMessage(v1::Digest::descriptor(), defaults));
    EXPECT_TRUE(app::IsPlainMessage(v1::AppendReceipt::descriptor(), defaults));
    EXPECT_FALSE(app::IsPlainMessage(google::protobuf::Timestamp::descriptor(), defaults));
    // Only a map: none of ours has one since projection states became repeated.
    EXPECT_FALSE(app::IsPlainMessage(google::protobuf::Struct::descriptor(), defaults));
    EXPECT_FALSE(app::IsPlainMessage(v1::InclusionProof::descriptor(), defaults));  // bytes
  }
  // Timestamps as fields, in declaration order; with defaults protobuf
  // moves them last, so those stay protobuf's.
  EXPECT_TRUE(app::IsPlainMessage(v1::Event::descriptor(), false));
  EXPECT_FALSE(app::IsPlainMessage(v1::Event::descriptor(), true));
}

}  // namespace
}  // namespace aidledger
