// Private to embedkit's server: the answers that have a file of their own (VectorService::handle
// routes to them). Each throws Refusal for a request it cannot answer.
#pragma once

#include <memory>
#include <string>

#include "embedkit/classify/text_classifier.h"
#include "embedkit/serve/vector_service.h"
#include "serve/served_model.h"

namespace embedkit::detail {

/// /api/models/{m}/projection: PCA coordinates (2-D or 3-D) of a word and its neighbours, of the
/// most frequent words, or of a list of words.
[[nodiscard]] ServiceResponse projection_answer(const ServedModel& model, const ServiceRequest& request,
                                                const ServiceLimits& limits);

/// /api/compare?a=&b=: how two models differ, for one word (both neighbour lists) or over the
/// frequent words (those whose neighbours changed most first). Results over the frequent words
/// are kept for the next request (a few of them: the cost is one search per word).
class ModelComparison {
 public:
  ModelComparison();
  ~ModelComparison();
  [[nodiscard]] ServiceResponse answer(const std::string& name_a, const ServedModel& a, const std::string& name_b,
                                       const ServedModel& b, const ServiceRequest& request,
                                       const ServiceLimits& limits) const;

 private:
  struct Cache;
  std::unique_ptr<Cache> cache_;
};

/// /api/classifiers/{m}/...: the classifier's summary, and predictions for texts.
[[nodiscard]] nlohmann::json classifier_summary(const std::string& name, const TextClassifier& classifier);
[[nodiscard]] ServiceResponse prediction_answer(const TextClassifier& classifier, const ServiceRequest& request,
                                                const ServiceLimits& limits);

/// The explorer page's files (embedded at build time), by path ("/" is the page); nullptr when
/// no file has that path.
struct PageFile {
  std::string_view path;
  std::string_view content_type;
  std::string_view bytes;
};
[[nodiscard]] const PageFile* explorer_file(std::string_view path);

}  // namespace embedkit::detail
