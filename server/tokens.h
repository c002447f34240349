// Bearer tokens for `aidledger serve`. A tokens file holds one line per
// token, `ROLE NAME SHA256-HEX-OF-TOKEN` (blank lines and # comments
// allowed); the token itself is never stored. Roles are ordered:
// reader < auditor < appender.
#ifndef AIDLEDGER_SERVER_TOKENS_H_
#define AIDLEDGER_SERVER_TOKENS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/sha256.h"

namespace aidledger::app {

enum class Role : int { kReader = 1, kAuditor = 2, kAppender = 3 };

absl::StatusOr<Role> ParseRole(const std::string& text);
const char* RoleName(Role role);

struct Caller {
  Role role;
  std::string name;  // becomes the actor of the events it appends
};

class TokenTable {
 public:
  // Usage error when the file is missing, not a regular file, writable by
  // group or others (anyone could add an appender), larger than 4 MiB,
  // without any token, naming a token holder or hash twice, or when a line
  // is malformed (naming it). `warn` hears of a file anyone may read.
  static absl::StatusOr<TokenTable> Load(const std::string& path,
                                         const std::function<void(absl::string_view)>& warn = nullptr);

  // The caller a token belongs to, or nullopt. Hashes the token and compares
  // it with every entry in constant time, so timing tells nothing of which
  // entry (if any) matched.
  std::optional<Caller> Authenticate(absl::string_view token) const;
  // The holder named `name`, or nullopt: under mutual TLS a client
  // certificate's common name is looked up here for its role.
  std::optional<Caller> FindByName(absl::string_view name) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Role role;
    std::string name;
    Hash hash;
  };
  std::vector<Entry> entries_;
};

// Makes a random token for `name` with `role`, appends its hash to `path`
// (created 0600 when absent) and returns the token, to be shown once.
absl::StatusOr<std::string> AddToken(const std::string& path, Role role, const std::string& name);

}  // namespace aidledger::app

#endif  // AIDLEDGER_SERVER_TOKENS_H_
