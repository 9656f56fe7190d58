// Loads a text classifier and predicts, linking embedkit::embedkit alone: a program that only
// predicts carries no training code.
#include <embedkit/classify/text_classifier.h>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const embedkit::TextClassifier model = embedkit::TextClassifier::load(argv[1]);
  const std::vector<std::string> praise = {"a", "good", "and", "fine", "film"};
  const std::vector<std::string> scorn = {"a", "bad", "and", "awful", "film"};
  const auto p = model.predict(praise), s = model.predict(scorn);
  const bool ok = !p.empty() && !s.empty() && model.label(p[0].label) == "pos" && model.label(s[0].label) == "neg";
  std::printf("predict_only: %zu labels, %s\n", model.label_count(), ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
