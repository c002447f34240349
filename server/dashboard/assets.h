// The dashboard's static files, embedded at build time (embed.cmake), so
// that nothing is fetched from elsewhere when the page runs.
#ifndef AIDLEDGER_SERVER_DASHBOARD_ASSETS_H_
#define AIDLEDGER_SERVER_DASHBOARD_ASSETS_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace aidledger::dashboard {

struct Asset {
  absl::string_view name;  // as embedded (the name asked for)
  absl::string_view bytes;
  absl::string_view content_type;
  std::string etag;  // of the bytes: "\"sha-PREFIX\""
};

// The file served at /assets/NAME, or nullopt.
std::optional<Asset> FindAsset(absl::string_view name);

namespace internal {
struct EmbeddedFile {
  const char* name;
  absl::string_view bytes;
};
extern const EmbeddedFile kFiles[];
extern const size_t kFileCount;
}  // namespace internal

}  // namespace aidledger::dashboard

#endif  // AIDLEDGER_SERVER_DASHBOARD_ASSETS_H_
