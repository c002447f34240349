// Import, replay and restore through the application layer: atomic batches,
// every bad row reported, idempotent reruns, and exports that round-trip.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "app/audit.h"
#include "app/import.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/state/random_stream.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::StatusIs;

class ImportTest : public testing::LedgerFixture {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    return WriteFile(name, text);
  }
  // Imports `path`, expecting the file read and exactly one bad row: its error.
  std::string OnlyError(const std::string& path) {
    absl::StatusOr<app::ImportReport> report = Import(path);
    EXPECT_THAT(report, IsOk());
    if (!report.ok()) return report.status().ToString();
    EXPECT_EQ(report->errors.size(), 1u);
    return report->errors.empty() ? "" : report->errors[0];
  }
  // A CSV of `rows` sales into 621100, the one at `bad_row` (1-based, 0: none)
  // with an amount finer than a fen.
  std::string SalesCsv(int rows, int bad_row, bool with_ids) {
    std::string csv = "type,event_id,effective_date,region_code,amount\n";
    for (int i = 1; i <= rows; ++i) {
      csv += absl::StrCat("sale,", with_ids ? absl::StrCat("s-", i) : "", ",2022-01-01,621100,",
                          i == bad_row ? "1.005" : absl::StrCat(i), "\n");
    }
    return csv;
  }
  absl::StatusOr<app::ImportReport> Import(const std::string& path, size_t batch_size = 0,
                                           bool dry_run = false) {
    return app::ImportFile(*ledger_, path,
                           {.batch_size = batch_size, .dry_run = dry_run, .actor = "importer"});
  }
};

TEST_F(ImportTest, OneBadRowInTheMiddleWritesNothingAndEveryBadRowIsListed) {
  AddQingdaoBasics();
  const uint64_t head = ledger_->head().sequence;
  std::string csv = SalesCsv(200, 100, true);
  csv += "sale,s-x,2022-01-01,999999,5\n";  // a second bad row, found by validation
  const std::string path = Write("sales.csv", csv);
  absl::StatusOr<app::ImportReport> report = Import(path);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->rows, 201u);
  EXPECT_EQ(report->appended, 0u);
  EXPECT_EQ(report->rejected, 2u);
  ASSERT_EQ(report->errors.size(), 2u);
  EXPECT_EQ(report->errors[0], path + ":101: amount: is more precise than one fen (0.01 yuan) (got \"1.005\")");
  EXPECT_EQ(report->errors[1], path + ":202: region_code: region 999999 is not registered");
  EXPECT_EQ(ledger_->head().sequence, head);
}

TEST_F(ImportTest, BatchesBeforeTheBadOneStayAndAFixedRerunResumes) {
  AddQingdaoBasics();
  const uint64_t head = ledger_->head().sequence;
  const std::string path = Write("sales.csv", SalesCsv(200, 120, false));
  absl::StatusOr<app::ImportReport> first = Import(path, 50);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->rows, 150u);  // the fourth batch, read ahead, is not counted
  EXPECT_EQ(first->batches_written, 2u);
  EXPECT_EQ(first->appended, 100u);
  EXPECT_EQ(first->rejected, 1u);
  EXPECT_EQ(ledger_->head().sequence, head + 100);
  // Fix the row and rerun: derived event_ids make the first 100 duplicates.
  Write("sales.csv", SalesCsv(200, 0, false));
  absl::StatusOr<app::ImportReport> second = Import(path, 50);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->rejected, 0u);
  EXPECT_EQ(second->duplicates, 100u);
  EXPECT_EQ(second->appended, 100u);
  EXPECT_EQ(ledger_->head().sequence, head + 200);
  EXPECT_EQ(ledger_->books().regions.FindRegion("621100")->own().sales_fen(), 100 * 200 * 201 / 2);
  absl::StatusOr<app::ImportReport> third = Import(path, 50);
  ASSERT_THAT(third, IsOk());
  EXPECT_EQ(third->appended, 0u);
  EXPECT_EQ(third->duplicates, 200u);
}

