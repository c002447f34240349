// GET /v1/events, /v1/proof, /v1/head-proof and /v1/evidence/SHA256: the auditor's routes.
#include "server/service.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "aidledger/v1/cli.pb.h"
#include "server/gzip.h"
#include "app/export.h"
#include "app/import.h"
#include "server/metrics.h"
#include "app/output.h"
#include "app/queries.h"
#include "app/status_codes.h"
#include "server/tokens.h"
#include "google/protobuf/util/json_util.h"
#include "base/errors.h"
#include "ledger/ledger.h"
#include "base/limits.h"
#include "ledger/audit/merkle.h"
#include "base/status_macros.h"
#include "state/reports.h"
#include "server/http/json_text.h"
#include "server/http/limits.h"
#include "server/http/server.h"
#include "server/limits.h"
#include "ledger/group_commit.h"

namespace aidledger::app::serving {

using namespace serve_limits;  // NOLINT: the service they bound

void Service::HandleEvents(const http::Request& request, const Caller& caller,
                           http::Response& response) {
  std::shared_ptr<const Published> published = Current();
  if (NotModified(request, response, published->head.sequence)) return;
  uint64_t from = 1, limit = 100;
  const std::optional<absl::string_view> from_text = request.Param("from");
  const std::optional<absl::string_view> limit_text = request.Param("limit");
  if ((from_text.has_value() && !absl::SimpleAtoi(*from_text, &from)) ||
      (limit_text.has_value() && !absl::SimpleAtoi(*limit_text, &limit)) || from == 0 ||
      limit == 0 || limit > kEventsPageMax) {
    return SendError(request, response, 400,
                     absl::StrCat("from must be >= 1 and limit in 1..", kEventsPageMax));
  }
  const uint64_t to = std::min(published->head.sequence, from + limit - 1);
  std::unique_ptr<EventReader> reader = ledger_->Read(from, to);
  std::string json = "{\"events\":[";
  StoredEvent stored;
  uint64_t last = from - 1;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&stored);
    if (!more.ok()) {
      return SendError(request, response, 500, more.status().message());
    }
    if (!*more) break;
    absl::StrAppend(&json, last >= from ? "," : "", ExportLine(stored));
    last = stored.sequence;
  }
  absl::StrAppend(&json, "],\"next_from\":\"", last + 1, "\"}");
  SendJson(request, response, json);
}

void Service::HandleProof(const http::Request& request, const Caller& caller,
                          http::Response& response) {
  std::shared_ptr<const Published> published = Current();
  uint64_t seq = 0;
  if (!absl::SimpleAtoi(request.Param("seq").value_or(""), &seq) || seq == 0 ||
      seq > published->head.sequence) {
    return SendError(request, response, 400, absl::StrCat("seq must be in 1..", published->head.sequence));
  }
  if (NotModified(request, response, published->head.sequence)) return;
  absl::StatusOr<v1::InclusionProof> proof = ledger_->Prove(seq, published->head.sequence);
  if (!proof.ok()) {
    return SendError(request, response, 500, proof.status().message());
  }
  SendJson(request, response, ToJson(*proof, false) + "\n");  // the bytes `aidledger proof` prints
}

void Service::HandleHeadProof(const http::Request& request, const Caller& caller,
                              http::Response& response) {
  std::shared_ptr<const Published> published = Current();
  const v1::Digest& digest = published->digest;
  if (digest.seq() == 0) return SendError(request, response, 404, "the ledger is empty");
  if (NotModified(request, response, published->head.sequence)) return;
  // Hashes only: a reader may see the head's place in the tree, not the
  // event (GET /v1/proof, for auditors, carries it).
  std::string body = absl::StrCat(
      "{\"seq\":\"", digest.seq(), "\",\"head_hash\":\"", digest.head_hash(),
      "\",\"leaf_hash\":\"", Hex(MerkleLeafHash(published->head.hash)), "\",\"tree_size\":\"",
      digest.seq(), "\",\"audit_path\":[");
  for (size_t i = 0; i < published->head_path.size(); ++i) {
    absl::StrAppend(&body, i > 0 ? "," : "", "\"", Hex(published->head_path[i]), "\"");
  }
  absl::StrAppend(&body, "],\"merkle_root\":\"", digest.merkle_root(), "\"}\n");
  SendJson(request, response, std::move(body));
}

namespace {

// A stored evidence file as an HTTP body, a chunk at a time.
class EvidenceBody final : public http::BodySource {
 public:
  explicit EvidenceBody(std::unique_ptr<EvidenceReader> reader) : reader_(std::move(reader)) {}
  uint64_t size() const override { return reader_->manifest().size; }
  absl::StatusOr<std::string> Next() override { return reader_->Next(); }

 private:
  std::unique_ptr<EvidenceReader> reader_;
};

}  // namespace

void Service::HandleEvidence(const http::Request& request, const Caller& caller,
                             http::Response& response) {
  const absl::string_view hex = absl::StripPrefix(request.path, "/v1/evidence/");
  absl::StatusOr<Hash> sha256 = HashFromHex(hex);
  if (!sha256.ok()) {
    return SendError(request, response, 400, "the path must be /v1/evidence/ and a SHA-256 (64 hex digits)");
  }
  const std::string etag = absl::StrCat("\"", Hex(*sha256), "\"");
  absl::StatusOr<std::unique_ptr<EvidenceReader>> reader = ledger_->OpenEvidence(*sha256);
  if (absl::IsNotFound(reader.status())) {
    return SendError(request, response, 404,
                     absl::StrCat("the evidence store has no file ", Hex(*sha256)));
  }
  if (!reader.ok()) return SendError(request, response, 500, reader.status().message());
  // A file's name is its hash: its bytes never change.
  response.SetHeader("ETag", etag);
  response.SetHeader("Cache-Control", "private, max-age=31536000, immutable");
  if (request.Header("if-none-match").value_or("") == etag) {
    response.status = 304;
    return;
  }
  response.content_type = "application/octet-stream";
  response.SetHeader("Content-Disposition",
                     absl::StrCat("attachment; filename=\"", Hex(*sha256), "\""));
  response.stream = std::make_shared<EvidenceBody>(*std::move(reader));
}

}  // namespace aidledger::app::serving
