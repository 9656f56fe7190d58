#include "embedkit/serve/vector_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <string_view>

#include "embedkit/core/error.h"
#include "embedkit/io/text_settings.h"
#include "embedkit/io/word_matrix.h"
#include "embedkit/search/analogy.h"
#include "embedkit/search/nearest_neighbors.h"
#include "serve/neighbor_batcher.h"

namespace embedkit {

using json = nlohmann::json;

struct VectorService::Model {
  explicit Model(WordVectors v)
      : vectors(std::move(v)),
        matrix(vectors),
        index(matrix.view(), matrix.rows()),
        solver(matrix.view(), matrix.rows()),
        batcher(index),
        by_spelling(vectors.size()) {
    for (std::size_t i = 0; i < by_spelling.size(); ++i) by_spelling[i] = static_cast<TokenId>(i);
    std::sort(by_spelling.begin(), by_spelling.end(),
              [&](TokenId a, TokenId b) { return vectors.words().word(a) < vectors.words().word(b); });
  }
  WordVectors vectors;
  WordMatrix matrix;  // what searches compare: with subwords, each word's composed vector
  NearestNeighbors index;
  AnalogySolver solver;
  mutable detail::NeighborBatcher batcher;  // concurrent neighbour queries share one pass
  std::vector<TokenId> by_spelling;  // word ids in byte order of their words, for prefixes
};

namespace {

// A request that cannot be answered: its status and message.
struct Refusal {
  int status;
  std::string message;
};

[[noreturn]] void refuse(int status, std::string message) { throw Refusal{status, std::move(message)}; }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

const std::string& parameter(const ServiceRequest& r, const std::string& name) {
  const auto it = r.query.find(name);
  if (it == r.query.end() || it->second.empty()) refuse(400, fmt::format("the query parameter '{}' is missing", name));
  return it->second;
}

std::size_t count_parameter(const ServiceRequest& r, const std::string& name, std::size_t fallback, std::size_t low,
                            std::size_t high) {
  const auto it = r.query.find(name);
  if (it == r.query.end()) return fallback;
  std::size_t value = 0;
  const std::string& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    refuse(400, fmt::format("'{}' must be a whole number from {} to {}, not '{}'", name, low, high, text));
  }
  return value;
}

json neighbor_list(const WordVectors& wv, const std::vector<Neighbor>& found) {
  json list = json::array();
  for (const Neighbor& n : found) list.push_back({{"word", wv.words().word(n.id)}, {"score", n.score}});
  return list;
}

const char* source_name(WordVectors::Source s) {
  return s == WordVectors::Source::in_vocabulary ? "in_vocabulary" : "from_subwords";
}

// A query word's vector as the CLI reads it (normalised as the training text was), its id
// when it has one, and where the vector came from; 404 when the model has no vector for it.
struct QueryWord {
  std::vector<float> vector;
  std::optional<TokenId> id;
  WordVectors::Source source;
};

QueryWord query_word(const WordVectors& wv, const std::string& word) {
  QueryWord q{std::vector<float>(wv.dim()), std::nullopt, WordVectors::Source::unknown};
  const std::string asked = query_form(wv, word);
  q.source = wv.vector(asked, q.vector);
  if (q.source == WordVectors::Source::unknown) {
    refuse(404, fmt::format("'{}' is not in the vocabulary (and the model has no subwords)", word));
  }
  q.id = wv.words().find(asked);
  return q;
}

json model_summary(const std::string& name, const WordVectors& wv) {
  json j = {{"name", name}, {"words", wv.size()}, {"dim", wv.dim()}};
  if (wv.subwords()) {
    j["subwords"] = {{"minn", wv.subwords()->minn}, {"maxn", wv.subwords()->maxn}, {"bucket", wv.subwords()->bucket}};
  } else {
    j["subwords"] = nullptr;
  }
  return j;
}

std::vector<std::string> string_list(const json& body, const char* key, std::size_t limit) {
  std::vector<std::string> out;
  if (!body.contains(key)) return out;
  const json& list = body[key];
  if (!list.is_array()) refuse(400, fmt::format("'{}' must be a list of words", key));
  if (list.size() > limit) refuse(400, fmt::format("'{}' holds {} words; at most {}", key, list.size(), limit));
  for (const json& w : list) {
    if (!w.is_string()) refuse(400, fmt::format("'{}' must hold only strings", key));
    out.push_back(w.get<std::string>());
  }
  return out;
}

}  // namespace

