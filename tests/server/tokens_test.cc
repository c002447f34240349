#include "server/tokens.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "app/status_codes.h"
#include "tests/testing/testing.h"

namespace aidledger::app {
namespace {

using testing::IsOk;

class TokensTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text, mode_t mode = 0600) {
    const std::string path = dir_.Sub(absl::StrCat("tokens-", ++files_));
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::string Line(const char* role, const char* name, char digit) {
    return absl::StrCat(role, " ", name, " ", std::string(64, digit), "\n");
  }
  testing::TempDir dir_;
  int files_ = 0;
};

TEST_F(TokensTest, AnAddedTokenAuthenticatesWithItsRoleAndNothingElseDoes) {
  const std::string path = dir_.Sub("tokens");
  absl::StatusOr<std::string> token = AddToken(path, Role::kAuditor, "audit-office");
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  absl::StatusOr<TokenTable> table = TokenTable::Load(path);
  ASSERT_THAT(table, IsOk());
  std::optional<Caller> caller = table->Authenticate(*token);
  ASSERT_TRUE(caller.has_value());
  EXPECT_EQ(caller->role, Role::kAuditor);
  EXPECT_EQ(caller->name, "audit-office");
  EXPECT_FALSE(table->Authenticate(*token + "x").has_value());
  EXPECT_FALSE(table->Authenticate("").has_value());
}

// A token may be named in Chinese (财务-王敏), as an actor may; not with a
// space (the file's separator) or an invisible character.
TEST_F(TokensTest, ATokenMayBeNamedInChineseButNotWithSpacesOrInvisibleCharacters) {
  const std::string path = dir_.Sub("tokens");
  absl::StatusOr<std::string> token = AddToken(path, Role::kAppender, "财务-王敏");
  ASSERT_THAT(token, IsOk());
  absl::StatusOr<TokenTable> table = TokenTable::Load(path);
  ASSERT_THAT(table, IsOk());
  ASSERT_TRUE(table->Authenticate(*token).has_value());
  EXPECT_EQ(table->Authenticate(*token)->name, "财务-王敏");
  for (const char* name : {"财务 王敏", "财务\u3000王敏", "财务\u202e王敏", "", "a\tb"}) {
    EXPECT_THAT(AddToken(path, Role::kReader, name),
                testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                  ::testing::HasSubstr("without spaces or invisible characters")))
        << name;
  }
  EXPECT_THAT(TokenTable::Load(Write(Line("reader", "财务\u202e王敏", '3'))),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                ::testing::HasSubstr("without spaces or invisible characters")));
}

// Issue 17, item 11: files anyone could add an appender to, empty files,
// directories, endless devices and duplicates all started a server.
TEST_F(TokensTest, UnsafeEmptyEndlessAndAmbiguousFilesAreRefused) {
  const std::string good = Line("reader", "a", '1') + Line("appender", "b", '2');
  struct Case {
    std::string path;
    const char* message;
  };
  const Case cases[] = {
      {Write(good, 0664), "may be written by others"},
      {Write(good, 0666), "may be written by others"},
      {Write(good, 0620), "may be written by others"},
      {Write(""), "holds no token"},
      {Write("# only a comment\n\n"), "holds no token"},
      {dir_.path(), "is not a regular file"},
      {"/dev/zero", "is not a regular file"},
      {Write(Line("reader", "a", '1') + Line("appender", "a", '2')), "the name a is given twice"},
      {Write(Line("reader", "a", '1') + Line("appender", "b", '1')), "the same token hash is given twice"},
      {Write(std::string(5 << 20, '#')), "is larger than"},
      {dir_.Sub("missing"), "cannot read the tokens file"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<TokenTable> table = TokenTable::Load(c.path);
    ASSERT_FALSE(table.ok()) << c.path;
    EXPECT_EQ(ExitCodeFor(table.status()), kExitUsage) << c.path;
    EXPECT_THAT(table.status().message(), ::testing::HasSubstr(c.message)) << c.path;
  }
}

TEST_F(TokensTest, AWorldReadableFileLoadsWithAWarning) {
  std::vector<std::string> warnings;
  auto warn = [&](absl::string_view message) { warnings.emplace_back(message); };
  ASSERT_THAT(TokenTable::Load(Write(Line("reader", "a", '1'), 0600), warn), IsOk());
  EXPECT_TRUE(warnings.empty());
  absl::StatusOr<TokenTable> table = TokenTable::Load(Write(Line("reader", "a", '1'), 0644), warn);
  ASSERT_THAT(table, IsOk());
  EXPECT_EQ(table->size(), 1u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], ::testing::HasSubstr("may be read by anyone"));
}

}  // namespace
}  // namespace aidledger::app
