#include "app/output.h"

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

}  // namespace
}  // namespace aidledger::app
