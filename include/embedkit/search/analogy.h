// Word analogies, "a is to b as c is to ?" (man : king :: woman : queen), over the rows of a
// table by cosine, with the two standard objectives:
//   3CosAdd (Mikolov et al. 2013): argmax_d cos(d, b - a + c) on unit vectors, as gensim's
//       most_similar(positive=[b, c], negative=[a]);
//   3CosMul (Levy & Goldberg 2014): argmax_d cos'(d, b) cos'(d, c) / (cos'(d, a) + 0.001) with
//       cos' = (cos + 1) / 2, as gensim's most_similar_cosmul. Less dominated by one large term.
//
//   embedkit::AnalogySolver solver(wv.table().view(), wv.size());
//   auto answers = solver.solve(a, b, c, 5, {.exclude = {id_a, id_b, id_c}});   // a, b, c: vectors
//
// solve_batch answers many questions with one pass of blocked matrix products over the table
// (what evaluation on 20k questions needs). The query words are not excluded automatically:
// callers pass their ids (vectors of unseen words have none).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "embedkit/search/nearest_neighbors.h"

namespace embedkit {

enum class AnalogyMethod { add, mul };

struct AnalogyQuestion {
  std::span<const float> a, b, c;  ///< dim floats each (any norm: they are normalised)
  std::vector<TokenId> exclude;    ///< ids never returned, usually those of a, b and c
};

class AnalogySolver {
 public:
  /// Answers from rows [0, rows) of `table`, which must outlive the solver.
  AnalogySolver(TableView table, std::size_t rows);

  /// The k best answers, best first; scores are the objective's values (3CosAdd: the cosine).
  /// restrict > 0 searches only rows [0, restrict).
  [[nodiscard]] std::vector<Neighbor> solve(const AnalogyQuestion& question, std::size_t k,
                                            AnalogyMethod method = AnalogyMethod::add,
                                            std::size_t restrict = 0) const;
  [[nodiscard]] std::vector<std::vector<Neighbor>> solve_batch(std::span<const AnalogyQuestion> questions,
                                                               std::size_t k, AnalogyMethod method = AnalogyMethod::add,
                                                               std::size_t restrict = 0) const;

 private:
  NearestNeighbors index_;  // cosine
};

}  // namespace embedkit
