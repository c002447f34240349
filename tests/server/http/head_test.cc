#include "server/http/head.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/http/limits.h"

namespace aidledger::http {
namespace {

using Fields = std::vector<std::pair<absl::string_view, absl::string_view>>;

std::variant<Request, HeadError> Check(Fields fields, absl::string_view target = "/v1/events",
                                       unsigned version = 11) {
  RawHead head;
  head.method = "POST";
  head.target = target;
  head.version = version;
  head.fields = std::move(fields);
  return CheckHead(head);
}

int StatusOf(const std::variant<Request, HeadError>& checked) {
  const auto* refusal = std::get_if<HeadError>(&checked);
  return refusal == nullptr ? 0 : refusal->status;
}

// One line per head: what CheckHead answers (0: accepted).
TEST(CheckHeadTest, RefusesAmbiguousFramingAndDuplicatesInATable) {
  struct Case {
    const char* name;
    Fields fields;
    int status;
  };
  const Case cases[] = {
      {"one length", {{"Host", "a"}, {"Content-Length", "12"}}, 0},
      {"chunked", {{"Host", "a"}, {"Transfer-Encoding", "chunked"}}, 0},
      {"chunked, any case", {{"Host", "a"}, {"transfer-encoding", "Chunked"}}, 0},
      {"no body", {{"Host", "a"}}, 0},
      {"two equal lengths", {{"Host", "a"}, {"Content-Length", "5"}, {"content-length", "5"}}, 400},
      {"a length list", {{"Host", "a"}, {"Content-Length", "5, 5"}}, 400},
      {"a signed length", {{"Host", "a"}, {"Content-Length", "+5"}}, 400},
      {"an empty length", {{"Host", "a"}, {"Content-Length", ""}}, 400},
      {"a 20-digit length", {{"Host", "a"}, {"Content-Length", "12345678901234567890"}}, 400},
      {"length and chunked", {{"Host", "a"}, {"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}}, 400},
      {"gzip, chunked", {{"Host", "a"}, {"Transfer-Encoding", "gzip, chunked"}}, 400},
      {"identity", {{"Host", "a"}, {"Transfer-Encoding", "identity"}}, 400},
      {"chunked twice", {{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}, 400},
      {"two hosts", {{"Host", "a"}, {"Host", "b"}}, 400},
      {"no host", {}, 400},
      {"two authorizations", {{"Host", "a"}, {"Authorization", "Bearer x"}, {"authorization", "Bearer y"}}, 400},
  };
  for (const Case& c : cases) EXPECT_EQ(StatusOf(Check(c.fields)), c.status) << c.name;
}

TEST(CheckHeadTest, AnHttp10RequestNeedsNoHostAndOtherVersionsAreRefused) {
  EXPECT_EQ(StatusOf(Check({}, "/healthz", 10)), 0);
  EXPECT_EQ(StatusOf(Check({{"Host", "a"}}, "/healthz", 20)), 505);
}

TEST(CheckHeadTest, BoundsTheTargetAndTheFieldCount) {
  const std::string long_target = "/" + std::string(limits::kTargetBytesMax, 'a');
  EXPECT_EQ(StatusOf(Check({{"Host", "a"}}, long_target)), 414);
  Fields many(limits::kHeaderFieldsMax + 1, {"X-A", "b"});
  EXPECT_EQ(StatusOf(Check(many)), 431);
  Fields enough(limits::kHeaderFieldsMax - 1, {"X-A", "b"});
  enough.emplace_back("Host", "a");
  EXPECT_EQ(StatusOf(Check(enough)), 0);
}

TEST(CheckHeadTest, NamesAreLowerCasedAndABodyIsAnnounced) {
  auto checked = Check({{"Host", "a"}, {"Content-Length", "3"}, {"X-Mixed-Case", "V"}});
  const Request& request = std::get<Request>(checked);
  EXPECT_TRUE(request.has_body);
  EXPECT_EQ(request.Header("x-mixed-case").value_or(""), "V");
  EXPECT_EQ(request.Header("X-MIXED-CASE").value_or(""), "V");
  EXPECT_FALSE(std::get<Request>(Check({{"Host", "a"}, {"Content-Length", "0"}})).has_body);
  EXPECT_FALSE(std::get<Request>(Check({{"Host", "a"}, {"Content-Length", "00"}})).has_body);  // found by fuzzing
  EXPECT_TRUE(std::get<Request>(Check({{"Host", "a"}, {"Content-Length", "007"}})).has_body);
}

TEST(SplitTargetTest, DecodesParametersAndRefusesAmbiguity) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;
  ASSERT_TRUE(SplitTarget("/v1/balances?region=621100&known_at=2024-01-01T00%3A00%3A00%2B08%3A00&x=a+b&&flag",
                          &path, &params).ok());
  EXPECT_EQ(path, "/v1/balances");
  using Pair = std::pair<std::string, std::string>;
  EXPECT_THAT(params, ::testing::ElementsAre(Pair{"region", "621100"},
                                             Pair{"known_at", "2024-01-01T00:00:00+08:00"},
                                             Pair{"x", "a b"}, Pair{"flag", ""}));
  ASSERT_TRUE(SplitTarget("/a?b=%00%ff", &path, &params).ok());
  EXPECT_EQ(params[0].second, std::string("\0\xff", 2));
  EXPECT_FALSE(SplitTarget("/a?b=%zz", &path, &params).ok());
  EXPECT_FALSE(SplitTarget("/a?b=%4", &path, &params).ok());
  EXPECT_FALSE(SplitTarget("/a?b=1&b=2", &path, &params).ok());
  EXPECT_FALSE(SplitTarget("http://host/a", &path, &params).ok());
  EXPECT_FALSE(SplitTarget("*", &path, &params).ok());
  std::string many = "/a?";
  for (size_t i = 0; i <= limits::kQueryParamsMax; ++i) many += "p" + std::to_string(i) + "=1&";
  EXPECT_FALSE(SplitTarget(many, &path, &params).ok());
}

}  // namespace
}  // namespace aidledger::http
