// SentencePiece `.model` reading, writing, normalising, encoding and decoding, checked against
// SentencePiece 0.1.97 itself: the models and answers in data/ come from spm_train and the
// Python module (data/make_sentencepiece_reference.sh), on held-out enwiki lines and hostile ones.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cfloat>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "embedkit/core/error.h"
#include "test_files.h"
#include "tokenize/reference_files.h"
#include "tokenize/piece_prefix_index.h"
#include "tokenize/sentencepiece_model.h"
#include "tokenize/sentencepiece_normalizer.h"
#include "tokenize/sentencepiece_tokenizer.h"
#include "tokenize/symbol_merging.h"
#include "tokenize/unigram_lattice.h"

namespace embedkit::tokenize {
namespace {

using embedkit::testing::read_file;
using embedkit::testing::source_file;
using reference::parse_ids;
using reference::split;
using reference::unescape;

std::string data_file(std::string_view name) {
  return read_file(source_file(fmt::format("tests/unit/tokenize/data/{}", name)));
}

// "end" (begins where the previous piece ended) or "begin:end".
std::vector<std::pair<std::size_t, std::size_t>> parse_offsets(std::string_view field) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  if (field.empty()) return out;
  std::size_t previous_end = 0;
  for (const std::string& s : split(field, ' ')) {
    const std::size_t colon = s.find(':');
    const std::size_t begin = colon == std::string::npos ? previous_end : std::stoul(s.substr(0, colon));
    const std::size_t end = std::stoul(colon == std::string::npos ? s : s.substr(colon + 1));
    out.emplace_back(begin, end);
    previous_end = end;
  }
  return out;
}

std::string show(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    out += b < 0x20 || c == '\\' ? fmt::format("\\x{:02X}", b) : std::string(1, c);
  }
  return out;
}

struct Agreement {
  std::size_t lines = 0, ids = 0, offsets = 0, decoded = 0, decode_cases = 0, decode_matches = 0;
};

// Every reference case of `model`: encode ids, offsets and decode(ids) on each line, and decode
// alone on random id sequences. Reports the first few differences in full.
Agreement check_against_reference(const std::string& model) {
  const auto tok = SentencePieceTokenizer::from_bytes(data_file(model + ".model"), model + ".model");
  const std::vector<std::string> lines = split(data_file("sentencepiece_reference_lines.txt"), '\n');
  const std::vector<std::string> cases = split(data_file(model + ".reference.tsv"), '\n');
  Agreement a;
  int reported = 0;
  std::size_t line_index = 0;
  for (const std::string& row : cases) {
    if (row.empty()) continue;
    if (row == "-") {  // a held-out line this model has no answer for
      ++line_index;
      continue;
    }
    const std::vector<std::string> f = split(row, '\t');
    if (f[0] == "E") {
      EXPECT_EQ(f.size(), 4U);
      const std::string text = unescape(lines.at(line_index++));
      const Encoding e = tok->encode(text);
      const std::vector<std::int32_t> ids = parse_ids(f[1]);
      const auto offsets = parse_offsets(f[2]);
      // "=": the line itself; "=+X": the line then X; "~X": X.
      const std::string decoded = f[3] == "=" ? text
                                  : f[3].starts_with("=+") ? text + unescape(f[3].substr(2))
                                                           : unescape(f[3].substr(1));
      const std::string ours = tok->decode(ids);
      ++a.lines;
      a.ids += e.ids == ids;
      a.offsets += e.offsets == offsets;
      a.decoded += ours == decoded;
      if ((e.ids != ids || e.offsets != offsets || ours != decoded) && reported++ < 5) {
        ADD_FAILURE() << model << " line " << line_index << " '" << show(text) << "'\n ids ours " << ::testing::PrintToString(e.ids)
                      << "\n ids spm  " << ::testing::PrintToString(ids) << "\n offsets ours "
                      << ::testing::PrintToString(e.offsets) << "\n offsets spm  " << ::testing::PrintToString(offsets)
                      << "\n decode ours '" << show(ours) << "' spm '" << show(decoded) << "'";
      }
      EXPECT_EQ(e.pieces.size(), e.ids.size());
    } else {
      EXPECT_EQ(f[0], "D");
      const std::vector<std::int32_t> ids = parse_ids(f[1]);
      const std::string expected = unescape(f[2]);
      const std::string ours = tok->decode(ids);
      ++a.decode_cases;
      a.decode_matches += ours == expected;
      if (ours != expected && reported++ < 10) {
        ADD_FAILURE() << model << " decode " << ::testing::PrintToString(ids) << " ours '" << show(ours) << "' spm '"
                      << show(expected) << "'";
      }
    }
  }
  EXPECT_EQ(line_index, lines.size() - 1) << "every reference line has its case";  // the file ends with \n
  return a;
}

