#include "hf_json.h"

#include <fmt/format.h>

#include "embedkit/core/error.h"

namespace embedkit::tokenize {

std::string json_string(const nlohmann::json& spec, const char* key, const std::string& where) {
  EMBEDKIT_CHECK(spec.is_object(), FormatError, fmt::format("{}: expected an object where \"{}\" is read", where, key));
  const auto it = spec.find(key);
  EMBEDKIT_CHECK(it != spec.end() && it->is_string(), FormatError,
                 fmt::format("{}: \"{}\" must be a string", where, key));
  return it->get<std::string>();
}

std::string json_optional_string(const nlohmann::json& spec, const char* key, const std::string& where) {
  const auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return {};
  return json_string(spec, key, where);
}

bool json_bool(const nlohmann::json& spec, const char* key, bool fallback, const std::string& where) {
  const auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return fallback;
  EMBEDKIT_CHECK(it->is_boolean(), FormatError, fmt::format("{}: \"{}\" must be true or false", where, key));
  return it->get<bool>();
}

std::uint64_t json_unsigned(const nlohmann::json& spec, const char* key, std::uint64_t fallback,
                            const std::string& where) {
  const auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return fallback;
  EMBEDKIT_CHECK(it->is_number_unsigned() || (it->is_number_integer() && it->get<std::int64_t>() >= 0), FormatError,
                 fmt::format("{}: \"{}\" must be a non-negative integer", where, key));
  return it->get<std::uint64_t>();
}

const nlohmann::json& json_array(const nlohmann::json& spec, const char* key, const std::string& where) {
  EMBEDKIT_CHECK(spec.is_object(), FormatError, fmt::format("{}: expected an object where \"{}\" is read", where, key));
  const auto it = spec.find(key);
  EMBEDKIT_CHECK(it != spec.end() && it->is_array(), FormatError, fmt::format("{}: \"{}\" must be an array", where, key));
  return *it;
}

std::string json_string_pattern(const nlohmann::json& spec, const std::string& where) {
  const auto it = spec.find("pattern");
  EMBEDKIT_CHECK(it != spec.end() && it->is_object(), FormatError,
                 fmt::format("{}: \"pattern\" must be an object ({{\"String\": ...}})", where));
  if (it->contains("String") && (*it)["String"].is_string()) return (*it)["String"].get<std::string>();
  EMBEDKIT_CHECK(!it->contains("Regex"), FormatError,
                 fmt::format("{}: regular-expression patterns are not supported (only {{\"String\": ...}})", where));
  throw FormatError(fmt::format("{}: \"pattern\" must hold a \"String\"", where));
}

}  // namespace embedkit::tokenize