// The next batch is read while one is written; the outcome is still that of
// reading one batch at a time.
TEST_F(ImportTest, AnUnreadableRowAfterTheFailingBatchIsNeverReached) {
  AddQingdaoBasics();
  const uint64_t head = ledger_->head().sequence;
  const std::string not_utf8 = "sale,,2022-01-01,621100,\xff\n";
  // Batches of 10: the second holds a bad amount, the third a byte that is
  // not UTF-8, which would refuse the whole file were it reached.
  // Read as UTF-8 as it comes (a pipe is; a file is first checked whole,
  // below).
  auto as_utf8 = [&](const std::string& path) {
    return app::ImportFile(*ledger_, path,
                           {.batch_size = 10, .actor = "importer", .encoding = "utf-8"});
  };
  std::string csv = SalesCsv(20, 15, false) + not_utf8;
  absl::StatusOr<app::ImportReport> report = as_utf8(Write("a.csv", csv));
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->rows, 20u);
  EXPECT_EQ(report->appended, 10u);
  EXPECT_EQ(report->rejected, 1u);
  EXPECT_EQ(ledger_->head().sequence, head + 10);
  // Without the bad amount, the file is refused at that line, after the
  // batches before it were written.
  csv = SalesCsv(20, 0, true) + not_utf8;
  EXPECT_THAT(as_utf8(Write("b.csv", csv)), testing::RejectedWith(v1::FIELD_INVALID, ":22: "));
  EXPECT_EQ(ledger_->head().sequence, head + 30);
  // Left to find its encoding, the file (neither UTF-8 nor GB18030) is
  // refused whole before a batch is written.
  csv = SalesCsv(30, 0, false) + not_utf8;
  EXPECT_THAT(Import(Write("c.csv", csv), 10),
              testing::RejectedWith(v1::FIELD_INVALID, "is neither UTF-8 nor GB18030"));
  EXPECT_EQ(ledger_->head().sequence, head + 30);
}

// A clerk's forms (full-width digits and separators as a Chinese input
// method types them, dates as 2024/3/5, 2024.3.5 or 2024年3月5日) are the
// same events as the canonical file: importing the canonical file after
// them finds every row a repeat with the same content, none a conflict.
TEST_F(ImportTest, AClerksNumbersAndDatesImportAsTheCanonicalEvents) {
  AddQingdaoBasics();
  const std::string clerk = Write(
      "clerk.csv",
      "type,event_id,effective_date,helper_code,recipient_code,region_code,amount\n"
      "allocation,c-1,2023/3/5,370200,621100,,１２３，４５６．７８\n"
      "sale,c-2,2023.12.1,,,621102,￥\u3000９２３８万\n"
      "sale,c-3,2023年3月5日,,,621102, 42 \n"
      "sale,c-4,２０２３－０３－０６,,,621102,0.5\n");
  const std::string canonical = Write(
      "canonical.csv",
      "type,event_id,effective_date,helper_code,recipient_code,region_code,amount\n"
      "allocation,c-1,2023-03-05,370200,621100,,123456.78\n"
      "sale,c-2,2023-12-01,,,621102,92380000\n"
      "sale,c-3,2023-03-05,,,621102,42\n"
      "sale,c-4,2023-03-06,,,621102,0.50\n");
  absl::StatusOr<app::ImportReport> first = Import(clerk);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->appended, 4u) << (first->errors.empty() ? "" : first->errors[0]);
  absl::StatusOr<app::ImportReport> again = Import(canonical);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->duplicates, 4u) << (again->errors.empty() ? "" : again->errors[0]);
  EXPECT_EQ(again->rejected, 0u);
  EXPECT_EQ(ledger_->books().regions.FindRegion("621102")->own().sales_fen(), 9'238'004'250LL);
  // A date in none of the forms is refused naming them, with its line.
  const std::string odd = Write("odd.csv",
                                "type,event_id,effective_date,region_code,amount\n"
                                "sale,c-5,5/3/2023,621102,1\n");
  EXPECT_EQ(OnlyError(odd),
            odd + ":2: effective_date: must be a date like 2024-03-05, 2024-3-5, 2024/3/5, "
                  "2024.3.5 or 2024年3月5日 (got \"5/3/2023\")");
}