void expect_full_agreement(const std::string& model, std::size_t min_lines, std::size_t min_decode_cases = 200) {
  const Agreement a = check_against_reference(model);
  std::cout << fmt::format("[ spm ref  ] {}: ids {}/{}, offsets {}/{}, decode {}/{}, decode(random ids) {}/{}\n",
                           model, a.ids, a.lines, a.offsets, a.lines, a.decoded, a.lines, a.decode_matches,
                           a.decode_cases);
  EXPECT_GE(a.lines, min_lines);
  EXPECT_EQ(a.ids, a.lines);
  EXPECT_EQ(a.offsets, a.lines);
  EXPECT_EQ(a.decoded, a.lines);
  EXPECT_GE(a.decode_cases, min_decode_cases);
  EXPECT_EQ(a.decode_matches, a.decode_cases);
}

// ---------------------------------------------------------------- exactness against SentencePiece

TEST(SentencePieceTokenizer, UnigramIdsEqualSpmEncodeOnHeldOutLines) {
  expect_full_agreement("spm_unigram_nfkc", 200);
}

TEST(SentencePieceTokenizer, BpeWithByteFallbackIdsEqualSpmEncodeOnHeldOutLines) {
  expect_full_agreement("spm_bpe_bytes", 200);
}

TEST(SentencePieceTokenizer, UnigramWithSuffixSpacesSplitDigitsAndBytesEqualsSpm) {
  expect_full_agreement("spm_unigram_suffix", 200);
}

TEST(SentencePieceTokenizer, BpeUnusedPiecesAreSplitBackLikeSpm) {
  expect_full_agreement("spm_bpe_unused", 200, 0);
  // The case is only a test if UNUSED pieces would otherwise have been produced.
  const auto tok = SentencePieceTokenizer::from_bytes(data_file("spm_bpe_unused.model"), "unused");
  std::size_t unused = 0;
  for (const SentencePieceEntry& p : tok->model().pieces) unused += p.type == SentencePieceType::unused;
  EXPECT_GT(unused, 50U);
}

// A BPE model without user-defined or unused pieces is segmented word by word (a per-thread
// cache of words): the result must still be SentencePiece's, which merges over the whole line.
TEST(SentencePieceTokenizer, PlainBpeSegmentedWordByWordEqualsSpm) {
  expect_full_agreement("spm_bpe_plain", 200, 0);
  // Twice, so the second pass comes from the cache.
  expect_full_agreement("spm_bpe_plain", 200, 0);
}

TEST(SentencePieceTokenizer, WordAndCharModelsEqualSpm) {
  expect_full_agreement("spm_word", 60, 100);
  expect_full_agreement("spm_char", 50, 60);
  const auto word = SentencePieceTokenizer::from_bytes(data_file("spm_word.model"), "word");
  EXPECT_EQ(word->model_type(), "WordLevel");
  EXPECT_EQ(word->encode("the cat").pieces, (std::vector<std::string>{"\xE2\x96\x81the", "\xE2\x96\x81" "cat"}));
}

