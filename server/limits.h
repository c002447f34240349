// Limits of `aidledger serve`, above the transport's (server/http/limits.h)
// and the engine's (base/limits.h). Each bounds what a client can make the
// server hold or wait for.
#ifndef AIDLEDGER_SERVER_LIMITS_H_
#define AIDLEDGER_SERVER_LIMITS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace aidledger::app::serve_limits {

// Events in one POST /v1/events (one JSON array); more is 413.
inline constexpr size_t kRequestEventsMax = 1'000;
// GET /v1/events?limit=: a page of the log.
inline constexpr uint64_t kEventsPageMax = 1'000;
// How long a POST waits for its group commit before answering 503 (the
// events may still be written: the client retries with the same event_id).
inline constexpr std::chrono::seconds kAppendWaitMax{30};
// The Retry-After of a 503 to an append (busy, not committed in time, the
// database unreachable).
inline constexpr std::chrono::seconds kRetryAfter{1};
// Distinct head-report bodies (report kind and region) kept rendered.
inline constexpr size_t kRenderedReportsMax = 256;
// How long a reader waits for the first rendering of a report another
// reader started, before rendering it itself.
inline constexpr std::chrono::seconds kRenderWaitMax{10};
// How long the committer waits for readers to let go of the spare state
// before copying the whole Books instead.
inline constexpr std::chrono::milliseconds kSpareWaitMax{10};
// Spare states the committer keeps (server/spare_states.h; each a whole
// Books: memory for fewer copies), and the events a spare may lag behind before it is dropped
// (catching up further would cost about what a copy does).
inline constexpr size_t kSparesMax = 2;
inline constexpr size_t kSpareLagEventsMax = 10'000;
// Bodies of at least this size are gzipped for clients that accept it.
inline constexpr size_t kGzipMinBytes = 1024;
// Codings read from one Accept-Encoding header.
inline constexpr size_t kAcceptCodingsMax = 32;

// The tokens file: holders, and bytes read. A line is at most "appender "
// + a 128-byte name + " " + 64 hex digits; a file of kTokensMax of them,
// with comments, fits well within the byte bound.
inline constexpr size_t kTokensMax = 10'000;
inline constexpr size_t kTokensFileBytesMax = 4 * 1024 * 1024;

// Browser sessions (sessions.h): how long one lasts after login unless
// `serve --session-lifetime` says otherwise, how long it may sit unused,
// how many may be open at once, and the bytes of a POST /login form.
inline constexpr std::chrono::hours kSessionLifetimeDefault{8};
inline constexpr std::chrono::minutes kSessionIdleMax{30};
inline constexpr size_t kSessionsMax = 10'000;
inline constexpr size_t kLoginFormBytesMax = 4 * 1024;

}  // namespace aidledger::app::serve_limits

#endif  // AIDLEDGER_SERVER_LIMITS_H_
