#include "tokenize/sentencepiece_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <unordered_set>

#include "embedkit/core/error.h"

namespace embedkit::tokenize {
namespace {

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

// Groups inside unknown fields may nest; a hostile file must not recurse the stack away.
constexpr int kMaxGroupDepth = 64;

const char* wire_type_name(std::uint32_t wire) {
  switch (wire) {
    case kVarint: return "varint";
    case kFixed64: return "fixed64";
    case kLengthDelimited: return "length-delimited";
    case kStartGroup: return "start-group";
    case kEndGroup: return "end-group";
    case kFixed32: return "fixed32";
    default: return "invalid";
  }
}

// One field as read: its number, wire type, value, and the bytes of the whole field.
struct WireField {
  std::uint32_t number = 0;
  std::uint32_t wire = 0;
  std::uint64_t varint = 0;     // kVarint
  std::string_view payload;     // kLengthDelimited, kFixed32, kFixed64
  std::string_view whole;       // key + value, for keeping unknown fields
  std::size_t offset = 0;       // of the key, from the start of the file
};

// Reads the fields of one message; offsets in errors are from the start of the file.
class WireReader {
 public:
  WireReader(std::string_view data, std::size_t base, const std::string& name, const char* message)
      : data_(data), base_(base), name_(name), message_(message) {}

  [[nodiscard]] bool done() const noexcept { return pos_ == data_.size(); }

  WireField next() {
    WireField f;
    const std::size_t start = pos_;
    f.offset = base_ + start;
    const std::uint64_t key = read_varint();
    f.wire = static_cast<std::uint32_t>(key & 7U);
    const std::uint64_t number = key >> 3U;
    EMBEDKIT_CHECK(number >= 1 && number <= 536870911U, FormatError,
                   fail(start, fmt::format("field number {} is out of range", number)));
    f.number = static_cast<std::uint32_t>(number);
    skip_value(f, start, 0);
    f.whole = data_.substr(start, pos_ - start);
    return f;
  }

  [[noreturn]] void wrong_type(const WireField& f, const char* field, std::uint32_t expected) const {
    throw FormatError(fmt::format("{}: byte {}: {}.{} (field {}) is {}, expected {}", name_, f.offset,
                                  message_, field, f.number, wire_type_name(f.wire), wire_type_name(expected)));
  }

  [[nodiscard]] std::string fail(std::size_t at, const std::string& what) const {
    return fmt::format("{}: byte {}: {} in {} (truncated or not a SentencePiece model?)", name_, base_ + at, what,
                       message_);
  }

 private:
  std::uint64_t read_varint() {
    std::uint64_t value = 0;
    const std::size_t start = pos_;
    for (int shift = 0; shift < 70; shift += 7) {
      EMBEDKIT_CHECK(pos_ < data_.size(), FormatError, fail(start, "truncated varint"));
      const auto byte = static_cast<unsigned char>(data_[pos_++]);
      if (shift < 64) value |= static_cast<std::uint64_t>(byte & 0x7FU) << shift;
      if (byte < 0x80U) return value;
    }
    throw FormatError(fail(start, "varint longer than 10 bytes"));
  }

  std::string_view take(std::uint64_t length, std::size_t start, const char* what) {
    EMBEDKIT_CHECK(length <= data_.size() - pos_, FormatError,
                   fail(start, fmt::format("{} of {} bytes runs past the end ({} left)", what, length,
                                           data_.size() - pos_)));
    const std::string_view out = data_.substr(pos_, static_cast<std::size_t>(length));
    pos_ += static_cast<std::size_t>(length);
    return out;
  }