TEST(SentencePieceTokenizer, ByteFallbackGivesOnePieceWithOffsetsPerByte) {
  const auto tok = SentencePieceTokenizer::from_bytes(data_file("spm_bpe_bytes.model"), "bpe");
  const std::string text = "\xE2\x98\x83";  // a snowman, not in the vocabulary
  const Encoding e = tok->encode(text);
  ASSERT_EQ(e.pieces.size(), 4U);  // "▁", then three bytes
  EXPECT_EQ(e.pieces[1], "<0xE2>");
  EXPECT_EQ(e.pieces[3], "<0x83>");
  EXPECT_EQ(e.offsets[1], (std::pair<std::size_t, std::size_t>{0, 0}));
  EXPECT_EQ(e.offsets[3], (std::pair<std::size_t, std::size_t>{0, 3}));
  EXPECT_EQ(tok->decode(e.ids), text);
}

TEST(SentencePieceTokenizer, UnknownRunsAreOneTokenAndDecodeToTheUnknownSurface) {
  const auto tok = SentencePieceTokenizer::from_bytes(data_file("spm_unigram_nfkc.model"), "unigram");
  const Encoding e = tok->encode("a \xE2\x98\x83\xE2\x98\x83");  // two snowmen
  ASSERT_GE(e.ids.size(), 2U);
  EXPECT_EQ(e.ids.back(), 0);
  EXPECT_EQ(e.pieces.back(), "\xE2\x98\x83\xE2\x98\x83");
  EXPECT_EQ(e.offsets.back(), (std::pair<std::size_t, std::size_t>{2, 8}));
  EXPECT_EQ(tok->decode(std::vector<std::int32_t>{0}), " \xE2\x81\x87 ");
}

TEST(SentencePieceTokenizer, AddSpecialTokensAddsNothingAndControlPiecesDecodeToNothing) {
  const auto tok = SentencePieceTokenizer::from_bytes(data_file("spm_unigram_nfkc.model"), "unigram");
  EXPECT_EQ(tok->encode("hello", {.add_special_tokens = true}).ids,
            tok->encode("hello", {.add_special_tokens = false}).ids);
  const std::int32_t bos = *tok->piece_to_id("<s>");
  const std::int32_t eos = *tok->piece_to_id("</s>");
  std::vector<std::int32_t> ids = tok->encode("hello").ids;
  ids.insert(ids.begin(), bos);
  ids.push_back(eos);
  EXPECT_EQ(tok->decode(ids), "hello");
  EXPECT_EQ(tok->decode(ids, false), "<s>hello</s>");
  EXPECT_THROW((void)tok->decode(std::vector<std::int32_t>{-1}), ArgumentError);
  EXPECT_THROW((void)tok->decode(std::vector<std::int32_t>{1000}), ArgumentError);
  EXPECT_THROW((void)tok->id_to_piece(1000), ArgumentError);
  EXPECT_FALSE(tok->piece_to_id("no such piece").has_value());
  EXPECT_EQ(tok->model_type(), "Unigram");
  EXPECT_EQ(tok->format(), TokenizerFormat::sentencepiece_model);
  EXPECT_EQ(tok->vocab_size(), 1000U);
}

// ---------------------------------------------------------------- the normaliser

