#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <numeric>
#include <unordered_set>

#include "serve/answers.h"
#include "serve/request_fields.h"

namespace embedkit::detail {

using json = nlohmann::json;

// One frequent word's k neighbours in both models, and how many they share.
struct WordChange {
  std::size_t rank;  // in model a: 0 = its most frequent word
  std::string word;
  std::size_t shared;
  std::vector<std::string> neighbors_a, neighbors_b;
};

namespace {

constexpr std::size_t kCachedComparisons = 8;

// A query word in one of the two models; a 404 says which model lacks it.
QueryWord query_word_in(const std::string& model_name, const WordVectors& vectors, const std::string& word) {
  try {
    return query_word(vectors, word);
  } catch (const Refusal& r) {
    refuse(r.status, fmt::format("model '{}': {}", model_name, r.message));
  }
}

std::vector<std::string> words_of(const WordVectors& vectors, const std::vector<Neighbor>& found) {
  std::vector<std::string> words;
  for (const Neighbor& n : found) words.emplace_back(vectors.words().word(n.id));
  return words;
}

std::size_t shared_count(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const std::unordered_set<std::string> in_b(b.begin(), b.end());
  return static_cast<std::size_t>(std::count_if(a.begin(), a.end(), [&](const std::string& w) { return in_b.contains(w); }));
}

// Words whose neighbours changed most first.
std::vector<WordChange> compare_frequent_words(const ServedModel& a, const ServedModel& b, std::size_t top,
                                               std::size_t k) {
  // The `top` most frequent words of a that b also has (the same spelling).
  std::vector<TokenId> ids_a, ids_b;
  for (std::size_t i = 0; i < a.vectors.size() && ids_a.size() < top; ++i) {
    const auto id = static_cast<TokenId>(i);
    if (const auto in_b = b.vectors.words().find(a.vectors.words().word(id))) {
      ids_a.push_back(id);
      ids_b.push_back(*in_b);
    }
  }
  auto neighbours = [k](const ServedModel& m, const std::vector<TokenId>& ids) {
    const std::size_t dim = m.vectors.dim();
    std::vector<float> queries(ids.size() * dim);
    std::vector<std::vector<TokenId>> exclude(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const float* row = m.matrix.view().row_unchecked(ids[i]);
      std::copy(row, row + dim, queries.begin() + static_cast<std::ptrdiff_t>(i * dim));
      exclude[i] = {ids[i]};
    }
    return m.index.search_batch(queries, k, exclude);
  };
  const auto found_a = neighbours(a, ids_a);
  const auto found_b = neighbours(b, ids_b);
  std::vector<WordChange> changes;
  for (std::size_t i = 0; i < ids_a.size(); ++i) {
    WordChange c{ids_a[i], std::string(a.vectors.words().word(ids_a[i])), 0, words_of(a.vectors, found_a[i]),
                 words_of(b.vectors, found_b[i])};
    c.shared = shared_count(c.neighbors_a, c.neighbors_b);
    changes.push_back(std::move(c));
  }
  std::stable_sort(changes.begin(), changes.end(),
                   [](const WordChange& x, const WordChange& y) { return x.shared < y.shared; });
  return changes;
}

}  // namespace

struct ModelComparison::Cache {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::shared_ptr<const std::vector<WordChange>>>> entries;  // newest last
};

ModelComparison::ModelComparison() : cache_(std::make_unique<Cache>()) {}
ModelComparison::~ModelComparison() = default;

ServiceResponse ModelComparison::answer(const std::string& name_a, const ServedModel& a, const std::string& name_b,
                                        const ServedModel& b, const ServiceRequest& request,
                                        const ServiceLimits& limits) const {
  require_method(request, "GET");
  const std::size_t k = count_parameter(request, "k", 10, 1, std::min<std::size_t>(limits.max_k, 100));
  if (request.query.contains("word")) {
    const std::string& word = parameter(request, "word");
    const QueryWord qa = query_word_in(name_a, a.vectors, word);
    const QueryWord qb = query_word_in(name_b, b.vectors, word);
    auto search = [k](const ServedModel& m, const QueryWord& q) {
      std::vector<TokenId> exclude;
      if (q.id) exclude.push_back(*q.id);
      return m.batcher.search(q.vector, k, exclude, 0);
    };
    const auto found_a = search(a, qa);
    const auto found_b = search(b, qb);
    const auto words_a = words_of(a.vectors, found_a);
    const auto words_b = words_of(b.vectors, found_b);
    json shared = json::array();
    const std::unordered_set<std::string> in_b(words_b.begin(), words_b.end());
    for (const std::string& w : words_a) {
      if (in_b.contains(w)) shared.push_back(w);
    }
    json j = {{"word", word},
              {"k", k},
              {"a", {{"model", name_a}, {"source", source_name(qa.source)}, {"neighbors", neighbor_list(a.vectors, found_a)}}},
              {"b", {{"model", name_b}, {"source", source_name(qb.source)}, {"neighbors", neighbor_list(b.vectors, found_b)}}},
              {"shared", shared},
              {"overlap", static_cast<double>(shared.size()) / static_cast<double>(k)}};
    // Only meaningful when both models share their axes (one fine-tuned from the other).
    if (a.vectors.dim() == b.vectors.dim()) j["cosine_between_models"] = cosine_similarity(qa.vector, qb.vector);
    return {200, dump(j)};
  }
  const std::size_t top = count_parameter(request, "top", 1000, 1, limits.max_map_words);
  const std::size_t limit = count_parameter(request, "limit", 50, 1, limits.max_k);
  const std::string key = fmt::format("{}\n{}\n{}\n{}", name_a, name_b, top, k);
  std::shared_ptr<const std::vector<WordChange>> changes;
  {
    std::lock_guard lock(cache_->mutex);
    for (const auto& [cached_key, cached] : cache_->entries) {
      if (cached_key == key) changes = cached;
    }
  }
  if (!changes) {
    changes = std::make_shared<const std::vector<WordChange>>(compare_frequent_words(a, b, top, k));
    std::lock_guard lock(cache_->mutex);
    cache_->entries.emplace_back(key, changes);
    if (cache_->entries.size() > kCachedComparisons) cache_->entries.erase(cache_->entries.begin());
  }
  double total_shared = 0;
  for (const WordChange& c : *changes) total_shared += static_cast<double>(c.shared);
  json words = json::array();
  for (std::size_t i = 0; i < std::min(limit, changes->size()); ++i) {
    const WordChange& c = (*changes)[i];
    words.push_back({{"word", c.word},
                     {"rank", c.rank},
                     {"overlap", static_cast<double>(c.shared) / static_cast<double>(k)},
                     {"a", c.neighbors_a},
                     {"b", c.neighbors_b}});
  }
  const double mean_overlap =
      changes->empty() ? 0.0 : total_shared / (static_cast<double>(changes->size()) * static_cast<double>(k));
  return {200, dump({{"a", name_a},
                     {"b", name_b},
                     {"k", k},
                     {"compared", changes->size()},
                     {"mean_overlap", mean_overlap},
                     {"moved", words}})};
}

}  // namespace embedkit::detail
