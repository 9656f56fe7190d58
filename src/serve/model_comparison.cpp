#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <unordered_set>

#include "serve/answers.h"
#include "serve/heavy_work.h"
#include "serve/request_fields.h"

namespace embedkit::detail {

using json = nlohmann::json;

// One frequent word's k neighbours in both models (ids in each), and how many words they share.
struct WordChange {
  TokenId id_a;  // also its frequency rank in model a
  std::size_t shared;
  std::vector<TokenId> neighbors_a, neighbors_b;
};

namespace {

constexpr std::size_t kCachedComparisons = 8;
// Over the frequent words, neighbours are searched among the model's first kScope words (or the
// compared ones, when more): the answer keeps its meaning (which words' surroundings changed)
// while the cost stays bounded on a table of millions of words.
constexpr std::size_t kScope = 10000;
constexpr std::size_t kMaxMovedK = 50;

// A query word in one of the two models; a 404 says which model lacks it.
QueryWord query_word_in(const std::string& model_name, const WordVectors& vectors, const std::string& word) {
  try {
    return query_word(vectors, word);
  } catch (const Refusal& r) {
    refuse(r.status, fmt::format("model '{}': {}", model_name, r.message));
  }
}

std::vector<std::string_view> spellings(const WordVectors& vectors, const std::vector<TokenId>& ids) {
  std::vector<std::string_view> words;
  for (const TokenId id : ids) words.push_back(vectors.words().word(id));
  return words;
}

std::size_t shared_count(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  const std::unordered_set<std::string_view> in_b(b.begin(), b.end());
  return static_cast<std::size_t>(std::count_if(a.begin(), a.end(), [&](std::string_view w) { return in_b.contains(w); }));
}

// The share of the shorter list found in the other (1 when both are empty).
double overlap(std::size_t shared, std::size_t size_a, std::size_t size_b) {
  const std::size_t n = std::min(size_a, size_b);
  return n == 0 ? 1.0 : static_cast<double>(shared) / static_cast<double>(n);
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
  const std::size_t scope = std::max(kScope, top);
  auto neighbours = [k, scope](const ServedModel& m, const std::vector<TokenId>& ids) {
    const std::size_t dim = m.vectors.dim();
    std::vector<float> queries(ids.size() * dim);
    std::vector<std::vector<TokenId>> exclude(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const float* row = m.matrix.view().row_unchecked(ids[i]);
      std::copy(row, row + dim, queries.begin() + static_cast<std::ptrdiff_t>(i * dim));
      exclude[i] = {ids[i]};
    }
    return m.index.search_batch(queries, k, exclude, std::min(scope, m.index.rows()));
  };
  const auto found_a = neighbours(a, ids_a);
  const auto found_b = neighbours(b, ids_b);
  std::vector<WordChange> changes;
  for (std::size_t i = 0; i < ids_a.size(); ++i) {
    WordChange c{ids_a[i], 0, {}, {}};
    for (const Neighbor& n : found_a[i]) c.neighbors_a.push_back(n.id);
    for (const Neighbor& n : found_b[i]) c.neighbors_b.push_back(n.id);
    c.shared = shared_count(spellings(a.vectors, c.neighbors_a), spellings(b.vectors, c.neighbors_b));
    changes.push_back(std::move(c));
  }
  std::stable_sort(changes.begin(), changes.end(), [](const WordChange& x, const WordChange& y) {
    return overlap(x.shared, x.neighbors_a.size(), x.neighbors_b.size()) <
           overlap(y.shared, y.neighbors_a.size(), y.neighbors_b.size());
  });
  return changes;
}

using Changes = std::shared_ptr<const std::vector<WordChange>>;

}  // namespace

// Answers by key; a comparison being computed is in the cache already (its future), so that
// requests for it that arrive meanwhile wait for it rather than compute it again.
struct ModelComparison::Cache {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::shared_future<Changes>>> entries;  // newest last
};

ModelComparison::ModelComparison() : cache_(std::make_unique<Cache>()) {}
ModelComparison::~ModelComparison() = default;

ServiceResponse ModelComparison::answer(const std::string& name_a, const ServedModel& a, const std::string& name_b,
                                        const ServedModel& b, const ServiceRequest& request,
                                        const ServiceLimits& limits) const {
  require_method(request, "GET");
  if (request.query.contains("word")) {
    const std::size_t k = count_parameter(request, "k", 10, 1, limits.max_k);
    const std::string& word = parameter(request, "word");
    const QueryWord qa = query_word_in(name_a, a.vectors, word);
    const QueryWord qb = query_word_in(name_b, b.vectors, word);
    const auto found_a = a.neighbors_of(qa, k);
    const auto found_b = b.neighbors_of(qb, k);
    std::vector<TokenId> ids_a, ids_b;
    for (const Neighbor& n : found_a) ids_a.push_back(n.id);
    for (const Neighbor& n : found_b) ids_b.push_back(n.id);
    const auto words_a = spellings(a.vectors, ids_a);
    const auto words_b = spellings(b.vectors, ids_b);
    json shared = json::array();
    const std::unordered_set<std::string_view> in_b(words_b.begin(), words_b.end());
    for (const std::string_view w : words_a) {
      if (in_b.contains(w)) shared.push_back(w);
    }
    json j = {{"word", word},
              {"k", k},
              {"a", {{"model", name_a}, {"source", source_name(qa.source)}, {"neighbors", neighbor_list(a.vectors, found_a)}}},
              {"b", {{"model", name_b}, {"source", source_name(qb.source)}, {"neighbors", neighbor_list(b.vectors, found_b)}}},
              {"shared", shared},
              {"overlap", overlap(shared.size(), words_a.size(), words_b.size())}};
    // Only meaningful when both models share their axes (one fine-tuned from the other).
    if (a.vectors.dim() == b.vectors.dim()) j["cosine_between_models"] = cosine_similarity(qa.vector, qb.vector);
    return {200, dump(j)};
  }
  const std::size_t k = count_parameter(request, "k", 10, 1, std::min(limits.max_k, kMaxMovedK));
  const std::size_t top = count_parameter(request, "top", 1000, 1, limits.max_map_words);
  const std::size_t limit = count_parameter(request, "limit", 50, 1, limits.max_k);
  const std::string key = fmt::format("{}\n{}\n{}\n{}", name_a, name_b, top, k);
  std::shared_future<Changes> changes;
  std::promise<Changes> mine;
  bool ours = false;
  {
    std::lock_guard lock(cache_->mutex);
    for (const auto& [cached_key, cached] : cache_->entries) {
      if (cached_key == key) changes = cached;
    }
    if (!changes.valid()) {
      changes = mine.get_future().share();
      cache_->entries.emplace_back(key, changes);
      if (cache_->entries.size() > kCachedComparisons) cache_->entries.erase(cache_->entries.begin());
      ours = true;
    }
  }
  if (ours) {
    try {
      const HeavyWork turn;
      mine.set_value(std::make_shared<const std::vector<WordChange>>(compare_frequent_words(a, b, top, k)));
    } catch (...) {
      mine.set_exception(std::current_exception());
      std::lock_guard lock(cache_->mutex);  // not kept: a later request tries again
      std::erase_if(cache_->entries, [&](const auto& entry) { return entry.first == key; });
    }
  }
  const Changes found = changes.get();  // rethrows what the computation threw
  std::size_t shared_total = 0, compared_total = 0;
  for (const WordChange& c : *found) {
    shared_total += c.shared;
    compared_total += std::min(c.neighbors_a.size(), c.neighbors_b.size());
  }
  json moved = json::array();
  for (std::size_t i = 0; i < std::min(limit, found->size()); ++i) {
    const WordChange& c = (*found)[i];
    moved.push_back({{"word", a.vectors.words().word(c.id_a)},
                     {"rank", c.id_a},
                     {"overlap", overlap(c.shared, c.neighbors_a.size(), c.neighbors_b.size())},
                     {"a", spellings(a.vectors, c.neighbors_a)},
                     {"b", spellings(b.vectors, c.neighbors_b)}});
  }
  return {200, dump({{"a", name_a},
                     {"b", name_b},
                     {"k", k},
                     {"compared", found->size()},
                     {"scope", std::max(kScope, top)},
                     {"mean_overlap", compared_total == 0 ? 1.0
                                                          : static_cast<double>(shared_total) /
                                                                static_cast<double>(compared_total)},
                     {"moved", moved}})};
}

}  // namespace embedkit::detail
