#include "ledger/store/file_checksum.h"

#include <nmmintrin.h>
#include <rocksdb/file_checksum.h>

#include <cstring>
#include <string>

namespace aidledger::internal {
namespace {

// RocksDB's names: the generator's is stored with each file's checksum and
// chooses the generator that verifies it; the factory's is written to the
// OPTIONS file, where RocksDB's own tools find their own factory by it.
constexpr char kGeneratorName[] = "FileChecksumCrc32c";
constexpr char kFactoryName[] = "FileChecksumGenCrc32cFactory";
constexpr uint32_t kCastagnoliReflected = 0x82F63B78;

bool HasCrc32Instruction() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}

__attribute__((target("sse4.2"))) uint32_t ExtendWithInstruction(uint32_t crc, const char* data,
                                                                  size_t size) {
  uint64_t wide = ~crc;
  for (; size >= 8; data += 8, size -= 8) {  // bounded by `size`
    uint64_t word;
    std::memcpy(&word, data, sizeof word);
    wide = _mm_crc32_u64(wide, word);
  }
  uint32_t narrow = static_cast<uint32_t>(wide);
  for (; size > 0; ++data, --size) narrow = _mm_crc32_u8(narrow, static_cast<uint8_t>(*data));
  return ~narrow;
}

class Crc32cGenerator final : public rocksdb::FileChecksumGenerator {
 public:
  void Update(const char* data, size_t n) override { crc_ = Crc32cExtend(crc_, data, n); }
  void Finalize() override {
    checksum_.clear();
    for (int shift = 24; shift >= 0; shift -= 8) {
      checksum_.push_back(static_cast<char>((crc_ >> shift) & 0xFF));
    }
  }
  std::string GetChecksum() const override { return checksum_; }
  const char* Name() const override { return kGeneratorName; }

 private:
  uint32_t crc_ = 0;
  std::string checksum_;
};

class Crc32cFactory final : public rocksdb::FileChecksumGenFactory {
 public:
  std::unique_ptr<rocksdb::FileChecksumGenerator> CreateFileChecksumGenerator(
      const rocksdb::FileChecksumGenContext& context) override {
    if (!context.requested_checksum_func_name.empty() &&
        context.requested_checksum_func_name != kGeneratorName) {
      return nullptr;  // RocksDB's factory answers the same: a file of another checksum
    }
    return std::make_unique<Crc32cGenerator>();
  }
  const char* Name() const override { return kFactoryName; }
};

}  // namespace

uint32_t Crc32cExtend(uint32_t crc, const char* data, size_t size) {
  return HasCrc32Instruction() ? ExtendWithInstruction(crc, data, size)
                               : Crc32cExtendBitwise(crc, data, size);
}

uint32_t Crc32cExtendBitwise(uint32_t crc, const char* data, size_t size) {
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) {  // bounded by `size`
    crc ^= static_cast<uint8_t>(data[i]);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (kCastagnoliReflected & (0u - (crc & 1)));
  }
  return ~crc;
}

std::shared_ptr<rocksdb::FileChecksumGenFactory> NewFileChecksumFactory() {
  if (!HasCrc32Instruction()) return rocksdb::GetFileChecksumGenCrc32cFactory();
  return std::make_shared<Crc32cFactory>();
}

}  // namespace aidledger::internal
