// Hugging Face tokenizer.json files: the ids, offsets and decoded text of Hugging Face's own
// library (known answers made by data/make_huggingface_reference.sh with the npm package
// `tokenizers`) on text the tokenizers were not trained on, plus the rules behind them.
#include <gtest/gtest.h>

#include <fstream>
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

}  // namespace
}  // namespace embedkit
