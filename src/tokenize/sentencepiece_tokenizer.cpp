#include "tokenize/sentencepiece_tokenizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "embedkit/core/atomic_file.h"
#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "tokenize/word_cache.h"
#include "tokenize/symbol_merging.h"
#include "tokenize/unigram_lattice.h"

namespace embedkit::tokenize {
namespace {

// SentencePiece's unknown node scores this much below the worst normal piece (kUnkPenalty).
constexpr float kUnknownPenalty = 10.0F;

std::vector<std::string> user_defined_pieces(const SentencePieceModel& model) {
  std::vector<std::string> out;
  for (const SentencePieceEntry& p : model.pieces) {
    if (p.type == SentencePieceType::user_defined) out.push_back(p.piece);
  }
  return out;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceModel model, const std::string& name)
    : model_(std::move(model)),
      normalizer_(model_.normalizer_spec, model_.trainer_spec.treat_whitespace_as_suffix, user_defined_pieces(model_),
                  name) {
  if (!model_.denormalizer_spec.precompiled_charsmap.empty()) {
    denormalizer_ = std::make_unique<SentencePieceNormalizer>(model_.denormalizer_spec, false,
                                                              std::vector<std::string>{}, name);
  }
  // As SentencePiece's unigram model: the score range over NORMAL pieces only, starting from
  // FLT_MAX and FLT_MIN (the smallest positive float, not the most negative).
  min_score_ = FLT_MAX;
  max_score_ = FLT_MIN;
  std::vector<std::pair<std::string, std::int32_t>> matchable;
  std::vector<std::pair<std::string, std::int32_t>> user_defined;
  for (std::size_t i = 0; i < model_.pieces.size(); ++i) {
    const SentencePieceEntry& p = model_.pieces[i];
    const auto id = static_cast<std::int32_t>(i);
    types_.push_back(p.type);
    switch (p.type) {
      case SentencePieceType::normal:
        min_score_ = std::min(min_score_, p.score);
        max_score_ = std::max(max_score_, p.score);
        [[fallthrough]];
      case SentencePieceType::unused:
        matchable_.emplace(p.piece, id);
        matchable.emplace_back(p.piece, id);
        break;
      case SentencePieceType::user_defined:
        matchable_.emplace(p.piece, id);
        matchable.emplace_back(p.piece, id);
        user_defined.emplace_back(p.piece, id);
        break;
      case SentencePieceType::unknown:
        unk_id_ = id;
        reserved_.emplace(p.piece, id);
        break;
      case SentencePieceType::control: reserved_.emplace(p.piece, id); break;
      case SentencePieceType::byte:
        reserved_.emplace(p.piece, id);
        for (unsigned b = 0; b < 256; ++b) {
          if (p.piece == byte_piece_name(static_cast<unsigned char>(b))) byte_ids_[b] = id;
        }
        break;
    }
  }
  matchable_index_ = PiecePrefixIndex(std::move(matchable));
  user_defined_index_ = PiecePrefixIndex(std::move(user_defined));
  const SentencePieceModelType type = model_.trainer_spec.model_type;
  by_words_ = (type == SentencePieceModelType::bpe || type == SentencePieceModelType::unigram) &&
              !model_.trainer_spec.treat_whitespace_as_suffix;
  for (const SentencePieceEntry& p : model_.pieces) {
    const bool can_match = p.type == SentencePieceType::normal || p.type == SentencePieceType::user_defined ||
                           p.type == SentencePieceType::unused;
    if (can_match && p.piece.find(kSentencePieceSpace, 1) != std::string::npos) by_words_ = false;
    // BPE's user-defined and unused pieces are handled across the whole sentence.
    if (type == SentencePieceModelType::bpe &&
        (p.type == SentencePieceType::user_defined || p.type == SentencePieceType::unused)) {
      by_words_ = false;
    }
  }
  // What a Unigram path adds for each piece; NaN for pieces the lattice skips (unused).
  std::vector<double> lattice_score(model_.pieces.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t id = 0; id < model_.pieces.size(); ++id) {
    const SentencePieceEntry& p = model_.pieces[id];
    if (p.type == SentencePieceType::normal) lattice_score[id] = static_cast<double>(p.score);
    // A user-defined piece scores length * max_score - 0.1 (the product in float), so that it
    // beats any split of itself; its length is in bytes, as SentencePiece's EncodeOptimized has it.
    if (p.type == SentencePieceType::user_defined) {
      lattice_score[id] = static_cast<double>(static_cast<float>(p.piece.size()) * max_score_) - 0.1;
    }
  }
  matchable_index_.set_scores(lattice_score);
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_bytes(std::string_view bytes,
                                                                           const std::string& name) {
  return std::unique_ptr<SentencePieceTokenizer>(
      new SentencePieceTokenizer(parse_sentencepiece_model(bytes, name), name));
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_model(SentencePieceModel model,
                                                                           const std::string& name) {
  // The same checks as a file gets, by a round trip through the wire format.
  return from_bytes(serialize_sentencepiece_model(model), name);
}

std::int32_t SentencePieceTokenizer::id_or_unknown(std::string_view piece) const {
  if (const auto it = reserved_.find(piece); it != reserved_.end()) return it->second;
  if (const auto it = matchable_.find(piece); it != matchable_.end()) return it->second;
  return unk_id_;
}

std::vector<SentencePieceTokenizer::Segment> SentencePieceTokenizer::segment_unigram(std::string_view normalized,
                                                                                     PathMargin* margin) const {
  const float unk_score = min_score_ - kUnknownPenalty;
  // SentencePiece's EncodeOptimized: a piece's score enters the sum as a double (see
  // unigram_lattice.h); a user-defined piece scores length * max_score - 0.1, the product in
  // float, so that it beats any split of itself.
  const std::vector<LatticeNode> path = best_segmentation<float, double>(
      normalized, unk_score,
      [&](std::string_view text, std::size_t begin, auto&& emit) {
        matchable_index_.for_each_scored_prefix(text, begin, [&](std::int32_t id, std::size_t length, double score) {
          if (!std::isnan(score)) emit(id, length, score);
        });
      },
      margin);
  std::vector<Segment> out;
  out.reserve(path.size());
  for (const LatticeNode& node : path) {
    out.push_back({node.begin, node.end - node.begin, node.id == kUnknownNode ? unk_id_ : node.id});
  }
  return out;
}

namespace {

// Whether a Unigram word's best path, found by a walk from score 0, is also the one
// SentencePiece's walk over the whole sentence finds, which reaches the word with score
// `score_before`. The two walks round their float running scores differently: each of at most
// `characters` roundings is within half an ulp of the magnitudes involved, so a candidate's
// score moves by at most `from_zero` in one walk and `from_sentence` in the other. A choice whose
// gap exceeds twice their sum is the same in both; the factor 4 leaves twice that to spare.
bool path_holds_from(const PathMargin& margin, double score_before) {
  constexpr double kHalfUlp = std::numeric_limits<float>::epsilon() / 2;
  const auto roundings = static_cast<double>(margin.characters + 1);
  const double from_zero = roundings * kHalfUlp * margin.largest_magnitude;
  const double from_sentence = roundings * kHalfUlp * (std::abs(score_before) + margin.largest_magnitude);
  return margin.smallest_gap > 4 * (from_zero + from_sentence);
}

}  // namespace

namespace {

float round_down(double x) {
  const auto f = static_cast<float>(x);
  return static_cast<double>(f) > x ? std::nextafter(f, -std::numeric_limits<float>::infinity()) : f;
}
float round_up(double x) {
  const auto f = static_cast<float>(x);
  return static_cast<double>(f) < x ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
}

}  // namespace

std::vector<SentencePieceTokenizer::Segment> SentencePieceTokenizer::segment_by_words(std::string_view normalized) const {
  const bool unigram = model_.trainer_spec.model_type == SentencePieceModelType::unigram;
  const auto scratch = word_caches_.lend();
  WordCache<CachedSegments, kCachedWordBytes>& cache = scratch->words;
  std::vector<std::pair<std::size_t, std::uint64_t>>& words = scratch->starts;  // each word's start and hash
  // Words start at the text's start and at each "▁". Their slots are fetched together.
  words.clear();
  if (words.capacity() > (std::size_t{1} << 16)) words.shrink_to_fit();  // a huge line's is not kept
  for (std::size_t begin = 0; begin < normalized.size();) {
    std::size_t end = normalized.find(kSentencePieceSpace, begin + 1);
    if (end == std::string_view::npos) end = normalized.size();
    const std::uint64_t hash = word_hash(normalized.substr(begin, end - begin));
    cache.prefetch(hash);
    words.emplace_back(begin, hash);
    begin = end;
  }
  std::vector<Segment> out;
  out.reserve(words.size() * 2);
  double score_before = 0;  // Unigram: the best path's score up to the word (near enough)
  for (std::size_t w = 0; w < words.size(); ++w) {
    const auto [begin, hash] = words[w];
    const std::size_t end = w + 1 < words.size() ? words[w + 1].first : normalized.size();
    const std::string_view word = normalized.substr(begin, end - begin);
    PathMargin margin;
    if (const CachedSegments* c = cache.find(word, hash)) {
      const CachedPieces& p = c->pieces;
      for (std::size_t k = 0; k < p.count; ++k) out.push_back({begin + p.begin[k], std::size_t{p.end[k]} - p.begin[k], p.id[k]});
      margin = {c->smallest_gap, c->largest_magnitude, c->end_score, c->characters};
    } else {
      std::vector<Segment> segments = unigram ? segment_unigram(word, &margin) : segment_bpe_whole(word);
      if (word.size() <= kCachedWordBytes && segments.size() <= CachedPieces::kMax) {
        CachedSegments kept{};
        kept.pieces.count = static_cast<std::uint8_t>(segments.size());
        for (std::size_t k = 0; k < segments.size(); ++k) {
          kept.pieces.begin[k] = static_cast<std::uint8_t>(segments[k].begin);
          kept.pieces.end[k] = static_cast<std::uint8_t>(segments[k].begin + segments[k].length);
          kept.pieces.id[k] = segments[k].id;
        }
        kept.smallest_gap = round_down(margin.smallest_gap);
        kept.largest_magnitude = round_up(margin.largest_magnitude);
        kept.end_score = static_cast<float>(margin.end_score);
        kept.characters = static_cast<std::uint32_t>(margin.characters);
        cache.insert(word, hash, kept);
      }
      for (Segment seg : segments) out.push_back({begin + seg.begin, seg.length, seg.id});
    }
    // The first word's walk is the sentence's own, bit for bit; a later one's path may stand on
    // a near tie that the sentence's rounding decides otherwise: then the whole sentence is walked.
    if (unigram && w > 0 && !path_holds_from(margin, score_before)) return segment_unigram(normalized);
    score_before += margin.end_score;
  }
  return out;
}

std::vector<SentencePieceTokenizer::Segment> SentencePieceTokenizer::segment_bpe_whole(std::string_view normalized,
                                                                                      const MergeDropout* dropout) const {
  // Symbols: a user-defined piece (frozen) or one character.
  std::vector<MergeSymbol> symbols;
  for (std::size_t pos = 0; pos < normalized.size();) {
    const std::optional<std::size_t> user = user_defined_index_.longest_prefix(normalized.substr(pos));
    const std::size_t length =
        user ? *user : utf8_char_length(static_cast<unsigned char>(normalized[pos]), normalized.size() - pos);
    symbols.push_back({pos, length, id_or_unknown(normalized.substr(pos, length)), user.has_value()});
    pos += length;
  }
  // For an UNUSED piece, the pair it was last offered as (SentencePiece's rev_merge, recorded
  // when a pair is offered, not when merged): the length of its left part.
  std::unordered_map<std::string_view, std::size_t> unused_split;
  merge_symbols<float>(symbols, [&](const MergeSymbol& left, const MergeSymbol& right)
                                    -> std::optional<MergeCandidate<float>> {
    const std::string_view joined = normalized.substr(left.begin, left.length + right.length);
    const auto it = matchable_.find(joined);
    if (it == matchable_.end()) return std::nullopt;
    const SentencePieceEntry& p = model_.pieces[static_cast<std::size_t>(it->second)];
    if (p.type == SentencePieceType::unused) unused_split[joined] = left.length;
    return MergeCandidate<float>{-p.score, it->second};  // the higher score merges first
  }, dropout);

  std::vector<Segment> out;
  out.reserve(symbols.size());
  // An UNUSED piece is split back, recursively, into the pair it came from; with an explicit
  // stack (right part below left) so that a hostile model's long chains cannot exhaust the real one.
  std::vector<std::pair<std::size_t, std::size_t>> pending;
  for (const MergeSymbol& s : symbols) {
    pending.emplace_back(s.begin, s.length);
    while (!pending.empty()) {
      const auto [begin, length] = pending.back();
      pending.pop_back();
      const std::string_view piece = normalized.substr(begin, length);
      const std::int32_t id = id_or_unknown(piece);
      const auto split = unused_split.find(piece);
      if (type_of(id) != SentencePieceType::unused || split == unused_split.end()) {
        out.push_back({begin, length, id});
        continue;
      }
      pending.emplace_back(begin + split->second, length - split->second);
      pending.emplace_back(begin, split->second);
    }
  }
  return out;
}

std::vector<SentencePieceTokenizer::Segment> SentencePieceTokenizer::segment_words(std::string_view normalized) const {
  // SentencePiece's SplitIntoWords: a word starts at the text's start and at each "▁".
  std::vector<Segment> out;
  for (std::size_t pos = 0; pos < normalized.size();) {
    const std::size_t length = utf8_char_length(static_cast<unsigned char>(normalized[pos]), normalized.size() - pos);
    if (out.empty() || normalized.substr(pos, length) == kSentencePieceSpace) out.push_back({pos, 0, 0});
    out.back().length += length;
    pos += length;
  }
  for (Segment& s : out) s.id = id_or_unknown(normalized.substr(s.begin, s.length));
  return out;
}

std::vector<SentencePieceTokenizer::Segment> SentencePieceTokenizer::segment_characters(
    std::string_view normalized) const {
  std::vector<Segment> out;
  for (std::size_t pos = 0; pos < normalized.size();) {
    const std::size_t length = utf8_char_length(static_cast<unsigned char>(normalized[pos]), normalized.size() - pos);
    out.push_back({pos, length, id_or_unknown(normalized.substr(pos, length))});
    pos += length;
  }
  return out;
}

Encoding SentencePieceTokenizer::encode(std::string_view text, const SubwordEncodeOptions& options) const {
  if (options.sampling) return encode_sampled(text, *options.sampling);
  const SpmNormalizedText normalized = normalizer_.normalize(text);
  const std::string_view norm = normalized.text;
  std::vector<Segment> segments;
  if (!norm.empty()) {
    switch (model_.trainer_spec.model_type) {
      case SentencePieceModelType::unigram: segments = by_words_ ? segment_by_words(norm) : segment_unigram(norm); break;
      case SentencePieceModelType::bpe: segments = by_words_ ? segment_by_words(norm) : segment_bpe_whole(norm); break;
      case SentencePieceModelType::word: segments = segment_words(norm); break;
      case SentencePieceModelType::character: segments = segment_characters(norm); break;
    }
  }

  return encoding_of(normalized, segments);
}

Encoding SentencePieceTokenizer::encoding_of(const SpmNormalizedText& normalized,
                                             const std::vector<Segment>& segments) const {
  // SentencePiece's PopulateSentencePieceText.
  const std::string_view norm = normalized.text;
  const std::vector<std::size_t>& to_orig = normalized.norm_to_orig;
  Encoding e;
  e.ids.reserve(segments.size());
  e.pieces.reserve(segments.size());
  e.offsets.reserve(segments.size());
  auto push = [&](std::int32_t id, std::string_view piece, std::size_t begin, std::size_t end) {
    e.ids.push_back(id);
    e.pieces.emplace_back(piece);
    e.offsets.emplace_back(begin, end);
  };
  std::size_t consumed = 0;
  bool previous_unknown = false;
  for (const Segment& s : segments) {
    const bool unknown = s.id == unk_id_;
    if (type_of(s.id) == SentencePieceType::control) {
      // No surface: an empty range where it stands.
      push(s.id, model_.pieces[static_cast<std::size_t>(s.id)].piece, to_orig[consumed], to_orig[consumed]);
    } else {
      const std::size_t begin = to_orig[consumed];
      const std::size_t end = to_orig[consumed + s.length];
      const std::string_view piece = norm.substr(s.begin, s.length);
      if (unknown && model_.trainer_spec.byte_fallback) {
        for (std::size_t k = 0; k < piece.size(); ++k) {
          const auto byte = static_cast<unsigned char>(piece[k]);
          const bool last = k + 1 == piece.size();
          push(byte_ids_[byte], byte_piece_name(byte), begin, last ? end : begin);
        }
      } else if (unknown && previous_unknown) {
        e.pieces.back() += piece;  // a run of unknown characters is one unknown token
        e.offsets.back().second = end;
      } else {
        push(s.id, piece, begin, end);
      }
      consumed += s.length;
    }
    previous_unknown = unknown;
  }
  e.type_ids.assign(e.ids.size(), 0);
  e.special_mask.assign(e.ids.size(), 0);
  return e;
}

std::string SentencePieceTokenizer::decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const {
  for (const std::int32_t id : ids) {
    EMBEDKIT_CHECK(id >= 0 && static_cast<std::size_t>(id) < model_.pieces.size(), ArgumentError,
                   fmt::format("decode: id {} is not in the vocabulary of {} pieces", id, model_.pieces.size()));
  }
  const SentencePieceNormalizerSpec& spec = model_.normalizer_spec;
  const bool strip_first_space = spec.add_dummy_prefix || spec.remove_extra_whitespaces;
  std::string text;
  // Runs of byte pieces decode together, so that a character split into bytes comes back.
  std::string bytes;
  auto flush_bytes = [&] {
    for (std::size_t pos = 0; pos < bytes.size();) {
      const Utf8Decoded d = decode_utf8(bytes, pos);
      if (d.valid) {
        text.append(bytes, pos, d.length);
        pos += d.length;
      } else {
        text += kReplacementCharacter;  // one per byte, as SentencePiece
        pos += 1;
      }
    }
    bytes.clear();
  };
  // SentencePiece drops the leading "▁" of the first piece that shows something: while nothing
  // has been written, every piece may lose one (with remove_extra_whitespaces), or only until
  // one "▁" has been dropped (add_dummy_prefix alone).
  // Control pieces shown on request do not count as something shown.
  bool at_start = true;
  bool dropped_space = false;
  std::size_t control_bytes = 0;
  for (const std::int32_t id : ids) {
    const SentencePieceEntry& p = model_.pieces[static_cast<std::size_t>(id)];
    if (p.type == SentencePieceType::byte) {
      bytes.push_back(static_cast<char>(
          std::find(byte_ids_.begin(), byte_ids_.end(), id) - byte_ids_.begin()));
      continue;
    }
    flush_bytes();
    if (dropped_space || text.size() > control_bytes) at_start = false;
    dropped_space = false;
    if (p.type == SentencePieceType::control) {
      if (!skip_special_tokens) {
        text += p.piece;
        control_bytes += p.piece.size();
      }
      continue;
    }
    if (p.type == SentencePieceType::unknown) {
      text += model_.trainer_spec.unk_surface;
      continue;
    }
    std::string_view piece = p.piece;
    if (at_start && strip_first_space && piece.starts_with(kSentencePieceSpace)) {
      piece.remove_prefix(kSentencePieceSpace.size());
      dropped_space = !spec.remove_extra_whitespaces;
    }
    for (std::size_t pos = 0; pos < piece.size();) {
      if (piece.substr(pos).starts_with(kSentencePieceSpace)) {
        text += ' ';
        pos += kSentencePieceSpace.size();
      } else {
        text += piece[pos++];
      }
    }
  }
  flush_bytes();
  if (denormalizer_) return denormalizer_->normalize(text).text;
  return text;
}

std::string_view SentencePieceTokenizer::id_to_piece(std::int32_t id) const {
  EMBEDKIT_CHECK(id >= 0 && static_cast<std::size_t>(id) < model_.pieces.size(), ArgumentError,
                 fmt::format("id_to_piece: id {} is not in the vocabulary of {} pieces", id, model_.pieces.size()));
  return model_.pieces[static_cast<std::size_t>(id)].piece;
}

std::optional<std::int32_t> SentencePieceTokenizer::piece_to_id(std::string_view piece) const {
  if (const auto it = reserved_.find(piece); it != reserved_.end()) return it->second;
  if (const auto it = matchable_.find(piece); it != matchable_.end()) return it->second;
  return std::nullopt;
}

std::string_view SentencePieceTokenizer::model_type() const noexcept {
  switch (model_.trainer_spec.model_type) {
    case SentencePieceModelType::unigram: return "Unigram";
    case SentencePieceModelType::bpe: return "BPE";
    case SentencePieceModelType::word: return "WordLevel";
    case SentencePieceModelType::character: return "Char";
  }
  return "Unigram";
}

void SentencePieceTokenizer::save(const std::string& path) const {
  AtomicFileWriter out(path);
  out.write(serialize_sentencepiece_model(model_));
  out.commit();
}

}  // namespace embedkit::tokenize
