// Private to embedkit's server: reading a request's fields, and refusing it with a status.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "embedkit/serve/vector_service.h"

namespace embedkit::detail {

/// Thrown by the answers below and turned into {"error": message} with `status` by handle().
struct Refusal {
  int status;
  std::string message;
};

[[noreturn]] void refuse(int status, std::string message);

/// JSON text, with invalid UTF-8 (from a query string) replaced rather than thrown on.
[[nodiscard]] std::string dump(const nlohmann::json& j);

/// 405 unless the request's method is `method`.
void require_method(const ServiceRequest& request, std::string_view method);

/// A query parameter that must be present and not empty (400 otherwise).
[[nodiscard]] const std::string& parameter(const ServiceRequest& request, const std::string& name);

/// A whole-number query parameter in [low, high], or `fallback` (brought into that range) when
/// absent; 400 when malformed or out of range.
[[nodiscard]] std::size_t count_parameter(const ServiceRequest& request, const std::string& name,
                                          std::size_t fallback, std::size_t low, std::size_t high);

/// The body as a JSON object (400 when it is not one).
[[nodiscard]] nlohmann::json body_object(const ServiceRequest& request);

/// A whole number in [low, high] under `key` of a JSON body, or `fallback` when absent.
[[nodiscard]] std::size_t count_field(const nlohmann::json& body, const char* key, std::size_t fallback,
                                      std::size_t low, std::size_t high);

/// A list of at most `limit` strings under `key` of a JSON body (empty when absent).
[[nodiscard]] std::vector<std::string> string_list(const nlohmann::json& body, const char* key, std::size_t limit);

}  // namespace embedkit::detail
