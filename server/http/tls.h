// TLS for the transport: the files named on the command line, checked and
// loaded into an OpenSSL context (through Boost.Asio's ssl::context).
// Only server.cc and tls.cc include it: no Boost type leaves server/http.
#ifndef AIDLEDGER_SERVER_HTTP_TLS_H_
#define AIDLEDGER_SERVER_HTTP_TLS_H_

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "absl/status/statusor.h"
#include "server/http/server.h"

namespace aidledger::http {

// A server context from `files`: TLS 1.2 and 1.3 only; for TLS 1.2 only
// ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 (forward secrecy,
// AEAD: Mozilla's "intermediate" list); no compression, no renegotiation.
// With a client CA, a client must present a certificate it signed.
// kFailedPrecondition when the key file is readable by group or others;
// kInvalidArgument naming the file when one cannot be read or parsed, or the
// key does not match the certificate.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const TlsFiles& files);

// The UTF-8 common name of the verified peer certificate of `ssl`, or "".
std::string VerifiedPeerCommonName(SSL* ssl);

}  // namespace aidledger::http

#endif  // AIDLEDGER_SERVER_HTTP_TLS_H_
