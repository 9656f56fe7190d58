#include "embedkit/io/align_vectors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "embedkit/core/error.h"
#include "embedkit/core/random.h"
#include "embedkit/text/normalizer.h"

namespace embedkit {

std::string AlignReport::summary() const {
  std::string text = fmt::format("found {} of {} words (exact {}, case-folded {})", exact + case_folded, words, exact,
                                 case_folded);
  if (tokens > 0) {
    text += fmt::format(" covering {:.1f}% of tokens", 100.0 * static_cast<double>(covered_tokens) / static_cast<double>(tokens));
  }
  text += fmt::format("; {} from subwords, {} filled, {} padding", from_subwords, filled, padding);
  return text;
}

AlignedVectors align_vectors(const WordVectors& pretrained, const Vocabulary& vocabulary, const AlignOptions& options) {
  EMBEDKIT_CHECK(!vocabulary.empty(), ArgumentError, "cannot align vectors to an empty vocabulary");
  const std::size_t dim = pretrained.dim();
  AlignedVectors result{EmbeddingTable(vocabulary.size(), dim), std::vector<RowOrigin>(vocabulary.size()), {}};
  AlignReport& report = result.report;
  report.words = vocabulary.size();
  const Normalizer lower(NormalizerOptions{.lowercase = true});
  std::unordered_map<std::string, TokenId> folded;  // lowercased pretrained word -> first id
  bool folded_built = false;
  std::vector<float> v(dim);
  std::string scratch;

  std::vector<TokenId> missing;
  for (std::size_t i = 0; i < vocabulary.size(); ++i) {
    const auto id = static_cast<TokenId>(i);
    const std::string_view word = vocabulary.word(id);
    report.tokens += vocabulary.count(id);
    float* row = result.table.row(id).data();
    if (vocabulary.pad_id() == id) {
      result.origin[i] = RowOrigin::padding;
      ++report.padding;
      continue;
    }
    std::optional<TokenId> match = pretrained.words().find(word);
    RowOrigin origin = RowOrigin::exact;
    if (!match && options.case_fold) {
      if (!folded_built) {
        folded.reserve(pretrained.size());
        for (std::size_t p = 0; p < pretrained.size(); ++p) {
          folded.try_emplace(std::string(lower.normalize(pretrained.words().word(static_cast<TokenId>(p)), scratch)),
                             static_cast<TokenId>(p));
        }
        folded_built = true;
      }
      if (const auto it = folded.find(std::string(lower.normalize(word, scratch))); it != folded.end()) {
        match = it->second;
        origin = RowOrigin::case_folded;
      }
    }
    if (match) {
      pretrained.vector(*match, std::span<float>(row, dim));
      result.origin[i] = origin;
      ++(origin == RowOrigin::exact ? report.exact : report.case_folded);
      report.covered_tokens += vocabulary.count(id);
      continue;
    }
    if (options.use_subwords && pretrained.subwords() &&
        pretrained.vector(word, std::span<float>(row, dim)) == WordVectors::Source::from_subwords) {
      result.origin[i] = RowOrigin::subwords;
      ++report.from_subwords;
      continue;
    }
    result.origin[i] = RowOrigin::filled;
    missing.push_back(id);
  }

  // Statistics of the found rows, for the fill policies.
  std::vector<double> mean(dim, 0.0), square(dim, 0.0);
  std::size_t found = 0;
  for (std::size_t i = 0; i < vocabulary.size(); ++i) {
    if (result.origin[i] != RowOrigin::exact && result.origin[i] != RowOrigin::case_folded) continue;
    const auto row = result.table.row(static_cast<TokenId>(i));
    for (std::size_t d = 0; d < dim; ++d) {
      mean[d] += row[d];
      square[d] += static_cast<double>(row[d]) * row[d];
    }
    ++found;
  }
  for (std::size_t d = 0; d < dim && found > 0; ++d) {
    mean[d] /= static_cast<double>(found);
    square[d] = std::sqrt(std::max(0.0, square[d] / static_cast<double>(found) - mean[d] * mean[d]));  // stddev
  }
  for (const TokenId id : missing) {
    ++report.filled;
    float* row = result.table.row(id).data();
    if (options.missing == MissingRows::zeros) continue;
    if (options.missing == MissingRows::mean || found == 0) {
      for (std::size_t d = 0; d < dim; ++d) row[d] = static_cast<float>(mean[d]);
      continue;
    }
    // Uniform around the mean with the found rows' spread (uniform(-a, a) has stddev a / sqrt 3).
    SplitMix64 rng = SplitMix64::stream(options.seed, id);
    for (std::size_t d = 0; d < dim; ++d) {
      const double a = std::sqrt(3.0) * square[d];
      row[d] = static_cast<float>(mean[d] + (2.0 * rng.uniform() - 1.0) * a);
    }
  }
  // Most frequent missing words first (ids of a built vocabulary are in count order already).
  std::vector<TokenId> by_count = missing;
  std::stable_sort(by_count.begin(), by_count.end(),
                   [&](TokenId a, TokenId b) { return vocabulary.count(a) > vocabulary.count(b); });
  for (std::size_t i = 0; i < by_count.size() && i < 20; ++i) report.missing_examples.emplace_back(vocabulary.word(by_count[i]));
  return result;
}

}  // namespace embedkit