  void skip_value(WireField& f, std::size_t start, int depth) {
    switch (f.wire) {
      case kVarint: f.varint = read_varint(); return;
      case kFixed64: f.payload = take(8, start, "fixed64 value"); return;
      case kFixed32: f.payload = take(4, start, "fixed32 value"); return;
      case kLengthDelimited: {
        const std::uint64_t length = read_varint();
        f.payload = take(length, start, "length-delimited field");
        return;
      }
      case kStartGroup: {
        EMBEDKIT_CHECK(depth < kMaxGroupDepth, FormatError, fail(start, "groups nested too deep"));
        for (;;) {
          EMBEDKIT_CHECK(pos_ < data_.size(), FormatError, fail(start, fmt::format("group {} is not closed", f.number)));
          const std::size_t inner_start = pos_;
          const std::uint64_t key = read_varint();
          WireField inner;
          inner.wire = static_cast<std::uint32_t>(key & 7U);
          inner.number = static_cast<std::uint32_t>(key >> 3U);
          if (inner.wire == kEndGroup) {
            EMBEDKIT_CHECK(inner.number == f.number, FormatError,
                           fail(inner_start, fmt::format("group {} closed as {}", f.number, inner.number)));
            return;
          }
          skip_value(inner, inner_start, depth + 1);
        }
      }
      case kEndGroup: throw FormatError(fail(start, fmt::format("end of group {} without its start", f.number)));
      default: throw FormatError(fail(start, fmt::format("invalid wire type {}", f.wire)));
    }
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  std::size_t base_;
  const std::string& name_;
  const char* message_;
};

// Typed reads of known fields; a known field with the wrong wire type is an error rather than
// silently unknown, since the file then does not mean what SentencePiece would read.
std::int32_t as_int32(WireReader& r, const WireField& f, const char* field) {
  if (f.wire != kVarint) r.wrong_type(f, field, kVarint);
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(f.varint));  // protobuf truncates
}
bool as_bool(WireReader& r, const WireField& f, const char* field) {
  if (f.wire != kVarint) r.wrong_type(f, field, kVarint);
  return f.varint != 0;
}
float as_float(WireReader& r, const WireField& f, const char* field) {
  if (f.wire != kFixed32) r.wrong_type(f, field, kFixed32);
  std::uint32_t bits = 0;
  for (int i = 3; i >= 0; --i) bits = (bits << 8U) | static_cast<unsigned char>(f.payload[static_cast<std::size_t>(i)]);
  return std::bit_cast<float>(bits);
}
std::string as_string(WireReader& r, const WireField& f, const char* field) {
  if (f.wire != kLengthDelimited) r.wrong_type(f, field, kLengthDelimited);
  return std::string(f.payload);
}
void keep(std::vector<RawProtoField>& other, const WireField& f) { other.push_back({f.number, std::string(f.whole)}); }
void mark(PresentFields& present, std::uint32_t number) {
  if (number < 64) present |= PresentFields{1} << number;
}

SentencePieceEntry parse_piece(const WireField& outer, const std::string& name) {
  SentencePieceEntry e;
  WireReader r(outer.payload, outer.offset + (outer.whole.size() - outer.payload.size()), name, "SentencePiece");
  while (!r.done()) {
    const WireField f = r.next();
    switch (f.number) {
      case 1: e.piece = as_string(r, f, "piece"); break;
      case 2: e.score = as_float(r, f, "score"); break;
      case 3: {
        const std::int32_t type = as_int32(r, f, "type");
        EMBEDKIT_CHECK(type >= 1 && type <= 6, FormatError,
                       fmt::format("{}: byte {}: piece type {} is not a SentencePiece type (1..6)", name, f.offset, type));
        e.type = static_cast<SentencePieceType>(type);
        break;
      }
      default: keep(e.other_fields, f); continue;
    }
    mark(e.present, f.number);
  }
  return e;
}

SentencePieceTrainerSpec parse_trainer_spec(const WireField& outer, const std::string& name) {
  SentencePieceTrainerSpec t;
  WireReader r(outer.payload, outer.offset + (outer.whole.size() - outer.payload.size()), name, "TrainerSpec");
  while (!r.done()) {
    const WireField f = r.next();
    switch (f.number) {
      case 3: {
        const std::int32_t type = as_int32(r, f, "model_type");
        EMBEDKIT_CHECK(type >= 1 && type <= 4, FormatError,
                       fmt::format("{}: byte {}: model_type {} is not UNIGRAM, BPE, WORD or CHAR (1..4)", name, f.offset, type));
        t.model_type = static_cast<SentencePieceModelType>(type);
        break;
      }
      case 4: t.vocab_size = as_int32(r, f, "vocab_size"); break;
      case 10: t.character_coverage = as_float(r, f, "character_coverage"); break;
      case 20: t.max_sentencepiece_length = as_int32(r, f, "max_sentencepiece_length"); break;
      case 24: t.treat_whitespace_as_suffix = as_bool(r, f, "treat_whitespace_as_suffix"); break;
      case 25: t.split_digits = as_bool(r, f, "split_digits"); break;
      case 35: t.byte_fallback = as_bool(r, f, "byte_fallback"); break;
      case 40: t.unk_id = as_int32(r, f, "unk_id"); break;
      case 41: t.bos_id = as_int32(r, f, "bos_id"); break;
      case 42: t.eos_id = as_int32(r, f, "eos_id"); break;
      case 43: t.pad_id = as_int32(r, f, "pad_id"); break;
      case 44: t.unk_surface = as_string(r, f, "unk_surface"); break;
      case 45: t.unk_piece = as_string(r, f, "unk_piece"); break;
      case 46: t.bos_piece = as_string(r, f, "bos_piece"); break;
      case 47: t.eos_piece = as_string(r, f, "eos_piece"); break;
      case 48: t.pad_piece = as_string(r, f, "pad_piece"); break;
      default: keep(t.other_fields, f); continue;
    }
    mark(t.present, f.number);
  }
  return t;
}

SentencePieceNormalizerSpec parse_normalizer_spec(const WireField& outer, const std::string& name, const char* message) {
  SentencePieceNormalizerSpec n;
  WireReader r(outer.payload, outer.offset + (outer.whole.size() - outer.payload.size()), name, message);
  while (!r.done()) {
    const WireField f = r.next();
    switch (f.number) {
      case 1: n.name = as_string(r, f, "name"); break;
      case 2: n.precompiled_charsmap = as_string(r, f, "precompiled_charsmap"); break;
      case 3: n.add_dummy_prefix = as_bool(r, f, "add_dummy_prefix"); break;
      case 4: n.remove_extra_whitespaces = as_bool(r, f, "remove_extra_whitespaces"); break;
      case 5: n.escape_whitespaces = as_bool(r, f, "escape_whitespaces"); break;
      default: keep(n.other_fields, f); continue;
    }
    mark(n.present, f.number);
  }
  return n;
}

// The checks of SentencePiece's ModelInterface::InitializePieces, as errors at load time.
void check_pieces(const SentencePieceModel& model, const std::string& name) {
  std::unordered_set<std::string_view> matchable;
  std::unordered_set<std::string_view> reserved;
  std::array<bool, 256> byte_seen{};
  std::size_t unknown_count = 0;
  std::array<std::string, 256> byte_names;
  for (unsigned b = 0; b < 256; ++b) byte_names[b] = byte_piece_name(static_cast<unsigned char>(b));
  for (std::size_t id = 0; id < model.pieces.size(); ++id) {
    const SentencePieceEntry& p = model.pieces[id];
    EMBEDKIT_CHECK(!p.piece.empty(), FormatError, fmt::format("{}: piece {} is empty", name, id));
    const bool is_matchable = p.type == SentencePieceType::normal || p.type == SentencePieceType::user_defined ||
                              p.type == SentencePieceType::unused;
    EMBEDKIT_CHECK((is_matchable ? matchable : reserved).insert(p.piece).second, FormatError,
                   fmt::format("{}: piece {} ('{}') is defined twice", name, id, p.piece));
    if (p.type == SentencePieceType::unknown) ++unknown_count;
    EMBEDKIT_CHECK(unknown_count <= 1, FormatError,
                   fmt::format("{}: piece {} ('{}') is a second unknown piece", name, id, p.piece));
    if (p.type == SentencePieceType::byte) {
      EMBEDKIT_CHECK(model.trainer_spec.byte_fallback, FormatError,
                     fmt::format("{}: byte piece {} ('{}') in a model without byte_fallback", name, id, p.piece));
      const auto* it = std::find(byte_names.begin(), byte_names.end(), p.piece);
      EMBEDKIT_CHECK(it != byte_names.end(), FormatError,
                     fmt::format("{}: byte piece {} ('{}') is not one of <0x00>..<0xFF>", name, id, p.piece));
      byte_seen[static_cast<std::size_t>(it - byte_names.begin())] = true;
    }
  }
  EMBEDKIT_CHECK(unknown_count == 1, FormatError, fmt::format("{}: the model has no unknown piece (<unk>)", name));
  if (model.trainer_spec.byte_fallback) {
    const auto* missing = std::find(byte_seen.begin(), byte_seen.end(), false);
    EMBEDKIT_CHECK(missing == byte_seen.end(), FormatError,
                   fmt::format("{}: byte_fallback is on but byte piece {} is missing (all 256 are needed)", name,
                               byte_names[static_cast<std::size_t>(missing - byte_seen.begin())]));
  }
}

// ---- writing ----

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80U) {
    out.push_back(static_cast<char>((value & 0x7FU) | 0x80U));
    value >>= 7U;
  }
  out.push_back(static_cast<char>(value));
}

