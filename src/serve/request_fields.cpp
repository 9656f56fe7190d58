#include "serve/request_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace embedkit::detail {

using json = nlohmann::json;

void refuse(int status, std::string message) { throw Refusal{status, std::move(message)}; }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void require_method(const ServiceRequest& request, std::string_view method) {
  if (request.method != method) {
    refuse(405, fmt::format("{} {} is not supported; use {}", request.method, request.path, method));
  }
}

const std::string& parameter(const ServiceRequest& request, const std::string& name) {
  const auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) {
    refuse(400, fmt::format("the query parameter '{}' is missing", name));
  }
  return it->second;
}

std::size_t count_parameter(const ServiceRequest& request, const std::string& name, std::size_t fallback,
                            std::size_t low, std::size_t high) {
  const auto it = request.query.find(name);
  if (it == request.query.end()) return std::clamp(fallback, low, high);  // a default beyond the service's limits
  std::size_t value = 0;
  const std::string& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    refuse(400, fmt::format("'{}' must be a whole number from {} to {}, not '{}'", name, low, high, text));
  }
  return value;
}

namespace {

// How deeply arrays and objects nest in JSON text (brackets inside strings do not count). A
// parser builds every level before it can fail at the end, so "[[[[..." of 1 MB would cost a
// hundred times that in memory; no request needs more than a few levels.
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

constexpr std::size_t kMaxNesting = 16;

}  // namespace

json body_object(const ServiceRequest& request) {
  if (nesting_depth(request.body) > kMaxNesting) {
    refuse(400, fmt::format("the body nests arrays and objects more than {} levels deep", kMaxNesting));
  }
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) refuse(400, "the body must be a JSON object");
  return body;
}

std::size_t count_field(const json& body, const char* key, std::size_t fallback, std::size_t low, std::size_t high) {
  if (!body.contains(key)) return fallback;
  const json& v = body[key];
  if (!v.is_number_unsigned() || v.get<std::size_t>() < low || v.get<std::size_t>() > high) {
    refuse(400, fmt::format("'{}' must be a whole number from {} to {}", key, low, high));
  }
  return v.get<std::size_t>();
}

std::vector<std::string> string_list(const json& body, const char* key, std::size_t limit) {
  std::vector<std::string> out;
  if (!body.contains(key)) return out;
  const json& list = body[key];
  if (!list.is_array()) refuse(400, fmt::format("'{}' must be a list of strings", key));
  if (list.size() > limit) refuse(400, fmt::format("'{}' holds {} items; at most {}", key, list.size(), limit));
  for (const json& w : list) {
    if (!w.is_string()) refuse(400, fmt::format("'{}' must hold only strings", key));
    out.push_back(w.get<std::string>());
  }
  return out;
}

}  // namespace embedkit::detail
