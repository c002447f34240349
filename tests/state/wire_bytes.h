// Protobuf wire-format pieces for hand-made encodings, in the tests of the
// fast decoders (state/fold_event.h, state/fund_view_entry.h).
#ifndef AIDLEDGER_TESTS_STATE_WIRE_BYTES_H_
#define AIDLEDGER_TESTS_STATE_WIRE_BYTES_H_

#include <cstdint>
#include <string>

namespace aidledger::testing {

inline std::string Varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}
inline std::string Tag(int number, int wire) {
  return Varint(static_cast<uint64_t>(number) << 3 | wire);
}
inline std::string Bytes(int number, const std::string& value) {
  return Tag(number, 2) + Varint(value.size()) + value;
}
inline std::string Number(int number, uint64_t value) { return Tag(number, 0) + Varint(value); }

}  // namespace aidledger::testing

#endif  // AIDLEDGER_TESTS_STATE_WIRE_BYTES_H_
