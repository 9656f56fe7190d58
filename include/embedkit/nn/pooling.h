// From a sequence's rows to one vector, for a classifier over an encoder (part of
// embedkit::nn): the mean of the valid rows (padding left out), or the first row (BERT's [CLS]).
//
//   embedkit::nn::pool(Pooling::mean, rows_of_x, 10, 7, out);      // x: 10 x dim, 7 valid
//   embedkit::nn::pool_backward(Pooling::mean, dout, 10, 7, dx);   // dx: 10 x dim, overwritten
#pragma once

#include <cstddef>
#include <span>

namespace embedkit::nn {

enum class Pooling { mean, first };

/// out (x.size() / rows values) = the mean of x's first `length` rows, or its first row.
void pool(Pooling pooling, std::span<const float> x, std::size_t rows, std::size_t length, std::span<float> out);
/// dx (rows x dim, overwritten): dout spread over the rows that made it (1 / length each, or all
/// to the first); padding rows get zero.
void pool_backward(Pooling pooling, std::span<const float> dout, std::size_t rows, std::size_t length,
                   std::span<float> dx);

}  // namespace embedkit::nn
