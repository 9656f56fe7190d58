#include "embedkit/serve/vector_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string_view>

#include "embedkit/core/error.h"
#include "embedkit/io/text_settings.h"
#include "serve/answers.h"
#include "serve/request_fields.h"
#include "serve/served_model.h"

namespace embedkit {

using json = nlohmann::json;
using detail::count_field;
using detail::count_parameter;
using detail::dump;
using detail::parameter;
using detail::query_word;
using detail::QueryWord;
using detail::refuse;
using detail::require_method;
using detail::ServedModel;

namespace {

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

json model_summary(const std::string& name, const WordVectors& wv) {
  json j = {{"name", name}, {"words", wv.size()}, {"dim", wv.dim()}};
  if (wv.subwords()) {
    j["subwords"] = {{"minn", wv.subwords()->minn}, {"maxn", wv.subwords()->maxn}, {"bucket", wv.subwords()->bucket}};
  } else {
    j["subwords"] = nullptr;
  }
  return j;
}

void check_name(const std::string& name) {
  EMBEDKIT_CHECK(!name.empty() && std::all_of(name.begin(), name.end(),
                                              [](char c) {
                                                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                                                       c == '_' || c == '.';
                                              }),
                 ArgumentError,
                 fmt::format("model name '{}': use letters, digits, '-', '_' and '.' (it is part of URLs)", name));
}

template <typename Map>
const typename Map::mapped_type::element_type& find_named(const Map& map, const std::string& name, const char* what) {
  const auto found = map.find(name);
  if (found == map.end()) refuse(404, fmt::format("no {} named '{}'", what, name));
  return *found->second;
}

ServiceResponse neighbors_answer(const ServedModel& m, const ServiceRequest& request, const ServiceLimits& limits) {
  const WordVectors& wv = m.vectors;
  if (request.method == "GET") {
    const std::string& word = parameter(request, "word");
    const std::size_t k = count_parameter(request, "k", 10, 1, limits.max_k);
    const std::size_t restrict = count_parameter(request, "restrict", 0, 0, wv.size());
    const QueryWord q = query_word(wv, word);
    return {200, dump({{"word", word},
                       {"source", detail::source_name(q.source)},
                       {"neighbors", detail::neighbor_list(wv, m.neighbors_of(q, k, restrict))}})};
  }
  require_method(request, "POST");
  const json body = detail::body_object(request);
  const std::size_t k = count_field(body, "k", 10, 1, limits.max_k);
  std::vector<float> query(wv.dim(), 0.0F);
  std::vector<TokenId> exclude;
  if (body.contains("vector")) {
    const json& v = body["vector"];
    if (!v.is_array() || v.size() != wv.dim() ||
        !std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_number(); })) {
      refuse(400, fmt::format("'vector' must be a list of {} numbers", wv.dim()));
    }
    for (std::size_t d = 0; d < wv.dim(); ++d) query[d] = v[d].get<float>();
  } else {
    // gensim's most_similar: the mean of the words' unit vectors, negatives subtracted.
    const auto positive = detail::string_list(body, "positive", limits.max_query_words);
    const auto negative = detail::string_list(body, "negative", limits.max_query_words);
    if (positive.empty() && negative.empty()) refuse(400, "give 'positive' and/or 'negative' words, or a 'vector'");
    for (const auto& [words, sign] : {std::pair{&positive, 1.0F}, std::pair{&negative, -1.0F}}) {
      for (const std::string& w : *words) {
        const QueryWord q = query_word(wv, w);
        const double norm = std::sqrt(std::inner_product(q.vector.begin(), q.vector.end(), q.vector.begin(), 0.0));
        if (norm > 0) {
          for (std::size_t d = 0; d < wv.dim(); ++d) query[d] += sign * static_cast<float>(q.vector[d] / norm);
        }
        if (q.id) exclude.push_back(*q.id);
      }
    }
  }
  return {200, dump({{"neighbors", detail::neighbor_list(wv, m.batcher.search(query, k, exclude, 0))}})};
}

ServiceResponse analogy_answer(const ServedModel& m, const ServiceRequest& request, const ServiceLimits& limits) {
  require_method(request, "GET");
  const WordVectors& wv = m.vectors;
  const std::size_t k = count_parameter(request, "k", 10, 1, limits.max_k);
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
                     {"answers", detail::neighbor_list(wv, answers)}})};
}

ServiceResponse prefix_answer(const ServedModel& m, const ServiceRequest& request, const ServiceLimits& limits) {
  require_method(request, "GET");
  const WordVectors& wv = m.vectors;
  const std::string& prefix = parameter(request, "q");
  const std::size_t limit = count_parameter(request, "limit", 10, 1, limits.max_k);
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

}  // namespace

VectorService::VectorService(ServiceLimits limits)
    : limits_(limits), comparison_(std::make_unique<detail::ModelComparison>()) {}
VectorService::~VectorService() = default;

