#include "server/tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <fstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"
#include "server/limits.h"

namespace aidledger::app {
namespace {

using serve_limits::kTokensFileBytesMax;
using serve_limits::kTokensMax;
constexpr size_t kTokenRandomBytes = 32;  // 256 bits of a token are random

// A token's name: any text a person's name or role is (财务-王敏,
// clerk-zhang) that the tokens file can hold in its one field: valid UTF-8
// without invisible characters, and no space of any kind.
constexpr char kNameRule[] =
    "may be any letters, digits and marks (财务-王敏, clerk-zhang) without spaces or invisible "
    "characters, at most 128 bytes";

bool IsTokenName(absl::string_view name) {
  return CheckText(name, "name", limits::kActorBytesMax, /*required=*/true).ok() &&
         name.find_first_of(" \t") == absl::string_view::npos &&
         name.find("\xE3\x80\x80") == absl::string_view::npos;  // the ideographic space
}

}  // namespace

absl::StatusOr<Role> ParseRole(const std::string& text) {
  if (text == "reader") return Role::kReader;
  if (text == "auditor") return Role::kAuditor;
  if (text == "appender") return Role::kAppender;
  return UsageError(absl::Substitute(Tr("role must be reader, auditor or appender (got \"$0\")"),
                                     text.substr(0, limits::kQuotedInputBytesMax)));
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kReader: return "reader";
    case Role::kAuditor: return "auditor";
    case Role::kAppender: return "appender";
  }
  return "unknown";
}

absl::StatusOr<TokenTable> TokenTable::Load(const std::string& path,
                                            const std::function<void(absl::string_view)>& warn) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return UsageError(absl::Substitute(Tr("cannot read the tokens file $0"), path));
  struct stat info;
  std::string text(kTokensFileBytesMax + 1, '\0');
  ssize_t got = -1;
  const bool regular = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
  if (regular && (info.st_mode & 022) == 0) got = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (!regular) return UsageError(absl::Substitute(Tr("the tokens file $0 is not a regular file"), path));
  if ((info.st_mode & 022) != 0) {
    return UsageError(absl::Substitute(Tr("the tokens file $0 may be written by others (mode $1), "
                                          "who could add an appender; chmod 600 it"),
                                       path, absl::StrFormat("%03o", info.st_mode & 0777)));
  }
  if (got < 0) return UsageError(absl::Substitute(Tr("cannot read the tokens file $0"), path));
  if (static_cast<size_t>(got) > kTokensFileBytesMax) {
    return UsageError(absl::Substitute(Tr("the tokens file $0 is larger than $1 bytes"), path,
                                       kTokensFileBytesMax));
  }
  text.resize(static_cast<size_t>(got));
  if ((info.st_mode & 004) != 0 && warn) {
    warn(absl::StrFormat("the tokens file %s may be read by anyone (mode %03o); its hashes are not "
                         "secrets, but chmod 600 is advised",
                         path, info.st_mode & 0777));
  }
  TokenTable table;
  absl::flat_hash_set<std::string> names;
  absl::flat_hash_set<std::string> hashes;
  size_t number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    auto bad = [&](absl::string_view why) {
      return UsageError(absl::StrCat(path, ":", number, ": ", why));
    };
    if (parts.size() != 3) return bad(Tr("expected ROLE NAME SHA256-HEX"));
    absl::StatusOr<Role> role = ParseRole(parts[0]);
    if (!role.ok()) return bad(role.status().message());
    if (!IsTokenName(parts[1])) return bad(absl::StrCat("the name ", kNameRule));
    absl::StatusOr<Hash> hash = HashFromHex(parts[2]);
    if (!hash.ok()) return bad("the hash must be 64 hex digits");
    if (table.entries_.size() == kTokensMax) return bad("too many tokens");
    if (!names.insert(parts[1]).second) return bad(absl::StrCat("the name ", parts[1], " is given twice"));
    if (!hashes.insert(parts[2]).second) return bad("the same token hash is given twice");
    table.entries_.push_back({*role, parts[1], *hash});
  }
  if (table.entries_.empty()) {
    return UsageError(absl::Substitute(Tr("the tokens file $0 holds no token; add one with "
                                          "`aidledger token add`"),
                                       path));
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

std::optional<Caller> TokenTable::FindByName(absl::string_view name) const {
  for (const Entry& entry : entries_) {
    if (entry.name == name) return Caller{entry.role, entry.name};
  }
  return std::nullopt;
}

absl::StatusOr<std::string> AddToken(const std::string& path, Role role, const std::string& name) {
  if (!IsTokenName(name)) return UsageError(absl::StrCat("--name ", kNameRule));
  unsigned char random[kTokenRandomBytes];
  if (RAND_bytes(random, sizeof(random)) != 1) return absl::InternalError("no random bytes");
  const std::string token =
      absl::StrCat("aid_", Hex(absl::string_view(reinterpret_cast<char*>(random), sizeof(random))));
  const std::string line = absl::StrCat(RoleName(role), " ", name, " ", Hex(Sha256({token})), "\n");
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return UsageError(absl::Substitute(Tr("cannot write the tokens file $0"), path));
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!written || !synced) return absl::InternalError(absl::StrCat("cannot write ", path));
  return token;
}

}  // namespace aidledger::app