class FieldList {
 public:
  void add_varint(std::uint32_t number, std::uint64_t value) {
    std::string f;
    append_varint(f, (std::uint64_t{number} << 3U) | kVarint);
    append_varint(f, value);
    fields_.push_back({number, std::move(f)});
  }
  void add_int32(std::uint32_t number, std::int32_t value) {
    // Negative int32 values are sign-extended to 64 bits on the wire (10 bytes), as protobuf does.
    add_varint(number, static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));
  }
  void add_float(std::uint32_t number, float value) {
    std::string f;
    append_varint(f, (std::uint64_t{number} << 3U) | kFixed32);
    const auto bits = std::bit_cast<std::uint32_t>(value);
    for (unsigned i = 0; i < 4; ++i) f.push_back(static_cast<char>((bits >> (8U * i)) & 0xFFU));
    fields_.push_back({number, std::move(f)});
  }
  void add_bytes(std::uint32_t number, std::string_view value) {
    std::string f;
    append_varint(f, (std::uint64_t{number} << 3U) | kLengthDelimited);
    append_varint(f, value.size());
    f.append(value);
    fields_.push_back({number, std::move(f)});
  }
  void add_raw(const std::vector<RawProtoField>& other) { fields_.insert(fields_.end(), other.begin(), other.end()); }

  // Protobuf writes fields in number order (repeated ones in their order): a stable sort.
  [[nodiscard]] std::string finish() {
    std::stable_sort(fields_.begin(), fields_.end(),
                     [](const RawProtoField& a, const RawProtoField& b) { return a.number < b.number; });
    std::string out;
    for (const RawProtoField& f : fields_) out += f.bytes;
    return out;
  }

 private:
  std::vector<RawProtoField> fields_;
};

