#include "embedkit/encode/contextual_encoder.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "embedkit/core/error.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_vectors.h"
#include "embedkit/nn/parameter_rows.h"
#include "kernels/kernels.h"

namespace embedkit {

namespace {

constexpr std::string_view kEncoderMetadataKey = "embedkit.encoder";
constexpr std::string_view kMlmHeadName = "mlm.output.weight";

}  // namespace

struct ContextualEncoder::Impl {
  Vocabulary words;
  EmbeddingTable table;
  nn::TransformerEncoder encoder;
  std::optional<EmbeddingTable> mlm_output;
  TokenId unknown = 0, mask = 0;
};

ContextualEncoder::ContextualEncoder(Vocabulary words, EmbeddingTable table, nn::TransformerEncoder encoder,
                                     std::optional<EmbeddingTable> mlm_output) {
  const auto unknown = words.find(kUnknownToken), mask = words.find(kMaskToken);
  EMBEDKIT_CHECK(unknown && mask, ArgumentError,
                 fmt::format("an encoder's vocabulary needs {} and {}", kUnknownToken, kMaskToken));
  EMBEDKIT_CHECK(table.rows() == words.size() && table.dim() == encoder.dim(), ArgumentError,
                 fmt::format("an encoder of width {} over a table of {} x {} for {} words", encoder.dim(),
                             table.rows(), table.dim(), words.size()));
  EMBEDKIT_CHECK(!mlm_output || (mlm_output->rows() == words.size() && mlm_output->dim() == encoder.dim()),
                 ArgumentError, "the masked-language-model head must have one row per word, of the encoder's width");
  impl_ = std::make_unique<Impl>(Impl{std::move(words), std::move(table), std::move(encoder), std::move(mlm_output),
                                      *unknown, *mask});
}

ContextualEncoder::ContextualEncoder(ContextualEncoder&&) noexcept = default;
ContextualEncoder& ContextualEncoder::operator=(ContextualEncoder&&) noexcept = default;
ContextualEncoder::~ContextualEncoder() = default;

const Vocabulary& ContextualEncoder::words() const noexcept { return impl_->words; }
const EmbeddingTable& ContextualEncoder::table() const noexcept { return impl_->table; }
EmbeddingTable& ContextualEncoder::table() noexcept { return impl_->table; }
const nn::TransformerEncoder& ContextualEncoder::encoder() const noexcept { return impl_->encoder; }
nn::TransformerEncoder& ContextualEncoder::encoder() noexcept { return impl_->encoder; }
std::optional<EmbeddingTable>& ContextualEncoder::mlm_output() noexcept { return impl_->mlm_output; }
TokenId ContextualEncoder::unknown_id() const noexcept { return impl_->unknown; }
TokenId ContextualEncoder::mask_id() const noexcept { return impl_->mask; }

std::vector<TokenId> ContextualEncoder::ids_of(std::span<const std::string> tokens) const {
  std::vector<TokenId> ids;
  ids.reserve(tokens.size());
  for (const std::string& t : tokens) ids.push_back(impl_->words.find(t).value_or(impl_->unknown));
  return ids;
}

ContextualEncoder::Encoded ContextualEncoder::encode(std::span<const std::string> tokens) const {
  Encoded out;
  out.ids = ids_of(tokens);
  const std::size_t d = dim(), window = max_length();
  out.vectors.resize(out.ids.size() * d);
  std::vector<float> x;
  nn::TransformerEncoder::Cache cache;
  for (std::size_t first = 0; first < out.ids.size(); first += window) {
    const std::size_t n = std::min(window, out.ids.size() - first);
    x.resize(n * d);
    const std::span<const TokenId> ids(out.ids.data() + first, n);
    impl_->table.view().check_ids(ids);
    kernels::kernels().gather(impl_->table.data(), impl_->table.stride(), ids.data(), n, x.data(), d, d);
    const nn::SequenceRows one{0, n, n};
    impl_->encoder.forward(x, std::span<const nn::SequenceRows>(&one, 1),
                           std::span<float>(out.vectors).subspan(first * d, n * d), cache);
  }
  return out;
}

bool ContextualEncoder::holds_encoder(const WordVectors& file) { return file.metadata.contains(std::string(kEncoderMetadataKey)); }

void ContextualEncoder::save(const std::string& path, std::string_view training_metadata) const {
  Impl& m = *impl_;
  std::vector<nn::TransformerEncoder::Parameter> parameters = m.encoder.parameters();
  if (m.mlm_output) {  // (as stored: rows padded to the stride)
    parameters.push_back({std::string(kMlmHeadName),
                          std::span<float>(m.mlm_output->data(), m.mlm_output->rows() * m.mlm_output->stride())});
  }
  nlohmann::json names = nlohmann::json::array();
  for (const auto& p : nn::list_parameters(parameters)) names.push_back({p.name, p.size});
  const nn::TransformerEncoderOptions& e = m.encoder.options();
  const nlohmann::json settings = {{"version", 1},
                                   {"dim", e.dim},
                                   {"layers", e.layers},
                                   {"heads", e.heads},
                                   {"feedforward", e.feedforward},
                                   {"positions", nn::position_kind_name(e.positions)},
                                   {"max_length", e.max_positions},
                                   {"dropout", e.dropout},
                                   {"unknown", kUnknownToken},
                                   {"mask", kMaskToken},
                                   {"parameters", names}};
  std::vector<VocabularyEntry> entries;
  entries.reserve(m.words.size());
  for (std::size_t i = 0; i < m.words.size(); ++i) {
    entries.push_back({std::string(m.words.word(static_cast<TokenId>(i))), m.words.count(static_cast<TokenId>(i))});
  }
  WordVectors file(Vocabulary::from_entries(entries, path), m.table.clone());
  file.output = nn::parameters_to_rows(parameters, e.dim);
  file.metadata[std::string(kEncoderMetadataKey)] = settings.dump();
  if (!training_metadata.empty()) file.metadata["embedkit.pretraining"] = std::string(training_metadata);
  file.metadata["source"] = "embedkit pretrain";
  save_vectors(file, path, {.format = VectorFormat::native});
}

ContextualEncoder ContextualEncoder::load(const std::string& path) { return from_vectors(load_vectors(path), path); }

ContextualEncoder ContextualEncoder::from_vectors(WordVectors file, std::string_view path) {
  const auto found = file.metadata.find(std::string(kEncoderMetadataKey));
  EMBEDKIT_CHECK(found != file.metadata.end(), FormatError,
                 fmt::format("{}: not an embedkit encoder (no '{}' metadata); make one with 'embedkit pretrain'", path,
                             kEncoderMetadataKey));
  EMBEDKIT_CHECK(file.output.has_value() && !file.subwords(), FormatError,
                 fmt::format("{}: an encoder file holds its parameters as an output layer, and no subwords", path));
  try {
    const auto s = nlohmann::json::parse(found->second);
    EMBEDKIT_CHECK(s.at("version").get<int>() == 1, FormatError,
                   fmt::format("{}: encoder version {} is newer than this embedkit", path, s.at("version").dump()));
    nn::TransformerEncoderOptions o;
    o.dim = s.at("dim").get<std::size_t>();
    o.layers = s.at("layers").get<std::size_t>();
    o.heads = s.at("heads").get<std::size_t>();
    o.feedforward = s.at("feedforward").get<std::size_t>();
    o.positions = nn::parse_position_kind(s.at("positions").get<std::string>());
    o.max_positions = s.at("max_length").get<std::size_t>();
    o.dropout = s.at("dropout").get<float>();
    EMBEDKIT_CHECK(o.dim == file.dim() && o.layers <= 64 && o.feedforward <= 1048576 && o.max_positions <= 1048576,
                   FormatError, fmt::format("{}: the encoder's settings do not fit its table", path));
    // The size the settings imply, before building anything that size.
    const double implied = nn::TransformerEncoder::parameter_count(o);
    const EmbeddingTable& rows = *file.output;
    EMBEDKIT_CHECK(implied <= static_cast<double>(rows.rows()) * rows.dim(), FormatError,
                   fmt::format("{}: the encoder's settings make {} parameters; the file holds {}", path, implied,
                               rows.rows() * rows.dim()));
    nn::TransformerEncoder encoder(o);
    std::vector<nn::TransformerEncoder::Parameter> parameters = encoder.parameters();
    const nlohmann::json& names = s.at("parameters");
    const bool with_head = names.is_array() && names.size() == parameters.size() + 1;
    EMBEDKIT_CHECK(names.is_array() && (names.size() == parameters.size() || with_head), FormatError,
                   fmt::format("{}: the encoder lists {} parameters; its settings make {}", path, names.size(),
                               parameters.size()));
    std::optional<EmbeddingTable> head;
    if (with_head) {
      head.emplace(file.size(), o.dim);
      parameters.push_back({std::string(kMlmHeadName), std::span<float>(head->data(), head->rows() * head->stride())});
    }
    std::vector<nn::ListedParameter> listed;
    for (const auto& entry : names) listed.push_back({entry.at(0).get<std::string>(), entry.at(1).get<std::size_t>()});
    nn::read_listed_parameters(rows, listed, parameters, path);
    encoder.clear_padding();
    if (head) {  // (stored as the table is, its rows' padding included: zero again)
      for (std::size_t r = 0; r < head->rows(); ++r) {
        std::fill(head->data() + r * head->stride() + head->dim(), head->data() + (r + 1) * head->stride(), 0.0F);
      }
    }
    EMBEDKIT_CHECK(file.words().find(kUnknownToken) && file.words().find(kMaskToken), FormatError,
                   fmt::format("{}: the encoder's vocabulary lacks {} or {}", path, kUnknownToken, kMaskToken));
    Vocabulary words = file.words();
    return ContextualEncoder(std::move(words), std::move(file.table()), std::move(encoder), std::move(head));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: bad encoder metadata: {}", path, e.what()));
  } catch (const ArgumentError& e) {
    throw FormatError(fmt::format("{}: bad encoder metadata: {}", path, e.what()));
  }
}

}  // namespace embedkit
