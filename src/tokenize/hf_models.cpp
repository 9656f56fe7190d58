#include "hf_models.h"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "hf_json.h"
#include "merge_table.h"
#include "piece_prefix_index.h"
#include "symbol_merging.h"
#include "subword_sampling.h"
#include "unigram_lattice.h"
#include "unigram_nbest.h"
#include "string_hash.h"

namespace embedkit::tokenize {
namespace {

using nlohmann::json;

/// Token <-> id, both ways; ids may have gaps (a tokenizer.json vocabulary is a map).
class TokenVocabulary {
 public:
  void add(std::string token, std::int32_t id, const std::string& where) {
    EMBEDKIT_CHECK(id >= 0, FormatError, fmt::format("{}: token \"{}\" has a negative id", where, token));
    EMBEDKIT_CHECK(id < (1 << 28), FormatError, fmt::format("{}: token \"{}\" has id {}, beyond 2^28", where, token, id));
    const auto index = static_cast<std::size_t>(id);
    if (index >= by_id_.size()) {
      by_id_.resize(index + 1);
      present_.resize(index + 1, false);
    }
    EMBEDKIT_CHECK(!present_[index], FormatError, fmt::format("{}: id {} is given to two tokens", where, id));
    EMBEDKIT_CHECK(ids_.emplace(token, id).second, FormatError,
                   fmt::format("{}: token \"{}\" appears twice", where, token));
    by_id_[index] = std::move(token);
    present_[index] = true;
  }
  [[nodiscard]] std::optional<std::int32_t> find(std::string_view token) const {
    const auto it = ids_.find(token);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  [[nodiscard]] std::optional<std::string_view> token(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= by_id_.size() || !present_[static_cast<std::size_t>(id)]) {
      return std::nullopt;
    }
    return by_id_[static_cast<std::size_t>(id)];
  }
  [[nodiscard]] std::size_t size() const noexcept { return ids_.size(); }

