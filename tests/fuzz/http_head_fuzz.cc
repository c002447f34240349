// A request head as the server reads it: Boost.Beast's parser with the
// server's head limit, then CheckHead. Never crashes; a head it passes has
// a path, at most one Authorization and Host, bounded parameters, and a
// refusal always carries one of the statuses the server documents.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string>

#include "server/http/beast_head.h"
#include "server/http/limits.h"
#include "tests/fuzz/fuzz.h"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(aidledger::http::limits::kHeadBytesMax);
  parser.eager(false);
  boost::beast::error_code error;
  parser.put(boost::asio::buffer(data, size), error);
  if (error || !parser.is_header_done()) return 0;
  auto checked = aidledger::http::CheckHead(aidledger::http::RawHeadOf(parser.get()));
  if (const auto* refusal = std::get_if<aidledger::http::HeadError>(&checked)) {
    FUZZ_ASSERT(refusal->status == 400 || refusal->status == 414 || refusal->status == 431 ||
                refusal->status == 505);
    FUZZ_ASSERT(!refusal->message.empty());
    return 0;
  }
  const auto& request = std::get<aidledger::http::Request>(checked);
  FUZZ_ASSERT(!request.path.empty() && request.path[0] == '/');
  FUZZ_ASSERT(request.params.size() <= aidledger::http::limits::kQueryParamsMax);
  int authorizations = 0;
  for (const auto& [name, value] : request.headers) authorizations += name == "authorization";
  FUZZ_ASSERT(authorizations <= 1);
  // The body the parser expects is the one CheckHead announces.
  FUZZ_ASSERT(request.has_body == (parser.chunked() || parser.content_length().value_or(0) > 0));
  return 0;
}
