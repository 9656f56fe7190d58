// Hugging Face model folders as vectors: known answers from torch (tests/unit/io/data/
// make_huggingface_models.py wrote the folders and reference.json: rows as torch reads them in
// float32, and the mean of the pieces' rows of unseen words), conversions that keep the
// tokenizer, and models that lie.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "embedkit/core/error.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/tokenize/subword_tokenizer.h"
#include "io/safetensors_file.h"
#include "test_files.h"

namespace embedkit {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::read_file;
using testing::ScratchDir;
using testing::source_file;

std::string model_folder(std::string_view name) {
  return source_file(std::string("tests/unit/io/data/huggingface/") + std::string(name)).string();
}

// Ordered: the rows are listed in the tokenizer's id order.
const nlohmann::ordered_json& reference() {
  static const nlohmann::ordered_json json = nlohmann::ordered_json::parse(read_file(model_folder("reference.json")));
  return json;
}

// The stored row (not vector(), whose sum from zero turns -0 into +0).
std::vector<float> row_of(const WordVectors& wv, std::string_view word) {
  const std::optional<TokenId> id = wv.words().find(word);
  EXPECT_TRUE(id.has_value()) << word;
  if (!id) return {};
  const float* row = wv.table().data() + static_cast<std::size_t>(*id) * wv.table().stride();
  return {row, row + wv.dim()};
}

// A safetensors file of `tensors` (name, dtype, shape, raw bytes), in that order.
struct Tensor {
  std::string name;
  std::string dtype;
  std::vector<std::uint64_t> shape;
  std::string bytes;
};
std::string safetensors(const std::vector<Tensor>& tensors, const nlohmann::json& metadata = nullptr) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.is_null()) header["__metadata__"] = metadata;
  std::string data;
  for (const Tensor& t : tensors) {
    header[t.name] = {{"dtype", t.dtype},
                      {"shape", t.shape},
                      {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
    data += t.bytes;
  }
  const std::string text = header.dump();
  const std::uint64_t size = text.size();
  return std::string(reinterpret_cast<const char*>(&size), 8) + text + data;
}

std::string f32_bytes(const std::vector<float>& values) {
  return {reinterpret_cast<const char*>(values.data()), values.size() * 4};
}

// `rows` x `dim` float32 values i * 0.25 - 1 (distinct, exact).
std::string f32_rows(std::size_t rows, std::size_t dim) {
  std::vector<float> v(rows * dim);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.25F - 1.0F;
  return f32_bytes(v);
}

// A scratch copy of the bert-f32 folder, to break.
struct BrokenModel {
  ScratchDir dir;
  std::string path = (dir.path() / "model").string();
  BrokenModel() {
    fs::create_directory(path);
    fs::copy_file(model_folder("bert-f32/tokenizer.json"), path + "/tokenizer.json");
  }
  void model(const std::string& bytes, std::string_view name = "model.safetensors") const {
    (void)dir.write(std::string("model/") + std::string(name), bytes);
  }
};

TEST(HuggingFaceVectors, RowsAreWhatTorchReadsInEveryDtype) {
  for (const auto& [name, ref] : reference().items()) {
    SCOPED_TRACE(name);
    const WordVectors wv = load_vectors(model_folder(name));
    EXPECT_EQ(wv.metadata.at("format"), "huggingface");
    EXPECT_EQ(wv.metadata.at("huggingface.tensor"), ref["tensor"].get<std::string>());
    EXPECT_EQ(wv.metadata.at("huggingface.dtype"), ref["dtype"].get<std::string>());
    EXPECT_EQ(wv.metadata.at("huggingface.padding_rows"), std::to_string(ref["padding_rows"].get<int>()));
    EXPECT_EQ(wv.metadata.at("source"), model_folder(name));
    ASSERT_EQ(wv.size(), ref["rows"].size()) << "one word per piece, the padding left out";
    ASSERT_EQ(wv.dim(), 8U);
    ASSERT_TRUE(wv.piece_tokenizer().has_value());
    std::size_t id = 0;
    for (const auto& [piece, values] : ref["rows"].items()) {
      const std::vector<float> row = row_of(wv, piece);
      for (std::size_t d = 0; d < row.size(); ++d) {
        const auto expected = static_cast<float>(values[d].get<double>());
        EXPECT_EQ(row[d], expected) << piece << " column " << d;  // exact: the conversion is lossless
        EXPECT_EQ(std::signbit(row[d]), std::signbit(expected)) << piece << " column " << d;
      }
      EXPECT_EQ(wv.words().find(piece), static_cast<TokenId>(id++)) << "words in the tokenizer's id order";
    }
  }
}

TEST(HuggingFaceVectors, UnseenWordsAreTheMeanOfTheirPieces) {
  for (const auto& [name, ref] : reference().items()) {
    SCOPED_TRACE(name);
    const WordVectors wv = load_vectors(model_folder(name));
    for (const auto& [word, expected] : ref["unseen"].items()) {
      ASSERT_FALSE(wv.words().find(word).has_value()) << word;
      const Encoding pieces = wv.piece_tokenizer()->tokenizer->encode(word, {.add_special_tokens = false});
      EXPECT_EQ(pieces.pieces, expected["pieces"].get<std::vector<std::string>>()) << word;
      std::vector<float> v(wv.dim());
      EXPECT_EQ(wv.vector(word, v), WordVectors::Source::from_subwords) << word;
      for (std::size_t d = 0; d < v.size(); ++d) {
        const auto want = static_cast<float>(expected["vector"][d].get<double>());
        EXPECT_NEAR(v[d], want, 1e-6F * std::max(1.0F, std::abs(want))) << word << " column " << d;
      }
    }
    // No pieces, no vector: ill-formed UTF-8 and the empty word.
    std::vector<float> v(wv.dim(), 1.0F);
    EXPECT_EQ(wv.vector("\xff", v), WordVectors::Source::unknown);
    EXPECT_EQ(v, std::vector<float>(wv.dim(), 0.0F));
    EXPECT_EQ(wv.vector("", v), WordVectors::Source::unknown);
  }
}

TEST(HuggingFaceVectors, ATensorByNameAndASingleFileWithItsTokenizer) {
  // The model's output matrix instead of its input embeddings: padded the same way.
  const WordVectors head = load_vectors(model_folder("llama-f16"), {.tensor = "lm_head.weight"});
  EXPECT_EQ(head.metadata.at("huggingface.tensor"), "lm_head.weight");
  EXPECT_EQ(head.metadata.at("huggingface.padding_rows"), "8");
  // A model file read directly: its folder's tokenizer, or one named.
  const std::string file = model_folder("gpt2-bf16/model.safetensors");
  const WordVectors direct = load_vectors(file);
  EXPECT_EQ(direct.metadata.at("format"), "huggingface");
  EXPECT_EQ(row_of(direct, "cat"), row_of(load_vectors(model_folder("gpt2-bf16")), "cat"));
  ScratchDir dir;
  const std::string alone = dir.write("alone.safetensors", read_file(file));
  EXPECT_NE(error_of([&] { (void)load_vectors(alone); }).find("expected one tensor"), std::string::npos)
      << "no tokenizer beside it: plain safetensors, which lists what it holds";
  const std::string tokenizer = model_folder("gpt2-bf16/tokenizer.json");
  EXPECT_EQ(row_of(load_vectors(alone, {.tokenizer_path = tokenizer}), "cat"), row_of(direct, "cat"));
  // From bytes in memory, as the fuzz target reads them.
  const WordVectors parsed =
      parse_vectors(read_file(file), "x", {.format = VectorFormat::huggingface, .tokenizer_path = tokenizer});
  EXPECT_EQ(row_of(parsed, "cat"), row_of(direct, "cat"));
  EXPECT_NE(error_of([&] { (void)parse_vectors(read_file(file), "x", {.format = VectorFormat::huggingface}); })
                .find("need its tokenizer"),
            std::string::npos);
  // A limit keeps the first pieces.
  EXPECT_EQ(load_vectors(model_folder("bert-f32"), {.limit = 7}).size(), 7U);
  EXPECT_EQ(parse_vector_format("hf"), VectorFormat::huggingface);
  EXPECT_EQ(vector_format_name(VectorFormat::huggingface), "huggingface");
}

TEST(HuggingFaceVectors, NativeAndSafetensorsKeepTheTokenizerOthersDropIt) {
  const WordVectors wv = load_vectors(model_folder("sharded"));
  std::vector<float> want(wv.dim());
  ASSERT_EQ(wv.vector("households", want), WordVectors::Source::from_subwords);
  ScratchDir dir;
  for (const char* name : {"v.ekv", "v.safetensors", "v.vec"}) {
    SCOPED_TRACE(name);
    const std::string path = (dir.path() / name).string();
    save_vectors(wv, path, {.format = VectorFormat::detect});
    const WordVectors back = load_vectors(path);
    EXPECT_EQ(back.size(), wv.size());
    EXPECT_EQ(row_of(back, "##hold"), row_of(wv, "##hold"));
    std::vector<float> v(wv.dim());
    const bool keeps = std::string_view(name) != "v.vec";
    EXPECT_EQ(keeps_piece_tokenizer(output_format(path, VectorFormat::detect)), keeps);
    EXPECT_EQ(back.vector("households", v), keeps ? WordVectors::Source::from_subwords : WordVectors::Source::unknown);
    if (keeps) {
      EXPECT_EQ(v, want);
      EXPECT_FALSE(back.metadata.contains("embedkit.tokenizer")) << "the stored tokenizer is not metadata";
      EXPECT_EQ(back.metadata.at("huggingface.tensor"), "model.embed_tokens.weight");
    }
  }
  EXPECT_NE(error_of([&] { save_vectors(wv, (dir.path() / "x").string(), {.format = VectorFormat::huggingface}); })
                .find("does not write them"),
            std::string::npos);
}

TEST(HuggingFaceVectors, SentencePieceFolder) {
  ScratchDir dir;
  const std::string path = (dir.path() / "t5").string();
  fs::create_directory(path);
  fs::copy_file(source_file("tests/unit/tokenize/data/spm_bpe_plain.model"), path + "/spiece.model");
  const auto tokenizer = SubwordTokenizer::load(path + "/spiece.model");
  const std::size_t vocab = tokenizer->vocab_size();
  (void)dir.write("t5/model.safetensors",
                  safetensors({{"encoder.embed_tokens.weight", "F32", {vocab, 4}, f32_rows(vocab, 4)},
                               {"shared.weight", "F32", {vocab, 4}, f32_rows(vocab, 4)}}));
  const WordVectors wv = load_vectors(path);
  EXPECT_EQ(wv.metadata.at("huggingface.tensor"), "shared.weight") << "T5's shared matrix before the encoder's";
  EXPECT_EQ(wv.metadata.at("huggingface.tokenizer"), path + "/spiece.model");
  // The mean of the rows of the pieces SentencePiece splits the word into.
  const std::string word = "untokenizable";
  const Encoding pieces = tokenizer->encode(word, {.add_special_tokens = false});
  ASSERT_GT(pieces.size(), 1U);
  std::vector<float> want(4, 0.0F);
  for (const std::string& piece : pieces.pieces) {
    const std::vector<float> r = row_of(wv, piece);
    for (std::size_t d = 0; d < 4; ++d) want[d] += r[d] / static_cast<float>(pieces.size());
  }
  std::vector<float> v(4);
  EXPECT_EQ(wv.vector(word, v), WordVectors::Source::from_subwords);
  for (std::size_t d = 0; d < 4; ++d) EXPECT_NEAR(v[d], want[d], 1e-6F * std::max(1.0F, std::abs(want[d])));
}

TEST(HuggingFaceVectors, PiecesNoWordCanBeAreLeftOut) {
  ScratchDir dir;
  fs::create_directory(dir.path() / "m");
  // A WordLevel tokenizer whose vocabulary holds a TAB piece and a gap in its ids (3).
  (void)dir.write("m/tokenizer.json",
                  R"({"version":"1.0","added_tokens":[],"normalizer":null,"pre_tokenizer":{"type":"WhitespaceSplit"},)"
                  R"("post_processor":null,"decoder":null,"model":{"type":"WordLevel","unk_token":"[UNK]",)"
                  R"("vocab":{"[UNK]":0,"a":1,"\t":2,"b":4}}})");
  (void)dir.write("m/model.safetensors", safetensors({{"word_embeddings.weight", "F32", {6, 2}, f32_rows(6, 2)}}));
  const WordVectors wv = load_vectors((dir.path() / "m").string());
  ASSERT_EQ(wv.size(), 3U);
  EXPECT_EQ(wv.words().word(2), "b");
  EXPECT_EQ(row_of(wv, "b"), (std::vector<float>{1.0F, 1.25F})) << "row 4: ids, not positions, pick rows";
  EXPECT_EQ(wv.metadata.at("huggingface.dropped_pieces"), "1 (ids 2: control characters, empty or repeated)");
  EXPECT_EQ(wv.metadata.at("huggingface.padding_rows"), "1");
}

TEST(HuggingFaceVectors, Bfloat16ConvertsExactly) {
  using detail::bfloat16_to_float;
  EXPECT_EQ(bfloat16_to_float(0x3F80), 1.0F);
  EXPECT_EQ(bfloat16_to_float(0xC000), -2.0F);
  EXPECT_EQ(bfloat16_to_float(0x0001), std::ldexp(1.0F, -133)) << "the smallest subnormal";
  EXPECT_EQ(bfloat16_to_float(0x7F80), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(bfloat16_to_float(0x7FC1)));
  EXPECT_TRUE(std::signbit(bfloat16_to_float(0x8000)));
}

// ---- models that lie, or are missing parts: a FormatError naming the file and the problem ----

TEST(HuggingFaceVectors, MissingPartsAreNamed) {
  BrokenModel m;
  EXPECT_EQ(error_of([&] { (void)load_vectors(m.path); }),
            m.path + ": not a Hugging Face model folder: no model.safetensors or model.safetensors.index.json");
  (void)m.dir.write("model/pytorch_model.bin", "pickle");
  EXPECT_NE(error_of([&] { (void)load_vectors(m.path); }).find("is a Python pickle"), std::string::npos);
  fs::remove(m.path + "/tokenizer.json");
  m.model(read_file(model_folder("bert-f32/model.safetensors")));
  EXPECT_NE(error_of([&] { (void)load_vectors(m.path); }).find(m.path + ": no tokenizer in the model folder"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)load_vectors(m.path, {.format = VectorFormat::glove}); }).find("a folder holds no"),
            std::string::npos);
}

