// libFuzzer target: a compressed table's bytes (CompressedTable::serialize's format). A table
// either reads into one whose every row decodes to finite values and whose dot products equal
// decode-then-dot, or fails with FormatError.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/table/compressed_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const embedkit::CompressedTable table = embedkit::CompressedTable::parse(bytes, "fuzz.ekct");
    if (table.dim() > 4096 || table.rows() > 4096) return 0;  // valid but too big to check quickly
    std::vector<float> row(table.dim()), query(table.dim(), 0.5F), dots(table.rows());
    table.dot_all(query, dots);
    for (std::size_t r = 0; r < table.rows(); ++r) {
      table.decode_row(static_cast<embedkit::TokenId>(r), row);
      double dot = 0, magnitude = 0;
      for (const float v : row) {
        if (!std::isfinite(v)) std::abort();
        dot += 0.5 * v;
        magnitude += std::abs(0.5 * v);
      }
      // Float sums of huge values can overflow or cancel: the bound is relative to the terms'
      // magnitudes, and only a finite mismatch is a bug.
      if (std::isfinite(magnitude) && std::isfinite(dots[r]) &&
          std::abs(dot - dots[r]) > 1e-4 * (1 + magnitude)) {
        std::abort();
      }
    }
  } catch (const embedkit::FormatError&) {
  }
  return 0;
}
