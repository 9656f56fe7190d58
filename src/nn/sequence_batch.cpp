#include "embedkit/nn/sequence_batch.h"

#include <fmt/format.h>

#include "embedkit/core/error.h"

namespace embedkit::nn {

std::vector<SequenceRows> packed_sequences(std::span<const std::size_t> lengths) {
  std::vector<SequenceRows> batch;
  batch.reserve(lengths.size());
  std::size_t start = 0;
  for (const std::size_t length : lengths) {
    batch.push_back({start, length, length});
    start += length;
  }
  return batch;
}

std::size_t total_rows(std::span<const SequenceRows> batch) {
  std::size_t end = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const SequenceRows& s = batch[i];
    EMBEDKIT_CHECK(s.start == end, ArgumentError,
                   fmt::format("sequence {} of a batch starts at row {}, not {} where the one before ends", i, s.start,
                               end));
    EMBEDKIT_CHECK(s.length >= 1 && s.length <= s.rows, ArgumentError,
                   fmt::format("sequence {} of a batch has {} tokens in {} rows (at least one, at most all)", i,
                               s.length, s.rows));
    end += s.rows;
  }
  return end;
}

std::vector<std::uint32_t> positions_in_sequences(std::span<const SequenceRows> batch) {
  std::vector<std::uint32_t> positions(total_rows(batch));
  for (const SequenceRows& s : batch) {
    for (std::size_t r = 0; r < s.rows; ++r) positions[s.start + r] = static_cast<std::uint32_t>(r);
  }
  return positions;
}

}  // namespace embedkit::nn