TEST(HuggingFaceVectors, TruncatedOrLyingFilesFailCleanly) {
  BrokenModel m;
  const std::string good = read_file(model_folder("bert-f32/model.safetensors"));
  const std::string file = m.path + "/model.safetensors";
  auto error = [&](const std::string& bytes, const LoadOptions& options = {}) {
    m.model(bytes);
    return error_of([&] { (void)load_vectors(m.path, options); });
  };
  // Cut anywhere: in the size, the header or the data.
  for (const std::size_t cut : {std::size_t{3}, std::size_t{200}, good.size() - 1}) {
    const std::string message = error(good.substr(0, cut));
    EXPECT_EQ(message.rfind(file + ": byte ", 0), 0U) << cut << ": " << message;
  }
  const std::uint64_t v = 32;
  // A shape that says more than its bytes hold, or a dtype of another width.
  EXPECT_NE(error(safetensors({{"wte.weight", "F32", {v, 9}, f32_rows(v, 8)}})).find("does not match its data range"),
            std::string::npos);
  EXPECT_NE(error(safetensors({{"wte.weight", "F16", {v, 8}, f32_rows(v, 8)}})).find("does not match its data range"),
            std::string::npos);
  // Offsets past the buffer, and shapes whose size overflows 64 bits (no allocation first).
  std::string lying = safetensors({{"wte.weight", "F32", {v, 8}, f32_rows(v, 8)}});
  lying.resize(lying.size() - 4);
  EXPECT_NE(error(lying).find("does not match its data range"), std::string::npos);
  EXPECT_NE(error(safetensors({{"wte.weight", "F32", {std::uint64_t{1} << 40U, std::uint64_t{1} << 30U}, "1234"}}))
                .find("does not match its data range"),
            std::string::npos);
  // A dtype embedkit does not read, a matrix smaller than the vocabulary, a NaN.
  EXPECT_EQ(error(safetensors({{"wte.weight", "I32", {v, 8}, f32_rows(v, 8)}})),
            file + ": byte 8: tensor wte.weight has dtype I32; F32, F16, BF16 and F64 are supported");
  EXPECT_NE(error(safetensors({{"wte.weight", "F32", {v - 1, 8}, f32_rows(v - 1, 8)}}))
                .find("has 31 rows, fewer than the 32 pieces of the tokenizer"),
            std::string::npos);
  std::string nan(v * 8 * 2, '\0');
  nan[5 * 16 + 2] = '\xC0';
  nan[5 * 16 + 3] = '\x7F';  // row 5 ("the"), column 1: bfloat16 0x7FC0
  const std::string with_nan = safetensors({{"wte.weight", "BF16", {v, 8}, nan}});
  EXPECT_NE(error(with_nan).find("tensor \"wte.weight\" row 5 column 1 is nan"), std::string::npos);
  EXPECT_EQ(error(with_nan, {.allow_non_finite = true}), "(no error)");
}

