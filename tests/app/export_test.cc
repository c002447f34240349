// The export format: an ExportedEvent per line (proto/aidledger/v1/export.proto).
// The file under testdata/ was exported by release 0.1.0, before the format
// was a proto message; it must keep restoring, and this release must write
// its lines byte for byte.
#include "app/export.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "aidledger/v1/export.pb.h"
#include "base/proto_bytes.h"
#include "ledger/store/codec.h"
#include "tests/cli/run.h"
#include "tests/testing/testing.h"

namespace aidledger::app {
namespace {

using testing::IsOk;
using testing::ReadFile;
using testing::RunAidledger;
using testing::TestDataPath;
using testing::RunResult;
using testing::TempDir;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// Wire compatibility: an Event's bytes are an ExportedEvent's.
TEST(ExportTest, ExportedEventHasEveryFieldOfEventUnderTheSameNumberNameAndType) {
  const google::protobuf::Descriptor* event = v1::Event::descriptor();
  const google::protobuf::Descriptor* exported = v1::ExportedEvent::descriptor();
  for (int i = 0; i < event->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = event->field(i);
    const google::protobuf::FieldDescriptor* same = exported->FindFieldByNumber(field->number());
    ASSERT_NE(same, nullptr) << field->name();
    EXPECT_EQ(same->name(), field->name());
    EXPECT_EQ(same->type(), field->type()) << field->name();
    EXPECT_EQ(same->label(), field->label()) << field->name();
    EXPECT_EQ(same->message_type(), field->message_type()) << field->name();
    EXPECT_EQ(same->enum_type(), field->enum_type()) << field->name();
    EXPECT_EQ(same->containing_oneof() == nullptr, field->containing_oneof() == nullptr)
        << field->name();
  }
  EXPECT_EQ(exported->field_count(), event->field_count() + 3);  // seq, hash, prev_hash
}

// Each line of the old export parses to an event whose bytes hash to the
// line's hash after the line before it, and prints back as the same bytes.
TEST(ExportTest, AnExportOfRelease010ParsesToItsChainAndPrintsBackByteForByte) {
  const std::vector<std::string> lines = Lines(ReadFile(TestDataPath("export-0.1.0.jsonl")));
  ASSERT_EQ(lines.size(), 16u);
  Hash prev{};
  for (const std::string& line : lines) {
    absl::StatusOr<ExportedRecord> record = ParseExportLine(line);
    ASSERT_THAT(record, IsOk()) << line;
    EXPECT_EQ(record->prev_hash, prev);
    StoredEvent stored;
    stored.sequence = record->event.sequence();
    stored.prev_hash = record->prev_hash;
    stored.hash = record->hash;
    stored.event_bytes = SerializeDeterministic(record->event);
    stored.event = record->event;
    EXPECT_EQ(internal::ChainHash(prev, stored.sequence, stored.event_bytes), record->hash)
        << "event " << stored.sequence;
    EXPECT_EQ(ExportLine(stored), line);
    prev = record->hash;
  }
}

TEST(ExportTest, ALineThatIsNoExportIsDataLoss) {
  const std::string line = Lines(ReadFile(TestDataPath("export-0.1.0.jsonl"))).front();
  auto rejected = [](const std::string& text) {
    return ParseExportLine(text).status().code() == absl::StatusCode::kDataLoss;
  };
  EXPECT_TRUE(rejected("{}"));                 // no hashes
  EXPECT_TRUE(rejected("not json"));
  EXPECT_TRUE(rejected(line.substr(0, line.size() - 1)));  // cut short
  std::string upper = line;  // hex digits must be lowercase, as written
  const size_t hash_at = upper.find("\"hash\":\"") + 8;
  upper.replace(hash_at, 64, absl::AsciiStrToUpper(upper.substr(hash_at, 64)));
  ASSERT_NE(upper, line);
  EXPECT_TRUE(rejected(upper));
  std::string other_seq = line;
  other_seq.replace(other_seq.find("\"seq\":\"1\""), 9, "\"seq\":\"2\"");
  EXPECT_TRUE(rejected(other_seq));
  std::string unknown = line;
  unknown.insert(1, "\"colour\":\"red\",");
  EXPECT_TRUE(rejected(unknown));
}

// End to end: the old export restores to the same chain (its digest) and
// the same figures, and this release replays it to the same file.
TEST(ExportTest, TheBinaryRestoresAnExportOfRelease010ToTheSameLedger) {
  TempDir dir;
  const std::string db = dir.Sub("restored");
  RunResult restored = RunAidledger({"--db", db, "restore", TestDataPath("export-0.1.0.jsonl")},
                                    dir.path());
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  RunResult verified = RunAidledger(
      {"--db", db, "verify", "--digest", TestDataPath("export-0.1.0.digest.json")}, dir.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  RunResult replayed = RunAidledger({"--db", db, "replay", "--format", "jsonl"}, dir.path());
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_EQ(replayed.out, ReadFile(TestDataPath("export-0.1.0.jsonl")));
  RunResult balances = RunAidledger({"--db", db, "balances", "--format", "json"}, dir.path());
  ASSERT_EQ(balances.exit_code, 0) << balances.err;
  EXPECT_EQ(balances.out, ReadFile(TestDataPath("export-0.1.0.balances.json")));
}

}  // namespace
}  // namespace aidledger::app
