// The whole-file checksum RocksDB keeps in the MANIFEST for every SST file
// (options.file_checksum_gen_factory), computed with the CPU's crc32
// instruction.
//
// It is RocksDB's own "FileChecksumCrc32c" to the byte: the same name, the
// same CRC32C, stored as the same four big-endian bytes, so that files
// written before (and after) verify under either generator. Debian's
// librocksdb is built portable, without SSE4.2, so its own generator
// computes CRC32C from tables: 1.4 GB/s against the instruction's 9.3 GB/s
// on this project's machine, where RocksDB's CRC32C (these checksums, the
// write-ahead log's and the blob files') was 5% of a verify's and of an
// import's samples. A machine without SSE4.2 gets RocksDB's generator.
#ifndef AIDLEDGER_LEDGER_STORE_FILE_CHECKSUM_H_
#define AIDLEDGER_LEDGER_STORE_FILE_CHECKSUM_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace rocksdb {
class FileChecksumGenFactory;
}  // namespace rocksdb

namespace aidledger::internal {

// The CRC32C (Castagnoli) of `size` bytes at `data` continuing `crc` (0 to
// start one), as RocksDB's crc32c::Extend computes it.
uint32_t Crc32cExtend(uint32_t crc, const char* data, size_t size);
// The same a bit at a time, as a machine without SSE4.2 computes it (and
// the test that holds the two equal).
uint32_t Crc32cExtendBitwise(uint32_t crc, const char* data, size_t size);

// The factory of the generator above (RocksDB's own without SSE4.2).
std::shared_ptr<rocksdb::FileChecksumGenFactory> NewFileChecksumFactory();

}  // namespace aidledger::internal

#endif  // AIDLEDGER_LEDGER_STORE_FILE_CHECKSUM_H_
