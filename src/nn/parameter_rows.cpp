#include "embedkit/nn/parameter_rows.h"

#include <fmt/format.h>

#include <algorithm>

#include "embedkit/core/error.h"

namespace embedkit::nn {

std::size_t parameter_row_count(std::size_t values, std::size_t dim) noexcept { return (values + dim - 1) / dim; }

EmbeddingTable parameters_to_rows(std::span<const TransformerEncoder::Parameter> parameters, std::size_t dim) {
  std::size_t total = 0;
  for (const auto& p : parameters) total += p.value.size();
  EmbeddingTable rows(parameter_row_count(total, dim), dim);
  std::size_t at = 0;
  for (const auto& p : parameters) {
    for (const float v : p.value) {
      rows.data()[(at / dim) * rows.stride() + at % dim] = v;
      ++at;
    }
  }
  return rows;
}

void parameters_from_rows(const EmbeddingTable& rows, std::span<const TransformerEncoder::Parameter> parameters,
                          std::string_view source) {
  const std::size_t dim = rows.dim();
  std::size_t total = 0;
  for (const auto& p : parameters) total += p.value.size();
  EMBEDKIT_CHECK(rows.rows() == parameter_row_count(total, dim), FormatError,
                 fmt::format("{}: {} rows of parameters; the model's {} values need {}", source, rows.rows(), total,
                             parameter_row_count(total, dim)));
  std::size_t at = 0;
  for (const auto& p : parameters) {
    for (float& v : p.value) {
      v = rows.data()[(at / dim) * rows.stride() + at % dim];
      ++at;
    }
  }
}

std::vector<ListedParameter> list_parameters(std::span<const TransformerEncoder::Parameter> parameters) {
  std::vector<ListedParameter> listed;
  for (const auto& p : parameters) listed.push_back({p.name, p.value.size()});
  return listed;
}

void read_listed_parameters(const EmbeddingTable& rows, std::span<const ListedParameter> listed,
                            std::span<const TransformerEncoder::Parameter> parameters, std::string_view source) {
  EMBEDKIT_CHECK(listed.size() == parameters.size(), FormatError,
                 fmt::format("{}: the file lists {} parameters; its settings make {}", source, listed.size(),
                             parameters.size()));
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    EMBEDKIT_CHECK(listed[i].name == parameters[i].name && listed[i].size == parameters[i].value.size(), FormatError,
                   fmt::format("{}: parameter {} is {:?} ({} values); its settings make {} ({})", source, i + 1,
                               listed[i].name, listed[i].size, parameters[i].name, parameters[i].value.size()));
  }
  parameters_from_rows(rows, parameters, source);
}

}  // namespace embedkit::nn