 private:
  std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> ids_;
  std::vector<std::string> by_id_;
  std::vector<bool> present_;
};

TokenVocabulary read_vocab_object(const json& spec, const std::string& where) {
  const auto it = spec.find("vocab");
  EMBEDKIT_CHECK(it != spec.end() && it->is_object(), FormatError,
                 fmt::format("{}: \"vocab\" must be an object of token: id", where));
  std::vector<std::pair<std::string, std::int32_t>> entries;
  entries.reserve(it->size());
  std::int64_t max_id = -1;
  for (const auto& [token, id] : it->items()) {
    EMBEDKIT_CHECK(id.is_number_integer(), FormatError, fmt::format("{}: the id of \"{}\" is not an integer", where, token));
    const std::int64_t value = id.get<std::int64_t>();
    EMBEDKIT_CHECK(value >= 0 && value < std::numeric_limits<std::int32_t>::max(), FormatError,
                   fmt::format("{}: the id of \"{}\" is out of range", where, token));
    max_id = std::max(max_id, value);
    entries.emplace_back(token, static_cast<std::int32_t>(value));
  }
  // Ids index an array: a few gaps are fine, an id far beyond the entries is a lie about the size.
  EMBEDKIT_CHECK(max_id < 2 * static_cast<std::int64_t>(entries.size()) + 1024, FormatError,
                 fmt::format("{}: id {} for a vocabulary of {} tokens", where, max_id, entries.size()));
  TokenVocabulary vocab;
  for (auto& [token, id] : entries) vocab.add(std::move(token), id, where);
  return vocab;
}

std::string byte_token(unsigned char b) { return fmt::format("<0x{:02X}>", b); }

/// The ids of `text`'s bytes as <0xHH> tokens (byte fallback), or nullopt when one is missing.
std::optional<std::vector<std::int32_t>> byte_fallback_ids(const TokenVocabulary& vocab, std::string_view text) {
  std::vector<std::int32_t> ids;
  ids.reserve(text.size());
  for (unsigned char b : text) {
    const auto id = vocab.find(byte_token(b));
    if (!id) return std::nullopt;
    ids.push_back(*id);
  }
  return ids;
}

class BpeModel final : public HfModel {
 public:
  BpeModel(const json& spec, const std::string& where) : vocab_(read_vocab_object(spec, where)) {
    unk_token_ = json_optional_string(spec, "unk_token", where);
    prefix_ = json_optional_string(spec, "continuing_subword_prefix", where);
    suffix_ = json_optional_string(spec, "end_of_word_suffix", where);
    fuse_unk_ = json_bool(spec, "fuse_unk", false, where);
    byte_fallback_ = json_bool(spec, "byte_fallback", false, where);
    ignore_merges_ = json_bool(spec, "ignore_merges", false, where);
    // The library drops merges at random on every encode when this is set; encode() here stays
    // deterministic, and SubwordSampling (alpha = this) does what the library does.
    if (const auto d = spec.find("dropout"); d != spec.end() && !d->is_null()) {
      EMBEDKIT_CHECK(d->is_number() && d->get<double>() >= 0 && d->get<double>() <= 1, FormatError,
                     fmt::format("{}: \"dropout\" must be null or a probability in [0, 1]", where));
    }
    if (!unk_token_.empty()) unk_id_ = vocab_.find(unk_token_);
    const json& merges = json_array(spec, "merges", where);
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
      const json& m = merges[rank];
      std::string a, b;
      if (m.is_string()) {
        const std::string line = m.get<std::string>();
        const std::size_t space = line.find(' ');
        EMBEDKIT_CHECK(space != std::string::npos && line.find(' ', space + 1) == std::string::npos, FormatError,
                       fmt::format("{}: merge {} (\"{}\") is not two tokens separated by one space", where, rank, line));
        a = line.substr(0, space);
        b = line.substr(space + 1);
      } else {
        EMBEDKIT_CHECK(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(), FormatError,
                       fmt::format("{}: merge {} must be \"a b\" or [\"a\", \"b\"]", where, rank));
        a = m[0].get<std::string>();
        b = m[1].get<std::string>();
      }
      const auto id_a = vocab_.find(a);
      const auto id_b = vocab_.find(b);
      // The merged token: the right part loses the continuing-subword prefix (by its length).
      const std::string merged = a + (b.size() >= prefix_.size() ? b.substr(prefix_.size()) : std::string());
      const auto id_merged = vocab_.find(merged);
      EMBEDKIT_CHECK(id_a && id_b && id_merged, FormatError,
                     fmt::format("{}: merge {} (\"{}\" \"{}\") uses a token missing from the vocabulary", where, rank, a, b));
      merges_.add(*id_a, *id_b, {static_cast<std::uint32_t>(rank), *id_merged});
    }
    merges_.build();
    // Each ASCII character's id as a symbol: first in its word or not (the continuing prefix),
    // last or not (the end-of-word suffix); -1 where it is no token.
    for (unsigned variant = 0; variant < 4; ++variant) {
      for (unsigned c = 0; c < 128; ++c) {
        std::string s(1, static_cast<char>(c));
        if ((variant & 1U) != 0) s.insert(0, prefix_);
        if ((variant & 2U) != 0) s += suffix_;
        ascii_ids_[variant][c] = vocab_.find(s).value_or(-1);
      }
    }
  }

  void tokenize(std::string_view piece, std::vector<ModelToken>& out) const override {
    tokenize_merging(piece, nullptr, out);
  }

  void tokenize_sampled(std::string_view piece, const SubwordSampling& sampling, SplitMix64& rng,
                        std::vector<ModelToken>& out) const override {
    check_sampling(sampling, "BPE");
    // The library's dropout of 0 is its plain path (with ignore_merges); any other skips it.
    if (sampling.alpha == 0) return tokenize(piece, out);
    const MergeDropout dropout{sampling.alpha, &rng, true};
    tokenize_merging(piece, &dropout, out);
  }

  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string_view> id_to_token(std::int32_t id) const override { return vocab_.token(id); }
  std::size_t vocab_size() const noexcept override { return vocab_.size(); }
  std::string_view type() const noexcept override { return "BPE"; }

