// Private to embedkit: the safetensors container, shared by the one-table reader
// (safetensors_vectors.cpp) and the Hugging Face model reader (huggingface_vectors.cpp).
//
// Layout: u64 little-endian header size N, N bytes of JSON {"name": {"dtype", "shape",
// "data_offsets": [begin, end)}, ..., "__metadata__": {string: string}}, then the data buffer;
// offsets count from the buffer's start. The header is checked whole when parsed (every tensor's
// range inside the buffer and, for dtypes of known width, its size equal to its shape's), as
// Hugging Face's own reader does, so a file that lies anywhere fails at load time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/table/embedding_table.h"

namespace embedkit::detail {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;                 ///< "F32", "BF16", "I64", ...
  std::vector<std::uint64_t> shape;  ///< empty for a scalar
  std::uint64_t begin = 0;           ///< byte range in the buffer
  std::uint64_t end = 0;

  /// "name [rows, dim] F16", for messages.
  [[nodiscard]] std::string describe() const;
};

struct SafetensorsFile {
  std::string source;
  std::uint64_t buffer_at = 0;  ///< 8 + header size: the file offset the data offsets count from
  std::string_view buffer;
  std::vector<SafetensorsTensor> tensors;  ///< by name (the parsed header's order)
  std::map<std::string, std::string> metadata;  ///< "__metadata__"'s string values

  [[nodiscard]] const SafetensorsTensor* find(std::string_view name) const noexcept;
};

/// Parses and checks the header of `data` (the whole file). Throws FormatError naming `source`,
/// the byte and the problem.
SafetensorsFile parse_safetensors_file(std::string_view data, std::string_view source);

/// Bytes per value of a dtype embedkit reads as floats (F64, F32, F16, BF16), else nullopt.
[[nodiscard]] std::optional<std::size_t> float_dtype_width(std::string_view dtype) noexcept;

/// bfloat16 bits as float32: exact for every value (subnormals, infinities and NaN included).
/// (float16 is converted by the kernels' f16_to_f32, see kernels/kernels.h.)
[[nodiscard]] float bfloat16_to_float(std::uint16_t bits) noexcept;

/// Copies rows `from` of a 2-D float tensor (F64/F32/F16/BF16: check with float_dtype_width
/// first) into rows `to`, `to + 1`, ... of `table` (of the tensor's dim). Throws FormatError
/// naming the byte of a NaN or infinity unless `allow_non_finite`.
void copy_tensor_rows(const SafetensorsFile& file, const SafetensorsTensor& tensor, std::uint64_t from,
                      std::uint64_t count, EmbeddingTable& table, std::size_t to, bool allow_non_finite);

}  // namespace embedkit::detail