// A header as a Chinese office writes it (Chinese names, any case, spaces
// around), rows with spaces around their cells, and the empty rows an Excel
// export ends with: the same events as the canonical file. A column the
// importer does not know refuses the file, naming it and the flag that
// reads past it.
TEST_F(ImportTest, ChineseHeadersEmptyRowsAndIgnoredColumnsAreReadAsAClerkMeansThem) {
  AddQingdaoBasics();
  const uint64_t head = ledger_->head().sequence;
  const std::string office = Write(
      "office.CSV",
      " 类型 ,事件编号,生效日期,受援方代码,Helper_Code,项目所在地区代码,金额,经办人,审核人\r\n"
      "allocation, h-1 ,2023-03-05,621100, 370200 ,, 1234.50 ,王敏,李强\r\n"
      "sale,h-2,2023-03-06,,,621102,\u300042\u3000,王敏,\r\n"
      ",,,,,,,,\r\n"
      "\r\n"
      ",,,,,,,,\r\n");
  EXPECT_THAT(Import(office),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("office.CSV:1: the header names columns the importer "
                                            "does not know: 经办人,审核人; to import without them, "
                                            "add --ignore-columns 经办人,审核人")));
  EXPECT_EQ(ledger_->head().sequence, head);
  absl::StatusOr<app::ImportReport> report = app::ImportFile(
      *ledger_, office, {.actor = "importer", .ignore_columns = {"经办人", "审核人"}});
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->rows, 2u);
  EXPECT_EQ(report->appended, 2u) << (report->errors.empty() ? "" : report->errors[0]);
  const std::string canonical = Write(
      "canonical.csv",
      "type,event_id,effective_date,recipient_code,helper_code,region_code,amount\n"
      "allocation,h-1,2023-03-05,621100,370200,,1234.50\n"
      "sale,h-2,2023-03-06,,,621102,42\n");
  absl::StatusOr<app::ImportReport> again = Import(canonical);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->duplicates, 2u) << (again->errors.empty() ? "" : again->errors[0]);
  // However many unknown columns, and however long, the refusal stays short.
  std::string wide = "type";
  for (int i = 0; i < 100; ++i) absl::StrAppend(&wide, ",", std::string(1000, 'x'), i);
  absl::StatusOr<app::ImportReport> wide_report = Import(Write("wide.csv", wide + "\n"));
  ASSERT_FALSE(wide_report.ok());
  EXPECT_LT(wide_report.status().message().size(), 1000u);
  EXPECT_THAT(wide_report.status().message(), ::testing::HasSubstr(",...;"));
  // A column named twice, once in Chinese, is refused.
  const std::string twice = Write("twice.csv", "type,金额,amount\nsale,1,1\n");
  EXPECT_THAT(Import(twice), StatusIs(absl::StatusCode::kInvalidArgument,
                                      ::testing::HasSubstr("names the column amount twice")));
}

// Ids from content: a row inserted at the top of an imported file, and a
// row removed, change no other row's id, so the reimport appends exactly
// the new row. Identical rows are distinct events, counted in file order.
TEST_F(ImportTest, InsertingARowAndImportingAgainAppendsExactlyThatRow) {
  AddQingdaoBasics();
  const std::string header = "type,effective_date,region_code,amount\n";
  const std::string rows =
      "sale,2023-01-01,621100,10\n"
      "sale,2023-01-01,621100,10\n"  // the same sale twice: two events
      "sale,2023-01-02,621102,20\n"
      "sale,2023-01-03,621102,30\n";
  absl::StatusOr<app::ImportReport> first = Import(Write("a.csv", header + rows));
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->appended, 4u);
  const uint64_t head = ledger_->head().sequence;
  absl::StatusOr<app::ImportReport> inserted =
      Import(Write("b.csv", header + "sale,2023-01-04,621100,40\n" + rows));
  ASSERT_THAT(inserted, IsOk());
  EXPECT_EQ(inserted->appended, 1u);
  EXPECT_EQ(inserted->duplicates, 4u);
  EXPECT_EQ(ledger_->head().sequence, head + 1);
  // The 2023-01-02 row removed: the others keep their ids.
  absl::StatusOr<app::ImportReport> removed =
      Import(Write("c.csv", header + "sale,2023-01-01,621100,10\nsale,2023-01-01,621100,10\n"
                                     "sale,2023-01-03,621102,30\n"));
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(removed->appended, 0u);
  EXPECT_EQ(removed->duplicates, 3u);
  // A third identical row is a third event.
  absl::StatusOr<app::ImportReport> third =
      Import(Write("d.csv", header + "sale,2023-01-01,621100,10\nsale,2023-01-01,621100,10\n"
                                     "sale,2023-01-01,621100,10\n"));
  ASSERT_THAT(third, IsOk());
  EXPECT_EQ(third->appended, 1u);
  EXPECT_EQ(ledger_->books().regions.FindRegion("621100")->own().sales_fen(), 7000);
}