TEST(SentencePieceNormalizer, IllFormedBytesBecomeOneReplacementEachAndMapBack) {
  SentencePieceNormalizerSpec spec;  // identity rules, SentencePiece's defaults otherwise
  const SentencePieceNormalizer n(spec, false, {"<sep>"}, "test");
  const SpmNormalizedText t = n.normalize("  a\xFF\xC3  <sep>b ");
  EXPECT_EQ(t.text, "\xE2\x96\x81" "a\xEF\xBF\xBD\xEF\xBF\xBD\xE2\x96\x81<sep>b");
  ASSERT_EQ(t.norm_to_orig.size(), t.text.size() + 1);
  // "▁" of the dummy prefix -> 2 (after the leading spaces), "a" -> 2, U+FFFD -> 3 and 4.
  EXPECT_EQ(t.norm_to_orig[0], 2U);
  EXPECT_EQ(t.norm_to_orig[3], 2U);
  EXPECT_EQ(t.norm_to_orig[4], 3U);
  EXPECT_EQ(t.norm_to_orig[7], 4U);
  EXPECT_EQ(t.norm_to_orig[10], 5U);   // the kept space
  EXPECT_EQ(t.norm_to_orig[13], 7U);   // "<sep>" copied whole
  EXPECT_EQ(t.norm_to_orig.back(), 13U);  // the end: where the trailing space began
  EXPECT_TRUE(n.normalize("").text.empty());
  EXPECT_TRUE(n.normalize("   ").text.empty());
}

TEST(SentencePieceNormalizer, SuffixModeKeepsSpacesAndPutsTheMarkAtTheEnd) {
  SentencePieceNormalizerSpec spec;
  spec.remove_extra_whitespaces = false;
  const SentencePieceNormalizer n(spec, true, {}, "test");
  const SpmNormalizedText t = n.normalize(" a  b");
  EXPECT_EQ(t.text, "\xE2\x96\x81" "a\xE2\x96\x81\xE2\x96\x81" "b\xE2\x96\x81");
  EXPECT_EQ(t.norm_to_orig.back(), 5U);
}