 private:
  void tokenize_merging(std::string_view piece, const MergeDropout* dropout, std::vector<ModelToken>& out) const {
    if (piece.empty()) return;
    if (ignore_merges_ && !dropout) {
      if (auto id = vocab_.find(piece)) {
        out.push_back({*id, std::string(piece), 0, piece.size()});
        return;
      }
    }
    std::vector<MergeSymbol> symbols;
    symbols.reserve(piece.size());
    std::size_t position = 0;  // cumulative length of the symbols so far (the library's offsets)
    std::optional<MergeSymbol> pending_unk;
    auto flush_unk = [&] {
      if (pending_unk) {
        symbols.push_back(*pending_unk);
        position += pending_unk->length;
        pending_unk.reset();
      }
    };
    std::string s;
    for (std::size_t pos = 0; pos < piece.size();) {
      if (const auto c = static_cast<unsigned char>(piece[pos]); c < 0x80) {
        const unsigned variant = (pos > 0 ? 1U : 0U) | (pos + 1 == piece.size() ? 2U : 0U);
        if (const std::int32_t id = ascii_ids_[variant][c]; id >= 0) {
          flush_unk();
          symbols.push_back({position, 1, id});
          position += 1;
          pos += 1;
          continue;
        }
      }
      const std::size_t length = decode_utf8(piece, pos).length;
      s.assign(piece.substr(pos, length));
      if (pos > 0 && !prefix_.empty()) s.insert(0, prefix_);
      if (pos + length == piece.size() && !suffix_.empty()) s += suffix_;
      pos += length;
      if (auto id = vocab_.find(s)) {
        flush_unk();
        symbols.push_back({position, length, *id});
        position += length;
        continue;
      }
      if (byte_fallback_) {
        if (const auto bytes = byte_fallback_ids(vocab_, s)) {
          flush_unk();
          for (std::int32_t id : *bytes) {
            symbols.push_back({position, 1, id});
            position += 1;
          }
          continue;
        }
      }
      if (!unk_token_.empty()) {
        EMBEDKIT_CHECK(unk_id_.has_value(), FormatError,
                       fmt::format("BPE: the unknown token \"{}\" is not in the vocabulary", unk_token_));
        if (fuse_unk_ && pending_unk) {
          pending_unk->length += length;
        } else {
          flush_unk();
          pending_unk = MergeSymbol{position, length, *unk_id_};
        }
      }
      // Without an unknown token the character is dropped, as the library does.
    }
    flush_unk();
    merge_symbols<std::uint32_t>(symbols, [&](const MergeSymbol& l, const MergeSymbol& r)
                                              -> std::optional<MergeCandidate<std::uint32_t>> {
      const MergeTable::Rule* rule = merges_.find(l.id, r.id);
      if (rule == nullptr) return std::nullopt;
      return MergeCandidate<std::uint32_t>{rule->rank, rule->merged};
    }, dropout);
    for (const MergeSymbol& sym : symbols) {
      out.push_back({sym.id, std::string(*vocab_.token(sym.id)), sym.begin, sym.begin + sym.length});
    }
  }

  TokenVocabulary vocab_;
  MergeTable merges_;
  std::array<std::array<std::int32_t, 128>, 4> ascii_ids_{};
  std::string unk_token_, prefix_, suffix_;
  std::optional<std::int32_t> unk_id_;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
};

class WordPieceModel final : public HfModel {
 public:
  WordPieceModel(const json& spec, const std::string& where) : vocab_(read_vocab_object(spec, where)) {
    unk_token_ = spec.contains("unk_token") ? json_string(spec, "unk_token", where) : "[UNK]";
    prefix_ = spec.contains("continuing_subword_prefix") ? json_string(spec, "continuing_subword_prefix", where) : "##";
    max_chars_ = json_unsigned(spec, "max_input_chars_per_word", 100, where);
    unk_id_ = vocab_.find(unk_token_);
    EMBEDKIT_CHECK(unk_id_.has_value(), FormatError,
                   fmt::format("{}: WordPiece's unknown token \"{}\" is not in the vocabulary", where, unk_token_));
  }

  void tokenize(std::string_view piece, std::vector<ModelToken>& out) const override {
    if (piece.empty()) return;
    std::size_t chars = 0;
    for (std::size_t pos = 0; pos < piece.size(); pos += decode_utf8(piece, pos).length) ++chars;
    if (chars > max_chars_) {
      out.push_back({*unk_id_, unk_token_, 0, piece.size()});
      return;
    }
    const std::size_t first = out.size();
    std::string candidate;
    for (std::size_t start = 0; start < piece.size();) {
      std::size_t end = piece.size();
      std::optional<std::int32_t> found;
      while (start < end) {
        candidate.clear();
        if (start > 0) candidate = prefix_;
        candidate.append(piece.substr(start, end - start));
        if ((found = vocab_.find(candidate))) break;
        // Shorten by the last character of the candidate.
        std::size_t last = end - 1;
        while (last > start && (static_cast<unsigned char>(piece[last]) & 0xC0) == 0x80) --last;
        end = last;
      }
      if (!found) {
        out.resize(first);
        out.push_back({*unk_id_, unk_token_, 0, piece.size()});
        return;
      }
      out.push_back({*found, candidate, start, end});
      start = end;
    }
  }

  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string_view> id_to_token(std::int32_t id) const override { return vocab_.token(id); }
  std::size_t vocab_size() const noexcept override { return vocab_.size(); }
  std::string_view type() const noexcept override { return "WordPiece"; }

