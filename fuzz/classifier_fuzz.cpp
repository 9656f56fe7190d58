// libFuzzer target: a classifier model file (a native vector file whose metadata holds the
// settings and labels, and whose extra rows are n-gram buckets). A file either loads into a
// model that predicts valid labels with probabilities in [0, 1], or fails with FormatError.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const embedkit::TextClassifier model = embedkit::TextClassifier::parse(bytes, "fuzz.ekv");
    const std::vector<std::string> tokens = {"good", "film", "unseen-word"};
    for (const embedkit::LabelScore& s : model.predict(tokens, 3)) {
      // Huge finite weights may overflow to NaN, which is garbage in, garbage out; a label the
      // model lacks or a probability outside [0, 1] is a bug.
      if (s.label >= model.label_count() || s.probability < 0.0F || s.probability > 1.0F + 1e-5F) std::abort();
    }
  } catch (const embedkit::FormatError&) {
  }
  return 0;
}