TEST(HuggingFaceVectors, TheTensorIsFoundOrTheCandidatesListed) {
  BrokenModel m;
  auto error = [&](const std::string& bytes, const LoadOptions& options = {}) {
    m.model(bytes);
    return error_of([&] { (void)load_vectors(m.path, options); });
  };
  const std::uint64_t v = 32;
  const std::string none = safetensors({{"encoder.layer.0.weight", "F32", {v, 8}, f32_rows(v, 8)},
                                        {"encoder.norm", "F32", {8}, f32_rows(1, 8)}});
  EXPECT_NE(error(none).find("no tensor has a usual token embedding name; name one (CLI: --tensor) of the 2-D "
                             "tensors: encoder.layer.0.weight [32, 8] F32"),
            std::string::npos);
  EXPECT_EQ(error(none, {.tensor = "encoder.layer.0.weight"}), "(no error)");
  EXPECT_NE(error(none, {.tensor = "encoder.norm"}).find("not a 2-D tensor: \"encoder.norm\""), std::string::npos);
  EXPECT_NE(error(none, {.tensor = "nope"}).find("no tensor \"nope\"; the 2-D tensors: encoder.layer.0.weight"),
            std::string::npos);
  // An unknown prefix on a usual name is found; two of them are not guessed between.
  EXPECT_EQ(error(safetensors({{"my.bert.embeddings.word_embeddings.weight", "F32", {v, 8}, f32_rows(v, 8)}})),
            "(no error)");
  EXPECT_NE(error(safetensors({{"a.embed_tokens.weight", "F32", {v, 8}, f32_rows(v, 8)},
                               {"b.embed_tokens.weight", "F32", {v, 8}, f32_rows(v, 8)}}))
                .find("several tensors could be the token embeddings (a.embed_tokens.weight, b.embed_tokens.weight)"),
            std::string::npos);
}

