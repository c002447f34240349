// Browser sessions of `aidledger serve`: POST /login trades a token for a
// session cookie, so that a page's requests carry no token (a token is
// never put in a URL, in a page or in the browser's storage). A session
// reads only: whatever the token's role, the session's is reader, so that
// a page can never write (appends stay on the API, with a bearer token).
// Sessions live in memory: a restarted server asks everyone to log in
// again.
#ifndef AIDLEDGER_SERVER_SESSIONS_H_
#define AIDLEDGER_SERVER_SESSIONS_H_

#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/tokens.h"

namespace aidledger::app {

// The cookie's name.
inline constexpr char kSessionCookie[] = "aidledger_session";

class SessionTable {
 public:
  // A session ends `lifetime` after login, or `idle` after its last use,
  // whichever comes first; at most `max` are open at once.
  SessionTable(absl::Duration lifetime, absl::Duration idle, size_t max)
      : lifetime_(lifetime), idle_(idle), max_(max) {}

  // A new session for `caller`, as a reader: its id (64 hex digits, 256
  // random bits), to be sent once, in the cookie. kResourceExhausted when
  // `max` sessions are open and none has ended.
  absl::StatusOr<std::string> Open(const Caller& caller, absl::Time now);
  // The caller of the session `id`, or nullopt (unknown, ended). A use
  // keeps it from idling out.
  std::optional<Caller> Find(absl::string_view id, absl::Time now);
  // Ends the session `id`, if open.
  void Close(absl::string_view id);

  absl::Duration lifetime() const { return lifetime_; }

 private:
  struct Session {
    Caller caller;
    absl::Time ends;     // login + lifetime
    absl::Time last_use;
  };
  bool Ended(const Session& session, absl::Time now) const {
    return now >= session.ends || now - session.last_use >= idle_;
  }

  const absl::Duration lifetime_;
  const absl::Duration idle_;
  const size_t max_;
  std::mutex mutex_;
  // By the SHA-256 of the id: the ids themselves are kept nowhere.
  absl::flat_hash_map<std::string, Session> sessions_;
};

// The value of the cookie `name` in a Cookie header ("a=1; b=2"), or
// nullopt.
std::optional<absl::string_view> CookieValue(absl::string_view header, absl::string_view name);

}  // namespace aidledger::app

#endif  // AIDLEDGER_SERVER_SESSIONS_H_
