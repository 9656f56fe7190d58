#include "embedkit/eval/table_agreement.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/search/nearest_neighbors.h"

namespace embedkit {

TableAgreement table_agreement(TableView original, TableView approximation, std::size_t rows, std::size_t queries,
                               std::size_t k) {
  EMBEDKIT_CHECK(rows <= original.rows && rows <= approximation.rows, ArgumentError,
                 fmt::format("comparing {} rows of tables of {} and {} rows", rows, original.rows, approximation.rows));
  EMBEDKIT_CHECK(k >= 1 && k < rows, ArgumentError, fmt::format("{} neighbours among {} rows", k, rows));
  TableAgreement out;
  out.k = k;
  out.queries = std::min(queries, rows);
  std::vector<TokenId> ids(out.queries);
  for (std::size_t i = 0; i < out.queries; ++i) ids[i] = static_cast<TokenId>(i * rows / out.queries);

  // Each table searched for its own rows, in batches (one pass over the table per batch).
  auto neighbours = [&](TableView table) {
    const NearestNeighbors index(table, rows);
    std::vector<std::vector<Neighbor>> found;
    constexpr std::size_t kBatch = 64;
    for (std::size_t first = 0; first < ids.size(); first += kBatch) {
      const std::size_t count = std::min(kBatch, ids.size() - first);
      std::vector<float> batch(count * table.dim);
      std::vector<std::vector<TokenId>> exclude(count);
      for (std::size_t i = 0; i < count; ++i) {
        std::copy_n(table.row_unchecked(ids[first + i]), table.dim, batch.begin() + static_cast<std::ptrdiff_t>(i * table.dim));
        exclude[i] = {ids[first + i]};
      }
      for (auto& list : index.search_batch(batch, k, exclude)) found.push_back(std::move(list));
    }
    return found;
  };
  const auto before = neighbours(original);
  const auto after = neighbours(approximation);
  double kept = 0;
  for (std::size_t q = 0; q < ids.size(); ++q) {
    for (const Neighbor& n : before[q]) {
      kept += std::any_of(after[q].begin(), after[q].end(), [&](const Neighbor& m) { return m.id == n.id; }) ? 1 : 0;
    }
  }
  out.recall_at_k = ids.empty() ? 0.0 : kept / static_cast<double>(ids.size() * k);

  if (original.dim != approximation.dim) {
    out.mean_row_cosine = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  double sum = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    sum += cosine_similarity({original.row_unchecked(static_cast<TokenId>(r)), original.dim},
                             {approximation.row_unchecked(static_cast<TokenId>(r)), approximation.dim});
  }
  out.mean_row_cosine = rows == 0 ? 0.0 : sum / static_cast<double>(rows);
  return out;
}

}  // namespace embedkit
