#include "server/sessions.h"

#include <openssl/rand.h>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/sha256.h"

namespace aidledger::app {
namespace {

constexpr size_t kSessionRandomBytes = 32;

std::string KeyOf(absl::string_view id) { return Hex(Sha256({id})); }

}  // namespace

absl::StatusOr<std::string> SessionTable::Open(const Caller& caller, absl::Time now) {
  unsigned char random[kSessionRandomBytes];
  if (RAND_bytes(random, sizeof(random)) != 1) return absl::InternalError("no random bytes");
  std::string id = Hex(absl::string_view(reinterpret_cast<const char*>(random), sizeof(random)));
  std::lock_guard<std::mutex> lock(mutex_);
  if (sessions_.size() >= max_) {
    absl::erase_if(sessions_, [&](const auto& entry) { return Ended(entry.second, now); });
  }
  if (sessions_.size() >= max_) {
    return absl::ResourceExhaustedError("too many sessions are open; try again later");
  }
  sessions_[KeyOf(id)] = Session{.caller = {.role = Role::kReader, .name = caller.name},
                                 .ends = now + lifetime_,
                                 .last_use = now};
  return id;
}

std::optional<Caller> SessionTable::Find(absl::string_view id, absl::Time now) {
  const std::string key = KeyOf(id);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  if (Ended(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_use = now;
  return it->second.caller;
}

void SessionTable::Close(absl::string_view id) {
  const std::string key = KeyOf(id);
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_.erase(key);
}

std::optional<absl::string_view> CookieValue(absl::string_view header, absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t equals = pair.find('=');
    if (equals == absl::string_view::npos) continue;
    if (pair.substr(0, equals) == name) return pair.substr(equals + 1);
  }
  return std::nullopt;
}

}  // namespace aidledger::app
