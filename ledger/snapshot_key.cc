#include "ledger/snapshot_key.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "base/check.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/proto_bytes.h"

namespace aidledger {
namespace {

// What the MAC covers, in this order (integers big-endian):
//   "aidledger snapshot mac v1" || u32 len || projection || u32 version ||
//   u64 sequence || u32 len || chain_hash || i64 created_at_micros ||
//   u64 len || state
// Lengths make the encoding unambiguous; the label keeps the key from
// authenticating anything else the product may one day MAC.
constexpr absl::string_view kLabel = "aidledger snapshot mac v1";

using limits::kSnapshotKeyFileBytesMax;
static_assert(kSnapshotKeyFileBytesMax == 2 * kHashBytes + 2);

std::string BigEndian(uint64_t value, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i, value >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(value & 0xff);
  return out;
}

}  // namespace

std::string DefaultSnapshotKeyPath(const std::string& dir) {
  return absl::StrCat(absl::StripSuffix(dir, "/"), ".key");
}

absl::StatusOr<std::optional<Hash>> ReadSnapshotKey(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::nullopt;
  if (fd < 0) return UsageError(absl::StrCat("cannot read the snapshot key ", path, ": ", std::strerror(errno)));
  struct stat info;
  std::string text(kSnapshotKeyFileBytesMax + 1, '\0');
  ssize_t got = -1;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) got = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (got < 0) return UsageError(absl::StrCat("the snapshot key ", path, " is not a readable file"));
  if ((info.st_mode & 077) != 0) {
    return UsageError(absl::StrFormat("the snapshot key %s may be read or written by others (mode %03o); "
                                      "chmod 600 it", path, info.st_mode & 0777));
  }
  text.resize(static_cast<size_t>(got));
  absl::StatusOr<Hash> key = HashFromHex(absl::StripTrailingAsciiWhitespace(text));
  if (!key.ok()) return UsageError(absl::StrCat("the snapshot key ", path, " does not hold 64 hex digits"));
  return std::optional<Hash>(*key);
}

absl::StatusOr<Hash> CreateSnapshotKey(const std::string& path) {
  Hash key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return absl::InternalError("the system's random source failed");
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) return absl::AlreadyExistsError(absl::StrCat(path, " exists"));
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  const std::string text = Hex(key) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return absl::InternalError(absl::StrCat("cannot write ", path));
  return key;
}

std::string SnapshotMac(const Hash& key, const v1::SnapshotRecord& record) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  AIDLEDGER_CHECK(mac != nullptr);
  EVP_MAC_CTX* context = EVP_MAC_CTX_new(mac);
  AIDLEDGER_CHECK(context != nullptr);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0), OSSL_PARAM_construct_end()};
  AIDLEDGER_CHECK(EVP_MAC_init(context, key.data(), key.size(), params) == 1);
  const std::string parts[] = {
      std::string(kLabel),
      BigEndian(record.projection().size(), 4), record.projection(),
      BigEndian(record.version(), 4),
      BigEndian(record.sequence(), 8),
      BigEndian(record.chain_hash().size(), 4), record.chain_hash(),
      BigEndian(static_cast<uint64_t>(record.created_at_micros()), 8),
      BigEndian(record.state().size(), 8)};
  for (const std::string& part : parts) {
    AIDLEDGER_CHECK(EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1);
  }
  AIDLEDGER_CHECK(EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(record.state().data()),
                                 record.state().size()) == 1);
  std::string out(kHashBytes, '\0');
  size_t length = 0;
  AIDLEDGER_CHECK(EVP_MAC_final(context, reinterpret_cast<unsigned char*>(out.data()), &length, out.size()) == 1);
  AIDLEDGER_CHECK(length == kHashBytes);
  EVP_MAC_CTX_free(context);
  EVP_MAC_free(mac);
  return out;
}

std::string SnapshotRecordBytes(const Hash& key, absl::string_view name, uint32_t version,
                                uint64_t sequence, const Hash& hash, std::string state,
                                int64_t now_micros) {
  v1::SnapshotRecord record;
  record.set_projection(std::string(name));
  record.set_version(version);
  record.set_sequence(sequence);
  record.set_chain_hash(std::string(HashBytes(hash)));
  record.set_state(std::move(state));
  record.set_created_at_micros(now_micros);
  record.set_mac(SnapshotMac(key, record));
  return SerializeDeterministic(record);
}

}  // namespace aidledger
