// N-best segmentations and subword regularization (sampling, BPE-dropout).
// N-best is exact: SentencePiece's lists, order and scores (data/*.nbest.tsv, written by
// data/make_sentencepiece_reference.sh). Sampling cannot replay the libraries' random numbers,
// so it is checked in distribution: for short words every segmentation's exact probability is
// known (all of the n-best list for Unigram; an independent enumeration of every skip/merge
// decision for BPE-dropout), and the frequencies of 20000 draws must pass a chi-square test at
// p = 1e-6. The seeds are fixed, so each test is deterministic: it cannot flake, and a bound that
// loose only fails for a wrong distribution.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "embedkit/core/error.h"
#include "embedkit/tokenize/subword_tokenizer.h"
#include "test_files.h"
#include "tokenize/reference_files.h"
#include "tokenize/sentencepiece_tokenizer.h"

// A namespace of its own: the unity build puts this file beside sentencepiece_test.cpp's helpers.
namespace embedkit::tokenize::sampling_test {
namespace {

using embedkit::testing::read_file;
using embedkit::testing::source_file;
using reference::parse_ids;
using reference::split;
using reference::unescape;

std::string data_path(std::string_view name) {
  return source_file(fmt::format("tests/unit/tokenize/data/{}", name)).string();
}

std::vector<std::string> reference_lines() {
  std::vector<std::string> lines;
  for (const std::string& line : split(read_file(data_path("sentencepiece_reference_lines.txt")), '\n')) {
    lines.push_back(unescape(line));
  }
  lines.pop_back();  // after the last newline
  return lines;
}

SubwordEncodeOptions sampling(double alpha, int nbest_size, std::uint64_t seed) {
  SubwordEncodeOptions o;
  o.sampling = SubwordSampling{alpha, nbest_size, seed, 0};
  return o;
}

// The chi-square statistic's bound at p = 1e-6 for `df` degrees of freedom (Wilson-Hilferty's
// normal approximation, z = 4.7534; within a few percent of the exact quantile for df >= 1).
double chi_square_bound(std::size_t df) {
  const double k = static_cast<double>(df);
  const double h = 2.0 / (9.0 * k);
  return k * std::pow(1 - h + 4.7534 * std::sqrt(h), 3.0);
}

// Draws `draws` samples from `sample(i)` and checks their frequencies against `probability`
// (outcome -> exact probability, summing to 1). Outcomes expected fewer than 5 times are
// pooled into one cell, so that the statistic follows the chi-square law.
template <typename Outcome>
void expect_distribution(const std::map<Outcome, double>& probability, const std::function<Outcome(std::uint64_t)>& sample,
                         std::size_t draws, const std::string& what) {
  std::map<Outcome, std::size_t> seen;
  for (std::uint64_t i = 0; i < draws; ++i) {
    const Outcome o = sample(i);
    ASSERT_TRUE(probability.count(o)) << what << ": drew an outcome of probability 0";
    ++seen[o];
  }
  double statistic = 0;
  double pooled_expected = 0;
  double pooled_seen = 0;
  std::size_t cells = 0;
  for (const auto& [outcome, p] : probability) {
    const double expected = p * static_cast<double>(draws);
    const double observed = seen.count(outcome) ? static_cast<double>(seen.at(outcome)) : 0.0;
    if (expected < 5) {
      pooled_expected += expected;
      pooled_seen += observed;
      continue;
    }
    statistic += (observed - expected) * (observed - expected) / expected;
    ++cells;
  }
  if (pooled_expected > 0) {
    statistic += (pooled_seen - pooled_expected) * (pooled_seen - pooled_expected) / pooled_expected;
    ++cells;
  }
  ASSERT_GE(cells, 2U) << what << ": too few outcomes to test";
  EXPECT_LT(statistic, chi_square_bound(cells - 1))
      << what << ": chi-square " << statistic << " over " << cells << " cells";
}

// ----- SentencePiece n-best: exactly SentencePiece's -------------------------------------------

void expect_nbest_equals_spm(const std::string& model) {
  const auto tok = SubwordTokenizer::load(data_path(model + ".model"));
  const std::vector<std::string> lines = reference_lines();
  // Rows: line, n asked, rank, score, ids.
  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::pair<double, std::vector<std::int32_t>>>> expected;
  for (const std::string& row : split(read_file(data_path(model + ".nbest.tsv")), '\n')) {
    if (row.empty()) continue;
    const std::vector<std::string> f = split(row, '\t');
    ASSERT_EQ(f.size(), 5U) << row;
    expected[{std::stoul(f[0]), std::stoul(f[1])}].emplace_back(std::stod(f[3]), parse_ids(f[4]));
  }
  ASSERT_GT(expected.size(), lines.size());
  std::size_t lists = 0;
  std::size_t segmentations = 0;
  for (const auto& [key, answers] : expected) {
    const auto [line, n] = key;
    const std::vector<ScoredEncoding> got = tok->encode_nbest(lines.at(line), n);
    ASSERT_EQ(got.size(), answers.size()) << model << " line " << line << " n " << n;
    for (std::size_t r = 0; r < got.size(); ++r) {
      ASSERT_EQ(got[r].encoding.ids, answers[r].second) << model << " line " << line << " n " << n << " rank " << r;
      // Both are floats: equal to the last bit.
      ASSERT_EQ(static_cast<float>(got[r].score), static_cast<float>(answers[r].first))
          << model << " line " << line << " n " << n << " rank " << r;
    }
    ++lists;
    segmentations += got.size();
  }
  std::cout << model << ": " << lists << " n-best lists, " << segmentations << " segmentations equal to SentencePiece's\n";
}

TEST(SentencePieceNBest, EqualsSpmNBestEncodeWithNfkcModel) { expect_nbest_equals_spm("spm_unigram_nfkc"); }

TEST(SentencePieceNBest, EqualsSpmNBestEncodeWithSuffixBytesAndUserDefinedModel) {
  expect_nbest_equals_spm("spm_unigram_suffix");
}

TEST(SentencePieceNBest, BpeWordAndCharModelsAndBadSizesAreArgumentErrors) {
  const auto unigram = SubwordTokenizer::load(data_path("spm_unigram_nfkc.model"));
  EXPECT_THROW((void)unigram->encode_nbest("Hello", 0), ArgumentError);
  EXPECT_THROW((void)unigram->encode_nbest("Hello", 1025), ArgumentError);
  EXPECT_THROW((void)unigram->encode_nbest("Hello", 3, sampling(0.1, -1, 1)), ArgumentError);
  for (const char* model : {"spm_bpe_plain.model", "spm_word.model", "spm_char.model"}) {
    const auto tok = SubwordTokenizer::load(data_path(model));
    EXPECT_THROW((void)tok->encode_nbest("Hello", 3), ArgumentError) << model;
  }
  for (const char* model : {"spm_word.model", "spm_char.model"}) {
    const auto tok = SubwordTokenizer::load(data_path(model));
    EXPECT_THROW((void)tok->encode("Hello", sampling(0.1, -1, 1)), ArgumentError) << model;
  }
  EXPECT_THROW((void)unigram->encode("Hello", sampling(-0.5, -1, 1)), ArgumentError);
  EXPECT_THROW((void)unigram->encode("Hello", sampling(NAN, -1, 1)), ArgumentError);
  EXPECT_THROW((void)unigram->encode("Hello", sampling(0.1, 2000, 1)), ArgumentError);
  const auto bpe = SubwordTokenizer::load(data_path("spm_bpe_plain.model"));
  EXPECT_THROW((void)bpe->encode("Hello", sampling(1.5, -1, 1)), ArgumentError);
}

TEST(SentencePieceNBest, EmptyTextHasOneEmptySegmentation) {
  const auto tok = SubwordTokenizer::load(data_path("spm_unigram_nfkc.model"));
  const std::vector<ScoredEncoding> got = tok->encode_nbest("", 5);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].encoding.size(), 0U);
}

