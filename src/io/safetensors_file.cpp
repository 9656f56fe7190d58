#include "safetensors_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/checked_size.h"
#include "embedkit/core/error.h"
#include "kernels/kernels.h"

namespace embedkit::detail {
namespace {

// Hugging Face's safetensors refuses JSON headers over 100 MB; so does embedkit (a parsed JSON
// header takes ~16x its size in memory).
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

// The widths of the dtypes the format defines, to check every tensor's size against its shape.
std::optional<std::size_t> dtype_width(std::string_view dtype) noexcept {
  if (const auto w = float_dtype_width(dtype)) return w;
  if (dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" || dtype == "F8_E5M2") return 1;
  return std::nullopt;
}

}  // namespace

std::string SafetensorsTensor::describe() const {
  return fmt::format("{} [{}] {}", name, fmt::join(shape, ", "), dtype);
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const noexcept {
  for (const SafetensorsTensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::optional<std::size_t> float_dtype_width(std::string_view dtype) noexcept {
  if (dtype == "F64") return 8;
  if (dtype == "F32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  return std::nullopt;
}

float bfloat16_to_float(std::uint16_t bits) noexcept {
  // bfloat16 is the top half of a float32.
  const std::uint32_t out = static_cast<std::uint32_t>(bits) << 16U;
  float value = 0;
  std::memcpy(&value, &out, 4);
  return value;
}

SafetensorsFile parse_safetensors_file(std::string_view data, std::string_view source) {
  EMBEDKIT_CHECK(data.size() >= 8, FormatError, fmt::format("{}: byte 0: too short for safetensors", source));
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, data.data(), 8);
  EMBEDKIT_CHECK(header_size <= data.size() - 8, FormatError,
                 fmt::format("{}: byte 0: header of {} bytes runs past the end of the file", source, header_size));
  EMBEDKIT_CHECK(header_size <= kMaxHeaderBytes, FormatError,
                 fmt::format("{}: byte 0: a JSON header of {} bytes is over the {}-byte limit of safetensors", source,
                             header_size, kMaxHeaderBytes));
  const nlohmann::json header = nlohmann::json::parse(data.substr(8, header_size), nullptr, false);
  EMBEDKIT_CHECK(header.is_object(), FormatError, fmt::format("{}: byte 8: the header is not a JSON object", source));
  SafetensorsFile file;
  file.source = source;
  file.buffer_at = 8 + header_size;
  file.buffer = data.substr(file.buffer_at);
  file.tensors.reserve(header.size());
  for (const auto& [name, tensor] : header.items()) {
    if (name == "__metadata__") {
      if (tensor.is_object()) {
        for (const auto& [key, value] : tensor.items()) {
          if (value.is_string()) file.metadata[key] = value.get<std::string>();
        }
      }
      continue;
    }
    const bool well_formed =
        tensor.is_object() && tensor.contains("dtype") && tensor.contains("shape") && tensor.contains("data_offsets") &&
        tensor["dtype"].is_string() && tensor["shape"].is_array() && tensor["data_offsets"].is_array() &&
        tensor["data_offsets"].size() == 2 && tensor["data_offsets"][0].is_number_unsigned() &&
        tensor["data_offsets"][1].is_number_unsigned();
    EMBEDKIT_CHECK(well_formed, FormatError,
                   fmt::format("{}: byte 8: tensor {:?} lacks dtype, shape or data_offsets", source, name));
    SafetensorsTensor t;
    t.name = name;
    t.dtype = tensor["dtype"].get<std::string>();
    for (const auto& extent : tensor["shape"]) {
      EMBEDKIT_CHECK(extent.is_number_unsigned(), FormatError,
                     fmt::format("{}: byte 8: tensor {:?} has a shape entry {} that is not a size", source, name,
                                 extent.dump()));
      t.shape.push_back(extent.get<std::uint64_t>());
    }
    t.begin = tensor["data_offsets"][0].get<std::uint64_t>();
    t.end = tensor["data_offsets"][1].get<std::uint64_t>();
    // The size the shape implies, for dtypes whose width is known (overflow: no size fits).
    std::optional<std::uint64_t> bytes = dtype_width(t.dtype);
    for (const std::uint64_t extent : t.shape) bytes = bytes ? checked_mul(*bytes, extent) : std::nullopt;
    EMBEDKIT_CHECK(t.begin <= t.end && t.end <= file.buffer.size() &&
                       (!dtype_width(t.dtype) || (bytes && t.end - t.begin == *bytes)),
                   FormatError,
                   fmt::format("{}: byte 8: tensor {} does not match its data range [{}, {}) in a buffer of {} bytes",
                               source, t.describe(), t.begin, t.end, file.buffer.size()));
    file.tensors.push_back(std::move(t));
  }
  return file;
}

void copy_tensor_rows(const SafetensorsFile& file, const SafetensorsTensor& tensor, std::uint64_t from,
                      std::uint64_t count, EmbeddingTable& table, std::size_t to, bool allow_non_finite) {
  const std::size_t width = float_dtype_width(tensor.dtype).value_or(0);
  const std::uint64_t dim = tensor.shape.at(1);
  // The caller's bounds, checked again here: a wrong row count must not read past the tensor.
  EMBEDKIT_CHECK(width != 0 && tensor.shape.size() == 2 && dim == table.dim() && from + count >= from &&
                     from + count <= tensor.shape[0] && to + count <= table.rows(),
                 ArgumentError, fmt::format("{}: cannot copy rows [{}, +{}) of tensor {}", file.source, from, count,
                                            tensor.describe()));
  const char* values = file.buffer.data() + tensor.begin;
  // Each row converted whole (float16 by the kernels' converter, F16C / AVX-512 where the CPU
  // has them), then checked: the conversion is chosen once per row, not per value.
  const kernels::KernelTable& k = kernels::kernels();
  for (std::uint64_t r = 0; r < count; ++r) {
    float* row = table.data() + (to + r) * table.stride();
    const char* in = values + (from + r) * dim * width;
    if (tensor.dtype == "F32") {
      std::memcpy(row, in, dim * 4);
    } else if (tensor.dtype == "F16") {
      k.f16_to_f32(reinterpret_cast<const std::uint8_t*>(in), row, dim);
    } else {
      for (std::size_t d = 0; d < dim; ++d) {
        if (width == 8) {
          double wide = 0;
          std::memcpy(&wide, in + d * 8, 8);
          row[d] = static_cast<float>(wide);
        } else {
          std::uint16_t bits = 0;
          std::memcpy(&bits, in + d * 2, 2);
          row[d] = bfloat16_to_float(bits);
        }
      }
    }
    if (allow_non_finite) continue;
    for (std::size_t d = 0; d < dim; ++d) {
      if (!std::isfinite(row[d])) [[unlikely]] {
        throw FormatError(fmt::format("{}: byte {}: tensor {:?} row {} column {} is {} (allow non-finite values to "
                                      "load it)",
                                      file.source, file.buffer_at + tensor.begin + ((from + r) * dim + d) * width,
                                      tensor.name, from + r, d, row[d]),
                          "finite values");
      }
    }
  }
}

}  // namespace embedkit::detail
