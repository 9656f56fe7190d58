#include "embedkit/search/analogy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"
#include "kernels/kernels.h"
#include "top_k.h"

namespace embedkit {
namespace {

// Questions per pass of 3CosMul: three queries each, so ~256 queries per pass as in search.
constexpr std::size_t kMulChunk = 85;
// Levy & Goldberg's epsilon, also gensim's: keeps the division finite when cos'(d, a) = 0.
constexpr float kMulEpsilon = 0.001F;

void check_sizes(const AnalogyQuestion& q, std::size_t dim) {
  EMBEDKIT_CHECK(q.a.size() == dim && q.b.size() == dim && q.c.size() == dim, ArgumentError,
                 fmt::format("analogy vectors must have {} floats (got {}, {}, {})", dim, q.a.size(), q.b.size(),
                             q.c.size()));
}

// Adds `sign` times v / |v| to out.
void add_unit(std::span<const float> v, float sign, float* out, const kernels::KernelTable& k) {
  const float norm = std::sqrt(k.dot(v.data(), v.data(), v.size()));
  if (norm > 0) k.axpy(sign / norm, v.data(), out, v.size());
}

}  // namespace

AnalogySolver::AnalogySolver(TableView table, std::size_t rows) : index_(table, rows, Similarity::cosine) {}

std::vector<Neighbor> AnalogySolver::solve(const AnalogyQuestion& question, std::size_t k, AnalogyMethod method,
                                           std::size_t restrict) const {
  return std::move(solve_batch(std::span(&question, 1), k, method, restrict).front());
}

std::vector<std::vector<Neighbor>> AnalogySolver::solve_batch(std::span<const AnalogyQuestion> questions,
                                                              std::size_t k, AnalogyMethod method,
                                                              std::size_t restrict) const {
  const std::size_t dim = index_.dim();
  for (const AnalogyQuestion& q : questions) check_sizes(q, dim);
  const kernels::KernelTable& kt = kernels::kernels();
  if (method == AnalogyMethod::add) {
    // b - a + c on unit vectors; the index normalises the sum (gensim's mean + unitvec).
    std::vector<float> queries(questions.size() * dim, 0.0F);
    std::vector<std::vector<TokenId>> exclude;
    for (std::size_t i = 0; i < questions.size(); ++i) {
      float* q = queries.data() + i * dim;
      add_unit(questions[i].b, 1.0F, q, kt);
      add_unit(questions[i].a, -1.0F, q, kt);
      add_unit(questions[i].c, 1.0F, q, kt);
      exclude.push_back(questions[i].exclude);
    }
    return index_.search_batch(queries, k, exclude, restrict);
  }

  std::vector<std::vector<Neighbor>> results(questions.size());
  if (k == 0) return results;
  const std::size_t limit = restrict > 0 ? std::min(restrict, index_.rows()) : index_.rows();
  const auto threads = static_cast<std::size_t>(NearestNeighbors::max_threads());
  for (std::size_t chunk = 0; chunk < questions.size(); chunk += kMulChunk) {
    const std::size_t m = std::min(kMulChunk, questions.size() - chunk);
    std::vector<float> queries;  // a, b, c of each question
    std::vector<std::vector<TokenId>> exclude(m);
    for (std::size_t i = 0; i < m; ++i) {
      const AnalogyQuestion& q = questions[chunk + i];
      for (const auto v : {q.a, q.b, q.c}) queries.insert(queries.end(), v.begin(), v.end());
      exclude[i] = q.exclude;
      std::sort(exclude[i].begin(), exclude[i].end());
    }
    std::vector<detail::TopK> tops(threads * m, detail::TopK(k));
    index_.score_blocks(queries, limit, [&](int thread, std::size_t first, std::size_t n, const float* scores) {
      for (std::size_t i = 0; i < m; ++i) {
        detail::TopK& top = tops[static_cast<std::size_t>(thread) * m + i];
        const float* sa = scores + (3 * i) * n;
        const float* sb = sa + n;
        const float* sc = sb + n;
        for (std::size_t j = 0; j < n; ++j) {
          const float score = ((sb[j] + 1) / 2) * ((sc[j] + 1) / 2) / ((sa[j] + 1) / 2 + kMulEpsilon);
          const Neighbor candidate{static_cast<TokenId>(first + j), score};
          if (!top.admits(candidate)) continue;
          if (std::binary_search(exclude[i].begin(), exclude[i].end(), candidate.id)) continue;
          top.push(candidate);
        }
      }
    });
    for (std::size_t i = 0; i < m; ++i) {
      std::vector<const detail::TopK*> parts;
      for (std::size_t t = 0; t < threads; ++t) parts.push_back(&tops[t * m + i]);
      results[chunk + i] = detail::TopK::merge(parts, k);
    }
  }
  return results;
}

}  // namespace embedkit
