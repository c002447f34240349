// The file checksum is RocksDB's own CRC32C to the byte, so that files
// written under either generator verify under the other.
#include "ledger/store/file_checksum.h"

#include <rocksdb/db.h>
#include <rocksdb/file_checksum.h>
#include <rocksdb/options.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "tests/testing/testing.h"

namespace aidledger::internal {
namespace {

uint32_t Crc32c(const std::string& bytes) {
  const uint32_t crc = Crc32cExtend(0, bytes.data(), bytes.size());
  EXPECT_EQ(Crc32cExtendBitwise(0, bytes.data(), bytes.size()), crc);
  return crc;
}

std::string Checksum(rocksdb::FileChecksumGenFactory& factory, const std::string& bytes,
                     size_t piece) {
  std::unique_ptr<rocksdb::FileChecksumGenerator> generator =
      factory.CreateFileChecksumGenerator(rocksdb::FileChecksumGenContext());
  for (size_t at = 0; at < bytes.size(); at += piece) {
    generator->Update(bytes.data() + at, std::min(piece, bytes.size() - at));
  }
  generator->Finalize();
  return generator->GetChecksum();
}

std::string RandomBytes(std::mt19937_64& random, size_t size) {
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

// RFC 3720, appendix B.4, and the customary check value.
TEST(FileChecksumTest, Crc32cOfTheStandardsVectors) {
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(descending), 0x113FDB5Cu);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(FileChecksumTest, TheSameBytesAsRocksDbsGeneratorInAnyPieces) {
  const uint64_t seed = testing::TestSeed(20261204);
  std::mt19937_64 random(seed);
  std::shared_ptr<rocksdb::FileChecksumGenFactory> ours = NewFileChecksumFactory();
  std::shared_ptr<rocksdb::FileChecksumGenFactory> theirs = rocksdb::GetFileChecksumGenCrc32cFactory();
  EXPECT_STREQ(ours->Name(), theirs->Name());
  for (int trial = 0; trial < 200; ++trial) {
    const std::string bytes = RandomBytes(random, random() % 70'000);
    const size_t piece = 1 + random() % 9'000;
    const std::string expected = Checksum(*theirs, bytes, bytes.size() + 1);
    ASSERT_EQ(Checksum(*ours, bytes, piece), expected) << "trial " << trial << " size " << bytes.size();
    ASSERT_EQ(Checksum(*ours, bytes, bytes.size() + 1), expected) << "trial " << trial;
    const size_t half = bytes.size() / 2;
    ASSERT_EQ(Crc32cExtendBitwise(Crc32cExtendBitwise(0, bytes.data(), half), bytes.data() + half,
                                  bytes.size() - half),
              Crc32cExtend(0, bytes.data(), bytes.size()));
  }
  std::unique_ptr<rocksdb::FileChecksumGenerator> generator =
      ours->CreateFileChecksumGenerator(rocksdb::FileChecksumGenContext());
  EXPECT_STREQ(generator->Name(), "FileChecksumCrc32c");
  rocksdb::FileChecksumGenContext other;
  other.requested_checksum_func_name = "FileChecksumXXH3";
  EXPECT_EQ(ours->CreateFileChecksumGenerator(other), nullptr);
  EXPECT_EQ(theirs->CreateFileChecksumGenerator(other), nullptr);
}

// Writes keys into a RocksDB at `dir` under `factory` and flushes them to
// an SST file.
void WriteTable(const std::string& dir, std::shared_ptr<rocksdb::FileChecksumGenFactory> factory) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.file_checksum_gen_factory = std::move(factory);
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "key" + std::to_string(i), std::string(100, 'v')).ok());
  }
  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions()).ok());
}

rocksdb::Status VerifyUnder(const std::string& dir,
                            std::shared_ptr<rocksdb::FileChecksumGenFactory> factory) {
  rocksdb::Options options;
  options.file_checksum_gen_factory = std::move(factory);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status opened = rocksdb::DB::Open(options, dir, &raw);
  if (!opened.ok()) return opened;
  std::unique_ptr<rocksdb::DB> db(raw);
  return db->VerifyFileChecksums(rocksdb::ReadOptions());
}

// Files of ledgers written before verify under ours, ours under RocksDB's,
// and a changed byte fails both.
TEST(FileChecksumTest, FilesOfEitherGeneratorVerifyUnderTheOther) {
  for (const bool ours_wrote : {false, true}) {
    testing::TempDir dir;
    WriteTable(dir.path(), ours_wrote ? NewFileChecksumFactory()
                                      : rocksdb::GetFileChecksumGenCrc32cFactory());
    EXPECT_TRUE(VerifyUnder(dir.path(), NewFileChecksumFactory()).ok()) << ours_wrote;
    EXPECT_TRUE(VerifyUnder(dir.path(), rocksdb::GetFileChecksumGenCrc32cFactory()).ok());
    std::string table;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
      if (entry.path().extension() == ".sst") table = entry.path();
    }
    ASSERT_FALSE(table.empty());
    {  // a byte inside a value: no block checksum is read by the file check
      std::fstream file(table, std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(200);
      file.put('w');
    }
    for (const bool ours_verify : {false, true}) {
      const rocksdb::Status verified = VerifyUnder(
          dir.path(), ours_verify ? NewFileChecksumFactory() : rocksdb::GetFileChecksumGenCrc32cFactory());
      EXPECT_TRUE(verified.IsCorruption()) << ours_wrote << ours_verify << verified.ToString();
    }
  }
}

}  // namespace
}  // namespace aidledger::internal
