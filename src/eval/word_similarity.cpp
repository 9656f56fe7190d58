#include "embedkit/eval/word_similarity.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/eval/correlation.h"
#include "core/read_whole_file.h"
#include "evaluation_files.h"
#include "kernels/kernels.h"

namespace embedkit {

std::vector<WordPair> read_word_pairs(const std::string& path) {
  return parse_word_pairs(detail::read_whole_file(path), path == "-" ? "<stdin>" : path);
}

std::vector<WordPair> parse_word_pairs(std::string_view text, std::string_view path) {
  std::vector<WordPair> pairs;
  detail::for_each_text_line(text, path, [&](std::size_t number, std::string_view line) {
    const std::vector<std::string_view> fields = detail::split_fields(line);
    if (fields.empty() || fields[0].front() == '#') return;
    EMBEDKIT_CHECK(fields.size() == 3, FormatError,
                   fmt::format("{}:{}: expected 'word1 word2 score', found {} fields", path, number, fields.size()));
    double score = 0;
    const std::string_view s = fields[2];
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), score);
    EMBEDKIT_CHECK(error == std::errc() && end == s.data() + s.size() && std::isfinite(score), FormatError,
                   fmt::format("{}:{}: the score {:?} is not a number", path, number, s));
    pairs.push_back({std::string(fields[0]), std::string(fields[1]), score, number});
  });
  EMBEDKIT_CHECK(!pairs.empty(), FormatError, fmt::format("{}: no word pairs in the file", path));
  return pairs;
}

WordSimilarityResult evaluate_word_similarity(const WordVectors& vectors, const std::vector<WordPair>& pairs,
                                              const WordSimilarityOptions& options) {
  const detail::KnownWords known(vectors.words(), options.restrict, options.case_insensitive);
  const kernels::KernelTable& k = kernels::kernels();
  const std::size_t dim = vectors.dim();
  std::vector<float> u(dim);
  std::vector<float> v(dim);
  // The vector of a word, or false when it counts as unseen; `subword` says it was composed.
  auto lookup = [&](const std::string& word, std::vector<float>& out, bool& subword) {
    if (const auto id = known.find(word)) {
      vectors.vector(*id, out);
      return true;
    }
    if (options.unseen != UnseenPairs::subwords || !vectors.composes_unseen_words()) return false;
    subword = true;
    return vectors.vector(known.key(word), out) != WordVectors::Source::unknown;
  };

  WordSimilarityResult result;
  result.pairs = pairs.size();
  std::vector<double> gold;
  for (const WordPair& pair : pairs) {
    bool subword = false;
    const bool found = lookup(pair.first, u, subword) && lookup(pair.second, v, subword);
    double cosine = 0;
    if (found) {
      const float nu = k.dot(u.data(), u.data(), dim);
      const float nv = k.dot(v.data(), v.data(), dim);
      cosine = nu > 0 && nv > 0 ? k.dot(u.data(), v.data(), dim) / std::sqrt(static_cast<double>(nu) * nv) : 0.0;
      if (subword) ++result.from_subwords;
    } else {
      ++result.unseen;
      if (options.unseen != UnseenPairs::zero) continue;
    }
    gold.push_back(pair.score);
    result.model_scores.push_back(cosine);
  }
  result.scored = gold.size();
  result.spearman = spearman(gold, result.model_scores);
  result.pearson = pearson(gold, result.model_scores);
  return result;
}

}  // namespace embedkit
