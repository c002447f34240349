#include "server/gzip.h"

#include <zlib.h>

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "base/check.h"
#include "server/limits.h"

namespace aidledger::app {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper
constexpr int kMemLevel = 8;              // zlib's default
using serve_limits::kAcceptCodingsMax;

}  // namespace

std::string Gzip(absl::string_view data) {
  z_stream stream{};
  AIDLEDGER_CHECK(deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                               Z_DEFAULT_STRATEGY) == Z_OK);
  // A body is at most a few megabytes (the server's limits), far below
  // zlib's 32-bit counters.
  AIDLEDGER_CHECK(data.size() < (1u << 31));
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  // deflateBound guarantees room for the whole stream in one call.
  AIDLEDGER_CHECK(deflate(&stream, Z_FINISH) == Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

bool AcceptsGzip(absl::string_view accept_encoding) {
  // gzip named explicitly decides; otherwise "*" does (RFC 9110, 12.5.3).
  std::optional<bool> named, any;
  size_t codings = 0;
  for (absl::string_view coding : absl::StrSplit(accept_encoding, ',')) {
    if (++codings > kAcceptCodingsMax) break;
    std::vector<absl::string_view> parts = absl::StrSplit(coding, ';');
    const absl::string_view name = absl::StripAsciiWhitespace(parts[0]);
    const bool gzip = absl::EqualsIgnoreCase(name, "gzip") || absl::EqualsIgnoreCase(name, "x-gzip");
    if (!gzip && name != "*") continue;
    double q = 1;
    for (size_t i = 1; i < parts.size(); ++i) {
      const absl::string_view parameter = absl::StripAsciiWhitespace(parts[i]);
      if (absl::StartsWithIgnoreCase(parameter, "q=") &&
          !absl::SimpleAtod(parameter.substr(2), &q)) {
        q = 0;  // a q-value we cannot read is not an acceptance
      }
    }
    (gzip ? named : any) = q > 0;
  }
  return named.value_or(any.value_or(false));
}

}  // namespace aidledger::app