// ----- SentencePiece Unigram sampling ----------------------------------------------------------

// Every segmentation of `text` with its exact probability under exp(alpha * score): the text
// must have fewer than 1024 segmentations, so that the n-best list (checked above) is all of them.
std::map<std::vector<std::int32_t>, double> unigram_distribution(const SubwordTokenizer& tok, std::string_view text,
                                                                 double alpha, std::size_t n = 1024) {
  const std::vector<ScoredEncoding> all = tok.encode_nbest(text, n);
  if (n == 1024) EXPECT_LT(all.size(), 1024U) << text;
  double hi = -INFINITY;
  for (const ScoredEncoding& e : all) hi = std::max(hi, alpha * e.score);
  double total = 0;
  for (const ScoredEncoding& e : all) total += std::exp(alpha * e.score - hi);
  std::map<std::vector<std::int32_t>, double> out;
  for (const ScoredEncoding& e : all) out[e.encoding.ids] += std::exp(alpha * e.score - hi) / total;
  return out;
}

TEST(SentencePieceSampling, UnigramLatticeSamplesFollowExpAlphaScore) {
  const auto tok = SubwordTokenizer::load(data_path("spm_unigram_nfkc.model"));
  for (const auto& [text, alpha] : std::vector<std::pair<std::string, double>>{
           {"Hello", 0.1}, {"sampling", 0.2}, {"world", 0.5}, {"tokens", 1.0}, {"a b", 0.0}}) {
    const auto p = unigram_distribution(*tok, text, alpha);
    expect_distribution<std::vector<std::int32_t>>(
        p, [&, text = text, alpha = alpha](std::uint64_t i) { return tok->encode(text, sampling(alpha, -1, 1000 + i)).ids; }, 20000,
        fmt::format("{} alpha {}", text, alpha));
  }
}

