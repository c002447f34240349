// Evidence files: stored chunk by chunk under their SHA-256, checked
// against it as they are stored and as they are read.
#include <string>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/limits.h"
#include "base/status_macros.h"
#include "ledger/ledger.h"
#include "ledger/store/log_store.h"

namespace aidledger {

absl::StatusOr<bool> Ledger::StoreEvidence(const Hash& sha256, uint64_t size, EvidenceSource read) {
  AIDLEDGER_CHECK(size >= 1 && size <= static_cast<uint64_t>(limits::kEvidenceFileBytesMax));
  ASSIGN_OR_RETURN(std::optional<EvidenceManifest> held, store_->FindEvidence(sha256));
  if (held.has_value()) return false;
  std::unique_ptr<EvidenceWriter> writer = store_->BeginEvidence(sha256);
  std::string chunk(limits::kEvidenceChunkBytes, '\0');
  Sha256Stream hasher;
  EvidenceManifest manifest;
  // Each chunk filled whole (the source may give less at a time), but the
  // last; the loop ends at the source's end, or one chunk past `size`.
  for (uint64_t chunks = 0; chunks <= limits::kEvidenceChunksMax; ++chunks) {
    size_t filled = 0;
    for (size_t reads = 0; filled < chunk.size() && reads < limits::kEvidenceChunkBytes; ++reads) {
      ASSIGN_OR_RETURN(size_t got, read(chunk.data() + filled, chunk.size() - filled));
      if (got == 0) break;
      filled += got;
    }
    if (filled == 0) break;
    const absl::string_view bytes(chunk.data(), filled);
    hasher.Update(bytes);
    manifest.size += filled;
    ++manifest.chunks;
    if (manifest.size > size) break;
    RETURN_IF_ERROR(writer->Add(bytes));
    if (filled < chunk.size()) break;
  }
  if (manifest.size != size || hasher.Finish() != sha256) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the file changed while it was being stored: it no longer has ", size,
        " bytes hashing to ", Hex(sha256), "; nothing was stored"));
  }
  RETURN_IF_ERROR(writer->Finish(manifest));
  return true;
}

absl::StatusOr<std::optional<EvidenceManifest>> Ledger::FindEvidence(const Hash& sha256) const {
  return store_->FindEvidence(sha256);
}

absl::StatusOr<std::string> EvidenceReader::Next() {
  if (next_ >= manifest_.chunks) return std::string();
  ASSIGN_OR_RETURN(std::string chunk, store_->ReadEvidenceChunk(sha256_, next_));
  ++next_;
  hasher_.Update(chunk);
  bytes_ += chunk.size();
  const bool last = next_ == manifest_.chunks;
  if (chunk.empty() || (last && (bytes_ != manifest_.size || hasher_.Finish() != sha256_)) ||
      (!last && bytes_ >= manifest_.size)) {
    return absl::DataLossError(absl::StrCat(
        "evidence ", Hex(sha256_), " was altered in the store: ",
        bytes_ == manifest_.size || !last ? "its bytes no longer hash to its name"
                                          : "it no longer has its size"));
  }
  return chunk;
}

absl::StatusOr<std::unique_ptr<EvidenceReader>> Ledger::OpenEvidence(const Hash& sha256) const {
  ASSIGN_OR_RETURN(std::optional<EvidenceManifest> manifest, store_->FindEvidence(sha256));
  if (!manifest.has_value()) {
    return absl::NotFoundError(absl::StrCat("the evidence store has no file ", Hex(sha256)));
  }
  return std::make_unique<EvidenceReader>(store_.get(), sha256, *manifest);
}

absl::Status Ledger::ReadEvidence(const Hash& sha256,
                                  absl::FunctionRef<absl::Status(absl::string_view)> sink) const {
  ASSIGN_OR_RETURN(std::unique_ptr<EvidenceReader> reader, OpenEvidence(sha256));
  for (uint64_t chunks = 0; chunks <= reader->manifest().chunks; ++chunks) {
    ASSIGN_OR_RETURN(std::string chunk, reader->Next());
    if (chunk.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(sink(chunk));
  }
  return absl::OkStatus();
}

std::unique_ptr<EvidenceCursor> Ledger::ListEvidence() const { return store_->ListEvidence(); }

}  // namespace aidledger
