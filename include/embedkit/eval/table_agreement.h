// How far an approximation of a table (compressed, reduced) is from the original, in the terms
// users feel: do words keep their neighbours, and do rows keep their direction.
//
//   const embedkit::TableAgreement a = embedkit::table_agreement(original.view(), decoded.view(), 30000);
//   fmt::print("recall@10 {:.3f}, row cosine {:.4f}\n", a.recall_at_k, a.mean_row_cosine);
#pragma once

#include <cstddef>

#include "embedkit/table/embedding_table.h"

namespace embedkit {

struct TableAgreement {
  std::size_t queries = 0;  ///< rows whose neighbours were compared
  std::size_t k = 0;
  /// Mean share of each query row's k nearest rows (cosine, the row itself left out) in the
  /// original that are also among its k nearest in the approximation.
  double recall_at_k = 0;
  /// Mean cosine between each row and its approximation over rows [0, rows); NaN when the two
  /// tables' dims differ (a reduced table's rows live in another space).
  double mean_row_cosine = 0;
};

/// Compares rows [0, rows) of both tables (rows <= both tables' rows). The queries are `queries`
/// rows spread evenly over [0, rows) (all of them when rows is smaller), searched among rows
/// [0, rows). Throws ArgumentError when rows exceeds either table or k >= rows.
[[nodiscard]] TableAgreement table_agreement(TableView original, TableView approximation, std::size_t rows,
                                             std::size_t queries = 500, std::size_t k = 10);

}  // namespace embedkit