 private:
  TokenVocabulary vocab_;
  std::string unk_token_, prefix_;
  std::optional<std::int32_t> unk_id_;
  std::uint64_t max_chars_ = 100;
};

class UnigramModel final : public HfModel {
 public:
  UnigramModel(const json& spec, const std::string& where) {
    const json& vocab = json_array(spec, "vocab", where);
    scores_.reserve(vocab.size());
    std::vector<std::pair<std::string, std::int32_t>> entries;
    double min_score = std::numeric_limits<double>::infinity();
    for (std::size_t id = 0; id < vocab.size(); ++id) {
      const json& entry = vocab[id];
      EMBEDKIT_CHECK(entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_number(), FormatError,
                     fmt::format("{}: vocab entry {} must be [piece, score]", where, id));
      EMBEDKIT_CHECK(id < (1u << 28), FormatError, fmt::format("{}: more than 2^28 pieces", where));
      std::string piece = entry[0].get<std::string>();
      EMBEDKIT_CHECK(!piece.empty(), FormatError, fmt::format("{}: vocab entry {} is an empty piece", where, id));
      const double score = entry[1].get<double>();
      min_score = std::min(min_score, score);
      entries.emplace_back(piece, static_cast<std::int32_t>(id));
      vocab_.add(std::move(piece), static_cast<std::int32_t>(id), where);
      scores_.push_back(score);
    }
    prefixes_ = PiecePrefixIndex(std::move(entries));
    prefixes_.set_scores(scores_);
    unk_score_ = (vocab.empty() ? 0.0 : min_score) - 10.0;
    const auto unk = spec.find("unk_id");
    if (unk != spec.end() && !unk->is_null()) {
      EMBEDKIT_CHECK(unk->is_number_unsigned() && unk->get<std::size_t>() < vocab.size(), FormatError,
                     fmt::format("{}: unk_id must be the index of a piece", where));
      unk_id_ = static_cast<std::int32_t>(unk->get<std::size_t>());
    }
    byte_fallback_ = json_bool(spec, "byte_fallback", false, where);
  }

  void tokenize(std::string_view piece, std::vector<ModelToken>& out) const override {
    if (piece.empty()) return;
    const std::vector<LatticeNode> path =
        best_segmentation<double>(piece, unk_score_, [&](std::string_view text, std::size_t begin, auto&& emit) {
          prefixes_.for_each_scored_prefix(text, begin, emit);
        });
    tokens_of_path(piece, path, out);
  }

  void tokenize_sampled(std::string_view piece, const SubwordSampling& sampling, SplitMix64& rng,
                        std::vector<ModelToken>& out) const override {
    check_sampling(sampling, "Unigram");
    if (piece.empty()) return;
    if (sampling.nbest_size >= 0) return tokenize(piece, out);  // n > 1: the pipeline draws from its n-best
    tokens_of_path(piece, lattice(piece).sample(sampling.alpha, rng), out);
  }

  std::vector<std::pair<std::vector<ModelToken>, double>> tokenize_nbest(std::string_view piece,
                                                                         std::size_t n) const override {
    std::vector<std::pair<std::vector<ModelToken>, double>> out;
    if (piece.empty()) return {{{}, 0.0}};
    for (const ScoredPath<double>& path : lattice(piece).nbest(n)) {
      out.emplace_back();
      tokens_of_path(piece, path.nodes, out.back().first);
      out.back().second = path.score;
    }
    return out;
  }

  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string_view> id_to_token(std::int32_t id) const override { return vocab_.token(id); }
  std::size_t vocab_size() const noexcept override { return vocab_.size(); }
  std::string_view type() const noexcept override { return "Unigram"; }

 private:
  [[nodiscard]] UnigramLattice<double> lattice(std::string_view piece) const {
    return UnigramLattice<double>(piece, unk_score_, [&](std::string_view text, std::size_t begin, auto&& emit) {
      prefixes_.for_each_prefix(text, begin, [&](std::int32_t id, std::size_t length) {
        emit(id, length, scores_[static_cast<std::size_t>(id)]);
      });
    });
  }