TEST(HuggingFaceVectors, AnIndexMustNameShardsInTheFolderThatHoldTheTensor) {
  BrokenModel m;
  const std::string shard = read_file(model_folder("sharded/model-00002-of-00002.safetensors"));
  m.model(shard, "model-00002-of-00002.safetensors");
  auto error = [&](const std::string& index) {
    m.model(index, "model.safetensors.index.json");
    return error_of([&] { (void)load_vectors(m.path); });
  };
  const std::string index = m.path + "/model.safetensors.index.json";
  EXPECT_EQ(error(R"({"weight_map":{"model.embed_tokens.weight":"model-00002-of-00002.safetensors"}})"), "(no error)");
  EXPECT_EQ(error(R"({"weight_map":{"model.embed_tokens.weight":"../../etc/passwd"}})"),
            index + ": weight_map[\"model.embed_tokens.weight\"] = \"../../etc/passwd\" is not a file name in the "
                    "model's folder");
  EXPECT_EQ(error(R"({"weight_map":{"lm_head.weight":"model-00002-of-00002.safetensors",)"
                  R"("model.embed_tokens.weight":"model-00002-of-00002.safetensors",)"
                  R"("wte.weight":"model-00002-of-00002.safetensors"}})"),
            "(no error)")
      << "the usual names in order: model.embed_tokens.weight first";
  EXPECT_EQ(error(R"({"weight_map":{"wte.weight":"model-00002-of-00002.safetensors"}})"),
            m.path + "/model-00002-of-00002.safetensors: the index " + index +
                " places tensor \"wte.weight\" here, but the file does not hold it");
  EXPECT_NE(error(R"({"weight_map":{"model.embed_tokens.weight":"missing.safetensors"}})").find("missing.safetensors"),
            std::string::npos);
  EXPECT_EQ(error(R"([1, 2])"), index + ": not a JSON object with a \"weight_map\" object");
  EXPECT_EQ(error(R"({"weight_map":{"x.weight":"model-00002-of-00002.safetensors"}})"),
            index + ": no tensor has a usual token embedding name; name one (CLI: --tensor) of the 2-D tensors: "
                    "lm_head.weight [32, 8] BF16, model.embed_tokens.weight [32, 8] BF16");
}

TEST(HuggingFaceVectors, AStoredTokenizerThatIsNotOneIsAFormatError) {
  const std::string file = safetensors({{"embeddings", "F32", {1, 2}, f32_rows(1, 2)}},
                                       {{"embedkit.words", "a"}, {"embedkit.tokenizer", "not base64!"}});
  EXPECT_EQ(error_of([&] { (void)parse_vectors(file, "x.safetensors", {}); }),
            "x.safetensors: metadata embedkit.tokenizer: not base64 (it holds the tokenizer whose pieces are the "
            "words)");
  const std::string garbage = safetensors({{"embeddings", "F32", {1, 2}, f32_rows(1, 2)}},
                                          {{"embedkit.words", "a"}, {"embedkit.tokenizer", "AAAA"}});
  EXPECT_NE(error_of([&] { (void)parse_vectors(garbage, "x.safetensors", {}); }).find("its stored tokenizer"),
            std::string::npos);
}

}  // namespace
}  // namespace embedkit