TEST(PrecompiledCharsMap, CorruptBlobsAreRefusedOrHarmless) {
  const auto model = parse_sentencepiece_model(data_file("spm_unigram_nfkc.model"), "nfkc");
  const std::string blob = model.normalizer_spec.precompiled_charsmap;
  ASSERT_GT(blob.size(), 1000U);
  const PrecompiledCharsMap good = PrecompiledCharsMap::parse(blob, "nfkc");
  const auto match = good.longest_match("\xEF\xBD\x88" "ello");  // full-width h
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->replacement, "h");
  EXPECT_EQ(match->length, 3U);

  auto with_size = [&](std::uint32_t size) {
    std::string b = blob;
    for (int i = 0; i < 4; ++i) b[static_cast<std::size_t>(i)] = static_cast<char>((size >> (8 * i)) & 0xFFU);
    return b;
  };
  EXPECT_THROW((void)PrecompiledCharsMap::parse(with_size(0xFFFFFFF0U), "x"), FormatError);  // lying length
  EXPECT_THROW((void)PrecompiledCharsMap::parse(with_size(static_cast<std::uint32_t>(blob.size() - 3)), "x"), FormatError);
  EXPECT_THROW((void)PrecompiledCharsMap::parse(with_size(0), "x"), FormatError);  // no units
  EXPECT_THROW((void)PrecompiledCharsMap::parse(blob.substr(0, 3), "x"), FormatError);
  // The replacement strings cut off: some rule now points past them.
  EXPECT_THROW((void)PrecompiledCharsMap::parse(blob.substr(0, blob.size() - 2000), "x"), FormatError);

  // Random corruption: refused, or it loads and every lookup stays inside (ASan checks).
  std::mt19937 rng(18);
  const std::string probe = "\xEF\xBD\x88\xEF\xAC\x81 \xE2\x85\xAB Ａ\xC2\xA0x\x01 \xE3\x80\x80";
  int refused = 0;
  for (int round = 0; round < 300; ++round) {
    std::string b = blob;
    for (int k = 0; k < 8; ++k) b[4 + rng() % (b.size() - 4)] = static_cast<char>(rng());
    try {
      const PrecompiledCharsMap m = PrecompiledCharsMap::parse(b, "x");
      for (std::size_t i = 0; i < probe.size(); ++i) (void)m.longest_match(std::string_view(probe).substr(i));
    } catch (const FormatError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
}

// ---------------------------------------------------------------- the model file

TEST(SentencePieceModel, WriteThenReadGivesTheSameModelAndTheSameBytes) {
  for (const char* name : {"spm_unigram_nfkc", "spm_bpe_bytes", "spm_unigram_suffix", "spm_bpe_unused"}) {
    const std::string bytes = data_file(std::string(name) + ".model");
    const SentencePieceModel m = parse_sentencepiece_model(bytes, name);
    const std::string again = serialize_sentencepiece_model(m);
    EXPECT_EQ(again, bytes) << name;  // spm_train's files come back byte for byte
    EXPECT_EQ(parse_sentencepiece_model(again, name), m) << name;
    EXPECT_FALSE(m.trainer_spec.other_fields.empty()) << name;  // input, model_prefix... kept
  }
  const SentencePieceModel m = parse_sentencepiece_model(data_file("spm_unigram_suffix.model"), "suffix");
  EXPECT_EQ(m.trainer_spec.model_type, SentencePieceModelType::unigram);
  EXPECT_EQ(m.trainer_spec.vocab_size, 800);
  EXPECT_TRUE(m.trainer_spec.split_digits);
  EXPECT_TRUE(m.trainer_spec.treat_whitespace_as_suffix);
  EXPECT_TRUE(m.trainer_spec.byte_fallback);
  EXPECT_FALSE(m.normalizer_spec.remove_extra_whitespaces);
  EXPECT_EQ(m.normalizer_spec.name, "identity");
  EXPECT_EQ(m.trainer_spec.pad_id, -1);
}

TEST(SentencePieceModel, EditedModelsRoundTripAndSaveIsReadable) {
  SentencePieceModel m = parse_sentencepiece_model(data_file("spm_bpe_bytes.model"), "bpe");
  m.trainer_spec.pad_id = -7;  // a negative int32: 10 bytes on the wire
  m.pieces[500].score = -0.0F;
  m.normalizer_spec.add_dummy_prefix = false;
  m.other_fields.push_back({99, std::string("\x98\x06\x05", 3)});  // field 99, varint 5
  const SentencePieceModel again = parse_sentencepiece_model(serialize_sentencepiece_model(m), "edited");
  EXPECT_EQ(again, m);
  EXPECT_EQ(again.trainer_spec.pad_id, -7);

  const embedkit::testing::ScratchDir dir;
  const auto tok = SentencePieceTokenizer::from_model(m, "edited");
  const std::string path = (dir.path() / "edited.model").string();
  tok->save(path);
  const auto loaded = SentencePieceTokenizer::from_bytes(read_file(path), path);
  EXPECT_EQ(loaded->model(), m);
  EXPECT_EQ(loaded->encode("Hello world").ids, tok->encode("Hello world").ids);
  EXPECT_EQ(tok->encode("Hello").pieces.front(), "H");  // no dummy prefix now
}

std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}
std::string field(std::uint32_t number, std::string_view payload) {
  return varint((std::uint64_t{number} << 3) | 2) + varint(payload.size()) + std::string(payload);
}
std::string piece(std::string_view text, int type) {
  return field(1, field(1, text) + std::string("\x15\x00\x00\x80\xBF", 5) + varint(3 << 3) + varint(type));
}

