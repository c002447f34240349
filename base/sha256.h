// SHA-256 through OpenSSL's libcrypto. Hashes are 32 raw bytes; Hex() prints
// them for people.
#ifndef AIDLEDGER_BASE_SHA256_H_
#define AIDLEDGER_BASE_SHA256_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

struct SHA256state_st;  // OpenSSL's SHA256_CTX

namespace aidledger {

inline constexpr size_t kHashBytes = 32;
using Hash = std::array<uint8_t, kHashBytes>;

// SHA-256 of the concatenation of `parts`.
Hash Sha256(std::initializer_list<absl::string_view> parts);

// SHA-256 of bytes given in pieces: a file read a chunk at a time.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(absl::string_view bytes);
  // The hash of every byte given. REQUIRES: called once, last.
  Hash Finish();

 private:
  std::unique_ptr<SHA256state_st> context_;
};

absl::string_view HashBytes(const Hash& hash);
std::string Hex(absl::string_view bytes);
std::string Hex(const Hash& hash);
// Appends Hex(hash) to `out`, without a string of its own.
void AppendHex(const Hash& hash, std::string* out);
// The number of characters Hex(hash) writes.
inline constexpr size_t kHashHexBytes = 2 * kHashBytes;
// Writes Hex(hash) at `out` (room for kHashHexBytes), in place.
void WriteHex(const Hash& hash, char* out);
// Parses 64 hex digits; rejects anything else.
absl::StatusOr<Hash> HashFromHex(absl::string_view hex);
// A hash from exactly 32 raw bytes; rejects anything else.
absl::StatusOr<Hash> HashFromBytes(absl::string_view bytes);

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_SHA256_H_
