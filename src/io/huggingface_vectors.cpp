// A Hugging Face model's input embeddings as word vectors: the token embedding matrix of its
// safetensors (one file, or shards listed by model.safetensors.index.json), one row per piece of
// its tokenizer, keyed by the piece. Only that tensor's bytes are read: a multi-GB model costs
// its embedding matrix (mapped files page in what is touched).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "embedkit/core/error.h"
#include "embedkit/core/mapped_file.h"
#include "embedkit/tokenize/subword_tokenizer.h"
#include "embedkit/vocab/vocabulary.h"
#include "formats.h"
#include "safetensors_file.h"
#include "stored_tokenizer.h"

namespace embedkit::detail {
namespace {

// Token embedding matrices as the models on the Hub name them, most common first: Llama,
// Mistral, Qwen, Gemma, Phi-3 (model.embed_tokens); BERT and its family, bare (sentence
// encoders) or under the architecture's prefix; ModernBERT; GPT-2, GPT-J, GPT-Neo, StarCoder,
// MPT; GPT-NeoX and Pythia; Falcon and BLOOM; T5 and BART (shared, then the encoder's copy);
// OPT; Meta's original Llama checkpoints; ChatGLM; Mamba; CLIP's text tower; XLNet; RWKV; Gemma 3
// and other multimodal models' language towers.
constexpr std::array<std::string_view, 36> kUsualNames = {
    "model.embed_tokens.weight",
    "embeddings.word_embeddings.weight",
    "bert.embeddings.word_embeddings.weight",
    "roberta.embeddings.word_embeddings.weight",
    "xlm-roberta.embeddings.word_embeddings.weight",
    "distilbert.embeddings.word_embeddings.weight",
    "electra.embeddings.word_embeddings.weight",
    "albert.embeddings.word_embeddings.weight",
    "deberta.embeddings.word_embeddings.weight",
    "mpnet.embeddings.word_embeddings.weight",
    "camembert.embeddings.word_embeddings.weight",
    "model.embeddings.tok_embeddings.weight",
    "embeddings.tok_embeddings.weight",
    "transformer.wte.weight",
    "wte.weight",
    "gpt_neox.embed_in.weight",
    "embed_in.weight",
    "transformer.word_embeddings.weight",
    "word_embeddings.weight",
    "shared.weight",
    "model.shared.weight",
    "encoder.embed_tokens.weight",
    "model.encoder.embed_tokens.weight",
    "decoder.embed_tokens.weight",
    "model.decoder.embed_tokens.weight",
    "embed_tokens.weight",
    "tok_embeddings.weight",
    "transformer.embedding.word_embeddings.weight",
    "backbone.embeddings.weight",
    "backbone.embedding.weight",
    "text_model.embeddings.token_embedding.weight",
    "transformer.word_embedding.weight",
    "rwkv.embeddings.weight",
    "transformer.embd.wte.weight",
    "model.language_model.embed_tokens.weight",
    "language_model.model.embed_tokens.weight",
};

// For names under a prefix the list does not know ("my_model.bert.embeddings..."): the same
// endings, most specific first.
constexpr std::array<std::string_view, 8> kUsualEndings = {
    ".embeddings.word_embeddings.weight", ".embed_tokens.weight", ".word_embeddings.weight", ".wte.weight",
    ".tok_embeddings.weight",             ".embed_in.weight",     ".token_embedding.weight", ".shared.weight",
};

// Tokenizer files in a model folder, in the order the Hub's libraries prefer them.
constexpr std::array<std::string_view, 5> kTokenizerFiles = {
    "tokenizer.json", "tokenizer.model", "spiece.model", "sentencepiece.bpe.model", "spm.model",
};

// The index of a sharded model is small (a few hundred KB for the largest); bound what is parsed.
constexpr std::size_t kMaxIndexBytes = 100'000'000;

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool is_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::string join_path(const std::string& folder, std::string_view name) {
  return folder.empty() || folder.back() == '/' ? folder + std::string(name) : folder + "/" + std::string(name);
}

std::string parent_folder(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

bool ends_with(std::string_view text, std::string_view end) {
  return text.size() >= end.size() && text.substr(text.size() - end.size()) == end;
}

// The usual token embedding name among `names`, nullopt when none fits. Throws FormatError when
// several tensors end in the same usual way (no guess between them).
std::optional<std::string> usual_tensor(const std::vector<std::string>& names, std::string_view source) {
  for (const std::string_view usual : kUsualNames) {
    if (std::find(names.begin(), names.end(), usual) != names.end()) return std::string(usual);
  }
  for (const std::string_view ending : kUsualEndings) {
    std::vector<std::string> matches;
    for (const std::string& name : names) {
      if (ends_with(name, ending)) matches.push_back(name);
    }
    EMBEDKIT_CHECK(matches.size() <= 1, FormatError,
                   fmt::format("{}: several tensors could be the token embeddings ({}); name one (CLI: --tensor)",
                               source, fmt::join(matches, ", ")));
    if (!matches.empty()) return matches[0];
  }
  return std::nullopt;
}

// "a [3, 4] F32, b [4, 4] BF16": the 2-D tensors, the candidates a user may name.
std::string list_matrices(const std::vector<const SafetensorsFile*>& files) {
  std::vector<std::string> out;
  for (const SafetensorsFile* file : files) {
    for (const SafetensorsTensor& t : file->tensors) {
      if (t.shape.size() == 2) out.push_back(t.describe());
    }
  }
  return out.empty() ? "none" : fmt::format("{}", fmt::join(out, ", "));
}

// The vectors of `tensor` (in `file`) keyed by `pieces`' pieces.
WordVectors read_embeddings(const SafetensorsFile& file, const SafetensorsTensor& tensor, const PieceTokenizer& pieces,
                            const std::string& tokenizer_source, const LoadOptions& options) {
  const std::string_view source = file.source;
  EMBEDKIT_CHECK(float_dtype_width(tensor.dtype).has_value(), FormatError,
                 fmt::format("{}: byte 8: tensor {} has dtype {}; F32, F16, BF16 and F64 are supported", source,
                             tensor.name, tensor.dtype));
  const std::uint64_t rows = tensor.shape[0];
  const std::uint64_t dim = tensor.shape[1];
  EMBEDKIT_CHECK(dim > 0 && dim <= (1U << 20U), FormatError,
                 fmt::format("{}: byte 8: tensor {}: dimension {} is outside 1 .. 1048576", source, tensor.describe(),
                             dim));
  const SubwordTokenizer& tokenizer = *pieces.tokenizer;
  const std::size_t vocab = tokenizer.vocab_size();
  EMBEDKIT_CHECK(rows >= vocab, FormatError,
                 fmt::format("{}: tensor {} has {} rows, fewer than the {} pieces of the tokenizer {} (a tokenizer "
                             "of another model?)",
                             source, tensor.describe(), rows, vocab, tokenizer_source));
  EMBEDKIT_CHECK(rows <= static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()), FormatError,
                 fmt::format("{}: tensor {} has more rows than token ids can number", source, tensor.describe()));

  // Walk the ids until every piece is found: a tokenizer's ids may have gaps, and the rows after
  // its last piece are padding (matrices are often rounded up to a multiple of 64 or 128).
  std::vector<VocabularyEntry> entries;
  std::vector<std::uint64_t> row_of;  // the tensor row of each entry
  std::vector<std::int32_t> dropped;  // ids whose piece cannot be a word, or repeats one
  std::unordered_set<std::string_view> seen;
  const std::size_t want = options.limit > 0 ? std::min(options.limit, vocab) : vocab;
  entries.reserve(want);
  row_of.reserve(want);
  seen.reserve(want);
  std::size_t found = 0;
  std::uint64_t id = 0;
  for (; id < rows && found < vocab && entries.size() < want; ++id) {
    std::string_view piece;
    try {
      piece = tokenizer.id_to_piece(static_cast<std::int32_t>(id));
    } catch (const ArgumentError&) {
      continue;  // a gap in the ids: the row belongs to no piece
    }
    ++found;
    // Pieces a vocabulary cannot hold (Gemma's "\n", "\t") or a repeat (an added token that is
    // also in the model's vocabulary) keep their row out of the vectors.
    if (find_word_problem(piece) || !seen.insert(piece).second) {
      dropped.push_back(static_cast<std::int32_t>(id));
      continue;
    }
    entries.push_back({std::string(piece), 0});
    row_of.push_back(id);
  }
  EMBEDKIT_CHECK(found == vocab || entries.size() == want, FormatError,
                 fmt::format("{}: tensor {} has {} rows, but only {} of the {} pieces of the tokenizer {} have ids "
                             "below that",
                             source, tensor.describe(), rows, found, vocab, tokenizer_source));

  EmbeddingTable table(entries.size(), dim);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    copy_tensor_rows(file, tensor, row_of[i], 1, table, i, options.allow_non_finite);
  }
  WordVectors vectors(Vocabulary::from_entries(entries, tokenizer_source), std::move(table));
  vectors.set_piece_tokenizer(pieces);
  vectors.metadata["format"] = "huggingface";
  vectors.metadata["huggingface.tensor"] = tensor.name;
  vectors.metadata["huggingface.dtype"] = tensor.dtype;
  vectors.metadata["huggingface.tensor_rows"] = std::to_string(rows);
  vectors.metadata["huggingface.tokenizer"] = tokenizer_source;
  vectors.metadata["huggingface.tokenizer_model"] = std::string(tokenizer.model_type());
  if (found == vocab && options.limit == 0) {
    // Rows after the last piece's: the matrix's padding (not read).
    vectors.metadata["huggingface.padding_rows"] = std::to_string(rows - id);
  }
  if (!dropped.empty()) {
    const std::size_t shown = std::min<std::size_t>(dropped.size(), 10);
    vectors.metadata["huggingface.dropped_pieces"] =
        fmt::format("{} (ids {}{}: control characters, empty or repeated)", dropped.size(),
                    fmt::join(dropped.begin(), dropped.begin() + static_cast<std::ptrdiff_t>(shown), ", "),
                    dropped.size() > shown ? ", ..." : "");
  }
  return vectors;
}

// The tensor to read in one safetensors file: the one asked for, else the usual name.
const SafetensorsTensor& choose_tensor(const SafetensorsFile& file, const LoadOptions& options) {
  std::string name = options.tensor;
  if (name.empty()) {
    std::vector<std::string> names;
    for (const SafetensorsTensor& t : file.tensors) {
      if (t.shape.size() == 2) names.push_back(t.name);
    }
    const std::optional<std::string> usual = usual_tensor(names, file.source);
    EMBEDKIT_CHECK(usual.has_value(), FormatError,
                   fmt::format("{}: no tensor has a usual token embedding name; name one (CLI: --tensor) of the 2-D "
                               "tensors: {}",
                               file.source, list_matrices({&file})));
    name = *usual;
  }
  const SafetensorsTensor* tensor = file.find(name);
  EMBEDKIT_CHECK(tensor != nullptr && tensor->shape.size() == 2, FormatError,
                 fmt::format("{}: {} {:?}; the 2-D tensors: {}", file.source,
                             tensor == nullptr ? "no tensor" : "not a 2-D tensor:", name, list_matrices({&file})));
  return *tensor;
}

PieceTokenizer load_piece_tokenizer(const std::string& path) {
  const std::shared_ptr<MappedFile> file = MappedFile::open(path);
  return read_piece_tokenizer(file->bytes(), path);
}

// The tokenizer of a model in `folder`: the one the options name, else the first usual file.
std::string find_tokenizer(const std::string& folder, const LoadOptions& options) {
  if (!options.tokenizer_path.empty()) return options.tokenizer_path;
  for (const std::string_view name : kTokenizerFiles) {
    const std::string path = join_path(folder, name);
    if (is_file(path)) return path;
  }
  throw FormatError(fmt::format("{}: no tokenizer in the model folder (looked for {}); name one (CLI: --tokenizer)",
                                folder, fmt::join(kTokenizerFiles, ", ")),
                    "a tokenizer file");
}

// A sharded model: the index names, for each tensor, the file in `folder` that holds it.
WordVectors load_sharded(const std::string& folder, const std::string& index_path, const PieceTokenizer& pieces,
                         const std::string& tokenizer_source, const LoadOptions& options) {
  const std::shared_ptr<MappedFile> index_file = MappedFile::open(index_path);
  EMBEDKIT_CHECK(index_file->bytes().size() <= kMaxIndexBytes, FormatError,
                 fmt::format("{}: {} bytes is over the {}-byte limit of an index", index_path,
                             index_file->bytes().size(), kMaxIndexBytes));
  const nlohmann::json index = nlohmann::json::parse(index_file->bytes(), nullptr, false);
  EMBEDKIT_CHECK(index.is_object() && index.contains("weight_map") && index["weight_map"].is_object(), FormatError,
                 fmt::format("{}: not a JSON object with a \"weight_map\" object", index_path));
  std::vector<std::string> names;
  std::vector<std::string> shards;  // each distinct file once, in the order first named
  std::map<std::string, std::string, std::less<>> shard_of;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    // A file name in the folder, nothing else: an index must not send the reader elsewhere.
    const bool plain = shard.is_string() && !shard.get<std::string>().empty() &&
                       shard.get<std::string>().find('/') == std::string::npos && shard.get<std::string>() != "." &&
                       shard.get<std::string>() != "..";
    EMBEDKIT_CHECK(plain, FormatError,
                   fmt::format("{}: weight_map[{:?}] = {} is not a file name in the model's folder", index_path, name,
                               shard.dump()));
    names.push_back(name);
    shard_of[name] = shard.get<std::string>();
    if (std::find(shards.begin(), shards.end(), shard.get<std::string>()) == shards.end()) {
      shards.push_back(shard.get<std::string>());
    }
  }
  // Every shard's header, for the list of candidates in an error (the mappings read nothing more).
  auto list_all = [&] {
    std::vector<std::shared_ptr<MappedFile>> files;
    std::vector<SafetensorsFile> parsed;
    parsed.reserve(shards.size());
    for (const std::string& shard : shards) {
      files.push_back(MappedFile::open(join_path(folder, shard)));
      parsed.push_back(parse_safetensors_file(files.back()->bytes(), files.back()->path()));
    }
    std::vector<const SafetensorsFile*> views;
    for (const SafetensorsFile& f : parsed) views.push_back(&f);
    return list_matrices(views);
  };
  std::string name = options.tensor;
  if (name.empty()) {
    const std::optional<std::string> usual = usual_tensor(names, index_path);
    if (!usual) {
      throw FormatError(fmt::format("{}: no tensor has a usual token embedding name; name one (CLI: --tensor) of the "
                                    "2-D tensors: {}",
                                    index_path, list_all()),
                        "a token embedding tensor");
    }
    name = *usual;
  }
  const auto it = shard_of.find(name);
  if (it == shard_of.end()) {
    throw FormatError(fmt::format("{}: no tensor {:?} in the weight map; the 2-D tensors: {}", index_path, name,
                                  list_all()),
                      "the tensor in the weight map");
  }
  const std::shared_ptr<MappedFile> shard = MappedFile::open(join_path(folder, it->second));
  const SafetensorsFile file = parse_safetensors_file(shard->bytes(), shard->path());
  const SafetensorsTensor* tensor = file.find(name);
  EMBEDKIT_CHECK(tensor != nullptr, FormatError,
                 fmt::format("{}: the index {} places tensor {:?} here, but the file does not hold it", shard->path(),
                             index_path, name));
  EMBEDKIT_CHECK(tensor->shape.size() == 2, FormatError,
                 fmt::format("{}: tensor {} is not 2-D; the 2-D tensors: {}", shard->path(), tensor->describe(),
                             list_all()));
  return read_embeddings(file, *tensor, pieces, tokenizer_source, options);
}

}  // namespace