TEST(SentencePieceSampling, UnigramNBestSamplesFollowExpAlphaScoreAmongTheNBest) {
  const auto tok = SubwordTokenizer::load(data_path("spm_unigram_suffix.model"));
  for (const auto& [text, n] : std::vector<std::pair<std::string, int>>{{"Hello world", 5}, {"sampling", 12}}) {
    const auto p = unigram_distribution(*tok, text, 0.3, static_cast<std::size_t>(n));
    expect_distribution<std::vector<std::int32_t>>(
        p, [&, text = text, n = n](std::uint64_t i) { return tok->encode(text, sampling(0.3, n, i)).ids; }, 20000,
        fmt::format("{} nbest {}", text, n));
  }
}

TEST(SentencePieceSampling, LargeAlphaAndNoSamplingSizesGiveTheBestSegmentation) {
  const auto tok = SubwordTokenizer::load(data_path("spm_unigram_nfkc.model"));
  const std::vector<std::string> lines = reference_lines();
  for (std::size_t i = 0; i < lines.size(); i += 7) {
    const std::vector<std::int32_t> best = tok->encode(lines[i]).ids;
    EXPECT_EQ(tok->encode(lines[i], sampling(0.1, 1, i)).ids, best) << i;
    EXPECT_EQ(tok->encode(lines[i], sampling(0.1, 0, i)).ids, best) << i;
    // exp(1e4 * gap) leaves no chance to any other path unless two tie to the float.
    EXPECT_EQ(tok->encode(lines[i], sampling(1e4, -1, i)).ids, best) << i;
  }
}

TEST(SentencePieceSampling, BatchesDrawPerTextStreamsWhateverTheThreadCount) {
  const auto tok = SubwordTokenizer::load(data_path("spm_unigram_nfkc.model"));
  const std::vector<std::string> lines = reference_lines();
  std::vector<std::string_view> texts(lines.begin(), lines.begin() + 64);
  SubwordEncodeOptions o = sampling(0.2, -1, 42);
  o.sampling->stream = 1000;  // a batch that starts at text 1000 of a corpus
  const std::vector<Encoding> one = tok->encode_batch(texts, o, 1);
  const std::vector<Encoding> four = tok->encode_batch(texts, o, 4);
  std::size_t differs_from_best = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(one[i].ids, four[i].ids) << i;
    SubwordEncodeOptions mine = o;
    mine.sampling->stream = 1000 + i;
    EXPECT_EQ(tok->encode(texts[i], mine).ids, one[i].ids) << i;
    EXPECT_EQ(tok->encode(texts[i], mine).offsets, one[i].offsets) << i;
    if (one[i].ids != tok->encode(texts[i]).ids) ++differs_from_best;
  }
  EXPECT_GT(differs_from_best, 16U);  // it does sample
  // The second text of a pair draws apart from the first: the same text twice differs somewhere.
  std::size_t pairs_with_different_halves = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    const Encoding single = tok->encode(texts[i], o);
    const Encoding pair = tok->encode_pair(texts[i], texts[i], o);
    const std::vector<std::int32_t> second(pair.ids.begin() + static_cast<std::ptrdiff_t>(single.size()), pair.ids.end());
    if (second != single.ids) ++pairs_with_different_halves;
  }
  EXPECT_GT(pairs_with_different_halves, 4U);
}