bool wanted(PresentFields present, std::uint32_t number, bool differs_from_default) {
  return differs_from_default || (number < 64 && ((present >> number) & 1U) != 0);
}

std::string serialize_piece(const SentencePieceEntry& p) {
  FieldList f;
  if (wanted(p.present, 1, !p.piece.empty())) f.add_bytes(1, p.piece);
  // Compared bitwise so that -0.0 and NaN scores are written back as they were.
  if (wanted(p.present, 2, std::bit_cast<std::uint32_t>(p.score) != 0)) f.add_float(2, p.score);
  if (wanted(p.present, 3, p.type != SentencePieceType::normal)) f.add_int32(3, static_cast<std::int32_t>(p.type));
  f.add_raw(p.other_fields);
  return f.finish();
}

std::string serialize_trainer_spec(const SentencePieceTrainerSpec& t) {
  const SentencePieceTrainerSpec d;
  FieldList f;
  auto int32 = [&](std::uint32_t n, std::int32_t v, std::int32_t dv) { if (wanted(t.present, n, v != dv)) f.add_int32(n, v); };
  auto boolean = [&](std::uint32_t n, bool v, bool dv) { if (wanted(t.present, n, v != dv)) f.add_varint(n, v ? 1 : 0); };
  auto text = [&](std::uint32_t n, const std::string& v, const std::string& dv) { if (wanted(t.present, n, v != dv)) f.add_bytes(n, v); };
  int32(3, static_cast<std::int32_t>(t.model_type), static_cast<std::int32_t>(d.model_type));
  int32(4, t.vocab_size, d.vocab_size);
  if (wanted(t.present, 10, std::bit_cast<std::uint32_t>(t.character_coverage) !=
                                std::bit_cast<std::uint32_t>(d.character_coverage))) {
    f.add_float(10, t.character_coverage);
  }
  int32(20, t.max_sentencepiece_length, d.max_sentencepiece_length);
  boolean(24, t.treat_whitespace_as_suffix, d.treat_whitespace_as_suffix);
  boolean(25, t.split_digits, d.split_digits);
  boolean(35, t.byte_fallback, d.byte_fallback);
  int32(40, t.unk_id, d.unk_id);
  int32(41, t.bos_id, d.bos_id);
  int32(42, t.eos_id, d.eos_id);
  int32(43, t.pad_id, d.pad_id);
  text(44, t.unk_surface, d.unk_surface);
  text(45, t.unk_piece, d.unk_piece);
  text(46, t.bos_piece, d.bos_piece);
  text(47, t.eos_piece, d.eos_piece);
  text(48, t.pad_piece, d.pad_piece);
  f.add_raw(t.other_fields);
  return f.finish();
}