VectorService::VectorService(ServiceLimits limits) : limits_(limits) {}
VectorService::~VectorService() = default;

void VectorService::add_vectors(const std::string& name, WordVectors vectors) {
  EMBEDKIT_CHECK(!name.empty() && std::all_of(name.begin(), name.end(),
                                              [](char c) {
                                                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                                                       c == '_' || c == '.';
                                              }),
                 ArgumentError,
                 fmt::format("model name '{}': use letters, digits, '-', '_' and '.' (it is part of URLs)", name));
  EMBEDKIT_CHECK(!models_.contains(name), ArgumentError, fmt::format("two models are named '{}'", name));
  models_.emplace(name, std::make_unique<Model>(std::move(vectors)));
}

ServiceResponse VectorService::handle(const ServiceRequest& request) const {
  try {
    if (request.body.size() > limits_.max_body_bytes) {
      refuse(413, fmt::format("the body has {} bytes; at most {}", request.body.size(), limits_.max_body_bytes));
    }
    const std::vector<std::string_view> parts = split_path(request.path);
    auto require = [&](std::string_view method) {
      if (request.method != method) {
        refuse(405, fmt::format("{} {} is not supported; use {}", request.method, request.path, method));
      }
    };
    if (parts.size() < 2 || parts[0] != "api") refuse(404, fmt::format("no such path: {}", request.path));
    if (parts.size() == 2 && parts[1] == "health") {
      require("GET");
      std::uint64_t queries = 0, passes = 0;
      for (const auto& [name, model] : models_) {
        queries += model->batcher.queries();
        passes += model->batcher.passes();
      }
      return {200, dump({{"status", "ok"}, {"models", models_.size()}, {"neighbor_queries", queries},
                         {"neighbor_passes", passes}})};
    }
    if (parts[1] != "models" || parts.size() > 4) refuse(404, fmt::format("no such path: {}", request.path));
    if (parts.size() == 2) {
      require("GET");
      json list = json::array();
      for (const auto& [name, model] : models_) list.push_back(model_summary(name, model->vectors));
      return {200, dump({{"models", list}})};
    }
    const std::string name(parts[2]);
    const auto found = models_.find(name);
    if (found == models_.end()) refuse(404, fmt::format("no model named '{}'", name));
    const Model& m = *found->second;
    const WordVectors& wv = m.vectors;
    if (parts.size() == 3) {
      require("GET");
      json j = model_summary(name, wv);
      j["metadata"] = wv.metadata;
      return {200, dump(j)};
    }
    const std::string_view what = parts[3];
    if (what == "vector") {
      require("GET");
      const std::string& word = parameter(request, "word");
      const QueryWord q = query_word(wv, word);
      return {200, dump({{"word", word}, {"source", source_name(q.source)}, {"vector", q.vector}})};
    }
    if (what == "neighbors") {
      if (request.method == "GET") {
        const std::string& word = parameter(request, "word");
        const std::size_t k = count_parameter(request, "k", 10, 1, limits_.max_k);
        const std::size_t restrict = count_parameter(request, "restrict", 0, 0, wv.size());
        const QueryWord q = query_word(wv, word);
        std::vector<TokenId> exclude;
        if (q.id) exclude.push_back(*q.id);
        return {200, dump({{"word", word},
                           {"source", source_name(q.source)},
                           {"neighbors", neighbor_list(wv, m.batcher.search(q.vector, k, exclude, restrict))}})};
      }
      require("POST");
      const json body = json::parse(request.body, nullptr, false);
      if (!body.is_object()) refuse(400, "the body must be a JSON object");
      std::size_t k = 10;
      if (body.contains("k")) {
        if (!body["k"].is_number_unsigned() || body["k"].get<std::size_t>() < 1 ||
            body["k"].get<std::size_t>() > limits_.max_k) {
          refuse(400, fmt::format("'k' must be a whole number from 1 to {}", limits_.max_k));
        }
        k = body["k"].get<std::size_t>();
      }
      std::vector<float> query(wv.dim(), 0.0F);
      SearchOptions options;
      if (body.contains("vector")) {
        const json& v = body["vector"];
        if (!v.is_array() || v.size() != wv.dim() ||
            !std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_number(); })) {
          refuse(400, fmt::format("'vector' must be a list of {} numbers", wv.dim()));
        }
        for (std::size_t d = 0; d < wv.dim(); ++d) query[d] = v[d].get<float>();
      } else {
        // gensim's most_similar: the mean of the words' unit vectors, negatives subtracted.
        const auto positive = string_list(body, "positive", limits_.max_query_words);
        const auto negative = string_list(body, "negative", limits_.max_query_words);
        if (positive.empty() && negative.empty()) refuse(400, "give 'positive' and/or 'negative' words, or a 'vector'");
        for (const auto& [words, sign] : {std::pair{&positive, 1.0F}, std::pair{&negative, -1.0F}}) {
          for (const std::string& w : *words) {
            const QueryWord q = query_word(wv, w);
            const double norm = std::sqrt(std::inner_product(q.vector.begin(), q.vector.end(), q.vector.begin(), 0.0));
            if (norm > 0) {
              for (std::size_t d = 0; d < wv.dim(); ++d) query[d] += sign * static_cast<float>(q.vector[d] / norm);
            }
            if (q.id) options.exclude.push_back(*q.id);
          }
        }
      }
      return {200, dump({{"neighbors", neighbor_list(wv, m.batcher.search(query, k, options.exclude, 0))}})};
    }
    if (what == "similarity") {
      require("GET");
      const QueryWord a = query_word(wv, parameter(request, "a"));
      const QueryWord b = query_word(wv, parameter(request, "b"));
      return {200, dump({{"a", parameter(request, "a")},
                         {"b", parameter(request, "b")},
                         {"similarity", cosine_similarity(a.vector, b.vector)}})};
    }
    if (what == "analogy") {
      require("GET");
      const std::size_t k = count_parameter(request, "k", 10, 1, limits_.max_k);
      const auto method_it = request.query.find("method");
      const std::string method = method_it == request.query.end() ? "add" : method_it->second;
      if (method != "add" && method != "mul") refuse(400, "'method' must be add (3CosAdd) or mul (3CosMul)");
      const QueryWord a = query_word(wv, parameter(request, "a"));
      const QueryWord b = query_word(wv, parameter(request, "b"));
      const QueryWord c = query_word(wv, parameter(request, "c"));
      AnalogyQuestion question{a.vector, b.vector, c.vector, {}};
      for (const QueryWord* q : {&a, &b, &c}) {
        if (q->id) question.exclude.push_back(*q->id);
      }
      const auto answers = m.solver.solve(question, k, method == "mul" ? AnalogyMethod::mul : AnalogyMethod::add);
      return {200, dump({{"question", {parameter(request, "a"), parameter(request, "b"), parameter(request, "c")}},
                         {"method", method},
                         {"answers", neighbor_list(wv, answers)}})};
    }
    if (what == "prefix") {
      require("GET");
      const std::string& prefix = parameter(request, "q");
      const std::size_t limit = count_parameter(request, "limit", 10, 1, limits_.max_k);
      const std::string asked = query_form(wv, prefix);
      const auto first = std::lower_bound(m.by_spelling.begin(), m.by_spelling.end(), asked,
                                          [&](TokenId id, const std::string& p) { return wv.words().word(id) < p; });
      std::vector<TokenId> ids;
      for (auto it = first; it != m.by_spelling.end() && wv.words().word(*it).starts_with(asked); ++it) {
        ids.push_back(*it);
      }
      // Most frequent first: ids follow frequency.
      const std::size_t n = std::min(limit, ids.size());
      std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n), ids.end());
      json words = json::array();
      for (std::size_t i = 0; i < n; ++i) words.push_back(wv.words().word(ids[i]));
      return {200, dump({{"prefix", prefix}, {"words", words}})};
    }
    refuse(404, fmt::format("no such path: {}", request.path));
  } catch (const Refusal& r) {
    return {r.status, dump({{"error", r.message}})};
  } catch (const Error& e) {
    return {400, dump({{"error", e.what()}})};
  } catch (const std::exception& e) {
    return {500, dump({{"error", std::string("internal error: ") + e.what()}})};
  }
}

}  // namespace embedkit