// ----- SentencePiece BPE-dropout ---------------------------------------------------------------

// SentencePiece's BPE with dropout, enumerated: at each step the best-scoring adjacent pair that
// is a piece (the left-most on ties) and was not skipped is skipped with probability p (and stays
// skipped until one of its symbols changes) or merged. Every leaf's probability, by segmentation.
void enumerate_spm_dropout(const SentencePieceModel& model, std::vector<std::string> symbols,
                           std::set<std::tuple<std::size_t, std::size_t, std::size_t>> skipped, double p,
                           double probability, std::map<std::vector<std::string>, double>& out) {
  std::optional<std::size_t> best;
  float best_score = 0;
  std::size_t begin = 0;
  std::size_t best_begin = 0;
  for (std::size_t i = 0; i + 1 < symbols.size(); begin += symbols[i].size(), ++i) {
    const std::string joined = symbols[i] + symbols[i + 1];
    if (skipped.count({begin, symbols[i].size(), symbols[i + 1].size()})) continue;
    for (const SentencePieceEntry& e : model.pieces) {
      if (e.piece != joined || e.type != SentencePieceType::normal) continue;
      if (!best || e.score > best_score) {
        best = i;
        best_score = e.score;
        best_begin = begin;
      }
    }
  }
  if (!best) {
    out[symbols] += probability;
    return;
  }
  const std::size_t i = *best;
  if (p > 0) {
    auto more = skipped;
    more.insert({best_begin, symbols[i].size(), symbols[i + 1].size()});
    enumerate_spm_dropout(model, symbols, std::move(more), p, probability * p, out);
  }
  if (p < 1) {
    symbols[i] += symbols[i + 1];
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    enumerate_spm_dropout(model, std::move(symbols), std::move(skipped), p, probability * (1 - p), out);
  }
}

TEST(SentencePieceSampling, BpeDropoutFollowsTheEnumeratedSkipAndMergeDecisions) {
  const auto tok = SentencePieceTokenizer::from_bytes(read_file(data_path("spm_bpe_plain.model")), "plain");
  for (const auto& [word, p] : std::vector<std::pair<std::string, double>>{
           {"▁there", 0.1}, {"▁lower", 0.3}, {"▁states", 0.5}, {"▁national", 0.2}}) {
    std::vector<std::string> chars;
    for (std::size_t pos = 0; pos < word.size();) {
      const std::size_t length = utf8_char_length(static_cast<unsigned char>(word[pos]), word.size() - pos);
      chars.push_back(word.substr(pos, length));
      pos += length;
    }
    std::map<std::vector<std::string>, double> probability;
    enumerate_spm_dropout(tok->model(), chars, {}, p, 1.0, probability);
    const std::string text = word.substr(std::string("▁").size());  // the model adds the dummy prefix
    expect_distribution<std::vector<std::string>>(
        probability, [&, p = p](std::uint64_t i) { return tok->encode(text, sampling(p, -1, i)).pieces; }, 20000,
        fmt::format("{} dropout {}", word, p));
  }
}

TEST(SentencePieceSampling, BpeDropoutZeroIsThePlainEncodeAndOneGivesCharacters) {
  for (const char* model : {"spm_bpe_bytes.model", "spm_bpe_unused.model", "spm_bpe_plain.model"}) {
    const auto tok = SentencePieceTokenizer::from_bytes(read_file(data_path(model)), model);
    const std::vector<std::string> lines = reference_lines();
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const Encoding plain = tok->encode(lines[i]);
      const Encoding zero = tok->encode(lines[i], sampling(0.0, -1, i));
      EXPECT_EQ(zero.ids, plain.ids) << model << " line " << i;
      EXPECT_EQ(zero.offsets, plain.offsets) << model << " line " << i;
      // Dropout 1: no merge at all; every token is one character (or a byte of one, or a
      // user-defined piece, which is never split).
      for (const std::string& piece : tok->encode(lines[i], sampling(1.0, -1, i)).pieces) {
        const auto id = tok->piece_to_id(piece);
        const bool user = id && tok->model().pieces[static_cast<std::size_t>(*id)].type == SentencePieceType::user_defined;
        const bool byte = piece.size() == 6 && piece.starts_with("<0x");
        EXPECT_TRUE(user || byte || piece.empty() ||
                    utf8_char_length(static_cast<unsigned char>(piece[0]), piece.size()) == piece.size() ||
                    !id)  // a fused unknown run
            << model << " line " << i << " piece " << piece;
      }
    }
  }
}

