#include "ledger/sha256.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstring>

#include "absl/strings/escaping.h"
#include "ledger/check.h"

namespace aidledger {

namespace {

// One context per thread, reused: creating an EVP context per hash costs
// more than hashing a small event. Freed when the thread ends.
// The SHA-256 implementation, fetched once: with OpenSSL 3, EVP_sha256()
// in every EVP_DigestInit_ex looks the algorithm up again under a lock,
// which cost as much as the hashing itself.
const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* algorithm = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    AIDLEDGER_CHECK(fetched != nullptr);
    return fetched;
  }();
  return algorithm;
}

struct ThreadContext {
  ThreadContext() : context(EVP_MD_CTX_new()) { AIDLEDGER_CHECK(context != nullptr); }
  ~ThreadContext() { EVP_MD_CTX_free(context); }
  ThreadContext(const ThreadContext&) = delete;
  ThreadContext& operator=(const ThreadContext&) = delete;
  EVP_MD_CTX* context;
};

}  // namespace

Hash Sha256(std::initializer_list<absl::string_view> parts) {
  thread_local ThreadContext thread_context;
  EVP_MD_CTX* context = thread_context.context;
  AIDLEDGER_CHECK(EVP_DigestInit_ex2(context, Sha256Algorithm(), nullptr) == 1);
  for (absl::string_view part : parts) {
    AIDLEDGER_CHECK(EVP_DigestUpdate(context, part.data(), part.size()) == 1);
  }
  Hash hash;
  unsigned int length = 0;
  AIDLEDGER_CHECK(EVP_DigestFinal_ex(context, hash.data(), &length) == 1);
  AIDLEDGER_CHECK(length == kHashBytes);
  return hash;
}

absl::string_view HashBytes(const Hash& hash) {
  return absl::string_view(reinterpret_cast<const char*>(hash.data()), hash.size());
}

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

std::string Hex(const Hash& hash) { return Hex(HashBytes(hash)); }

absl::StatusOr<Hash> HashFromBytes(absl::string_view bytes) {
  if (bytes.size() != kHashBytes) {
    return absl::InvalidArgumentError("a hash must be 32 bytes");
  }
  Hash hash;
  std::memcpy(hash.data(), bytes.data(), kHashBytes);
  return hash;
}

absl::StatusOr<Hash> HashFromHex(absl::string_view hex) {
  if (hex.size() != 2 * kHashBytes) {
    return absl::InvalidArgumentError("a hash must be 64 hex digits");
  }
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("a hash must be 64 hex digits");
    }
  }
  return HashFromBytes(absl::HexStringToBytes(hex));
}

}  // namespace aidledger
