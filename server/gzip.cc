#include "server/gzip.h"

#include <libdeflate.h>

#include <memory>
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

// libdeflate's fastest level: about half of zlib's fastest in CPU for a
// rendered report, and a tenth fewer bytes (BENCHMARKS.md). A report is
// rendered and compressed once per new head while readers ask for it, so
// the CPU matters more than the last bytes.
constexpr int kCompressionLevel = 1;
using serve_limits::kAcceptCodingsMax;

struct FreeCompressor {
  void operator()(libdeflate_compressor* compressor) const { libdeflate_free_compressor(compressor); }
};

}  // namespace

std::string Gzip(absl::string_view data) {
  // libdeflate compresses a whole buffer at once: a body is at most a few
  // megabytes (the server's limits).
  std::unique_ptr<libdeflate_compressor, FreeCompressor> compressor(
      libdeflate_alloc_compressor(kCompressionLevel));
  AIDLEDGER_CHECK(compressor != nullptr);
  std::string out(libdeflate_gzip_compress_bound(compressor.get(), data.size()), '\0');
  const size_t written =
      libdeflate_gzip_compress(compressor.get(), data.data(), data.size(), out.data(), out.size());
  // The bound guarantees room for the whole stream.
  AIDLEDGER_CHECK(written > 0);
  out.resize(written);
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
