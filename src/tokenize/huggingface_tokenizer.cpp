#include "huggingface_tokenizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <unordered_map>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "hf_json.h"
#include "unicode_classes.h"
#include "word_cache.h"

namespace embedkit::tokenize {
namespace {

char32_t last_char(std::string_view s) {
  std::size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return decode_utf8(s, start).code_point;
}

}  // namespace

std::unique_ptr<HuggingFaceTokenizer> HuggingFaceTokenizer::from_json(std::string_view json_text,
                                                                      const std::string& name) {
  std::unique_ptr<HuggingFaceTokenizer> tok(new HuggingFaceTokenizer());
  try {
    tok->json_ = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError(fmt::format("{}: not valid JSON at byte {}: {}", name, e.byte, e.what()));
  }
  const nlohmann::json& j = tok->json_;
  {
    // Components nest (Sequence of Sequence...) and are built recursively: bound the depth, as
    // Hugging Face's parser does (128), so a hostile file cannot exhaust the stack.
    std::vector<std::pair<const nlohmann::json*, int>> stack{{&j, 0}};
    while (!stack.empty()) {
      const auto [node, depth] = stack.back();
      stack.pop_back();
      EMBEDKIT_CHECK(depth <= 64, FormatError, fmt::format("{}: JSON nested more than 64 levels deep", name));
      if (node->is_structured()) {
        for (const auto& child : *node) stack.emplace_back(&child, depth + 1);
      }
    }
  }
  EMBEDKIT_CHECK(j.is_object() && j.contains("model"), FormatError,
                 fmt::format("{}: not a tokenizer.json (no \"model\" object)", name));
  if (j.contains("version") && j["version"].is_string()) {
    EMBEDKIT_CHECK(j["version"].get<std::string>() == "1.0", FormatError,
                   fmt::format("{}: tokenizer.json version \"{}\" is not supported (1.0)", name, j["version"].get<std::string>()));
  }
  auto part = [&](const char* key) -> const nlohmann::json& {
    static const nlohmann::json null_json;
    const auto it = j.find(key);
    return it == j.end() ? null_json : *it;
  };
  tok->model_ = make_hf_model(part("model"), name);
  tok->normalizer_ = make_hf_normalizer(part("normalizer"), name + " (normalizer)");
  tok->pre_tokenizer_ = make_hf_pre_tokenizer(part("pre_tokenizer"), name + " (pre_tokenizer)");
  tok->post_processor_ = make_hf_post_processor(part("post_processor"), name + " (post_processor)");
  tok->decoder_ = make_hf_decoder(part("decoder"), name + " (decoder)");
  if (const nlohmann::json& added = part("added_tokens"); !added.is_null()) {
    EMBEDKIT_CHECK(added.is_array(), FormatError, fmt::format("{}: \"added_tokens\" must be an array", name));
    const std::string where = name + " (added_tokens)";
    for (const nlohmann::json& a : added) {
      AddedToken t;
      t.content = json_string(a, "content", where);
      EMBEDKIT_CHECK(!t.content.empty(), FormatError, fmt::format("{}: an added token is empty", where));
      const std::uint64_t id = json_unsigned(a, "id", UINT64_MAX, where);
      EMBEDKIT_CHECK(id < (1u << 28), FormatError, fmt::format("{}: \"{}\" needs an id below 2^28", where, t.content));
      t.id = static_cast<std::int32_t>(id);
      t.special = json_bool(a, "special", false, where);
      t.single_word = json_bool(a, "single_word", false, where);
      t.lstrip = json_bool(a, "lstrip", false, where);
      t.rstrip = json_bool(a, "rstrip", false, where);
      t.normalized = json_bool(a, "normalized", !t.special, where);
      tok->added_.push_back(std::move(t));
    }
  }
  // The library gives each added token its id again on load, whatever the file says: the
  // model's id when the model has the token, else the next id after the model's and the added
  // ones so far. (It matters only for a file whose ids disagree; then this is what it encodes.)
  std::int32_t max_added = -1;
  const auto model_size = static_cast<std::int32_t>(tok->model_->vocab_size());
  for (std::size_t k = 0; k < tok->added_.size(); ++k) {
    AddedToken& t = tok->added_[k];
    std::optional<std::int32_t> id;
    for (std::size_t e = 0; e < k && !id; ++e) {
      if (tok->added_[e].content == t.content) id = tok->added_[e].id;
    }
    if (!id) id = tok->model_->token_to_id(t.content);
    if (!id) id = max_added < 0 ? model_size : (max_added >= model_size ? max_added + 1 : model_size);
    t.id = *id;
    max_added = std::max(max_added, t.id);
  }
  for (std::size_t k = 0; k < tok->added_.size(); ++k) {
    AddedToken& t = tok->added_[k];
    if (t.normalized && tok->normalizer_) {
      NormalizedText pattern(t.content, 0);
      tok->normalizer_->normalize(pattern);
      tok->normalized_added_.push_back(k);
      tok->normalized_patterns_.push_back(pattern.text());
      t.decoded = pattern.text();  // the library keeps the normalized form for id -> token
    } else if (t.normalized) {
      tok->normalized_added_.push_back(k);
      tok->normalized_patterns_.push_back(t.content);
    } else {
      tok->raw_added_.push_back(k);
      tok->raw_patterns_.push_back(t.content);
    }
  }
  {
    std::set<std::int32_t> extra;
    for (const AddedToken& t : tok->added_) if (!tok->model_->id_to_token(t.id)) extra.insert(t.id);
    tok->vocab_size_ = tok->model_->vocab_size() + extra.size();
  }
  if (tok->post_processor_) {
    for (const auto& special : tok->post_processor_->special_tokens()) {
      const std::string& token = special.first;
      const std::int32_t id = special.second;
      const bool known = tok->model_->id_to_token(id).has_value() ||
                         std::any_of(tok->added_.begin(), tok->added_.end(), [id](const AddedToken& t) { return t.id == id; });
      EMBEDKIT_CHECK(known, FormatError,
                     fmt::format("{}: the post-processor adds \"{}\" as id {}, which is not in the vocabulary", name, token, id));
    }
  }
  return tok;
}

void HuggingFaceTokenizer::split_added_tokens(std::vector<Piece>& pieces, const std::vector<std::size_t>& tokens,
                                              const std::vector<std::string>& patterns) const {
  if (tokens.empty()) return;
  std::vector<Piece> out;
  for (Piece& piece : pieces) {
    if (piece.added_id >= 0) {
      out.push_back(std::move(piece));
      continue;
    }
    const std::string& s = piece.text.text();
    // Non-overlapping matches, leftmost first and the longest there (Aho-Corasick LeftmostLongest).
    std::vector<std::pair<std::size_t, std::size_t>> matches;  // (position, pattern)
    for (std::size_t pos = 0; pos < s.size();) {
      std::size_t best = SIZE_MAX;
      for (std::size_t k = 0; k < patterns.size(); ++k) {
        const std::string& p = patterns[k];
        if (!p.empty() && s.compare(pos, p.size(), p) == 0 && (best == SIZE_MAX || p.size() > patterns[best].size())) best = k;
      }
      if (best == SIZE_MAX) {
        ++pos;
        continue;
      }
      matches.emplace_back(pos, best);
      pos += patterns[best].size();
    }
    std::size_t start_offset = 0;
    for (auto [position, k] : matches) {
      const AddedToken& t = added_[tokens[k]];
      std::size_t start = position, stop = position + patterns[k].size();
      if (start < start_offset) continue;  // inside the spaces an earlier token's rstrip took
      if (t.single_word) {
        const bool space_before = start == 0 || !is_word_char(last_char(s.substr(0, start)));
        const bool space_after = stop == s.size() || !is_word_char(decode_utf8(s, stop).code_point);
        if (!space_before || !space_after) continue;
      }
      if (t.lstrip) {
        std::size_t new_start = start;
        while (new_start > 0 && is_whitespace_char(last_char(s.substr(0, new_start)))) {
          --new_start;
          while (new_start > 0 && (static_cast<unsigned char>(s[new_start]) & 0xC0) == 0x80) --new_start;
        }
        start = std::max(new_start, start_offset);
      }
      if (t.rstrip) {
        while (stop < s.size()) {
          const Utf8Decoded d = decode_utf8(s, stop);
          if (!is_whitespace_char(d.code_point)) break;
          stop += d.length;
        }
      }
      if (start_offset < start) out.push_back({piece.text.slice(start_offset, start)});
      out.push_back({piece.text.slice(start, stop), t.id});
      start_offset = stop;
    }
    if (start_offset < s.size()) out.push_back({piece.text.slice(start_offset, s.size())});
  }
  pieces = std::move(out);
}

Encoding HuggingFaceTokenizer::encode_sequence(std::string_view text, const WordTokenizer* tokenize) const {
  if (const auto bad = find_invalid_utf8(text)) {
    throw FormatError(fmt::format("text is not valid UTF-8 at byte {} (tokenizer.json tokenizers take only text)", *bad));
  }
  std::vector<Piece> pieces;
  if (!text.empty()) pieces.push_back({NormalizedText(text, 0)});
  split_added_tokens(pieces, raw_added_, raw_patterns_);
  if (normalizer_) {
    for (Piece& p : pieces) if (p.added_id < 0) normalizer_->normalize(p.text);
  }
  split_added_tokens(pieces, normalized_added_, normalized_patterns_);
  Encoding out;
  std::vector<NormalizedText> words;
  std::vector<ModelToken> tokens;
  std::optional<WordCachePool<TokenCache>::Loan> cache;  // only the plain path reads the cache
  if (tokenize == nullptr) cache.emplace(word_caches_);
  for (Piece& p : pieces) {
    if (p.added_id >= 0) {
      out.ids.push_back(p.added_id);
      out.pieces.push_back(p.text.text());
      out.offsets.push_back(p.text.original_span(0, p.text.text().size()));
      continue;
    }
    words.clear();
    if (pre_tokenizer_) pre_tokenizer_->split(std::move(p.text), words);
    else if (!p.text.empty()) words.push_back(std::move(p.text));
    for (const NormalizedText& word : words) {
      tokens.clear();
      if (tokenize) (*tokenize)(word.text(), tokens);
      else tokenize_word(word.text(), tokens, **cache);
      for (ModelToken& t : tokens) {
        out.ids.push_back(t.id);
        out.pieces.push_back(std::move(t.value));
        out.offsets.push_back(word.original_span(t.begin, t.end));
      }
    }
  }
  out.type_ids.assign(out.size(), 0);
  out.special_mask.assign(out.size(), 0);
  return out;
}

void HuggingFaceTokenizer::tokenize_word(std::string_view word, std::vector<ModelToken>& out, TokenCache& cache) const {
  const std::uint64_t hash = word_hash(word);
  if (const CachedPieces* c = cache.find(word, hash)) {
    for (std::size_t k = 0; k < c->count; ++k) {
      out.push_back({c->id[k], std::string(*model_->id_to_token(c->id[k])), c->begin[k], c->end[k]});
    }
    return;
  }
  const std::size_t first = out.size();
  model_->tokenize(word, out);
  if (word.size() > kCachedWordBytes || out.size() - first > CachedPieces::kMax) return;
  CachedPieces c{};
  for (std::size_t k = first; k < out.size(); ++k) {
    // An unknown run's string is its text, not a vocabulary entry: such words are not kept.
    const std::optional<std::string_view> entry = model_->id_to_token(out[k].id);
    if (!entry || *entry != out[k].value) return;
    c.id[c.count] = out[k].id;
    c.begin[c.count] = static_cast<std::uint8_t>(out[k].begin);
    c.end[c.count] = static_cast<std::uint8_t>(out[k].end);
    ++c.count;
  }
  cache.insert(word, hash, c);
}

Encoding HuggingFaceTokenizer::encode(std::string_view text, const SubwordEncodeOptions& options) const {
  if (options.sampling) return encode_sampled(text, nullptr, options);
  Encoding e = encode_sequence(text);
  if (!post_processor_) return e;
  return post_processor_->process(std::move(e), nullptr, options.add_special_tokens);
}

Encoding HuggingFaceTokenizer::encode_pair(std::string_view first, std::string_view second,
                                           const SubwordEncodeOptions& options) const {
  if (options.sampling) return encode_sampled(first, &second, options);
  Encoding a = encode_sequence(first);
  Encoding b = encode_sequence(second);
  if (!post_processor_) return concatenate_pair(std::move(a), &b);
  return post_processor_->process(std::move(a), &b, options.add_special_tokens);
}

std::string HuggingFaceTokenizer::decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (std::int32_t id : ids) {
    const AddedToken* added = nullptr;
    for (const AddedToken& t : added_) {
      if (t.id == id) {
        added = &t;
        break;
      }
    }
    if (added) {
      if (!(skip_special_tokens && added->special)) tokens.push_back(added->decoded.empty() ? added->content : added->decoded);
      continue;
    }
    if (auto token = model_->id_to_token(id)) tokens.emplace_back(*token);  // unknown ids are skipped
  }
  if (decoder_) tokens = decoder_->decode_chain(std::move(tokens));
  std::string out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0 && !decoder_) out.push_back(' ');
    out += tokens[i];
  }
  return out;
}

std::size_t HuggingFaceTokenizer::vocab_size() const noexcept { return vocab_size_; }

std::string_view HuggingFaceTokenizer::id_to_piece(std::int32_t id) const {
  for (const AddedToken& t : added_) if (t.id == id) return t.decoded.empty() ? t.content : t.decoded;
  const auto token = model_->id_to_token(id);
  EMBEDKIT_CHECK(token.has_value(), ArgumentError, fmt::format("id {} is not in the tokenizer's vocabulary", id));
  return *token;
}

std::optional<std::int32_t> HuggingFaceTokenizer::piece_to_id(std::string_view piece) const {
  for (const AddedToken& t : added_) if (t.content == piece) return t.id;
  return model_->token_to_id(piece);
}

}  // namespace embedkit::tokenize
