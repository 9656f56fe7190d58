#include "unigram_trainer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string_view>
#include <unordered_map>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/text/utf8.h"
#include "piece_rules.h"
#include "tokenize/unigram_lattice.h"

namespace embedkit::tokenize {
namespace {

// Expected counts are summed as integers in units of 2^-24, so that the sum, and every score
// after it, is the same for any thread count (floating-point sums depend on their order).
constexpr double kCountScale = 16777216.0;
constexpr double kUnknownPenalty = 10.0;  // an unknown node scores the lowest piece minus this

/// Digamma function: the recurrence up to x >= 6, then its asymptotic series.
double digamma(double x) {
  double result = 0;
  for (; x < 6; x += 1) result -= 1 / x;
  const double r = 1 / x, r2 = r * r;
  return result + std::log(x) - 0.5 * r - r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 * (1.0 / 240))));
}

// ---------------------------------------------------------------------------------------------
// The characters of one word, as the substring walk needs them.
struct CharInfo {
  std::uint32_t byte;  // offset of the character in the word
  std::int32_t id;     // piece id of the character, -1 when the coverage leaves it out
  PieceShape shape;    // the character as a piece, for the piece rules
};

/// Hash of a substring, extended a byte at a time (FNV-1a), and the mix that spreads it.
constexpr std::uint64_t kHashSeed = 0xcbf29ce484222325ull;
std::uint64_t hash_byte(std::uint64_t h, unsigned char b) { return (h ^ b) * 0x100000001b3ull; }
std::uint64_t mix_hash(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

/// Calls fn(begin_char, end_char, hash, parent_hash) for every substring of `chars` that may be a
/// piece: every character kept by the coverage, and valid by `rules`. Substrings of one begin
/// come shortest first; the walk stops at the first invalid one, as every longer one is invalid too.
template <typename Fn>
void for_each_piece_substring(std::string_view word, const std::vector<CharInfo>& chars, const PieceRules& rules,
                              Fn&& fn) {
  const std::size_t n = chars.size() - 1;  // chars has a sentinel holding the word's end
  for (std::size_t i = 0; i < n; ++i) {
    if (chars[i].id < 0) continue;
    std::uint64_t h = kHashSeed;
    std::uint64_t parent = 0;
    PieceShape shape = chars[i].shape;
    const std::size_t last = std::min(n, i + rules.max_chars);
    for (std::size_t j = i; j < last; ++j) {
      const CharInfo& c = chars[j];
      if (c.id < 0) break;
      if (j > i && !join_shapes(shape, c.shape, rules)) break;
      parent = h;
      for (std::uint32_t b = c.byte; b < chars[j + 1].byte; ++b) h = hash_byte(h, static_cast<unsigned char>(word[b]));
      fn(i, j + 1, h, parent);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Substrings counted in open-addressing tables, one per thread: a substring belongs to the
// table its hash picks, so threads never share one and need no lock.
struct SubstringEntry {
  std::uint64_t hash;
  std::uint64_t parent;     // hash of the substring less its last character
  std::uint64_t count;      // occurrences, weighted by word count
  std::uint64_t max_child;  // the highest count of a one-character extension
  std::uint32_t word;       // where it first occurs: word, byte offset and length
  std::uint16_t byte_begin;
  std::uint16_t byte_length;
  std::uint16_t chars;
  std::int32_t piece = -1;  // seed id, once chosen
};

class SubstringTable {
 public:
  SubstringTable() : slots_(1 << 16, kEmpty) {}

  /// The entry of text (hash `hash`), or nullptr.
  SubstringEntry* find(std::uint64_t hash, std::string_view text, const std::vector<WordCount>& words) {
    for (std::size_t s = mix_hash(hash) & (slots_.size() - 1);; s = (s + 1) & (slots_.size() - 1)) {
      if (slots_[s] == kEmpty) return nullptr;
      SubstringEntry& e = entries_[slots_[s]];
      if (e.hash == hash && text_of(e, words) == text) return &e;
    }
  }

  /// The entry of text, created (count 0) when absent.
  SubstringEntry& find_or_add(std::uint64_t hash, std::string_view text, const std::vector<WordCount>& words,
                              const SubstringEntry& fresh) {
    if (2 * (entries_.size() + 1) > slots_.size()) grow();
    std::size_t s = mix_hash(hash) & (slots_.size() - 1);
    for (;; s = (s + 1) & (slots_.size() - 1)) {
      if (slots_[s] == kEmpty) break;
      SubstringEntry& e = entries_[slots_[s]];
      if (e.hash == hash && text_of(e, words) == text) return e;
    }
    slots_[s] = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back(fresh);
    return entries_.back();
  }

  std::vector<SubstringEntry>& entries() { return entries_; }

  static std::string_view text_of(const SubstringEntry& e, const std::vector<WordCount>& words) {
    return std::string_view(words[e.word].word).substr(e.byte_begin, e.byte_length);
  }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  void grow() {
    std::vector<std::uint32_t> bigger(slots_.size() * 2, kEmpty);
    for (std::uint32_t i = 0; i < entries_.size(); ++i) {
      std::size_t s = mix_hash(entries_[i].hash) & (bigger.size() - 1);
      while (bigger[s] != kEmpty) s = (s + 1) & (bigger.size() - 1);
      bigger[s] = i;
    }
    slots_.swap(bigger);
  }
  std::vector<std::uint32_t> slots_;
  std::vector<SubstringEntry> entries_;
};

/// The table a hash belongs to.
std::size_t table_of(std::uint64_t hash, std::size_t tables) { return (mix_hash(hash) >> 40) % tables; }

// ---------------------------------------------------------------------------------------------
// The training state: every word as the lattice of seed pieces over it (edges), which only ever
// loses pieces, so it is built once and filtered, never looked up again.
struct LatticeEdge {
  std::uint16_t begin;  // bytes in the word
  std::uint16_t end;
  std::int32_t piece;
};

struct TrainingState {
  std::vector<std::string_view> words;
  std::vector<std::uint64_t> counts;
  std::vector<std::size_t> first_edge;  // words.size() + 1 offsets into edges
  std::vector<LatticeEdge> edges;

  std::vector<std::string> pieces;  // by seed id; characters first
  std::vector<double> scores;       // log-probabilities
  std::vector<std::uint8_t> alive;
  struct Occurrence {
    std::uint32_t word;
    std::uint16_t begin;
    std::uint16_t end;
  };
  std::vector<Occurrence> where;  // one occurrence of each multi-character piece
  std::size_t character_pieces = 0;
  double unk_score = 0;

  std::size_t alive_count() const { return static_cast<std::size_t>(std::count(alive.begin(), alive.end(), 1)); }
  void update_unk_score() {
    double lowest = 0;
    for (std::size_t p = 0; p < scores.size(); ++p)
      if (alive[p]) lowest = std::min(lowest, scores[p]);
    unk_score = lowest - kUnknownPenalty;
  }
};

/// for_each_prefix (unigram_lattice.h) over the live edges [first, last) of one word, whose text
/// starts at byte `offset` of the word; edges that end past `limit` or equal `skip` are left out.
struct EdgePrefixes {
  const TrainingState* state;
  std::size_t next;
  std::size_t last;
  std::size_t offset = 0;
  std::size_t limit = SIZE_MAX;
  std::size_t skip = SIZE_MAX;  // an edge index to leave out

  template <typename Emit>
  void operator()(std::string_view, std::size_t begin, Emit&& emit) {
    const auto& edges = state->edges;
    const std::size_t at = begin + offset;
    while (next < last && edges[next].begin < at) ++next;
    for (; next < last && edges[next].begin == at; ++next) {
      const LatticeEdge& e = edges[next];
      if (e.end > limit) continue;
      if (next == skip || !state->alive[static_cast<std::size_t>(e.piece)]) continue;
      emit(e.piece, static_cast<std::size_t>(e.end - e.begin), state->scores[static_cast<std::size_t>(e.piece)]);
    }
  }
};

/// E-step kernel: the expected count of every piece over all segmentations of the words
/// `t, t + stride, ...`, times their counts, in units of 1/kCountScale, added to `expected`.
void add_expected_counts(const TrainingState& state, std::size_t t, std::size_t stride,
                         std::vector<std::int64_t>& expected) {
  LatticeScratch scratch;
  for (std::size_t w = t; w < state.words.size(); w += stride) {
    const double weight = static_cast<double>(state.counts[w]) * kCountScale;
    EdgePrefixes prefixes{&state, state.first_edge[w], state.first_edge[w + 1]};
    lattice_marginals(state.words[w], state.unk_score, prefixes, [&](std::int32_t piece, double p) {
      expected[static_cast<std::size_t>(piece)] += std::llround(weight * p);
    }, scratch);
  }
}

/// Viterbi kernel: how often each piece is on the best segmentation of the words
/// `t, t + stride, ...`, weighted by their counts, added to `freq`.
void add_viterbi_counts(const TrainingState& state, std::size_t t, std::size_t stride,
                        std::vector<std::int64_t>& freq) {
  for (std::size_t w = t; w < state.words.size(); w += stride) {
    EdgePrefixes prefixes{&state, state.first_edge[w], state.first_edge[w + 1]};
    for (const LatticeNode& node : best_segmentation(state.words[w], state.unk_score, prefixes))
      if (node.id != kUnknownNode) freq[static_cast<std::size_t>(node.id)] += static_cast<std::int64_t>(state.counts[w]);
  }
}

/// Runs body(t, stride) on `threads` threads and sums their integer vectors (of `size`).
template <typename Body>
std::vector<std::int64_t> sum_over_threads(std::size_t threads, std::size_t size, Body&& body) {
  std::vector<std::vector<std::int64_t>> parts(threads);
  ThreadGroup group(threads, [&](std::size_t t) {
    parts[t].assign(size, 0);
    body(t, threads, parts[t]);
  });
  group.join();
  for (std::size_t t = 1; t < threads; ++t)
    for (std::size_t i = 0; i < size; ++i) parts[0][i] += parts[t][i];
  return std::move(parts[0]);
}

/// EM: expected counts, then the pieces seen less than half a time dropped and the others
/// scored digamma(count) - digamma(total) (SentencePiece's Bayesian EM, a sparse prior).
void run_em_step(TrainingState& state, std::size_t threads) {
  const std::vector<std::int64_t> expected = sum_over_threads(
      threads, state.pieces.size(),
      [&](std::size_t t, std::size_t stride, std::vector<std::int64_t>& out) { add_expected_counts(state, t, stride, out); });
  double total = 0;
  for (std::size_t p = 0; p < expected.size(); ++p) {
    if (!state.alive[p]) continue;
    const double c = static_cast<double>(expected[p]) / kCountScale;
    if (c < 0.5) state.alive[p] = 0;
    else total += c;
  }
  const double log_total = digamma(total);
  for (std::size_t p = 0; p < expected.size(); ++p)
    if (state.alive[p]) state.scores[p] = digamma(static_cast<double>(expected[p]) / kCountScale) - log_total;
  state.update_unk_score();
}

/// Pruning: each piece's loss is how much the corpus likelihood would drop if its Viterbi
/// occurrences were cut into its best alternative segmentation; the pieces whose alternative
/// is better already go, those without one stay, and the highest losses fill up to `keep`.
void prune(TrainingState& state, std::size_t keep, std::size_t threads) {
  const std::size_t n = state.pieces.size();
  // Alternatives: the best segmentation of each piece's own text without the piece itself.
  std::vector<std::vector<std::int32_t>> alternatives(n);
  std::vector<std::uint8_t> removable(n, 0);
  {
    ThreadGroup group(threads, [&](std::size_t t) {
      for (std::size_t p = state.character_pieces + t; p < n; p += threads) {
        if (!state.alive[p]) continue;
        const auto& at = state.where[p];
        const std::size_t first = state.first_edge[at.word], last = state.first_edge[at.word + 1];
        const auto* edges = state.edges.data();
        const std::size_t from = static_cast<std::size_t>(
            std::lower_bound(edges + first, edges + last, at.begin,
                             [](const LatticeEdge& e, std::uint16_t b) { return e.begin < b; }) - edges);
        std::size_t self = from;
        while (self < last && edges[self].begin == at.begin && !(edges[self].end == at.end)) ++self;
        EdgePrefixes prefixes{&state, from, last, at.begin, at.end, self};
        const std::string_view text = state.words[at.word].substr(at.begin, at.end - at.begin);
        double alt_score = 0;
        bool has_unknown = false;
        std::vector<std::int32_t> path;
        for (const LatticeNode& node : best_segmentation(text, state.unk_score, prefixes)) {
          if (node.id == kUnknownNode) has_unknown = true;
          else alt_score += state.scores[static_cast<std::size_t>(node.id)];
          path.push_back(node.id);
        }
        if (has_unknown) continue;  // no alternative: kept
        if (alt_score > state.scores[p]) removable[p] = 1;
        else alternatives[p] = std::move(path);
      }
    });
    group.join();
  }
  const std::vector<std::int64_t> freq = sum_over_threads(
      threads, n, [&](std::size_t t, std::size_t stride, std::vector<std::int64_t>& out) { add_viterbi_counts(state, t, stride, out); });
  const double words_total = static_cast<double>(std::accumulate(state.counts.begin(), state.counts.end(), std::uint64_t{0}));
  const double sum = static_cast<double>(std::accumulate(freq.begin(), freq.end(), std::int64_t{0}));
  const double log_sum = std::log(sum);

  std::vector<std::uint8_t> kept(n, 0);
  std::size_t kept_count = 0;
  std::vector<std::pair<double, std::size_t>> candidates;  // (loss, piece)
  for (std::size_t p = 0; p < n; ++p) {
    if (!state.alive[p]) continue;
    if (freq[p] == 0 || removable[p]) continue;  // (characters unused go too: finalisation restores them)
    if (p < state.character_pieces) {  // a single character has no alternative
      kept[p] = 1, ++kept_count;
      continue;
    }
    if (alternatives[p].empty()) {
      kept[p] = 1, ++kept_count;
      continue;
    }
    const double f = static_cast<double>(freq[p]);
    const double log_p = std::log(f) - log_sum;
    const double log_sum_alt = std::log(sum + f * static_cast<double>(alternatives[p].size() - 1));
    double log_p_alt = 0;
    for (std::int32_t a : alternatives[p]) log_p_alt += std::log(static_cast<double>(freq[static_cast<std::size_t>(a)]) + f) - log_sum_alt;
    candidates.emplace_back(f / words_total * (log_p - log_p_alt), p);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  for (const auto& [loss, p] : candidates) {
    if (kept_count >= keep) break;
    kept[p] = 1, ++kept_count;
  }
  state.alive = std::move(kept);
  state.update_unk_score();
}

/// Drops the edges of dead pieces, so that later passes do not step over them.
void compact_edges(TrainingState& state) {
  std::size_t out = 0;
  std::size_t begin = state.first_edge[0];
  for (std::size_t w = 0; w < state.words.size(); ++w) {
    const std::size_t end = state.first_edge[w + 1];
    state.first_edge[w] = out;
    for (std::size_t e = begin; e < end; ++e)
      if (state.alive[static_cast<std::size_t>(state.edges[e].piece)]) state.edges[out++] = state.edges[e];
    begin = end;
  }
  state.first_edge[state.words.size()] = out;
  state.edges.resize(out);
}

}  // namespace

std::vector<std::pair<std::string, double>> train_unigram(
    const std::vector<WordCount>& words, const UnigramTrainerOptions& options,
    const std::function<void(const char*, double, std::size_t)>& on_progress) {
  EMBEDKIT_CHECK(!options.special_tokens.empty(), ArgumentError,
                 "the Unigram trainer needs at least one special token (the first is the unknown token)");
  EMBEDKIT_CHECK(options.rules.max_chars >= 1 && options.rules.max_chars <= 512, ArgumentError,
                 fmt::format("max piece length {} is not in [1, 512]", options.rules.max_chars));
  EMBEDKIT_CHECK(options.shrinking_factor > 0 && options.shrinking_factor < 1, ArgumentError,
                 fmt::format("shrinking factor {} is not in (0, 1)", options.shrinking_factor));
  EMBEDKIT_CHECK(options.em_iterations >= 1, ArgumentError, "the Unigram trainer needs at least one EM iteration");
  auto progress = [&](const char* stage, double fraction, std::size_t pieces) {
    if (on_progress) on_progress(stage, fraction, pieces);
  };
  const PieceRules& rules = options.rules;

  // The alphabet: the most frequent characters covering `character_coverage` of all.
  // Characters for the coverage: not the separators (NUL, tab, space) no piece may hold; words
  // too long for the lattice's 16-bit offsets (no pre-tokenizer makes them) are left out.
  const CharacterFrequencies chars = character_frequencies(
      words, [](char32_t c) { return c != 0 && c != U'\t' && c != U' '; }, UINT16_MAX);
  const auto& by_freq = chars.by_frequency;
  const std::uint64_t total_chars = chars.total;
  TrainingState state;
  std::unordered_map<char32_t, std::int32_t> char_ids;
  std::uint64_t covered = 0;
  for (const auto& [c, f] : by_freq) {
    if (static_cast<double>(covered) >= options.character_coverage * static_cast<double>(total_chars)) break;
    covered += f;
    char_ids.emplace(c, static_cast<std::int32_t>(state.pieces.size()));
    std::string s;
    append_utf8(s, c);
    state.pieces.push_back(std::move(s));
    state.scores.push_back(static_cast<double>(f));
  }
  state.character_pieces = state.pieces.size();
  const std::size_t room = options.vocab_size > options.special_tokens.size() ? options.vocab_size - options.special_tokens.size() : 0;
  EMBEDKIT_CHECK(state.character_pieces <= room, ArgumentError,
                 fmt::format("a vocabulary of {} cannot hold the {} special tokens and the {} characters the corpus "
                             "needs; raise the vocabulary size or lower the character coverage",
                             options.vocab_size, options.special_tokens.size(), state.character_pieces));

  // Words as characters (with a sentinel at the end) for the substring walks.
  std::vector<std::uint32_t> usable;
  std::vector<std::uint32_t> usable_index(words.size(), UINT32_MAX);  // words' index -> usable's
  for (std::uint32_t w = 0; w < words.size(); ++w) {
    if (!words[w].word.empty() && words[w].word.size() <= UINT16_MAX) {
      usable_index[w] = static_cast<std::uint32_t>(usable.size());
      usable.push_back(w);
    }
  }
  auto chars_of = [&](std::string_view word, std::vector<CharInfo>& out) {
    out.clear();
    for (std::size_t pos = 0; pos < word.size();) {
      const Utf8Decoded d = decode_utf8(word, pos);
      const auto it = char_ids.find(d.code_point);
      out.push_back({static_cast<std::uint32_t>(pos), it == char_ids.end() ? -1 : it->second,
                     shape_of_char(d.code_point, rules)});
      pos += d.length;
    }
    out.push_back({static_cast<std::uint32_t>(word.size()), -1, {}});
  };

  // Seeds: substrings of two or more characters, counted over the words (each table by its own
  // thread), as SentencePiece's suffix array finds them: occurring at least twice and not always
  // followed by the same character (right-maximal), scored by count x length.
  progress("seeds", 0, 0);
  const std::size_t threads = job_threads(options.threads, std::max<std::size_t>(usable.size(), 1));
  std::vector<SubstringTable> tables(threads);
  {
    ThreadGroup group(threads, [&](std::size_t t) {
      std::vector<CharInfo> chars;
      SubstringTable& table = tables[t];
      for (std::uint32_t w : usable) {
        const std::string_view word = words[w].word;
        chars_of(word, chars);
        for_each_piece_substring(word, chars, rules, [&](std::size_t i, std::size_t j, std::uint64_t h, std::uint64_t parent) {
          if (j - i < 2 || table_of(h, threads) != t) return;
          const std::string_view text = word.substr(chars[i].byte, chars[j].byte - chars[i].byte);
          SubstringEntry fresh{h, parent, 0, 0, w, static_cast<std::uint16_t>(chars[i].byte),
                               static_cast<std::uint16_t>(text.size()), static_cast<std::uint16_t>(j - i)};
          table.find_or_add(h, text, words, fresh).count += words[w].count;
        });
      }
    });
    group.join();
  }
  {  // right-maximality: each entry tells its parent (in the parent's table, by that table's thread)
    ThreadGroup group(threads, [&](std::size_t t) {
      for (SubstringTable& table : tables) {
        for (const SubstringEntry& e : table.entries()) {
          if (e.chars < 3 || table_of(e.parent, threads) != t) continue;
          const std::string_view text = SubstringTable::text_of(e, words);
          const std::size_t parent_length = text.size() - [&] {
            std::size_t k = text.size() - 1;
            while (k > 0 && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) --k;
            return text.size() - k;
          }();
          SubstringEntry* parent = tables[t].find(e.parent, text.substr(0, parent_length), words);
          if (parent) parent->max_child = std::max(parent->max_child, e.count);
        }
      }
    });
    group.join();
  }
  std::vector<SubstringEntry*> seeds;
  for (SubstringTable& table : tables)
    for (SubstringEntry& e : table.entries())
      if (e.count >= 2 && (e.max_child < e.count || e.chars == rules.max_chars)) seeds.push_back(&e);
  auto seed_order = [&](const SubstringEntry* a, const SubstringEntry* b) {
    const std::uint64_t sa = a->count * a->chars, sb = b->count * b->chars;
    if (sa != sb) return sa > sb;
    return SubstringTable::text_of(*a, words) < SubstringTable::text_of(*b, words);
  };
  if (seeds.size() > options.seed_size) {
    std::nth_element(seeds.begin(), seeds.begin() + static_cast<std::ptrdiff_t>(options.seed_size), seeds.end(), seed_order);
    seeds.resize(options.seed_size);
  }
  std::sort(seeds.begin(), seeds.end(), seed_order);
  state.where.resize(state.character_pieces);
  for (SubstringEntry* e : seeds) {
    e->piece = static_cast<std::int32_t>(state.pieces.size());
    state.pieces.emplace_back(SubstringTable::text_of(*e, words));
    state.scores.push_back(static_cast<double>(e->count * e->chars));
    // A seed's word as the lattice's arrays index it: its place among the usable words.
    state.where.push_back({usable_index[e->word], e->byte_begin, static_cast<std::uint16_t>(e->byte_begin + e->byte_length)});
  }
  {
    const double log_sum = std::log(std::accumulate(state.scores.begin(), state.scores.end(), 0.0));
    for (double& s : state.scores) s = std::log(s) - log_sum;
  }
  state.alive.assign(state.pieces.size(), 1);
  state.update_unk_score();
  progress("seeds", 1, state.pieces.size());

  // Every word as its lattice of seeds, built once (in blocks of words, one per thread).
  state.words.reserve(usable.size());
  state.counts.reserve(usable.size());
  for (std::uint32_t w : usable) {
    state.words.emplace_back(words[w].word);
    state.counts.push_back(words[w].count);
  }
  {
    std::vector<std::vector<LatticeEdge>> parts(threads);
    std::vector<std::vector<std::size_t>> part_counts(threads);
    const std::size_t per = (usable.size() + threads - 1) / threads;
    ThreadGroup group(threads, [&](std::size_t t) {
      std::vector<CharInfo> chars;
      for (std::size_t k = t * per; k < std::min(usable.size(), (t + 1) * per); ++k) {
        const std::string_view word = state.words[k];
        chars_of(word, chars);
        const std::size_t before = parts[t].size();
        for_each_piece_substring(word, chars, rules, [&](std::size_t i, std::size_t j, std::uint64_t h, std::uint64_t) {
          std::int32_t piece = -1;
          if (j - i == 1) {
            piece = chars[i].id;
          } else if (const SubstringEntry* e = tables[table_of(h, threads)].find(
                         h, word.substr(chars[i].byte, chars[j].byte - chars[i].byte), words)) {
            piece = e->piece;
          }
          if (piece >= 0)
            parts[t].push_back({static_cast<std::uint16_t>(chars[i].byte), static_cast<std::uint16_t>(chars[j].byte), piece});
        });
        part_counts[t].push_back(parts[t].size() - before);
      }
    });
    group.join();
    state.first_edge.reserve(usable.size() + 1);
    state.first_edge.push_back(0);
    for (std::size_t t = 0; t < threads; ++t) {
      for (std::size_t c : part_counts[t]) state.first_edge.push_back(state.first_edge.back() + c);
      state.edges.insert(state.edges.end(), parts[t].begin(), parts[t].end());
      std::vector<LatticeEdge>().swap(parts[t]);
    }
  }
  tables.clear();

  // EM and pruning until the vocabulary is within 10% of its size.
  const auto desired = static_cast<std::size_t>(static_cast<double>(options.vocab_size) * 1.1);
  const double start_size = static_cast<double>(state.alive_count());
  for (;;) {
    for (std::size_t i = 0; i < options.em_iterations; ++i) run_em_step(state, threads);
    const std::size_t size = state.alive_count();
    progress("em", std::min(1.0, std::log(start_size / static_cast<double>(size)) /
                                     std::max(1e-9, std::log(start_size / static_cast<double>(desired)))),
             size);
    if (size <= desired) break;
    const auto keep = std::max(desired, static_cast<std::size_t>(options.shrinking_factor * static_cast<double>(size)));
    prune(state, keep, threads);
    compact_edges(state);
    if (state.alive_count() >= size) break;  // nothing left to prune
  }

  // Final pieces: every character, then the best-scoring pieces; sorted by score.
  std::vector<std::pair<std::string, double>> final_pieces;
  double lowest = 0;
  for (std::size_t p = 0; p < state.pieces.size(); ++p)
    if (state.alive[p]) lowest = std::min(lowest, state.scores[p]);
  double penalty = 0;
  for (std::size_t p = 0; p < state.character_pieces; ++p) {  // characters by frequency
    if (state.alive[p]) {
      final_pieces.emplace_back(state.pieces[p], state.scores[p]);
    } else {
      final_pieces.emplace_back(state.pieces[p], lowest + penalty);
      penalty += 0.0001;
    }
  }
  std::vector<std::size_t> rest;
  for (std::size_t p = state.character_pieces; p < state.pieces.size(); ++p)
    if (state.alive[p]) rest.push_back(p);
  std::sort(rest.begin(), rest.end(), [&](std::size_t a, std::size_t b) {
    return state.scores[a] != state.scores[b] ? state.scores[a] > state.scores[b] : state.pieces[a] < state.pieces[b];
  });
  for (std::size_t p : rest) {
    if (final_pieces.size() >= room) break;
    final_pieces.emplace_back(state.pieces[p], state.scores[p]);
  }
  EMBEDKIT_CHECK(final_pieces.size() == room, ArgumentError,
                 fmt::format("the corpus yields only {} pieces, fewer than the {} a vocabulary of {} needs besides its "
                             "special tokens; lower the vocabulary size",
                             final_pieces.size(), room, options.vocab_size));
  std::sort(final_pieces.begin(), final_pieces.end(),
            [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  std::vector<std::pair<std::string, double>> out;
  out.reserve(options.vocab_size);
  for (const std::string& s : options.special_tokens) out.emplace_back(s, 0.0);
  for (auto& p : final_pieces) out.push_back(std::move(p));
  progress("done", 1, out.size());
  return out;
}

}  // namespace embedkit::tokenize