WordVectors parse_huggingface(std::string_view safetensors, std::string_view source, const PieceTokenizer& pieces,
                              const std::string& tokenizer_source, const LoadOptions& options) {
  const SafetensorsFile file = parse_safetensors_file(safetensors, source);
  return read_embeddings(file, choose_tensor(file, options), pieces, tokenizer_source, options);
}

bool is_model_safetensors(const std::string& path, std::string_view bytes) {
  const std::string folder = parent_folder(path);
  const bool tokenizer = std::any_of(kTokenizerFiles.begin(), kTokenizerFiles.end(),
                                     [&](std::string_view name) { return is_file(join_path(folder, name)); });
  if (!tokenizer) return false;
  try {
    return !parse_safetensors_file(bytes, path).metadata.contains("embedkit.words");
  } catch (const FormatError&) {
    return false;  // the safetensors reader says what is wrong
  }
}

WordVectors load_huggingface(const std::string& path, const LoadOptions& options) {
  const bool folder_given = is_directory(path);
  const std::string folder = folder_given ? path : parent_folder(path);
  // The weights first: a folder without them is no model at all, whatever else it holds.
  std::string model = path;
  bool sharded = false;
  if (folder_given) {
    model = join_path(folder, "model.safetensors");
    if (!is_file(model)) {
      model = join_path(folder, "model.safetensors.index.json");
      sharded = is_file(model);
      if (!sharded) {
        const bool pickle = is_file(join_path(folder, "pytorch_model.bin"));
        throw FormatError(fmt::format("{}: not a Hugging Face model folder: no model.safetensors or "
                                      "model.safetensors.index.json{}",
                                      folder,
                                      pickle ? " (its pytorch_model.bin is a Python pickle, which embedkit does not "
                                               "read: convert it to safetensors first)"
                                             : ""),
                          "a safetensors model");
      }
    }
  }
  const std::string tokenizer_path = find_tokenizer(folder, options);
  const PieceTokenizer pieces = load_piece_tokenizer(tokenizer_path);
  WordVectors vectors = [&] {
    if (sharded) return load_sharded(folder, model, pieces, tokenizer_path, options);
    const std::shared_ptr<MappedFile> file = MappedFile::open(model);
    return parse_huggingface(file->bytes(), model, pieces, tokenizer_path, options);
  }();
  vectors.metadata["huggingface.model"] = model;
  return vectors;
}

}  // namespace embedkit::detail
