#include "base/signing.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"

namespace aidledger {
namespace {

constexpr absl::string_view kAlgorithm = "ed25519";

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Context = std::unique_ptr<EVP_MD_CTX, ContextFree>;
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

absl::StatusOr<Key> PrivateKeyFromPem(absl::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    return UsageError(Tr("the private key file holds no Ed25519 private key"));
  }
  return key;
}

absl::StatusOr<std::string> PemOf(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return absl::InternalError("cannot write an Ed25519 private key as PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// Writes `text` to a new file `path` (created exclusively, never through a
// symbolic link) with `mode`.
absl::Status WriteNewFile(const std::string& path, absl::string_view text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0 && errno == EEXIST) return UsageError(absl::Substitute(Tr("$0 exists"), path));
  if (fd < 0) return UsageError(absl::StrCat(path, ": ", std::strerror(errno)));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());  // a short file would look like a key
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

absl::Status CheckKeyLine(absl::string_view line, size_t number, Signer* signer) {
  const std::vector<absl::string_view> words =
      absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  std::string key;
  if (words.size() != 3 || words[1] != kAlgorithm || !absl::Base64Unescape(words[2], &key) ||
      key.size() != kEd25519PublicKeyBytes) {
    return UsageError(absl::Substitute(
        Tr("trusted keys line $0: expected \"NAME ed25519 BASE64-PUBLIC-KEY\" (32 bytes)"), number));
  }
  RETURN_IF_ERROR(CheckSignerName(words[0], absl::Substitute(Tr("trusted keys line $0"), number)));
  *signer = {std::string(words[0]), std::move(key)};
  return absl::OkStatus();
}

}  // namespace

bool IsSignerName(absl::string_view name) {
  bool fits = !name.empty() && name.size() <= limits::kSignerNameBytesMax && name[0] != '.';
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    fits = fits && byte > 0x20 && byte != 0x7f && c != '/' && c != '\\';
  }
  return fits;
}

absl::Status CheckSignerName(absl::string_view name, absl::string_view field) {
  if (!IsSignerName(name)) {
    return UsageError(absl::Substitute(
        Tr("$0: a signer's name is 1 to $1 bytes with no space, control character, '/' or '\\', "
           "not starting with '.'"),
        field, limits::kSignerNameBytesMax));
  }
  return absl::OkStatus();
}

absl::StatusOr<Signer> CreateSigningKey(const std::string& dir, absl::string_view name) {
  RETURN_IF_ERROR(CheckSignerName(name));
  const std::string base = absl::StrCat(absl::StripSuffix(dir, "/"), "/", name);
  for (const char* suffix : {".key", ".pub"}) {
    struct stat info;
    if (::lstat((base + suffix).c_str(), &info) == 0) {
      return UsageError(absl::Substitute(Tr("$0 exists"), base + suffix));
    }
  }
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return absl::InternalError("cannot make an Ed25519 key");
  ASSIGN_OR_RETURN(const std::string pem, PemOf(key.get()));
  ASSIGN_OR_RETURN(std::string public_key, PublicKeyOf(pem));
  Signer signer{std::string(name), std::move(public_key)};
  RETURN_IF_ERROR(WriteNewFile(base + ".key", pem, 0600));
  absl::Status public_written = WriteNewFile(base + ".pub", PublicKeyLine(signer) + "\n", 0644);
  if (!public_written.ok()) {
    // Both files or neither: a key without its public line cannot be
    // handed out, and would make the next keygen refuse ("exists").
    ::unlink((base + ".key").c_str());
    return public_written;
  }
  return signer;
}

absl::StatusOr<std::string> ReadPrivateKey(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return UsageError(absl::StrCat(path, ": ", std::strerror(errno)));
  struct stat info;
  std::string text(limits::kSigningKeyFileBytesMax + 1, '\0');
  ssize_t got = -1;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) got = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (got < 0 || static_cast<size_t>(got) > limits::kSigningKeyFileBytesMax) {
    return UsageError(absl::Substitute(Tr("$0 is not a private key file"), path));
  }
  if ((info.st_mode & 077) != 0) {
    return UsageError(absl::Substitute(
        Tr("the private key $0 may be read or written by others; chmod 600 it"), path));
  }
  text.resize(static_cast<size_t>(got));
  RETURN_IF_ERROR(PrivateKeyFromPem(text).status());
  return text;
}

absl::StatusOr<std::string> PublicKeyOf(absl::string_view private_pem) {
  ASSIGN_OR_RETURN(const Key key, PrivateKeyFromPem(private_pem));
  std::string raw(kEd25519PublicKeyBytes, '\0');
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(raw.data()),
                                  &length) != 1 ||
      length != kEd25519PublicKeyBytes) {
    return absl::InternalError("cannot read an Ed25519 public key");
  }
  return raw;
}

absl::StatusOr<std::string> Sign(absl::string_view private_pem, absl::string_view message) {
  ASSIGN_OR_RETURN(const Key key, PrivateKeyFromPem(private_pem));
  Context context(EVP_MD_CTX_new());
  std::string signature(kEd25519SignatureBytes, '\0');
  size_t length = signature.size();
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     Bytes(message), message.size()) != 1 ||
      length != kEd25519SignatureBytes) {
    return absl::InternalError("cannot sign with an Ed25519 key");
  }
  return signature;
}

bool SignatureValid(absl::string_view public_key, absl::string_view message,
                    absl::string_view signature) {
  if (public_key.size() != kEd25519PublicKeyBytes || signature.size() != kEd25519SignatureBytes) {
    return false;
  }
  Key key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key),
                                      public_key.size()));
  Context context(EVP_MD_CTX_new());
  return key && context &&
         EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(context.get(), Bytes(signature), signature.size(), Bytes(message),
                          message.size()) == 1;
}

std::string PublicKeyLine(const Signer& signer) {
  return absl::StrCat(signer.name, " ", kAlgorithm, " ", absl::Base64Escape(signer.public_key));
}

absl::StatusOr<std::vector<Signer>> ParseTrustedKeys(absl::string_view text) {
  std::vector<Signer> signers;
  absl::flat_hash_set<std::string> names;
  size_t number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    if (number > limits::kTrustedKeysMax) {
      return UsageError(absl::Substitute(Tr("a trusted keys file has at most $0 lines"),
                                         limits::kTrustedKeysMax));
    }
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    Signer signer;
    RETURN_IF_ERROR(CheckKeyLine(line, number, &signer));
    if (!names.insert(signer.name).second) {
      return UsageError(absl::Substitute(Tr("trusted keys line $0: $1 is named twice"), number,
                                         signer.name));
    }
    signers.push_back(std::move(signer));
  }
  return signers;
}

}  // namespace aidledger
