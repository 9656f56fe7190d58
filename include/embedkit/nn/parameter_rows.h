// A model's dense parameters as the rows of one table, so that a native vector file (which holds
// a token table and one more table, its "output layer") carries a whole encoder: the parameters
// one after another, `dim` values a row, the last row padded with zeros (part of embedkit::nn).
//
//   EmbeddingTable rows = embedkit::nn::parameters_to_rows(encoder.parameters(), dim);
//   embedkit::nn::parameters_from_rows(rows, other.parameters(), "model.ekv");  // sizes checked
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/nn/transformer_encoder.h"
#include "embedkit/table/embedding_table.h"

namespace embedkit::nn {

/// The values of `parameters`, in order, as rows of `dim`.
[[nodiscard]] EmbeddingTable parameters_to_rows(std::span<const TransformerEncoder::Parameter> parameters,
                                                std::size_t dim);
/// The rows of parameters_to_rows() back into `parameters` (their sizes fixed). FormatError,
/// naming `source`, when the rows do not hold exactly that many values.
void parameters_from_rows(const EmbeddingTable& rows, std::span<const TransformerEncoder::Parameter> parameters,
                          std::string_view source);
/// A parameter as a file lists it: name and number of values.
struct ListedParameter {
  std::string name;
  std::size_t size = 0;
};
/// The list a file keeps beside the rows (names and sizes, in order).
[[nodiscard]] std::vector<ListedParameter> list_parameters(std::span<const TransformerEncoder::Parameter> parameters);
/// parameters_from_rows() after checking that the file's list names exactly `parameters`, in
/// order and size: FormatError naming `source` and the first that differs.
void read_listed_parameters(const EmbeddingTable& rows, std::span<const ListedParameter> listed,
                            std::span<const TransformerEncoder::Parameter> parameters, std::string_view source);
/// Rows of `dim` that `values` parameters take.
[[nodiscard]] std::size_t parameter_row_count(std::size_t values, std::size_t dim) noexcept;

}  // namespace embedkit::nn