// A ledger that imported a file under the ids earlier builds derived from
// line numbers: importing the file again appends nothing.
TEST_F(ImportTest, RowsImportedUnderLineIdsAreRecognisedAsRepeats) {
  AddQingdaoBasics();
  const std::vector<std::string> records = {"sale,2023-01-01,621100,10",
                                            "sale,2023-01-02,621102,20"};
  const std::string path = Write("old.csv", absl::StrCat("type,effective_date,region_code,amount\n",
                                                         records[0], "\n", records[1], "\n"));
  for (size_t i = 0; i < records.size(); ++i) {
    MustAdd("sale", {{"event_id", app::DerivedEventId(i + 2, records[i])},
                     {"effective_date", i == 0 ? "2023-01-01" : "2023-01-02"},
                     {"region_code", i == 0 ? "621100" : "621102"},
                     {"amount", i == 0 ? "10" : "20"}});
  }
  const uint64_t head = ledger_->head().sequence;
  absl::StatusOr<app::ImportReport> again = Import(path);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->appended, 0u);
  EXPECT_EQ(again->duplicates, 2u);
  EXPECT_EQ(ledger_->head().sequence, head);
}

TEST_F(ImportTest, ADryRunWritesNothing) {
  AddQingdaoBasics();
  const uint64_t head = ledger_->head().sequence;
  absl::StatusOr<app::ImportReport> report = Import(Write("s.csv", SalesCsv(30, 0, true)), 10, true);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->appended, 30u);  // would append
  EXPECT_EQ(report->batches_written, 0u);
  EXPECT_EQ(ledger_->head().sequence, head);
}

