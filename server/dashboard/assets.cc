#include "server/dashboard/assets.h"

#include <cstdint>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace aidledger::dashboard {
namespace {

absl::string_view ContentTypeOf(absl::string_view name) {
  if (absl::EndsWith(name, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(name, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(name, ".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// FNV-1a over the bytes: they change only with the binary, and an ETag
// needs to tell versions apart, not to resist forgery.
uint64_t Fingerprint(absl::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3;
  }
  return hash;
}

}  // namespace

std::optional<Asset> FindAsset(absl::string_view name) {
  static const std::vector<std::string>* const etags = [] {
    auto* made = new std::vector<std::string>();
    for (size_t i = 0; i < internal::kFileCount; ++i) {
      made->push_back(absl::StrCat("\"", absl::Hex(Fingerprint(internal::kFiles[i].bytes)), "\""));
    }
    return made;
  }();
  for (size_t i = 0; i < internal::kFileCount; ++i) {
    const internal::EmbeddedFile& file = internal::kFiles[i];
    if (name != file.name) continue;
    return Asset{.name = file.name,
                 .bytes = file.bytes, .content_type = ContentTypeOf(name), .etag = (*etags)[i]};
  }
  return std::nullopt;
}

}  // namespace aidledger::dashboard
