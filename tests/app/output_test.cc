#include "app/output.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace aidledger::app {
namespace {

// Issue 17, item 13: raw ESC sequences, U+202E, zero-width characters,
// U+009B and U+2028 reached the terminal from import errors and tables.
TEST(TerminalTextTest, EscapesWhatWouldMoveTheCursorReorderOrHideText) {
  const std::pair<std::string, std::string> cases[] = {
      {"定西市 ¥1,234.56", "定西市 ¥1,234.56"},
      {"bogus\x1b[2J", "bogus\\x1b[2J"},
      {"abc\u202Egnp.exe", "abc\\u202egnp.exe"},
      {"a\u200Bb\u2060c\uFEFF", "a\\u200bb\\u2060c\\ufeff"},
      {"x\xC2\x9B" "2J", "x\\x9b2J"},
      {"line\u2028break", "line\\u2028break"},
      {"tab\tnew\nline\r", "tab\\x09new\\x0aline\\x0d"},
      {"\x7f", "\\x7f"},
      {"bad\xFF\xFE", "bad\\xff\\xfe"},
      {"\xE5\xAE", "\\xe5\\xae"},  // a cut sequence, byte by byte
  };
  for (const auto& [text, shown] : cases) EXPECT_EQ(TerminalText(text), shown) << shown;
}

TEST(TerminalTextTest, TableCellsAreEscapedAndColumnsStayAligned) {
  Table table({"name", "n"});
  table.AddRow({"abc\u202Egnp.exe", "1"});
  table.AddRow({"plain", "22"});
  const std::string rendered = table.Render();
  EXPECT_EQ(rendered.find('\x1b'), std::string::npos);
  EXPECT_EQ(rendered.find("\u202E"), std::string::npos);
  EXPECT_NE(rendered.find("abc\\u202egnp.exe"), std::string::npos) << rendered;
}

// `snapshot list` shows a fund view's parts on its manifest's row, with
// their bytes and the first problem among them; parts whose manifest is
// missing or unreadable keep their own rows.
TEST(SnapshotRowsTest, AFundViewsPartsAreFoldedIntoItsManifestsRow) {
  const auto info = [](const std::string& projection, uint64_t sequence, size_t bytes,
                       const std::string& problem = "") {
    SnapshotInfo row;
    row.projection = projection;
    row.sequence = sequence;
    row.state_bytes = bytes;
    row.problem = problem;
    return row;
  };
  const std::vector<SnapshotInfo> rows = SnapshotRows({
      info("fund_view", 100, 10),
      info("fund_view:620000", 100, 200),
      info("fund_view:registry", 100, 3000, "its MAC does not match"),
      info("fund_view:unplaced", 100, 40000, "the record does not decode"),
      info("region_balances", 100, 5),
      info("fund_view:620000", 200, 7),  // its manifest is not there
      info("fund_view:540000", 300, 1),
      info("fund_view", 300, 2),  // listed after its part
  });
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].projection, "fund_view +3 parts");
  EXPECT_EQ(rows[0].state_bytes, 43210u);
  EXPECT_EQ(rows[0].problem, "fund_view:registry: its MAC does not match");
  EXPECT_EQ(rows[1].projection, "region_balances");
  EXPECT_EQ(rows[2].projection, "fund_view:620000");
  EXPECT_EQ(rows[2].sequence, 200u);
  EXPECT_EQ(rows[3].projection, "fund_view +1 parts");
  EXPECT_EQ(rows[3].state_bytes, 3u);
  EXPECT_TRUE(rows[3].problem.empty());
}

}  // namespace
}  // namespace aidledger::app