// Excel and WPS on a Chinese system save a CSV in GBK (GB18030): a file that
// is not UTF-8 throughout but is GB18030 is read as that, and the summary
// says so. A file valid in both is UTF-8; one that is neither is refused
// whole, naming the byte.
TEST_F(ImportTest, AGbkFileImportsAsTheSameEventsAsItsUtf8Twin) {
  AddQingdaoBasics();
  // 定西 and 备注 in GBK; the memo of row i is 定西 repeated i % 7 times,
  // so that characters fall across the reader's 64 KiB chunks.
  const std::string kDingxiGbk = "\xb6\xa8\xce\xf7", kMemoGbk = "\xb1\xb8\xd7\xa2";
  std::string gbk = "type,event_id,effective_date,region_code,amount," + kMemoGbk + "\r\n";
  std::string utf8 = "type,event_id,effective_date,region_code,amount,备注\r\n";
  for (int i = 0; i < 3000; ++i) {
    std::string memo_gbk, memo_utf8;
    for (int k = 0; k < i % 7; ++k) {
      memo_gbk += kDingxiGbk;
      memo_utf8 += "定西";
    }
    const std::string head = absl::StrCat("sale,g-", i, ",2023-01-01,621100,1,");
    gbk += head + memo_gbk + "\r\n";
    utf8 += head + memo_utf8 + "\r\n";
  }
  ASSERT_GT(gbk.size(), 64u * 1024);
  absl::StatusOr<app::ImportReport> first = Import(Write("excel.csv", gbk));
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->encoding, "gb18030");
  EXPECT_EQ(first->appended, 3000u) << (first->errors.empty() ? "" : first->errors[0]);
  absl::StatusOr<app::ImportReport> twin = Import(Write("utf8.csv", utf8));
  ASSERT_THAT(twin, IsOk());
  EXPECT_EQ(twin->encoding, "utf-8");
  EXPECT_EQ(twin->duplicates, 3000u) << (twin->errors.empty() ? "" : twin->errors[0]);
  EXPECT_EQ(twin->rejected, 0u);

  const uint64_t head = ledger_->head().sequence;
  // Forced to UTF-8, the GBK file is refused naming the flag that reads it.
  const std::string region = Write(
      "gbk.csv", "type,code,name,parent_code\nregion,621124," + kDingxiGbk + ",621100\n");
  absl::StatusOr<app::ImportReport> forced = app::ImportFile(
      *ledger_, region, {.actor = "importer", .encoding = "utf-8"});
  EXPECT_THAT(forced, testing::RejectedWith(v1::FIELD_INVALID, "--encoding gb18030"));
  // Neither UTF-8 nor GB18030 (0xFF begins no GB18030 character): refused
  // before any row is written, whatever the batch size.
  const std::string neither = Write(
      "neither.csv", "type,event_id,effective_date,region_code,amount\n"
                     "sale,n-1,2023-01-01,621100,1\nsale,n-2,2023-01-01,621100,\xff\n");
  EXPECT_THAT(Import(neither, /*batch_size=*/1),
              testing::RejectedWith(v1::FIELD_INVALID, "is neither UTF-8 nor GB18030 (byte "));
  EXPECT_EQ(ledger_->head().sequence, head);
  EXPECT_THAT(app::ImportFile(*ledger_, region, {.actor = "importer", .encoding = "latin1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("--encoding must be utf-8 or gb18030")));
  // Asked to read GB18030 (as from a pipe, which is not read twice), bytes
  // that are not end the import there: the batch read up to them is not
  // written, and the refusal names the byte.
  std::string long_bad = absl::StrReplaceAll(gbk, {{",g-", ",x-"}});  // new events
  long_bad.replace(long_bad.size() - 2, 1, "\xff");  // in the last row
  const std::string long_path = Write("long-bad.csv", long_bad);
  const uint64_t before = ledger_->head().sequence;
  EXPECT_THAT(app::ImportFile(*ledger_, long_path,
                              {.batch_size = 1000, .actor = "importer", .encoding = "gb18030"}),
              testing::RejectedWith(v1::FIELD_INVALID, "is neither UTF-8 nor GB18030 (byte "));
  // The two batches read before the 64 KiB chunk that holds the byte.
  EXPECT_EQ(ledger_->head().sequence, before + 2000);
  // Read as GB18030, the region gets its name.
  absl::StatusOr<app::ImportReport> named = Import(region);
  ASSERT_THAT(named, IsOk());
  EXPECT_EQ(named->appended, 1u);
  EXPECT_EQ(ledger_->books().regions.FindRegion("621124")->name(), "定西");
}

TEST_F(ImportTest, ReplayedEventsImportIntoANewLedgerWithIdenticalBalances) {
  testing::RandomStream stream(ledger_.get(), testing::TestSeed(9101));
  stream.AddRegistry();
  stream.AddMoneyEvents(600, 15);
  for (const std::string variant : {"jsonl", "csv", "csv-fen"}) {
    const std::string format = variant.substr(0, variant.find('-'));
    const AmountUnit unit = variant == "csv-fen" ? AmountUnit::kFen : AmountUnit::kYuan;
    std::ostringstream exported;
    ASSERT_THAT(app::Replay(*ledger_, {.format = format, .unit = unit}, exported), IsOk());
    const std::string path = Write(absl::StrCat("export-", variant, ".", format), exported.str());
    const std::string other_path = dir_.Sub(absl::StrCat("other-", variant));
    ASSERT_THAT(Ledger::Create(other_path), IsOk());
    std::unique_ptr<Ledger> other = *Ledger::Open(other_path, {.sync = false});
    absl::StatusOr<app::ImportReport> report =
        app::ImportFile(*other, path, {.batch_size = 250, .actor = "importer"});
    ASSERT_THAT(report, IsOk());
    ASSERT_EQ(report->rejected, 0u) << report->errors.front();
    EXPECT_EQ(other->head().sequence, ledger_->head().sequence);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(other->books().all()[i]->SerializeState(), ledger_->books().all()[i]->SerializeState())
          << variant << ": " << other->books().all()[i]->name();
    }
  }
}

// The replay CSV states its unit in the header, and a reversal's row
// carries the negative of what it takes back: a spreadsheet's sum of the
// sales rows' amount column is the ledger's sales figure. Imported again,
// such a row must say exactly what its target moves.
TEST_F(ImportTest, AReplayCsvSumsToTheLedgersFigureAndAWrongReversalAmountIsRefused) {
  AddQingdaoBasics();
  MustAdd("sale", {{"event_id", "s-1"}, {"region_code", "621102"}, {"amount", "100.50"},
                   {"effective_date", "2022-01-01"}});
  MustAdd("sale", {{"event_id", "s-2"}, {"region_code", "621102"}, {"amount", "7"},
                   {"effective_date", "2022-01-02"}});
  MustAdd("reversal", {{"event_id", "r-1"}, {"reversed_event_id", "s-1"}, {"reason", "typo"},
                       {"effective_date", "2022-01-03"}});
  for (AmountUnit unit : {AmountUnit::kYuan, AmountUnit::kFen}) {
    std::ostringstream out;
    ASSERT_THAT(app::Replay(*ledger_, {.from = 12, .format = "csv", .unit = unit}, out), IsOk());
    std::vector<std::string> lines = absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
    ASSERT_EQ(lines.size(), 4u);
    const std::vector<std::string> header = absl::StrSplit(lines[0], ',');
    const std::string column = unit == AmountUnit::kFen ? "amount_fen" : "amount_yuan";
    const size_t at = std::find(header.begin(), header.end(), column) - header.begin();
    ASSERT_LT(at, header.size()) << lines[0];
    std::vector<std::string> amounts;
    for (size_t i = 1; i < lines.size(); ++i) {
      amounts.push_back(std::vector<std::string>(absl::StrSplit(lines[i], ','))[at]);
    }
    if (unit == AmountUnit::kFen) {
      EXPECT_THAT(amounts, ::testing::ElementsAre("10050", "700", "-10050"));
    } else {
      EXPECT_THAT(amounts, ::testing::ElementsAre("100.50", "7.00", "-100.50"));
    }
  }
  EXPECT_EQ(ledger_->books().regions.FindRegion("621102")->own().sales_fen(), 700);
  // --type sale brings the reversal of a sale along: the sales rows sum to 7.00.
  std::ostringstream sales;
  ASSERT_THAT(app::Replay(*ledger_, {.type = "sale", .format = "csv"}, sales), IsOk());
  const std::string sale_rows = sales.str();
  EXPECT_THAT(sale_rows, ::testing::HasSubstr("\nreversal,r-1,2022-01-03,"));
  EXPECT_EQ(std::count(sale_rows.begin(), sale_rows.end(), '\n'), 4);
  const uint64_t head = ledger_->head().sequence;
  const std::string wrong = Write(
      "wrong.csv",
      "type,event_id,effective_date,region_code,reversed_event_id,reason,amount_yuan\n"
      "reversal,r-2,2022-01-04,,s-2,typo,-5.00\n");
  EXPECT_EQ(OnlyError(wrong),
            wrong + ":2: amount: the reversal takes back the whole of s-2: -7.00 yuan, not -5.00");
  const std::string positive = Write(
      "positive.csv", "type,event_id,effective_date,reversed_event_id,reason,amount_fen\n"
                      "reversal,r-2,2022-01-04,s-2,typo,700\n");
  EXPECT_THAT(OnlyError(positive),
              ::testing::HasSubstr(":2: amount: of a reversal is the negative of what it takes back"));
  // A registration moved no money: an amount on its reversal is refused, not ignored.
  const std::string registration = Write(
      "registration.csv",
      "type,event_id,effective_date,code,name,parent_code,reversed_event_id,reason,amount_fen\n"
      "region,reg-x,2022-01-04,621199,x,621100,,,\n"
      "reversal,r-3,2022-01-04,,,,reg-x,typo,-100\n");
  EXPECT_EQ(OnlyError(registration),
            registration + ":3: amount: reg-x moved no money, so its reversal takes back none: "
                           "leave the amount empty (got -1.00)");
  EXPECT_EQ(ledger_->head().sequence, head);
  const std::string right = Write(
      "right.csv", "type,event_id,effective_date,reversed_event_id,reason,amount_fen\n"
                   "reversal,r-2,2022-01-04,s-2,typo,-700\n");
  absl::StatusOr<app::ImportReport> taken = Import(right);
  ASSERT_THAT(taken, IsOk());
  EXPECT_EQ(taken->appended, 1u) << (taken->errors.empty() ? "" : taken->errors[0]);
}

TEST_F(ImportTest, ReplayFiltersByRegionAndType) {
  AddQingdaoBasics();
  MustAdd("sale", {{"region_code", "621102"}, {"amount", "1"}, {"effective_date", "2022-01-01"}});
  MustAdd("sale", {{"region_code", "540202"}, {"amount", "1"}, {"effective_date", "2022-01-01"}});
  std::ostringstream out;
  ASSERT_THAT(app::Replay(*ledger_, {.region = "621100", .type = "sale"}, out), IsOk());
  const std::string sales = out.str();
  EXPECT_EQ(std::count(sales.begin(), sales.end(), '\n'), 1);
  EXPECT_THAT(sales, ::testing::HasSubstr("\"region_code\":\"621102\""));
  std::ostringstream regions;
  ASSERT_THAT(app::Replay(*ledger_, {.region = "621100"}, regions), IsOk());
  // 定西市, 安定区, the pairing 青岛-定西 and the sale in 安定区.
  const std::string named = regions.str();
  EXPECT_EQ(std::count(named.begin(), named.end(), '\n'), 4);
}

TEST_F(ImportTest, RestoreKeepsTheDigestAndRefusesAnyChangedByte) {
  testing::RandomStream stream(ledger_.get(), testing::TestSeed(9102));
  stream.AddRegistry();
  stream.AddMoneyEvents(150, 10);
  std::ostringstream exported;
  ASSERT_THAT(app::Replay(*ledger_, {}, exported), IsOk());
  const std::string text = exported.str();
  const std::string path = Write("export.jsonl", text);
  absl::StatusOr<uint64_t> restored = app::Restore(path, dir_.Sub("restored"));
  ASSERT_THAT(restored, IsOk());
  EXPECT_EQ(*restored, ledger_->head().sequence);
  std::unique_ptr<Ledger> copy = *Ledger::Open(dir_.Sub("restored"), {.read_only = true});
  EXPECT_EQ(copy->MakeDigest(copy->head().sequence)->SerializeAsString(),
            ledger_->MakeDigest(ledger_->head().sequence)->SerializeAsString());
  EXPECT_THAT(copy->Verify({}), IsOk());
  copy.reset();
  std::mt19937_64 random(testing::TestSeed(9103));
  for (int trial = 0; trial < 60; ++trial) {
    std::string changed = text;
    size_t at = random() % changed.size();
    while (changed[at] == '\n') at = random() % changed.size();
    changed[at] = static_cast<char>(changed[at] ^ (trial % 2 == 0 ? 1 : 32));
    const std::string bad_path = Write("bad.jsonl", changed);
    const std::string target = dir_.Sub(absl::StrCat("bad-", trial));
    EXPECT_FALSE(app::Restore(bad_path, target).ok())
        << "byte " << at << " changed: " << text.substr(at > 30 ? at - 30 : 0, 60) << " -> "
        << changed.substr(at > 30 ? at - 30 : 0, 60);
    EXPECT_FALSE(std::filesystem::exists(target)) << "a failed restore left a ledger behind";
  }
  EXPECT_THAT(app::Restore(path, dir_.Sub("restored")),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("not empty")));
}

}  // namespace
}  // namespace aidledger