  void tokens_of_path(std::string_view piece, const std::vector<LatticeNode>& path, std::vector<ModelToken>& out) const {
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (path[i].id != kUnknownNode) {
        out.push_back({path[i].id, std::string(*vocab_.token(path[i].id)), path[i].begin, path[i].end});
        continue;
      }
      // A run of unknown characters is one token (the library fuses them).
      const std::size_t begin = path[i].begin;
      while (i + 1 < path.size() && path[i + 1].id == kUnknownNode) ++i;
      emit_unknown(piece, begin, path[i].end, out);
    }
  }

  void emit_unknown(std::string_view piece, std::size_t begin, std::size_t end, std::vector<ModelToken>& out) const {
    const std::string text(piece.substr(begin, end - begin));
    if (auto id = vocab_.find(text)) {
      out.push_back({*id, text, begin, end});
      return;
    }
    if (byte_fallback_) {
      if (const auto bytes = byte_fallback_ids(vocab_, text)) {
        for (std::size_t k = 0; k < bytes->size(); ++k) {
          out.push_back({(*bytes)[k], byte_token(static_cast<unsigned char>(text[k])), begin, end});
        }
        return;
      }
    }
    EMBEDKIT_CHECK(unk_id_.has_value(), FormatError,
                   "Unigram: the text has a character the vocabulary lacks, and the model has no unk_id");
    out.push_back({*unk_id_, text, begin, end});
  }

  TokenVocabulary vocab_;
  PiecePrefixIndex prefixes_;  ///< the pieces that start at a position (the library's trie)
  std::vector<double> scores_;
  double unk_score_ = -10.0;
  std::optional<std::int32_t> unk_id_;
  bool byte_fallback_ = false;
};

class WordLevelModel final : public HfModel {
 public:
  WordLevelModel(const json& spec, const std::string& where) : vocab_(read_vocab_object(spec, where)) {
    unk_token_ = json_optional_string(spec, "unk_token", where);
  }
  void tokenize(std::string_view piece, std::vector<ModelToken>& out) const override {
    if (piece.empty()) return;
    if (auto id = vocab_.find(piece)) {
      out.push_back({*id, std::string(piece), 0, piece.size()});
      return;
    }
    const auto unk = vocab_.find(unk_token_);
    EMBEDKIT_CHECK(!unk_token_.empty() && unk.has_value(), FormatError,
                   fmt::format("WordLevel: \"{}\" is not in the vocabulary and the model has no unknown token", piece));
    out.push_back({*unk, unk_token_, 0, piece.size()});
  }
  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string_view> id_to_token(std::int32_t id) const override { return vocab_.token(id); }
  std::size_t vocab_size() const noexcept override { return vocab_.size(); }
  std::string_view type() const noexcept override { return "WordLevel"; }

 private:
  TokenVocabulary vocab_;
  std::string unk_token_;
};

}  // namespace

void HfModel::tokenize_sampled(std::string_view, const SubwordSampling& sampling, SplitMix64&,
                               std::vector<ModelToken>&) const {
  check_sampling(sampling, type());  // throws: only BPE and Unigram pass
  throw ArgumentError(fmt::format("sampling: a {} model has a single segmentation", type()));
}

std::vector<std::pair<std::vector<ModelToken>, double>> HfModel::tokenize_nbest(std::string_view, std::size_t) const {
  throw ArgumentError(fmt::format("encode_nbest: a {} model has a single segmentation (n-best needs Unigram)", type()));
}

std::unique_ptr<HfModel> make_hf_model(const json& spec, const std::string& where) {
  EMBEDKIT_CHECK(spec.is_object(), FormatError, fmt::format("{}: \"model\" must be an object", where));
  std::string type;
  if (spec.contains("type")) {
    type = json_string(spec, "type", where);
  } else if (spec.contains("merges")) {
    type = "BPE";  // files from before models carried their type
  } else if (spec.contains("vocab") && spec["vocab"].is_array()) {
    type = "Unigram";
  } else if (spec.contains("max_input_chars_per_word")) {
    type = "WordPiece";
  } else {
    type = "WordLevel";
  }
  const std::string here = fmt::format("{} ({} model)", where, type);
  if (type == "BPE") return std::make_unique<BpeModel>(spec, here);
  if (type == "WordPiece") return std::make_unique<WordPieceModel>(spec, here);
  if (type == "Unigram") return std::make_unique<UnigramModel>(spec, here);
  if (type == "WordLevel") return std::make_unique<WordLevelModel>(spec, here);
  throw FormatError(fmt::format("{}: model type \"{}\" is not supported (BPE, WordPiece, Unigram, WordLevel)", where, type));
}

}  // namespace embedkit::tokenize