// ----- Hugging Face BPE dropout ----------------------------------------------------------------

// Hugging Face's own test model (bpe/model.rs, "unrelated"): no pre-tokenizer, so a text is one word.
nlohmann::json unrelated_bpe(const nlohmann::json& dropout) {
  nlohmann::json vocab = nlohmann::json::object();
  const std::vector<std::string> tokens = {"u",  "n",  "r",  "e",  "l",    "a",   "t",       "d",
                                           "re", "at", "ed", "un", "ated", "rel", "related", "unrelated"};
  for (std::size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
  return {{"version", "1.0"},
          {"model",
           {{"type", "BPE"},
            {"dropout", dropout},
            {"vocab", vocab},
            {"merges", {"r e", "a t", "e d", "u n", "at ed", "re l", "rel ated", "un related"}}}}};
}

// word.rs merge_all, enumerated: every pop of the (rank, pos) heap draws; a skipped entry waits
// aside until the next pop that does not skip, which first puts the waiting ones back, then
// merges unless the entry is stale. Leaves below 1e-12 are dropped (the test checks the mass).
struct HfMerge {
  std::size_t pos;
  std::size_t rank;
  std::string merged;
};
struct HfState {
  std::vector<std::string> symbols;  // "" once merged into the left neighbour
  std::vector<HfMerge> queue;
  std::vector<HfMerge> skipped;
};

void enumerate_hf_dropout(const std::map<std::pair<std::string, std::string>, std::size_t>& ranks, HfState state,
                          double p, double probability, std::map<std::vector<std::string>, double>& out) {
  if (probability < 1e-12) return;
  auto next_of = [&](std::size_t i) {
    for (std::size_t j = i + 1; j < state.symbols.size(); ++j) if (!state.symbols[j].empty()) return j;
    return state.symbols.size();
  };
  auto prev_of = [&](std::size_t i) {
    for (std::size_t j = i; j-- > 0;) if (!state.symbols[j].empty()) return j;
    return state.symbols.size();
  };
  auto offer = [&](std::size_t left, std::size_t right) {
    if (left >= state.symbols.size() || right >= state.symbols.size()) return;
    const auto it = ranks.find({state.symbols[left], state.symbols[right]});
    if (it != ranks.end()) state.queue.push_back({left, it->second, state.symbols[left] + state.symbols[right]});
  };
  if (state.queue.empty()) {
    std::vector<std::string> result;
    for (const std::string& s : state.symbols) if (!s.empty()) result.push_back(s);
    out[result] += probability;
    return;
  }
  const auto top_it = std::min_element(state.queue.begin(), state.queue.end(), [](const HfMerge& a, const HfMerge& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos;
  });
  const HfMerge top = *top_it;
  state.queue.erase(top_it);
  if (p > 0) {  // skipped
    HfState skip = state;
    skip.skipped.push_back(top);
    enumerate_hf_dropout(ranks, std::move(skip), p, probability * p, out);
  }
  if (p >= 1) return;
  state.queue.insert(state.queue.end(), state.skipped.begin(), state.skipped.end());
  state.skipped.clear();
  const std::size_t right = next_of(top.pos);
  const bool valid = !state.symbols[top.pos].empty() && right < state.symbols.size() &&
                     state.symbols[top.pos] + state.symbols[right] == top.merged &&
                     ranks.count({state.symbols[top.pos], state.symbols[right]});
  if (valid) {
    state.symbols[top.pos] = top.merged;
    state.symbols[right].clear();
    offer(prev_of(top.pos), top.pos);
    offer(top.pos, next_of(top.pos));
  }
  enumerate_hf_dropout(ranks, std::move(state), p, probability * (1 - p), out);
}

TEST(HuggingFaceSampling, BpeDropoutFollowsTheEnumeratedLibraryLoop) {
  const auto tok = SubwordTokenizer::from_bytes(unrelated_bpe(0.3).dump(), "unrelated.json");
  std::map<std::pair<std::string, std::string>, std::size_t> ranks;
  const auto merges = unrelated_bpe(nullptr)["model"]["merges"];
  for (std::size_t r = 0; r < merges.size(); ++r) {
    const std::string m = merges[r];
    ranks[{m.substr(0, m.find(' ')), m.substr(m.find(' ') + 1)}] = r;
  }
  for (const auto& [word, p] : std::vector<std::pair<std::string, double>>{
           {"related", 0.1}, {"unrelated", 0.3}, {"rated", 0.5}, {"unrelatedre", 0.2}}) {
    HfState start;
    for (char c : word) start.symbols.emplace_back(1, c);
    for (std::size_t i = 0; i + 1 < start.symbols.size(); ++i) {
      const auto it = ranks.find({start.symbols[i], start.symbols[i + 1]});
      if (it != ranks.end()) start.queue.push_back({i, it->second, start.symbols[i] + start.symbols[i + 1]});
    }
    std::map<std::vector<std::string>, double> probability;
    enumerate_hf_dropout(ranks, start, p, 1.0, probability);
    double mass = 0;
    for (const auto& [outcome, q] : probability) mass += q;
    ASSERT_GT(mass, 1 - 1e-6) << word;
    for (auto& [outcome, q] : probability) q /= mass;
    expect_distribution<std::vector<std::string>>(
        probability, [&, word = word, p = p](std::uint64_t i) { return tok->encode(word, sampling(p, -1, i)).pieces; }, 20000,
        fmt::format("{} dropout {}", word, p));
  }
}

TEST(HuggingFaceSampling, BpeDropoutZeroIsThePlainEncodeAndOneGivesCharactersOrBytes) {
  const auto rows = split(read_file(data_path("hf-reference.jsonl")), '\n');
  for (const char* file : {"hf-bpe.json", "hf-bytelevel-bpe.json"}) {
    const auto tok = SubwordTokenizer::load(data_path(file));
    for (const std::string& row : rows) {
      if (row.empty()) continue;
      const std::string text = nlohmann::json::parse(row)["text"];
      const Encoding plain = tok->encode(text);
      const Encoding zero = tok->encode(text, sampling(0.0, -1, 3));
      EXPECT_EQ(zero.ids, plain.ids) << file << ": " << text;
      EXPECT_EQ(zero.offsets, plain.offsets) << file << ": " << text;
      const Encoding all = tok->encode(text, sampling(1.0, -1, 3));
      for (const std::string& piece : all.pieces) {
        // One character of the word (byte-level: one byte, shown as one character), <unk>, or an
        // added token.
        const std::size_t length = utf8_char_length(static_cast<unsigned char>(piece[0]), piece.size());
        EXPECT_TRUE(length == piece.size() || piece == "<unk>" || piece == "<|endoftext|>") << file << ": " << piece;
      }
    }
  }
  const auto unrelated = SubwordTokenizer::from_bytes(unrelated_bpe(1.0).dump(), "unrelated.json");
  EXPECT_EQ(unrelated->encode("unrelated").pieces, std::vector<std::string>{"unrelated"});  // encode() drops nothing
  EXPECT_EQ(unrelated->encode("unrelated", sampling(1.0, -1, 0)).size(), 9U);
}

TEST(HuggingFaceSampling, DropoutOutsideZeroOneIsAFormatErrorAndSingleSegmentationModelsRefuse) {
  EXPECT_THROW((void)SubwordTokenizer::from_bytes(unrelated_bpe(1.5).dump(), "bad.json"), FormatError);
  EXPECT_THROW((void)SubwordTokenizer::from_bytes(unrelated_bpe("x").dump(), "bad.json"), FormatError);
  const auto wordpiece = SubwordTokenizer::load(data_path("hf-wordpiece.json"));
  EXPECT_THROW((void)wordpiece->encode("hello", sampling(0.1, -1, 0)), ArgumentError);
  EXPECT_THROW((void)wordpiece->encode_nbest("hello", 2), ArgumentError);
  const auto bpe = SubwordTokenizer::load(data_path("hf-bpe.json"));
  EXPECT_THROW((void)bpe->encode_nbest("hello", 2), ArgumentError);
  EXPECT_THROW((void)bpe->encode("hello", sampling(-0.1, -1, 0)), ArgumentError);
}

// ----- Hugging Face Unigram n-best and sampling -------------------------------------------------

// Every segmentation of `word` into the file's pieces, with its score (brute force).
void all_segmentations(const std::map<std::string, std::pair<std::int32_t, double>>& pieces, std::string_view word,
                       std::vector<std::int32_t>& ids, double score,
                       std::map<std::vector<std::int32_t>, double>& out) {
  if (word.empty()) {
    out[ids] = score;
    return;
  }
  for (std::size_t length = 1; length <= word.size(); ++length) {
    const auto it = pieces.find(std::string(word.substr(0, length)));
    if (it == pieces.end()) continue;
    ids.push_back(it->second.first);
    all_segmentations(pieces, word.substr(length), ids, score + it->second.second, out);
    ids.pop_back();
  }
}

TEST(HuggingFaceNBest, UnigramNBestIsEveryCombinationOfTheWordsSegmentationsBestFirst) {
  const auto tok = SubwordTokenizer::load(data_path("hf-unigram.json"));
  const auto spec = nlohmann::json::parse(read_file(data_path("hf-unigram.json")));
  std::map<std::string, std::pair<std::int32_t, double>> pieces;
  for (std::size_t i = 0; i < spec["model"]["vocab"].size(); ++i) {
    pieces[spec["model"]["vocab"][i][0]] = {static_cast<std::int32_t>(i), spec["model"]["vocab"][i][1]};
  }
  // Metaspace makes "hello world" the words "▁hello" and "▁world".
  std::map<std::vector<std::int32_t>, double> hello, world, both;
  std::vector<std::int32_t> ids;
  all_segmentations(pieces, "▁hello", ids, 0, hello);
  all_segmentations(pieces, "▁world", ids, 0, world);
  for (const auto& [a, sa] : hello) {
    for (const auto& [b, sb] : world) {
      std::vector<std::int32_t> joined = a;
      joined.insert(joined.end(), b.begin(), b.end());
      both[joined] = sa + sb;
    }
  }
  ASSERT_LT(both.size(), 1024U);
  const std::vector<ScoredEncoding> got = tok->encode_nbest("hello world", 1024);
  ASSERT_EQ(got.size(), both.size());
  EXPECT_EQ(got[0].encoding.ids, tok->encode("hello world").ids);
  for (std::size_t r = 0; r < got.size(); ++r) {
    ASSERT_TRUE(both.count(got[r].encoding.ids)) << r;
    EXPECT_NEAR(got[r].score, both.at(got[r].encoding.ids), 1e-9) << r;
    if (r > 0) EXPECT_LE(got[r].score, got[r - 1].score) << r;
  }
  // A shorter list is the longer one's head.
  const std::vector<ScoredEncoding> five = tok->encode_nbest("hello world", 5);
  ASSERT_EQ(five.size(), 5U);
  for (std::size_t r = 0; r < 5; ++r) EXPECT_EQ(five[r].encoding.ids, got[r].encoding.ids);
}

TEST(HuggingFaceSampling, UnigramSamplesFollowExpAlphaScoreOverTheWholeText) {
  const auto tok = SubwordTokenizer::load(data_path("hf-unigram.json"));
  for (const auto& [text, alpha, n] : std::vector<std::tuple<std::string, double, int>>{
           {"hello world", 0.2, -1}, {"tokens", 0.5, -1}, {"hello world", 0.3, 6}}) {
    const auto p = unigram_distribution(*tok, text, alpha, n > 1 ? static_cast<std::size_t>(n) : 1024);
    expect_distribution<std::vector<std::int32_t>>(
        p, [&, text = text, alpha = alpha, n = n](std::uint64_t i) { return tok->encode(text, sampling(alpha, n, i)).ids; }, 20000,
        fmt::format("{} alpha {} nbest {}", text, alpha, n));
  }
  const std::vector<std::string_view> texts = {"hello world", "sampling text", "more words here", "a"};
  const auto one = tok->encode_batch(texts, sampling(0.1, -1, 9), 1);
  const auto three = tok->encode_batch(texts, sampling(0.1, -1, 9), 3);
  for (std::size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(one[i].ids, three[i].ids);
}

}  // namespace
}  // namespace embedkit::tokenize::sampling_test