namespace aidledger {
namespace {

// Issue 22: indicators and targets import from CSV (by English or Chinese
// column names) and JSONL, and a replay of them imports into a new ledger
// with the same indicator figures and targets.
TEST_F(ImportTest, IndicatorsAndTargetsImportAndRoundTripThroughAReplay) {
  AddQingdaoBasics();
  const std::string csv =
      "type,event_id,effective_date,helper_code,recipient_code,indicator,value,of_which,year,"
      "reason,evidence\n"
      "target,t-1,2023-01-10,370200,621100,rural_workers_employed,\"40,000\",,2023,2023年协议,\n"
      "target,t-2,2023-01-10,370200,621100,social_donations,120万,,2023,2023年协议,\n"
      "indicator,w-1,2023-02-01,370200,621102,rural_workers_employed,531,"
      "poverty_alleviated_workers=200,,,劳务协作专列\n"
      "indicator,d-1,2023-03-01,370200,621100,social_donations,\"15,000.50\",,,,\n";
  absl::StatusOr<app::ImportReport> report = Import(Write("indicators.csv", csv));
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->rejected, 0u) << report->errors.front();
  const std::string chinese =
      "类型,事件编号,生效日期,帮扶方代码,受援方代码,指标,数值,年度,冲销原因\n"
      "target,t-3,2023-01-10,370200,540202,paired_schools,15,2023,协议\n";
  report = Import(Write("chinese.csv", chinese));
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->rejected, 0u) << report->errors.front();
  const std::string jsonl =
      "{\"event_id\":\"s-1\",\"effective_date\":\"2023-04-01\",\"indicator_recorded\":{"
      "\"helper_code\":\"370200\",\"recipient_code\":\"540202\",\"indicator\":\"PAIRED_SCHOOLS\","
      "\"value\":\"15\",\"description\":\"学校设施改善\"}}\n";
  report = Import(Write("indicators.jsonl", jsonl));
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->rejected, 0u) << report->errors.front();
  const IndicatorTotals& indicators = ledger_->books().indicators;
  EXPECT_EQ(indicators.FigureOf(2023, "370200", "621102", v1::RURAL_WORKERS_EMPLOYED), 531);
  EXPECT_EQ(indicators.FigureOf(2023, "370200", "621102", v1::POVERTY_ALLEVIATED_WORKERS), 200);
  EXPECT_EQ(indicators.FigureOf(2023, "370200", "621100", v1::SOCIAL_DONATIONS), 1500050);
  EXPECT_EQ(indicators.FindTarget(2023, "370200", "621100", v1::SOCIAL_DONATIONS)
                ->history(0)
                .value(),
            120000000);
  EXPECT_EQ(indicators.FindTarget(2023, "370200", "540202", v1::PAIRED_SCHOOLS)->history(0).value(),
            15);
  // A bad row names its field.
  EXPECT_THAT(OnlyError(Write("bad.csv",
                              "type,helper_code,recipient_code,indicator,value\n"
                              "indicator,370200,621100,fiscal_assistance,5\n")),
              ::testing::HasSubstr("indicator: fiscal_assistance is derived from allocations"));

  for (const std::string format : {"csv", "jsonl"}) {
    std::ostringstream exported;
    ASSERT_THAT(app::Replay(*ledger_, {.format = format}, exported), IsOk());
    const std::string path = Write(absl::StrCat("replay.", format), exported.str());
    const std::string other_path = dir_.Sub(absl::StrCat("other-", format));
    ASSERT_THAT(Ledger::Create(other_path), IsOk());
    std::unique_ptr<Ledger> other = *Ledger::Open(other_path, {.sync = false});
    absl::StatusOr<app::ImportReport> again = app::ImportFile(*other, path, {.actor = "importer"});
    ASSERT_THAT(again, IsOk());
    ASSERT_EQ(again->rejected, 0u) << again->errors.front();
    EXPECT_EQ(other->books().indicators.SerializeState(),
              ledger_->books().indicators.SerializeState())
        << format;
  }
}

}  // namespace
}  // namespace aidledger
