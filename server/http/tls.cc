#include "server/http/tls.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>


#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/http/limits.h"

namespace aidledger::http {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 suites; TLS 1.3 keeps OpenSSL's defaults
// (all AEAD with forward secrecy).
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The file's bytes, bounded, or why not. With `owner_only`, a file whose
// group or others have any permission is refused, judged on the file as
// opened (no window between the check and the read).
absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view what,
                                    bool owner_only = false) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InvalidArgumentError(absl::StrCat("cannot read the ", what, " ", path));
  struct stat opened;
  if (::fstat(fd, &opened) != 0) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat("cannot read the ", what, " ", path));
  }
  if (owner_only && (opened.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "the ", what, " ", path, " may be read or written by group or others (mode ",
        absl::StrFormat("%04o", opened.st_mode & 07777), "): chmod 600 it"));
  }
  std::string bytes(limits::kTlsFileBytesMax + 1, '\0');
  size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t got = ::read(fd, bytes.data() + filled, bytes.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    filled += static_cast<size_t>(got);
  }
  ::close(fd);
  bytes.resize(filled);
  if (bytes.size() > limits::kTlsFileBytesMax) {
    return absl::InvalidArgumentError(absl::StrCat("the ", what, " ", path, " is larger than ",
                                                   limits::kTlsFileBytesMax, " bytes"));
  }
  return bytes;
}

// The subject names of the certificates in `pem`, for the CertificateRequest
// that tells a client which CA to pick its certificate for; null when none.
STACK_OF(X509_NAME)* SubjectNames(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return nullptr;
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  // A file of at most kTlsFileBytesMax holds a bounded number of certificates.
  while (X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_NAME* name = X509_NAME_dup(X509_get_subject_name(certificate));
    X509_free(certificate);
    if (name != nullptr && sk_X509_NAME_push(names, name) == 0) X509_NAME_free(name);
  }
  ERR_clear_error();  // the loop ends on "no start line"
  BIO_free(bio);
  if (sk_X509_NAME_num(names) == 0) {
    sk_X509_NAME_free(names);
    return nullptr;
  }
  return names;
}

// OpenSSL's reason for the last failure, after `context`.
absl::Status Failed(absl::string_view context, const boost::system::error_code& error) {
  std::string reason = error.message();
  if (const unsigned long code = ERR_peek_last_error(); code != 0) {
    reason = ERR_reason_error_string(code) != nullptr ? ERR_reason_error_string(code) : reason;
  }
  ERR_clear_error();
  return absl::InvalidArgumentError(absl::StrCat(context, ": ", reason));
}

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> MakeTlsContext(const TlsFiles& files) {
  // The key first: one others may read is refused before anything is loaded.
  absl::StatusOr<std::string> key = ReadPem(files.key_file, "TLS key", /*owner_only=*/true);
  if (!key.ok()) return key.status();
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return absl::InternalError("OpenSSL refused the TLS 1.2 cipher list");
  }
  boost::system::error_code error;
  absl::StatusOr<std::string> cert = ReadPem(files.cert_file, "TLS certificate");
  if (!cert.ok()) return cert.status();
  context->use_certificate_chain(boost::asio::buffer(*cert), error);
  if (error) return Failed(absl::StrCat("the TLS certificate ", files.cert_file), error);
  context->use_private_key(boost::asio::buffer(*key), ssl::context::pem, error);
  // Asio's SSL error codes are OpenSSL's packed error codes.
  const bool mismatch = error && ERR_GET_REASON(static_cast<unsigned long>(error.value())) ==
                                     X509_R_KEY_VALUES_MISMATCH;
  if (error && !mismatch) {
    return Failed(absl::StrCat("the TLS key ", files.key_file), error);
  }
  if (error || SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("the TLS key ", files.key_file,
                                                   " does not match the certificate ", files.cert_file));
  }
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(files.client_ca_file, "client CA");
    if (!ca.ok()) return ca.status();
    context->add_certificate_authority(boost::asio::buffer(*ca), error);
    if (error) return Failed(absl::StrCat("the client CA ", files.client_ca_file), error);
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, error);
    if (error) return Failed("client verification", error);
    // Tell clients which CA to pick a certificate for.
    STACK_OF(X509_NAME)* names = SubjectNames(*ca);
    if (names == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("the client CA ", files.client_ca_file, " holds no certificate"));
    }
    SSL_CTX_set_client_CA_list(native, names);
  }
  return context;
}

std::string VerifiedPeerCommonName(SSL* ssl) {
  if (SSL_get_verify_result(ssl) != X509_V_OK) return "";
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer == nullptr) return "";
  std::string common_name;
  X509_NAME* subject = X509_get_subject_name(peer);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length > 0) common_name.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
    OPENSSL_free(utf8);
  }
  X509_free(peer);
  return common_name;
}

}  // namespace aidledger::http
