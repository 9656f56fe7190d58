#include <fmt/format.h>

#include <charconv>

#include "embedkit/classify/labeled_data.h"
#include "serve/answers.h"
#include "serve/request_fields.h"

namespace embedkit::detail {

using json = nlohmann::json;

namespace {

// A probability threshold in [0, 1] from the query string.
float threshold_parameter(const ServiceRequest& request) {
  const auto it = request.query.find("threshold");
  if (it == request.query.end()) return 0.0F;
  float value = 0;
  const std::string& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value >= 0.0F && value <= 1.0F)) {
    refuse(400, fmt::format("'threshold' must be a number from 0 to 1, not '{}'", text));
  }
  return value;
}

json predict(const TextClassifier& classifier, const std::string& text, std::size_t k, float threshold) {
  // As `classify predict` reads a line without labels: split on whitespace.
  std::vector<std::string> tokens;
  split_tokens(text, tokens);
  json labels = json::array();
  for (const LabelScore& s : classifier.predict(tokens, k, threshold)) {
    labels.push_back({{"label", classifier.label(s.label)}, {"probability", s.probability}});
  }
  return labels;
}

}  // namespace

json classifier_summary(const std::string& name, const TextClassifier& classifier) {
  json labels = json::array();
  for (std::uint32_t i = 0; i < classifier.label_count(); ++i) labels.push_back(classifier.label(i));
  return {{"name", name},
          {"labels", labels},
          {"dim", classifier.dim()},
          {"words", classifier.word_count()},
          {"word_ngrams", classifier.options().word_ngrams}};
}

ServiceResponse prediction_answer(const TextClassifier& classifier, const ServiceRequest& request,
                                  const ServiceLimits& limits) {
  if (request.method == "POST") {
    // {"texts": [...], "k": K, "threshold": T} or {"text": "..."}: one list of labels per text.
    const json body = body_object(request);
    const std::size_t k = count_field(body, "k", 1, 1, limits.max_k);
    float threshold = 0.0F;
    if (body.contains("threshold")) {
      const json& t = body["threshold"];
      if (!t.is_number() || !(t.get<double>() >= 0.0 && t.get<double>() <= 1.0)) {
        refuse(400, "'threshold' must be a number from 0 to 1");
      }
      threshold = t.get<float>();
    }
    if (body.contains("text")) {
      if (!body["text"].is_string()) refuse(400, "'text' must be a string");
      return {200, dump({{"labels", predict(classifier, body["text"].get<std::string>(), k, threshold)}})};
    }
    const auto texts = string_list(body, "texts", limits.max_query_words);
    if (texts.empty()) refuse(400, "give 'text' (a string) or 'texts' (a list of strings)");
    json predictions = json::array();
    for (const std::string& text : texts) predictions.push_back(predict(classifier, text, k, threshold));
    return {200, dump({{"predictions", predictions}})};
  }
  require_method(request, "GET");
  const std::string& text = parameter(request, "text");
  const std::size_t k = count_parameter(request, "k", 1, 1, limits.max_k);
  return {200, dump({{"text", text}, {"labels", predict(classifier, text, k, threshold_parameter(request))}})};
}

}  // namespace embedkit::detail