std::string error_of_parse(const std::string& bytes) {
  try {
    (void)parse_sentencepiece_model(bytes, "hostile.model");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SentencePieceModel, HostileFilesAreFormatErrorsThatSayWhat) {
  const std::string unk = piece("<unk>", 2);
  const std::string a = piece("a", 1);
  EXPECT_EQ(parse_sentencepiece_model(unk + a, "ok").pieces.size(), 2U);
  EXPECT_FLOAT_EQ(parse_sentencepiece_model(unk + a, "ok").pieces[1].score, -1.0F);

  EXPECT_NE(error_of_parse(a).find("no unknown piece"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + a + a).find("defined twice"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + piece("<unk2>", 2)).find("second unknown"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + piece("", 1)).find("empty"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + piece("x", 9)).find("not a SentencePiece type"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + piece("<0x41>", 6)).find("without byte_fallback"), std::string::npos);
  const std::string byte_fallback = field(2, std::string("\x98\x02\x01", 3));  // trainer_spec{35: true}
  EXPECT_NE(error_of_parse(unk + piece("<0x41>", 6) + byte_fallback).find("<0x00> is missing"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + piece("<0x4g>", 6) + byte_fallback).find("not one of"), std::string::npos);
  std::string all_bytes = unk;
  for (int b = 0; b < 256; ++b) all_bytes += piece(byte_piece_name(static_cast<unsigned char>(b)), 6);
  EXPECT_EQ(parse_sentencepiece_model(all_bytes + byte_fallback, "ok").pieces.size(), 257U);
  EXPECT_NE(error_of_parse(all_bytes + piece("<0x41>", 6) + byte_fallback).find("twice"), std::string::npos);

  // Wire-level damage.
  EXPECT_NE(error_of_parse(unk + "\x0a").find("truncated varint"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + "\x0a\xFF\xFF\xFF\xFF\x0F" "abc").find("runs past the end"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + std::string(11, '\xFF')).find("longer than 10 bytes"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + "\x08\x01").find("pieces (field 1) is varint"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + "\x12\x02\x18\x09").find("model_type 9"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + std::string("\x12\x02\x1d\x00", 4)).find("runs past the end"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + std::string("\x12\x05\x25\x00\x00\x00\x00", 7)).find("vocab_size (field 4) is fixed32"),
            std::string::npos);
  EXPECT_NE(error_of_parse(unk + "\x0e").find("invalid wire type 6"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + "\x0c").find("without its start"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + "\x53\x08\x01").find("not closed"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + std::string(1, '\0')).find("field number 0"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + std::string(100, '\x53')).find("nested too deep"), std::string::npos);
  EXPECT_NE(error_of_parse(unk + std::string("\x12\x00\x12\x00", 4)).find("second trainer_spec"), std::string::npos);
  // Unknown fields of every wire type are skipped and kept.
  const std::string unknown = std::string("\xA0\x06\x01", 3) + "\xA1\x06" + std::string(8, 'x') + "\xA5\x06" +
                              "abcd" + "\xA2\x06\x02hi" + "\xA3\x06\x08\x01\xA4\x06";
  const SentencePieceModel m = parse_sentencepiece_model(unk + unknown, "ok");
  EXPECT_EQ(m.other_fields.size(), 5U);
  EXPECT_EQ(serialize_sentencepiece_model(m), unk + unknown);
}

TEST(SentencePieceModel, TruncatedAtEveryByteThrowsOrLoadsAConsistentPrefix) {
  const std::string bytes = data_file("spm_bpe_bytes.model");
  std::size_t loaded = 0;
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    const std::string_view prefix = std::string_view(bytes).substr(0, size);
    try {
      const auto tok = SentencePieceTokenizer::from_bytes(prefix, "cut.model");
      ++loaded;
      // A prefix that parses is a smaller, valid model: it must encode and decode sanely.
      const Encoding e = tok->encode("Hello world, \xE2\x98\x83!");
      for (const auto& [b, end] : e.offsets) ASSERT_LE(end, 17U);
      (void)tok->decode(e.ids);
      EXPECT_EQ(serialize_sentencepiece_model(tok->model()), std::string(prefix));
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.model"), std::string::npos) << e.what();
    }
  }
  // Cuts between whole pieces before byte_fallback is read parse (most are refused, though).
  EXPECT_GT(loaded, 0U);
  EXPECT_LT(loaded, bytes.size() / 2);
}

