// A SentencePiece `.model` file: the `ModelProto` message of sentencepiece_model.proto (proto2),
// read from and written to the protobuf wire format by hand (no protobuf library).
//
//   SentencePieceModel m = parse_sentencepiece_model(bytes, "spm.model");
//   m.pieces[5].piece;                       // "▁the"
//   m.trainer_spec.model_type;               // SentencePieceModelType::unigram
//   std::string again = serialize_sentencepiece_model(m);
//
// The wire format, as far as it matters here: a message is a sequence of fields, each a varint
// key (field number << 3 | wire type) and a value: wire type 0 a varint (int32, enum, bool;
// a negative int32 takes 10 bytes), 1 eight bytes, 2 a varint length and that many bytes
// (string, bytes, nested message), 3/4 start/end of a group, 5 four bytes (float, little-endian).
// Fields missing from the file take the proto's defaults, which the structs below start with.
//
// ModelProto: pieces = 1 (repeated), trainer_spec = 2, normalizer_spec = 3, self_test_data = 4,
// denormalizer_spec = 5. The fields of each message that the tokenizer needs are typed members;
// every other field (training options such as `input`, self-test samples, extensions) is kept
// as its raw bytes in `other_fields` and written back unchanged, in field-number order as
// protobuf writes them, so a file SentencePiece wrote is written back byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace embedkit::tokenize {

/// ModelProto.SentencePiece.Type.
enum class SentencePieceType : std::int32_t {
  normal = 1,        ///< a piece segmentation may produce
  unknown = 2,       ///< the one <unk> piece
  control = 3,       ///< <s>, </s>, <pad>: never produced by segmentation, decoded to nothing
  user_defined = 4,  ///< always kept whole, never split or merged
  unused = 5,        ///< matchable but never output (BPE splits it back)
  byte = 6,          ///< <0x00>..<0xFF>, for byte fallback
};

/// TrainerSpec.ModelType.
enum class SentencePieceModelType : std::int32_t { unigram = 1, bpe = 2, word = 3, character = 4 };

/// A field this reader does not model: its number and its whole encoding (key and value).
struct RawProtoField {
  std::uint32_t number = 0;
  std::string bytes;

  bool operator==(const RawProtoField&) const = default;
};

/// Bit n set: field n was present in the file. Such fields are written back even when their
/// value equals the default, so that a read-write round trip keeps the bytes.
using PresentFields = std::uint64_t;

/// ModelProto.SentencePiece.
struct SentencePieceEntry {
  std::string piece;  ///< field 1
  float score = 0;    ///< field 2
  SentencePieceType type = SentencePieceType::normal;  ///< field 3
  PresentFields present = 0;
  std::vector<RawProtoField> other_fields;

  bool operator==(const SentencePieceEntry&) const = default;
};

/// The TrainerSpec fields that change how text is encoded or decoded (field numbers in comments).
struct SentencePieceTrainerSpec {
  SentencePieceModelType model_type = SentencePieceModelType::unigram;  // 3
  std::int32_t vocab_size = 8000;                                       // 4
  float character_coverage = 0.9995F;                                   // 10
  std::int32_t max_sentencepiece_length = 16;                           // 20
  bool treat_whitespace_as_suffix = false;                              // 24
  bool split_digits = false;                                            // 25
  bool byte_fallback = false;                                           // 35
  std::int32_t unk_id = 0;                                              // 40
  std::int32_t bos_id = 1;                                              // 41
  std::int32_t eos_id = 2;                                              // 42
  std::int32_t pad_id = -1;                                             // 43
  std::string unk_surface = " \xE2\x81\x87 ";                           // 44: " ⁇ "
  std::string unk_piece = "<unk>";                                      // 45
  std::string bos_piece = "<s>";                                        // 46
  std::string eos_piece = "</s>";                                       // 47
  std::string pad_piece = "<pad>";                                      // 48
  PresentFields present = 0;
  std::vector<RawProtoField> other_fields;

  bool operator==(const SentencePieceTrainerSpec&) const = default;
};

/// NormalizerSpec (also used for the denormalizer).
struct SentencePieceNormalizerSpec {
  std::string name;                      // 1: "nmt_nfkc", "identity"... (informative only)
  std::string precompiled_charsmap;      // 2: the compiled rules (sentencepiece_normalizer.h)
  bool add_dummy_prefix = true;          // 3
  bool remove_extra_whitespaces = true;  // 4
  bool escape_whitespaces = true;        // 5
  PresentFields present = 0;
  std::vector<RawProtoField> other_fields;  // normalization_rule_tsv (6), ...

  bool operator==(const SentencePieceNormalizerSpec&) const = default;
};

/// ModelProto.
struct SentencePieceModel {
  std::vector<SentencePieceEntry> pieces;  // 1: id = index
  SentencePieceTrainerSpec trainer_spec;   // 2
  SentencePieceNormalizerSpec normalizer_spec;    // 3
  SentencePieceNormalizerSpec denormalizer_spec;  // 5
  PresentFields present = 0;
  std::vector<RawProtoField> other_fields;  // self_test_data (4), extensions

  bool operator==(const SentencePieceModel&) const = default;
};

/// Parses a `.model` file's bytes and checks what SentencePiece checks when it loads one: no
/// empty piece, no piece twice among the matchable (normal, user-defined, unused) or among the
/// reserved (unknown, control, byte) pieces, exactly one unknown piece, byte pieces only with
/// byte_fallback and then all 256 of them, spelt "<0x00>".."<0xFF>". Throws FormatError naming
/// `name`, the byte offset and the problem (truncated varint, a length past the end, a wire type
/// that does not fit the field, groups nested too deep...). Never allocates more than the input
/// could hold. O(size of the file).
[[nodiscard]] SentencePieceModel parse_sentencepiece_model(std::string_view bytes, const std::string& name);

/// The wire-format bytes of `model`: known fields that were present or differ from their
/// default, and every kept unknown field, in field-number order. parse(serialize(m)) == m.
[[nodiscard]] std::string serialize_sentencepiece_model(const SentencePieceModel& model);

/// "<0x41>" for 0x41: SentencePiece's name for the byte piece of `byte`.
[[nodiscard]] std::string byte_piece_name(unsigned char byte);

}  // namespace embedkit::tokenize
