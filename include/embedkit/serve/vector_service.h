// The answers of embedkit's HTTP API, without a socket: a request (method, path, query
// parameters, JSON body) in, a status and a JSON body out. `embedkit serve` puts this behind an
// HTTP server; tests and other front ends call it directly.
//
//   embedkit::VectorService service;
//   service.add_vectors("enwiki", embedkit::load_vectors("vectors.ekv"));
//   auto r = service.handle({.method = "GET", .path = "/api/models/enwiki/neighbors",
//                            .query = {{"word", "paris"}, {"k", "5"}}});
//   // r.status == 200, r.body == {"word":"paris","source":"in_vocabulary","neighbors":[...]}
//
// Endpoints (GET unless noted; `{m}` is a model's name, `{c}` a classifier's):
//   /api/health                       {"status": "ok", "neighbor_queries": Q, "neighbor_passes": P}
//   /api/models                       every vector model (in the order added): name, words, dim, subwords
//   /api/models/{m}                   one model, with its metadata
//   /api/models/{m}/vector?word=W     W's vector, and whether it came from subwords
//   /api/models/{m}/neighbors?word=W&k=K[&restrict=N]
//   POST /api/models/{m}/neighbors    {"positive": [...], "negative": [...], "k": K} (gensim's
//                                     most_similar: the mean of the unit vectors), or {"vector": [...]}
//   /api/models/{m}/similarity?a=A&b=B
//   /api/models/{m}/analogy?a=A&b=B&c=C&k=K[&method=add|mul]
//   /api/models/{m}/prefix?q=P&limit=L    words starting with P, most frequent first
//   /api/models/{m}/projection?word=W&k=K[&dims=2|3]   PCA map of W and its K neighbours
//                          ?top=N | ?words=a,b,c       ... of the N most frequent words, of a list
//   POST /api/models/{m}/projection   {"words": [...], "dims": 2|3}
//   /api/compare?a=M1&b=M2&word=W[&k=K]     W's neighbours in both models, and those they share
//   /api/compare?a=M1&b=M2[&top=N&k=K&limit=L]   of M1's N most frequent words (also in M2), those
//                                     whose K neighbours (K <= 50, among each model's first
//                                     max(N, 10000) words) changed most (least overlap) first
//   /api/classifiers                  every classifier: name, labels, dim, words
//   /api/classifiers/{c}              one classifier
//   /api/classifiers/{c}/predict?text=T&k=K[&threshold=P]   the K most probable labels of T (split
//                                     on whitespace, as `classify predict` reads a line without labels)
//   POST /api/classifiers/{c}/predict {"texts": [...], "k": K, "threshold": P} (or "text": "...")
//   /  (and its files)                the explorer page (HTML)
// Answers equal the CLI's (`neighbors`, `similarity`, `analogy`, `classify predict` on plain text;
// the API's text is never read as labels or TSV): queries are
// normalised as the model's training text was, query words are left out of their own results,
// unseen words use their subword vectors. Errors are {"error": "..."}: 400 for a malformed
// request, 404 for an unknown path, model or word, 405 for a wrong method, 413 for a body over
// the limit. handle() never throws. Neighbour queries that arrive while a search runs are
// answered together by the next one (one pass over the table for many queries), so throughput
// grows with load. Heavy answers (maps of more than 500 words, comparisons over frequent words)
// take turns, two at a time; a comparison is computed once and kept for the next requests.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "embedkit/classify/text_classifier.h"
#include "embedkit/io/word_vectors.h"

namespace embedkit {
namespace detail {
struct ServedModel;
class ModelComparison;
}  // namespace detail

struct ServiceRequest {
  std::string method = "GET";
  std::string path;
  std::map<std::string, std::string> query;
  std::string body;
};

struct ServiceResponse {
  int status = 200;
  std::string body;  ///< JSON, or one of the page's files
  std::string content_type = "application/json";
};

struct ServiceLimits {
  std::size_t max_k = 1000;            ///< neighbours or answers per query
  std::size_t max_query_words = 1000;  ///< words in one POST query
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_map_words = 5000;    ///< words in one projection, or compared between models
};

class VectorService {
 public:
  explicit VectorService(ServiceLimits limits = {});
  ~VectorService();
  VectorService(const VectorService&) = delete;
  VectorService& operator=(const VectorService&) = delete;

  /// Serves `vectors` as `name` (letters, digits, '-', '_', '.'; ArgumentError otherwise or when
  /// taken). Builds the search index now, so that the first query is as fast as the others.
  void add_vectors(const std::string& name, WordVectors vectors);
  /// Serves a classifier as `name` (the same rules; classifiers have names of their own).
  void add_classifier(const std::string& name, TextClassifier classifier);

  /// The answer to one request. Thread-safe once the models are added.
  [[nodiscard]] ServiceResponse handle(const ServiceRequest& request) const;

 private:
  ServiceLimits limits_;
  std::map<std::string, std::unique_ptr<detail::ServedModel>> models_;
  std::vector<std::string> model_order_;  // as added: /api/models lists them so, the first is the page's default
  std::map<std::string, std::unique_ptr<TextClassifier>> classifiers_;
  std::unique_ptr<detail::ModelComparison> comparison_;
};

}  // namespace embedkit