TEST(SentencePieceModel, RandomByteFlipsNeverCrash) {
  const std::string bytes = data_file("spm_unigram_suffix.model");
  std::mt19937 rng(7);
  int refused = 0;
  for (int round = 0; round < 300; ++round) {
    std::string b = bytes;
    for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    try {
      const auto tok = SentencePieceTokenizer::from_bytes(b, "flipped.model");
      (void)tok->decode(tok->encode("1234 héllo wörld \xF0\x9F\x98\x80  x").ids);
    } catch (const FormatError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
}

// ---------------------------------------------------------------- the shared loops

TEST(SentencePieceSharedLoops, PrefixIndexFindsEveryPrefixShortestFirst) {
  const PiecePrefixIndex index({{"a", 1}, {"ab", 2}, {"abc", 3}, {"b", 4}, {"\xE2\x96\x81", 5}, {"abd", 6}});
  std::vector<std::pair<std::int32_t, std::size_t>> found;
  index.for_each_prefix("xabcd", 1, [&](std::int32_t id, std::size_t n) { found.emplace_back(id, n); });
  EXPECT_EQ(found, (std::vector<std::pair<std::int32_t, std::size_t>>{{1, 1}, {2, 2}, {3, 3}}));
  EXPECT_EQ(index.longest_prefix("\xE2\x96\x81z"), std::optional<std::size_t>(3));
  EXPECT_EQ(index.longest_prefix("\xE2\x96"), std::nullopt);
  EXPECT_EQ(PiecePrefixIndex().longest_prefix("a"), std::nullopt);
}

TEST(SentencePieceSharedLoops, LatticeComparesUnroundedSumsWhenPieceScoresAreWider) {
  // Two paths to byte 2 whose float sums are equal but whose double sums differ: with double
  // piece scores the second (better unrounded) wins, as in SentencePiece; with float the first.
  const float big = 16777216.0F;  // 2^24: adding 1 in float rounds away
  auto prefixes = [&](std::string_view, std::size_t begin, auto&& emit) {
    if (begin == 0) {
      emit(1, 1, big);       // "a"
      emit(2, 2, big);       // "ab": reaches byte 2 first
    } else {
      emit(3, 1, 1.0F);      // "b": big + 1 == big in float, > big in double
    }
  };
  const auto as_float = best_segmentation<float>("ab", -100.0F, prefixes);
  ASSERT_EQ(as_float.size(), 1U);
  EXPECT_EQ(as_float[0].id, 2);
  auto wide_prefixes = [&](std::string_view text, std::size_t begin, auto&& emit) {
    prefixes(text, begin, [&](std::int32_t id, std::size_t n, float s) { emit(id, n, static_cast<double>(s)); });
  };
  const auto as_double = best_segmentation<float, double>("ab", -100.0F, wide_prefixes);
  ASSERT_EQ(as_double.size(), 2U);
  EXPECT_EQ(as_double[1].id, 3);
  // No piece at all: unknown nodes of one character each.
  const auto unknown = best_segmentation<float, double>("\xC3\xA9x", -1.0F, [](std::string_view, std::size_t, auto&&) {});
  ASSERT_EQ(unknown.size(), 2U);
  EXPECT_EQ(unknown[0].end, 2U);
  EXPECT_EQ(unknown[1].id, kUnknownNode);
  EXPECT_TRUE(best_segmentation<float>("", -1.0F, [](std::string_view, std::size_t, auto&&) {}).empty());
}

TEST(SentencePieceTokenizer, WordByWordUnigramKeepsTheSentencesChoiceOnNearTies) {
  // The tokenizer segments Unigram word by word from a cache, while SentencePiece walks the whole
  // sentence with a float running score: after many words that score is large, its rounding can
  // flip a near tie inside a later word. Build such a tie (the word "▁xy": "▁x"+"y" against
  // "▁"+"xy", scores a hair apart) after 400 words of -7 each, find a hair for which walking the
  // word alone and walking the sentence disagree, and check that encode() gives the sentence's.
  const std::string space = "\xE2\x96\x81";
  std::string text;
  std::string normalized;
  for (int i = 0; i < 400; ++i) {
    text += "z ";
    normalized += space + "z";
  }
  text += "xy";
  normalized += space + "xy";
  bool found_a_flip = false;
  for (int step = -200; step <= 200 && !found_a_flip; ++step) {
    const float hair = static_cast<float>(step) * 1e-6F;
    SentencePieceModel model;
    model.normalizer_spec.name = "identity";
    auto add = [&](std::string piece, float score, SentencePieceType type = SentencePieceType::normal) {
      model.pieces.push_back({std::move(piece), score, type, 0, {}});
    };
    add("<unk>", 0, SentencePieceType::unknown);
    add(space + "z", -7.0F);
    add(space + "x", -3.0F);
    add("y", -2.0F);
    add(space, -1.0F);
    add("xy", -4.0F + hair);
    const auto tok = SentencePieceTokenizer::from_model(model, "near-tie");
    const auto score_of = [&](std::int32_t id) { return static_cast<double>(model.pieces[static_cast<std::size_t>(id)].score); };
    std::vector<std::pair<std::string, std::int32_t>> entries;
    for (std::int32_t id = 1; id < 6; ++id) entries.emplace_back(model.pieces[static_cast<std::size_t>(id)].piece, id);
    const PiecePrefixIndex index(entries);
    auto prefixes = [&](std::string_view t, std::size_t begin, auto&& emit) {
      index.for_each_prefix(t, begin, [&](std::int32_t id, std::size_t n) { emit(id, n, score_of(id)); });
    };
    auto ids_of = [](const std::vector<LatticeNode>& path) {
      std::vector<std::int32_t> ids;
      for (const LatticeNode& node : path) ids.push_back(node.id);
      return ids;
    };
    const float unk = -7.0F - 10.0F;
    const std::vector<std::int32_t> sentence = ids_of(best_segmentation<float, double>(normalized, unk, prefixes));
    const std::vector<std::int32_t> word_alone =
        ids_of(best_segmentation<float, double>(space + "xy", unk, prefixes));
    const std::vector<std::int32_t> last_word(sentence.end() - static_cast<std::ptrdiff_t>(word_alone.size()),
                                               sentence.end());
    if (last_word == word_alone && sentence.size() == 400 + word_alone.size()) continue;
    found_a_flip = true;
    EXPECT_EQ(tok->encode(text).ids, sentence) << "hair " << hair;
  }
  EXPECT_TRUE(found_a_flip) << "no score made the word's own walk and the sentence's disagree";
}

TEST(SentencePieceSharedLoops, MergeAgendaPrefersBestScoreThenLeftmostAndKeepsFrozen) {
  // "aaa": pairs (0,1) and (1,2) tie; the left one merges. A frozen symbol never merges.
  std::vector<MergeSymbol> s{{0, 1, 1}, {1, 1, 1}, {2, 1, 1}};
  auto aa = [](const MergeSymbol& l, const MergeSymbol& r) -> std::optional<MergeCandidate<float>> {
    if (l.length == 1 && r.length == 1) return MergeCandidate<float>{-1.0F, 7};
    return std::nullopt;
  };
  merge_symbols<float>(s, aa);
  ASSERT_EQ(s.size(), 2U);
  EXPECT_EQ(s[0].length, 2U);
  EXPECT_EQ(s[0].id, 7);
  std::vector<MergeSymbol> f{{0, 1, 1, true}, {1, 1, 1}, {2, 1, 1}};
  merge_symbols<float>(f, aa);
  ASSERT_EQ(f.size(), 2U);
  EXPECT_EQ(f[0].length, 1U);
  EXPECT_EQ(f[1].length, 2U);
}

}  // namespace
}  // namespace embedkit::tokenize
