// gzip for HTTP bodies (RFC 9110 content coding "gzip"), on zlib.
//
// The server compresses bodies itself, once per rendered report, instead of
// letting cpp-httplib compress every response: cpp-httplib picks brotli at
// its highest quality whenever a client offers it (every browser does),
// which cost 3 s of CPU per /v1/balances and 11 s per /v1/projects.
#ifndef AIDLEDGER_SERVER_GZIP_H_
#define AIDLEDGER_SERVER_GZIP_H_

#include <string>

#include "absl/strings/string_view.h"

namespace aidledger::app {

// `data` gzipped at zlib's fastest level (a report compresses about 9:1 at
// a few milliseconds per megabyte).
std::string Gzip(absl::string_view data);

// True when an Accept-Encoding header value accepts gzip: a "gzip",
// "x-gzip" or "*" coding whose q-value is not zero.
bool AcceptsGzip(absl::string_view accept_encoding);

}  // namespace aidledger::app

#endif  // AIDLEDGER_SERVER_GZIP_H_