void VectorService::add_vectors(const std::string& name, WordVectors vectors) {
  check_name(name);
  EMBEDKIT_CHECK(!models_.contains(name), ArgumentError, fmt::format("two models are named '{}'", name));
  models_.emplace(name, std::make_unique<ServedModel>(std::move(vectors)));
  model_order_.push_back(name);
}

void VectorService::add_classifier(const std::string& name, TextClassifier classifier) {
  check_name(name);
  EMBEDKIT_CHECK(!classifiers_.contains(name), ArgumentError, fmt::format("two classifiers are named '{}'", name));
  classifiers_.emplace(name, std::make_unique<TextClassifier>(std::move(classifier)));
}

ServiceResponse VectorService::handle(const ServiceRequest& request) const {
  try {
    if (request.body.size() > limits_.max_body_bytes) {
      refuse(413, fmt::format("the body has {} bytes; at most {}", request.body.size(), limits_.max_body_bytes));
    }
    const std::vector<std::string_view> parts = split_path(request.path);
    if (parts.empty() || parts[0] != "api") {
      if (const detail::PageFile* file = detail::explorer_file(request.path)) {
        require_method(request, "GET");
        return {200, std::string(file->bytes), std::string(file->content_type)};
      }
      refuse(404, fmt::format("no such path: {}", request.path));
    }
    if (parts.size() == 2 && parts[1] == "health") {
      require_method(request, "GET");
      std::uint64_t queries = 0, passes = 0;
      for (const auto& [name, model] : models_) {
        queries += model->batcher.queries();
        passes += model->batcher.passes();
      }
      return {200, dump({{"status", "ok"},
                         {"models", models_.size()},
                         {"classifiers", classifiers_.size()},
                         {"neighbor_queries", queries},
                         {"neighbor_passes", passes}})};
    }
    if (parts.size() == 2 && parts[1] == "compare") {
      const std::string& a = parameter(request, "a");
      const std::string& b = parameter(request, "b");
      return comparison_->answer(a, find_named(models_, a, "model"), b, find_named(models_, b, "model"), request,
                                 limits_);
    }
    if (parts.size() >= 2 && parts.size() <= 4 && parts[1] == "classifiers") {
      if (parts.size() == 2) {
        require_method(request, "GET");
        json list = json::array();
        for (const auto& [name, classifier] : classifiers_) list.push_back(detail::classifier_summary(name, *classifier));
        return {200, dump({{"classifiers", list}})};
      }
      const std::string name(parts[2]);
      const TextClassifier& classifier = find_named(classifiers_, name, "classifier");
      if (parts.size() == 3) {
        require_method(request, "GET");
        return {200, dump(detail::classifier_summary(name, classifier))};
      }
      if (parts[3] == "predict") return detail::prediction_answer(classifier, request, limits_);
      refuse(404, fmt::format("no such path: {}", request.path));
    }
    if (parts.size() < 2 || parts[1] != "models" || parts.size() > 4) {
      refuse(404, fmt::format("no such path: {}", request.path));
    }
    if (parts.size() == 2) {
      require_method(request, "GET");
      json list = json::array();
      for (const std::string& name : model_order_) list.push_back(model_summary(name, models_.at(name)->vectors));
      return {200, dump({{"models", list}})};
    }
    const std::string name(parts[2]);
    const ServedModel& m = find_named(models_, name, "model");
    const WordVectors& wv = m.vectors;
    if (parts.size() == 3) {
      require_method(request, "GET");
      json j = model_summary(name, wv);
      j["metadata"] = wv.metadata;
      return {200, dump(j)};
    }
    const std::string_view what = parts[3];
    if (what == "vector") {
      require_method(request, "GET");
      const std::string& word = parameter(request, "word");
      const QueryWord q = query_word(wv, word);
      return {200, dump({{"word", word}, {"source", detail::source_name(q.source)}, {"vector", q.vector}})};
    }
    if (what == "neighbors") return neighbors_answer(m, request, limits_);
    if (what == "similarity") {
      require_method(request, "GET");
      const QueryWord a = query_word(wv, parameter(request, "a"));
      const QueryWord b = query_word(wv, parameter(request, "b"));
      return {200, dump({{"a", parameter(request, "a")},
                         {"b", parameter(request, "b")},
                         {"similarity", cosine_similarity(a.vector, b.vector)}})};
    }
    if (what == "analogy") return analogy_answer(m, request, limits_);
    if (what == "prefix") return prefix_answer(m, request, limits_);
    if (what == "projection") return detail::projection_answer(m, request, limits_);
    refuse(404, fmt::format("no such path: {}", request.path));
  } catch (const detail::Refusal& r) {
    return {r.status, dump({{"error", r.message}})};
  } catch (const Error& e) {
    return {400, dump({{"error", e.what()}})};
  } catch (const std::exception& e) {
    return {500, dump({{"error", std::string("internal error: ") + e.what()}})};
  }
}

}  // namespace embedkit
