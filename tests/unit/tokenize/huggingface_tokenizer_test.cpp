// Hugging Face tokenizer.json files: the ids, offsets and decoded text of Hugging Face's own
// library (known answers made by data/make_huggingface_reference.sh with the npm package
// `tokenizers`) on text the tokenizers were not trained on, plus the rules behind them.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "embedkit/core/error.h"
#include "embedkit/tokenize/subword_tokenizer.h"

namespace embedkit {
namespace {

std::string data_path(const std::string& name) {
  return std::string(EMBEDKIT_SOURCE_DIR) + "/tests/unit/tokenize/data/" + name;
}

std::vector<nlohmann::json> reference_rows() {
  std::ifstream in(data_path("hf-reference.jsonl"));
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

/// Lines (of the reference's) where embedkit's ids, code-point offsets or decoded text differ.
void expect_same_as_huggingface(const std::string& file) {
  const auto tok = SubwordTokenizer::load(data_path(file));
  const auto rows = reference_rows();
  ASSERT_GE(rows.size(), 100u);
  std::size_t same = 0;
  for (const auto& row : rows) {
    const std::string text = row["text"];
    const auto& want = row[file];
    const Encoding e = tok->encode(text);
    std::vector<std::size_t> offsets;
    for (auto [b, end] : code_point_offsets(text, e.offsets)) {
      offsets.push_back(b);
      offsets.push_back(end);
    }
    const std::string decoded = tok->decode(e.ids);
    const bool ok = e.ids == want["ids"].get<std::vector<std::int32_t>>() &&
                    offsets == want["offsets"].get<std::vector<std::size_t>>() &&
                    decoded == want["decoded"].get<std::string>();
    if (ok) {
      ++same;
    } else {
      ADD_FAILURE() << file << " differs on: " << text << "\n want ids " << want["ids"].dump() << "\n got  ids "
                    << nlohmann::json(e.ids).dump() << "\n want offsets " << want["offsets"].dump() << "\n got  offsets "
                    << nlohmann::json(offsets).dump() << "\n want decoded " << want["decoded"].dump()
                    << "\n got  decoded " << nlohmann::json(decoded).dump();
    }
  }
  EXPECT_EQ(same, rows.size());
}

TEST(HuggingFaceTokenizer, WordPieceEqualsHuggingFaceOnHeldOutLines) { expect_same_as_huggingface("hf-wordpiece.json"); }
TEST(HuggingFaceTokenizer, BpeEqualsHuggingFaceOnHeldOutLines) { expect_same_as_huggingface("hf-bpe.json"); }
TEST(HuggingFaceTokenizer, ByteLevelBpeEqualsHuggingFaceOnHeldOutLines) {
  expect_same_as_huggingface("hf-bytelevel-bpe.json");
}
TEST(HuggingFaceTokenizer, UnigramEqualsHuggingFaceOnHeldOutLines) { expect_same_as_huggingface("hf-unigram.json"); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Variants of the trained files (hf-rules.json: other normalizers, pre-tokenizers, added tokens
// with lstrip/rstrip/single_word, post-processors, decoders), against the library's answers:
// with and without special tokens, decoded with and without them, and as pairs.
TEST(HuggingFaceTokenizer, RulesEqualHuggingFaceOnEveryVariant) {
  const auto rules = nlohmann::json::parse(read_file(data_path("hf-rules.json")));
  std::map<std::string, std::vector<nlohmann::json>> rows;
  std::ifstream in(data_path("hf-rules-reference.jsonl"));
  for (std::string line; std::getline(in, line);) {
    auto row = nlohmann::json::parse(line);
    rows[row["rule"].get<std::string>()].push_back(std::move(row));
  }
  ASSERT_EQ(rows.size(), rules.size());
  for (const auto& [name, rule] : rules.items()) {
    SCOPED_TRACE(name);
    auto spec = nlohmann::json::parse(read_file(data_path(rule["base"].get<std::string>())));
    spec.merge_patch(rule["patch"]);
    const auto tok = SubwordTokenizer::from_bytes(spec.dump(), name);
    const auto& lines = rows.at(name);
    ASSERT_GE(lines.size(), 20u);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto& want = lines[i];
      const std::string text = want["text"];
      const std::string pair = lines[(i + 1) % lines.size()]["text"];
      SCOPED_TRACE(text);
      const Encoding e = tok->encode(text);
      EXPECT_EQ(e.ids, want["ids"].get<std::vector<std::int32_t>>());
      std::vector<std::size_t> offsets;
      for (auto [b, end] : code_point_offsets(text, e.offsets)) {
        offsets.push_back(b);
        offsets.push_back(end);
      }
      EXPECT_EQ(offsets, want["offsets"].get<std::vector<std::size_t>>());
      EXPECT_EQ(tok->decode(e.ids), want["decoded"].get<std::string>());
      EXPECT_EQ(tok->decode(e.ids, false), want["decoded_special"].get<std::string>());
      EXPECT_EQ(tok->encode(text, {.add_special_tokens = false}).ids, want["plain_ids"].get<std::vector<std::int32_t>>());
      const Encoding p = tok->encode_pair(text, pair);
      EXPECT_EQ(p.ids, want["pair_ids"].get<std::vector<std::int32_t>>());
      EXPECT_EQ(std::vector<int>(p.type_ids.begin(), p.type_ids.end()), want["pair_type_ids"].get<std::vector<int>>());
    }
  }
}

}  // namespace
}  // namespace embedkit
