// Reading tokenizer.json fields with errors that name the file and the field.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace embedkit::tokenize {

/// spec[key] as a string; FormatError "<where>: ..." when missing or not a string.
[[nodiscard]] std::string json_string(const nlohmann::json& spec, const char* key, const std::string& where);
/// spec[key] as a bool, `fallback` when missing or null.
[[nodiscard]] bool json_bool(const nlohmann::json& spec, const char* key, bool fallback, const std::string& where);
/// spec[key] as an unsigned integer, `fallback` when missing or null.
[[nodiscard]] std::uint64_t json_unsigned(const nlohmann::json& spec, const char* key, std::uint64_t fallback,
                                          const std::string& where);
/// spec[key] as an array; FormatError when missing or not an array.
[[nodiscard]] const nlohmann::json& json_array(const nlohmann::json& spec, const char* key, const std::string& where);
/// spec["pattern"] = {"String": s}: s. A {"Regex": r} pattern is refused with a FormatError that
/// says so (embedkit matches literal patterns and the built-in pre-tokenizers' expressions).
[[nodiscard]] std::string json_string_pattern(const nlohmann::json& spec, const std::string& where);
/// spec[key] as an optional string: empty when missing or null.
[[nodiscard]] std::string json_optional_string(const nlohmann::json& spec, const char* key, const std::string& where);

}  // namespace embedkit::tokenize
