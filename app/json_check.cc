#include "app/json_check.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "base/errors.h"
#include "base/messages.h"

namespace aidledger::app {
namespace {

// The name protobuf's JSON parser files a key under: it accepts a field's
// proto name and its lowerCamelCase JSON name alike ("event_id" and
// "eventId"), so those two are one key given twice.
std::string ProtoJsonName(absl::string_view key) {
  std::string out;
  out.reserve(key.size());
  bool upper = false;
  for (char c : key) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    upper = false;
  }
  return out;
}

class Scanner {
 public:
  explicit Scanner(absl::string_view text) : text_(text) {}

  absl::StatusOr<JsonShape> Run() {
    JsonShape shape;
    SkipSpace();
    if (Peek() != '{') return Bad(Tr("an event must be a JSON object"));
    absl::Status status = Object(1, "", &shape);
    if (!status.ok()) return status;
    SkipSpace();
    if (pos_ != text_.size()) return Bad(Tr("there is more after the object"));
    return shape;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  absl::Status Bad(absl::string_view why) const {
    return Rejected(v1::FIELD_INVALID, "json", absl::Substitute(Tr("is not an event: $0 at byte $1"), why, pos_));
  }

  // An object at `depth`; its keys are reported as `path`.key. `shape`
  // (top level only) receives the members.
  absl::Status Object(int depth, const std::string& path, JsonShape* shape) {
    if (depth > kJsonDepthMax) return Bad(absl::Substitute(Tr("objects nest deeper than $0"), kJsonDepthMax));
    ++pos_;  // '{'
    absl::flat_hash_set<std::string> keys;
    SkipSpace();
    if (Peek() == '}') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      SkipSpace();
      const size_t begin = pos_;
      if (Peek() != '"') return Bad(Tr("expected a key"));
      std::string key;
      if (absl::Status s = String(&key); !s.ok()) return s;
      const std::string name = path.empty() ? key : absl::StrCat(path, ".", key);
      if (!keys.insert(ProtoJsonName(key)).second) {
        return Rejected(v1::FIELD_DUPLICATE, name, Tr("is given twice"));
      }
      SkipSpace();
      if (Peek() != ':') return Bad(Tr("expected ':'"));
      ++pos_;
      SkipSpace();
      if (absl::Status s = Value(depth, name); !s.ok()) return s;
      if (shape != nullptr) shape->members.push_back({key, begin, pos_});
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return absl::OkStatus();
      }
      return Bad(Tr("expected ',' or '}'"));
    }
  }

  absl::Status Array(int depth, const std::string& path) {
    if (depth > kJsonDepthMax) return Bad(absl::StrCat("arrays nest deeper than ", kJsonDepthMax));
    ++pos_;  // '['
    SkipSpace();
    if (Peek() == ']') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      SkipSpace();
      if (absl::Status s = Value(depth, path); !s.ok()) return s;
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return absl::OkStatus();
      }
      return Bad(Tr("expected ',' or ']'"));
    }
  }

  absl::Status Value(int depth, const std::string& path) {
    const char c = Peek();
    if (c == '{') return Object(depth + 1, path, nullptr);
    if (c == '[') return Array(depth + 1, path);
    if (c == '"') {
      std::string ignored;
      return String(&ignored);
    }
    for (absl::string_view literal : {"true", "false", "null"}) {
      if (text_.substr(pos_, literal.size()) == literal) {
        pos_ += literal.size();
        return absl::OkStatus();
      }
    }
    return Number();
  }

  absl::Status Number() {
    const size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (Peek() >= '1' && Peek() <= '9') {
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    } else {
      pos_ = start;
      return Bad(Tr("expected a value"));
    }
    if (Peek() == '.') {
      ++pos_;
      if (!(Peek() >= '0' && Peek() <= '9')) return Bad(Tr("a number has no digits after '.'"));
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!(Peek() >= '0' && Peek() <= '9')) return Bad(Tr("a number has no exponent digits"));
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    return absl::OkStatus();
  }

  static int Hex4(absl::string_view digits) {
    int value = 0;
    for (char c : digits) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return -1;
      value = value * 16 + d;
    }
    return value;
  }

  static void AppendUtf8(uint32_t point, std::string* out) {
    if (point < 0x80) {
      out->push_back(static_cast<char>(point));
    } else if (point < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (point >> 6)));
      out->push_back(static_cast<char>(0x80 | (point & 0x3f)));
    } else if (point < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (point >> 12)));
      out->push_back(static_cast<char>(0x80 | ((point >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (point & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (point >> 18)));
      out->push_back(static_cast<char>(0x80 | ((point >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((point >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (point & 0x3f)));
    }
  }

  // A string, decoded into `out` (escapes resolved), so that "a" and
  // "\u0061" are the same key.
  absl::Status String(std::string* out) {
    ++pos_;  // '"'
    while (true) {
      if (pos_ >= text_.size()) return Bad(Tr("a string is not closed"));
      const char c = text_[pos_++];
      if (c == '"') return absl::OkStatus();
      if (static_cast<unsigned char>(c) < 0x20) return Bad(Tr("a string holds a raw control character"));
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return Bad(Tr("a string is not closed"));
      const char e = text_[pos_++];
      switch (e) {
        case '"': case '\\': case '/': out->push_back(e); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          int point = Hex4(text_.substr(pos_, 4));
          if (point < 0 || pos_ + 4 > text_.size()) return Bad(Tr("a \\u escape needs four hex digits"));
          pos_ += 4;
          if (point >= 0xd800 && point <= 0xdbff && text_.substr(pos_, 2) == "\\u") {
            const int low = Hex4(text_.substr(pos_ + 2, 4));
            if (low >= 0xdc00 && low <= 0xdfff) {
              point = 0x10000 + ((point - 0xd800) << 10) + (low - 0xdc00);
              pos_ += 6;
            }
          }
          AppendUtf8(static_cast<uint32_t>(point), out);
          break;
        }
        default:
          return Bad(Tr("a string holds an unknown escape"));
      }
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<JsonShape> CheckJsonObject(absl::string_view text) { return Scanner(text).Run(); }

std::string WithoutMembers(absl::string_view text, const JsonShape& shape,
                           const std::vector<absl::string_view>& drop) {
  std::vector<const JsonShape::Member*> kept;
  for (const JsonShape::Member& member : shape.members) {
    if (std::find(drop.begin(), drop.end(), member.key) == drop.end()) kept.push_back(&member);
  }
  if (kept.size() == shape.members.size()) return std::string(text);
  std::string out = "{";
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) out += ',';
    out.append(text.data() + kept[i]->begin, kept[i]->end - kept[i]->begin);
  }
  out += '}';
  return out;
}

}  // namespace aidledger::app
