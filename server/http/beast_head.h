// The RawHead of a request head Boost.Beast has parsed: views into the
// parser's message, valid while it lives. For server.cc and the fuzz
// target, the only code that includes Beast.
#ifndef AIDLEDGER_SERVER_HTTP_BEAST_HEAD_H_
#define AIDLEDGER_SERVER_HTTP_BEAST_HEAD_H_

#include <boost/beast/http.hpp>

#include "server/http/head.h"

namespace aidledger::http {

template <typename Fields>
RawHead RawHeadOf(const boost::beast::http::request_header<Fields>& message) {
  const auto view = [](boost::beast::string_view text) { return absl::string_view(text.data(), text.size()); };
  RawHead raw;
  raw.method = view(message.method_string());
  raw.target = view(message.target());
  raw.version = message.version();
  for (const auto& field : message) raw.fields.emplace_back(view(field.name_string()), view(field.value()));
  return raw;
}

}  // namespace aidledger::http

#endif  // AIDLEDGER_SERVER_HTTP_BEAST_HEAD_H_
