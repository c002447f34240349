#include "app/evidence.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"
#include "state/vocabulary.h"

namespace aidledger::app {
namespace {

// A file open for reading, closed when it goes.
class InputFile {
 public:
  static absl::StatusOr<InputFile> Open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CannotRead(path, errno);
    InputFile file(path, fd);
    struct stat info;
    if (::fstat(fd, &info) != 0) return CannotRead(path, errno);
    if (!S_ISREG(info.st_mode)) {
      return UsageError(absl::Substitute(Tr("$0 is not a regular file"), path));
    }
    file.size_ = static_cast<uint64_t>(info.st_size);
    return file;
  }
  InputFile(InputFile&& other) noexcept
      : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}
  InputFile& operator=(InputFile&&) = delete;
  ~InputFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  uint64_t size() const { return size_; }
  // Up to `capacity` bytes into `buffer`: how many (0 at the end).
  absl::StatusOr<size_t> Read(char* buffer, size_t capacity) {
    for (int interrupted = 0; interrupted < kInterruptionsMax; ++interrupted) {
      const ssize_t got = ::read(fd_, buffer, capacity);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return CannotRead(path_, errno);
    }
    return CannotRead(path_, EINTR);
  }

 private:
  static constexpr int kInterruptionsMax = 100;
  InputFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  static absl::Status CannotRead(const std::string& path, int error) {
    return UsageError(absl::Substitute(Tr("cannot read $0: $1"), path, std::strerror(error)));
  }

  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace

EvidenceFileArg ParseEvidenceFileArg(absl::string_view text) {
  const size_t colon = text.find(':');
  if (colon != absl::string_view::npos) {
    absl::StatusOr<int> kind = ParseWord(kEvidenceKinds, text.substr(0, colon));
    if (kind.ok()) {
      return {.kind = static_cast<v1::EvidenceKind>(*kind),
              .path = std::string(text.substr(colon + 1))};
    }
  }
  return {.kind = v1::OTHER_EVIDENCE, .path = std::string(text)};
}

absl::StatusOr<v1::Evidence> DescribeEvidenceFile(const std::string& path, v1::EvidenceKind kind) {
  ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  if (file.size() == 0 || file.size() > static_cast<uint64_t>(limits::kEvidenceFileBytesMax)) {
    return Rejected(v1::FIELD_INVALID, "evidence",
                    absl::Substitute(Tr("$0 has $1 bytes; an evidence file has 1..$2"), path,
                                     file.size(), limits::kEvidenceFileBytesMax));
  }
  std::string chunk(limits::kEvidenceChunkBytes, '\0');
  Sha256Stream hasher;
  uint64_t size = 0;
  for (uint64_t reads = 0; reads <= limits::kEvidenceChunksMax * 2 + 1; ++reads) {
    ASSIGN_OR_RETURN(size_t got, file.Read(chunk.data(), chunk.size()));
    if (got == 0) break;
    hasher.Update(absl::string_view(chunk.data(), got));
    size += got;
    if (size > static_cast<uint64_t>(limits::kEvidenceFileBytesMax)) break;
  }
  if (size != file.size()) {
    return UsageError(absl::Substitute(Tr("$0 changed while it was being read"), path));
  }
  v1::Evidence evidence;
  evidence.set_kind(kind);
  evidence.set_name(std::filesystem::path(path).filename().string());
  evidence.set_sha256(Hex(hasher.Finish()));
  evidence.set_size(static_cast<int64_t>(size));
  return evidence;
}

absl::StatusOr<bool> StoreEvidenceFile(Ledger& ledger, const std::string& path,
                                       const v1::Evidence& described) {
  ASSIGN_OR_RETURN(const Hash sha256, HashFromHex(described.sha256()));
  ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  absl::StatusOr<bool> stored = ledger.StoreEvidence(
      sha256, static_cast<uint64_t>(described.size()),
      [&file](char* buffer, size_t capacity) { return file.Read(buffer, capacity); });
  if (absl::IsFailedPrecondition(stored.status())) {
    return UsageError(absl::StrCat(path, ": ", stored.status().message()));
  }
  return stored;
}

absl::Status WriteStoredEvidence(const Ledger& ledger, const Hash& sha256, const std::string& out) {
  const std::string part = absl::StrCat(out, ".part");
  std::FILE* file = std::fopen(part.c_str(), "wb");
  if (file == nullptr) {
    return UsageError(absl::Substitute(Tr("cannot write $0: $1"), part, std::strerror(errno)));
  }
  absl::Status read = ledger.ReadEvidence(sha256, [&](absl::string_view chunk) -> absl::Status {
    if (std::fwrite(chunk.data(), 1, chunk.size(), file) != chunk.size()) {
      return UsageError(absl::Substitute(Tr("cannot write $0: $1"), part, std::strerror(errno)));
    }
    return absl::OkStatus();
  });
  const bool flushed = std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
  std::fclose(file);
  if (read.ok() && !flushed) {
    read = UsageError(absl::Substitute(Tr("cannot write $0: $1"), part, std::strerror(errno)));
  }
  if (!read.ok()) {
    std::remove(part.c_str());
    return read;
  }
  std::error_code renamed;
  std::filesystem::rename(part, out, renamed);
  if (renamed) {
    std::remove(part.c_str());
    return UsageError(absl::Substitute(Tr("cannot write $0: $1"), out, renamed.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<EvidenceCopied> CopyEvidence(const Ledger& from, Ledger& to) {
  EvidenceCopied copied;
  std::unique_ptr<EvidenceCursor> files = from.ListEvidence();
  EvidenceEntry entry;
  while (true) {
    ASSIGN_OR_RETURN(bool more, files->Next(&entry));
    if (!more) return copied;
    ASSIGN_OR_RETURN(std::unique_ptr<EvidenceReader> reader, from.OpenEvidence(entry.sha256));
    // The reader's chunks handed over as the store asks for bytes.
    std::string chunk;
    size_t taken = 0;
    auto read = [&](char* buffer, size_t capacity) -> absl::StatusOr<size_t> {
      if (taken == chunk.size()) {
        ASSIGN_OR_RETURN(chunk, reader->Next());
        taken = 0;
        if (chunk.empty()) return 0;
      }
      const size_t n = std::min(capacity, chunk.size() - taken);
      std::memcpy(buffer, chunk.data() + taken, n);
      taken += n;
      return n;
    };
    ASSIGN_OR_RETURN(bool stored, to.StoreEvidence(entry.sha256, entry.manifest.size, read));
    if (stored) {
      ++copied.files;
      copied.bytes += entry.manifest.size;
    }
  }
}

std::string EvidenceFileLine(const v1::Evidence& evidence) {
  return absl::StrCat(WordFor(kEvidenceKinds, evidence.kind()), ":", evidence.sha256(), ":",
                      evidence.size(), ":", evidence.name());
}

}  // namespace aidledger::app
