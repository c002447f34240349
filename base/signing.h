// Ed25519 keys and signatures (OpenSSL libcrypto) for co-signed digests
// (issue 24): each signer — the helper's finance bureau, the recipient's,
// the auditor — keeps a private key and hands out a one-line public key;
// a file of such lines is the set of signers a reader trusts.
//
// Files:
//   NAME.key  the private key, PEM (PKCS#8, as `openssl genpkey -algorithm
//             ed25519` writes it), mode 0600; a key others may read is
//             refused.
//   NAME.pub  one line: "NAME ed25519 BASE64-PUBLIC-KEY" (32 bytes).
// A trusted-keys file is such lines, one per signer; blank lines and lines
// starting with '#' are skipped.
#ifndef AIDLEDGER_BASE_SIGNING_H_
#define AIDLEDGER_BASE_SIGNING_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace aidledger {

inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

// A signer: its name and its raw 32-byte public key.
struct Signer {
  std::string name;
  std::string public_key;
};

// Whether `name` may be a signer's name (below).
bool IsSignerName(absl::string_view name);

// A signer's name: 1 to limits::kSignerNameBytesMax bytes of UTF-8 with no
// space, control character, '/' or '\', not starting with '.' (it names
// files). A usage error naming `field` otherwise.
absl::Status CheckSignerName(absl::string_view name, absl::string_view field = "--name");

// Makes a new key pair: DIR/NAME.key (created exclusively, never through a
// symbolic link, mode 0600) and DIR/NAME.pub. kAlreadyExists (a usage
// error) when either file exists; neither is written then.
absl::StatusOr<Signer> CreateSigningKey(const std::string& dir, absl::string_view name);

// The private key in `path` (PEM); a usage error when the file is missing,
// may be read or written by others, or holds no Ed25519 private key.
absl::StatusOr<std::string> ReadPrivateKey(const std::string& path);

// The raw public key of `private_pem`.
absl::StatusOr<std::string> PublicKeyOf(absl::string_view private_pem);

// The Ed25519 signature (64 bytes) of `message` under `private_pem`.
absl::StatusOr<std::string> Sign(absl::string_view private_pem, absl::string_view message);

// Whether `signature` is a valid Ed25519 signature of `message` under the
// raw `public_key` (false for a key or signature of the wrong length).
bool SignatureValid(absl::string_view public_key, absl::string_view message,
                    absl::string_view signature);

// "NAME ed25519 BASE64" (no newline).
std::string PublicKeyLine(const Signer& signer);

// The signers of a trusted-keys file (or of one .pub file). A usage error
// naming the line for a malformed line, a key that is not 32 bytes of
// base64, a name given twice, or more than limits::kTrustedKeysMax lines.
absl::StatusOr<std::vector<Signer>> ParseTrustedKeys(absl::string_view text);

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_SIGNING_H_
