#include "cli/tokens.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ledger/errors.h"
#include "ledger/fields.h"
#include "ledger/limits.h"
#include "ledger/status_macros.h"

namespace aidledger::app {
namespace {

constexpr size_t kTokensMax = 10'000;
constexpr size_t kTokenRandomBytes = 32;

}  // namespace

absl::StatusOr<Role> ParseRole(const std::string& text) {
  if (text == "reader") return Role::kReader;
  if (text == "auditor") return Role::kAuditor;
  if (text == "appender") return Role::kAppender;
  return UsageError(absl::StrCat("role must be reader, auditor or appender (got \"",
                                 text.substr(0, 40), "\")"));
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kReader: return "reader";
    case Role::kAuditor: return "auditor";
    case Role::kAppender: return "appender";
  }
  return "unknown";
}

absl::StatusOr<TokenTable> TokenTable::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return UsageError(absl::StrCat("cannot read the tokens file ", path));
  TokenTable table;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text.front() == '#') continue;
    std::vector<std::string> parts = absl::StrSplit(text, ' ', absl::SkipEmpty());
    auto bad = [&](absl::string_view why) {
      return UsageError(absl::StrCat(path, ":", number, ": ", why));
    };
    if (parts.size() != 3) return bad("expected ROLE NAME SHA256-HEX");
    absl::StatusOr<Role> role = ParseRole(parts[0]);
    if (!role.ok()) return bad(role.status().message());
    if (!CheckIdentifier(parts[1], "name", limits::kActorBytesMax).ok()) {
      return bad("the name may hold only letters, digits and . _ : - /");
    }
    absl::StatusOr<Hash> hash = HashFromHex(parts[2]);
    if (!hash.ok()) return bad("the hash must be 64 hex digits");
    if (table.entries_.size() == kTokensMax) return bad("too many tokens");
    table.entries_.push_back({*role, parts[1], *hash});
  }
  return table;
}

std::optional<Caller> TokenTable::Authenticate(absl::string_view token) const {
  const Hash presented = Sha256({token});
  const Entry* match = nullptr;
  for (const Entry& entry : entries_) {
    // CRYPTO_memcmp takes the same time whatever the bytes; no early exit.
    const bool equal = CRYPTO_memcmp(entry.hash.data(), presented.data(), kHashBytes) == 0;
    if (equal && match == nullptr) match = &entry;
  }
  if (match == nullptr) return std::nullopt;
  return Caller{match->role, match->name};
}

absl::StatusOr<std::string> AddToken(const std::string& path, Role role, const std::string& name) {
  if (!CheckIdentifier(name, "name", limits::kActorBytesMax).ok()) {
    return UsageError("--name may hold only letters, digits and . _ : - /");
  }
  unsigned char random[kTokenRandomBytes];
  if (RAND_bytes(random, sizeof(random)) != 1) return absl::InternalError("no random bytes");
  const std::string token =
      absl::StrCat("aid_", Hex(absl::string_view(reinterpret_cast<char*>(random), sizeof(random))));
  const std::string line = absl::StrCat(RoleName(role), " ", name, " ", Hex(Sha256({token})), "\n");
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return UsageError(absl::StrCat("cannot write the tokens file ", path));
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!written || !synced) return absl::InternalError(absl::StrCat("cannot write ", path));
  return token;
}

}  // namespace aidledger::app
