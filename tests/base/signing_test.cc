// Co-signed digests (issue 24): a signer's key pair on disk, signatures
// that verify only for their message and key, and the trusted-keys file.
#include "base/signing.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "base/limits.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::StatusIs;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Signing, KeygenWritesAPrivateKeyOnlyItsOwnerReadsAndAOneLinePublicKey) {
  testing::TempDir dir;
  absl::StatusOr<Signer> signer = CreateSigningKey(dir.path(), "qingdao-finance");
  ASSERT_THAT(signer, IsOk());
  EXPECT_EQ(signer->name, "qingdao-finance");
  EXPECT_EQ(signer->public_key.size(), kEd25519PublicKeyBytes);
  struct stat info;
  ASSERT_EQ(::stat(dir.Sub("qingdao-finance.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string line = ReadAll(dir.Sub("qingdao-finance.pub"));
  EXPECT_EQ(line, "qingdao-finance ed25519 " + absl::Base64Escape(signer->public_key) + "\n");
  // The .pub file is a trusted-keys file of one signer; the private key's
  // public half is the one it names.
  absl::StatusOr<std::vector<Signer>> trusted = ParseTrustedKeys(line);
  ASSERT_THAT(trusted, IsOk());
  ASSERT_EQ(trusted->size(), 1u);
  EXPECT_EQ((*trusted)[0].public_key, signer->public_key);
  absl::StatusOr<std::string> pem = ReadPrivateKey(dir.Sub("qingdao-finance.key"));
  ASSERT_THAT(pem, IsOk());
  EXPECT_TRUE(absl::StartsWith(*pem, "-----BEGIN PRIVATE KEY-----"));
  EXPECT_THAT(PublicKeyOf(*pem), testing::IsOkAndHolds(signer->public_key));
  // A second keygen of the name overwrites nothing.
  EXPECT_THAT(CreateSigningKey(dir.path(), "qingdao-finance"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReadAll(dir.Sub("qingdao-finance.pub")), line);
}

TEST(Signing, ASignatureHoldsOnlyForItsMessageAndKey) {
  testing::TempDir dir;
  absl::StatusOr<Signer> ours = CreateSigningKey(dir.path(), "ours");
  absl::StatusOr<Signer> foreign = CreateSigningKey(dir.path(), "foreign");
  ASSERT_THAT(ours, IsOk());
  ASSERT_THAT(foreign, IsOk());
  absl::StatusOr<std::string> pem = ReadPrivateKey(dir.Sub("ours.key"));
  ASSERT_THAT(pem, IsOk());
  const std::string digest = "close 2024 seq=41 head=00ff";
  absl::StatusOr<std::string> signature = Sign(*pem, digest);
  ASSERT_THAT(signature, IsOk());
  ASSERT_EQ(signature->size(), kEd25519SignatureBytes);
  EXPECT_TRUE(SignatureValid(ours->public_key, digest, *signature));
  EXPECT_FALSE(SignatureValid(ours->public_key, digest + " ", *signature));
  EXPECT_FALSE(SignatureValid(foreign->public_key, digest, *signature));
  std::string flipped = *signature;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  EXPECT_FALSE(SignatureValid(ours->public_key, digest, flipped));
  EXPECT_FALSE(SignatureValid(ours->public_key, digest, signature->substr(1)));
  EXPECT_FALSE(SignatureValid(ours->public_key.substr(1), digest, *signature));
}

TEST(Signing, APrivateKeyOthersMayReadOrThatIsNoKeyIsRefused) {
  testing::TempDir dir;
  ASSERT_THAT(CreateSigningKey(dir.path(), "auditor"), IsOk());
  ASSERT_EQ(::chmod(dir.Sub("auditor.key").c_str(), 0644), 0);
  EXPECT_THAT(ReadPrivateKey(dir.Sub("auditor.key")),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("chmod 600")));
  EXPECT_THAT(ReadPrivateKey(dir.Sub("missing.key")), StatusIs(absl::StatusCode::kInvalidArgument));
  // The public key file is no private key.
  const std::string copy = dir.Sub("not-a-key");
  std::ofstream(copy) << ReadAll(dir.Sub("auditor.pub"));
  ASSERT_EQ(::chmod(copy.c_str(), 0600), 0);
  EXPECT_THAT(ReadPrivateKey(copy), StatusIs(absl::StatusCode::kInvalidArgument,
                                             ::testing::HasSubstr("no Ed25519 private key")));
}

TEST(Signing, TrustedKeysNameEachSignerOnceAndABadLineByNumber) {
  const std::string key = absl::Base64Escape(std::string(32, '\x07'));
  absl::StatusOr<std::vector<Signer>> signers = ParseTrustedKeys(
      "# 青岛市财政局, 定西市财政局, 审计\n\nqingdao ed25519 " + key + "\n  dingxi\ted25519 " + key +
      "  \n");
  ASSERT_THAT(signers, IsOk());
  ASSERT_EQ(signers->size(), 2u);
  EXPECT_EQ((*signers)[1].name, "dingxi");
  const std::pair<std::string, std::string> bad[] = {
      {"a ed25519 " + key + "\na ed25519 " + key, "line 2: a is named twice"},
      {"a rsa " + key, "line 1"},
      {"a ed25519 " + absl::Base64Escape(std::string(31, 'x')), "line 1"},
      {"a ed25519 !!!!", "line 1"},
      {"a ed25519", "line 1"},
      {"\n.hidden ed25519 " + key, "line 2"},
  };
  for (const auto& [text, message] : bad) {
    EXPECT_THAT(ParseTrustedKeys(text),
                StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr(message)))
        << text;
  }
  std::string too_long;
  for (size_t i = 0; i <= limits::kTrustedKeysMax; ++i) too_long += "#\n";
  EXPECT_THAT(ParseTrustedKeys(too_long), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Signing, ASignerNameNamesAFileAndNothingElse) {
  for (const char* good : {"qingdao-finance", "青岛市财政局", "a.b_c"}) {
    EXPECT_THAT(CheckSignerName(good), IsOk()) << good;
  }
  for (const std::string& bad : {std::string(), std::string("a b"), std::string("../x"),
                                 std::string("a/b"), std::string(".key"), std::string("a\tb"),
                                 std::string(limits::kSignerNameBytesMax + 1, 'a')}) {
    EXPECT_THAT(CheckSignerName(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

}  // namespace
}  // namespace aidledger