std::string serialize_normalizer_spec(const SentencePieceNormalizerSpec& n) {
  FieldList f;
  if (wanted(n.present, 1, !n.name.empty())) f.add_bytes(1, n.name);
  if (wanted(n.present, 2, !n.precompiled_charsmap.empty())) f.add_bytes(2, n.precompiled_charsmap);
  if (wanted(n.present, 3, !n.add_dummy_prefix)) f.add_varint(3, n.add_dummy_prefix ? 1 : 0);
  if (wanted(n.present, 4, !n.remove_extra_whitespaces)) f.add_varint(4, n.remove_extra_whitespaces ? 1 : 0);
  if (wanted(n.present, 5, !n.escape_whitespaces)) f.add_varint(5, n.escape_whitespaces ? 1 : 0);
  f.add_raw(n.other_fields);
  return f.finish();
}

}  // namespace

std::string byte_piece_name(unsigned char byte) { return fmt::format("<0x{:02X}>", byte); }

SentencePieceModel parse_sentencepiece_model(std::string_view bytes, const std::string& name) {
  SentencePieceModel model;
  WireReader r(bytes, 0, name, "ModelProto");
  while (!r.done()) {
    const WireField f = r.next();
    switch (f.number) {
      case 1:
        if (f.wire != kLengthDelimited) r.wrong_type(f, "pieces", kLengthDelimited);
        model.pieces.push_back(parse_piece(f, name));
        break;
      case 2:
        if (f.wire != kLengthDelimited) r.wrong_type(f, "trainer_spec", kLengthDelimited);
        // A repeated singular message merges in protobuf; SentencePiece files never repeat it,
        // so a second one is taken as a sign of a damaged file.
        EMBEDKIT_CHECK((model.present & (1U << 2U)) == 0, FormatError,
                       fmt::format("{}: byte {}: a second trainer_spec", name, f.offset));
        model.trainer_spec = parse_trainer_spec(f, name);
        break;
      case 3:
        if (f.wire != kLengthDelimited) r.wrong_type(f, "normalizer_spec", kLengthDelimited);
        EMBEDKIT_CHECK((model.present & (1U << 3U)) == 0, FormatError,
                       fmt::format("{}: byte {}: a second normalizer_spec", name, f.offset));
        model.normalizer_spec = parse_normalizer_spec(f, name, "NormalizerSpec");
        break;
      case 5:
        if (f.wire != kLengthDelimited) r.wrong_type(f, "denormalizer_spec", kLengthDelimited);
        EMBEDKIT_CHECK((model.present & (1U << 5U)) == 0, FormatError,
                       fmt::format("{}: byte {}: a second denormalizer_spec", name, f.offset));
        model.denormalizer_spec = parse_normalizer_spec(f, name, "denormalizer NormalizerSpec");
        break;
      default: keep(model.other_fields, f); continue;
    }
    mark(model.present, f.number);
  }
  check_pieces(model, name);
  return model;
}

std::string serialize_sentencepiece_model(const SentencePieceModel& model) {
  FieldList f;
  for (const SentencePieceEntry& p : model.pieces) f.add_bytes(1, serialize_piece(p));
  if (wanted(model.present, 2, model.trainer_spec != SentencePieceTrainerSpec{})) {
    f.add_bytes(2, serialize_trainer_spec(model.trainer_spec));
  }
  if (wanted(model.present, 3, model.normalizer_spec != SentencePieceNormalizerSpec{})) {
    f.add_bytes(3, serialize_normalizer_spec(model.normalizer_spec));
  }
  if (wanted(model.present, 5, model.denormalizer_spec != SentencePieceNormalizerSpec{})) {
    f.add_bytes(5, serialize_normalizer_spec(model.denormalizer_spec));
  }
  f.add_raw(model.other_fields);
  return f.finish();
}

}  // namespace embedkit::tokenize
