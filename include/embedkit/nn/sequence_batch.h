// A batch of sequences laid out row after row in one matrix, so that the layers that treat rows
// alike (Linear, LayerNorm, GELU) run as one large product over the whole batch and only
// attention goes sequence by sequence (part of embedkit::nn).
//
//   std::vector<embedkit::nn::SequenceRows> batch = embedkit::nn::packed_sequences(lengths);
//   layer.forward(x, batch, y, cache);            // x, y: total_rows(batch) x dim
//
// Sequence i is rows [start, start + rows) of the matrix; its first `length` rows are tokens,
// the rest padding (keys masked out, as PyTorch's src_key_padding_mask). Packed batches have no
// padding at all (rows == length): a batch bucketed by length wastes nothing either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace embedkit::nn {

struct SequenceRows {
  std::size_t start = 0;   ///< first row in the batch's matrix
  std::size_t rows = 0;    ///< rows it occupies (tokens and padding)
  std::size_t length = 0;  ///< tokens: 1 <= length <= rows
};

/// Sequences of these lengths back to back, without padding.
[[nodiscard]] std::vector<SequenceRows> packed_sequences(std::span<const std::size_t> lengths);
/// The rows a batch spans (the end of its last sequence); ArgumentError unless the sequences
/// tile rows [0, end) in order and each has 1 <= length <= rows.
[[nodiscard]] std::size_t total_rows(std::span<const SequenceRows> batch);
/// Each row's position within its sequence (0, 1, ... restarting at every sequence).
[[nodiscard]] std::vector<std::uint32_t> positions_in_sequences(std::span<const SequenceRows> batch);

}  // namespace embedkit::nn
