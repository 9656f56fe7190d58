// The Transformer classifier's speed on fixed shapes, to set beside PyTorch's same model
// (bench/scripts/torch_encoder_bench.py takes the same flags; run_encoder_bench.sh runs both):
// training throughput (tokens per second through TextClassifier::train: lookup, encoder, head,
// backward, AdamW and lazy Adam, one epoch over synthetic texts of `length` words) and the
// latency of one sentence (TextClassifier::predict, median of many calls).
//
//   embedkit_bench_encoder --dim 128 --layers 2 --heads 4 --length 32 --batch 32 --examples 4096 --threads 2
//
// Prints one JSON line.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "embedkit/classify/labeled_data.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/parallel.h"
#include "embedkit/core/random.h"

int main(int argc, char** argv) {
  std::size_t dim = 128, layers = 2, heads = 4, length = 32, batch = 32, examples = 4096, vocab = 10000;
  std::size_t latency_calls = 2000;
  std::string positions = "sinusoidal";
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--dim") dim = std::stoul(value);
    if (arg == "--layers") layers = std::stoul(value);
    if (arg == "--heads") heads = std::stoul(value);
    if (arg == "--length") length = std::stoul(value);
    if (arg == "--batch") batch = std::stoul(value);
    if (arg == "--examples") examples = std::stoul(value);
    if (arg == "--vocab") vocab = std::stoul(value);
    if (arg == "--positions") positions = value;
    if (arg == "--latency-calls") latency_calls = std::stoul(value);
    if (arg == "--threads") threads = std::stoi(value);
  }
  embedkit::set_num_threads(threads);
  // Synthetic texts: `length` words drawn uniformly from `vocab`, two labels.
  embedkit::SplitMix64 rng(1);
  std::string text;
  for (std::size_t e = 0; e < examples; ++e) {
    text += rng.next() % 2 ? "__label__a" : "__label__b";
    for (std::size_t w = 0; w < length; ++w) text += fmt::format(" w{}", rng.next() % vocab);
    text += "\n";
  }
  const embedkit::LabeledData data = embedkit::parse_labeled_text(text, "synthetic", {});
  const embedkit::ClassifierOptions options{
      .dim = dim,
      .epochs = 1,
      .learning_rate = 1e-3F,
      .batch_size = batch,
      .threads = static_cast<std::size_t>(threads),
      .encoder = embedkit::ClassifierEncoder::transformer,
      .transformer = {.layers = layers,
                      .heads = heads,
                      .positions = embedkit::nn::parse_position_kind(positions),
                      .max_length = length + 1}};
  const auto start = std::chrono::steady_clock::now();
  const embedkit::TextClassifier model = embedkit::TextClassifier::train(data, options);
  const double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double tokens = static_cast<double>(examples * (length + 1));  // (each text's "</s>" too)

  // One sentence at a time, as a server answers.
  embedkit::set_num_threads(1);
  std::vector<double> calls;
  calls.reserve(latency_calls);
  for (std::size_t i = 0; i < latency_calls; ++i) {
    const auto& tokens_of = data.examples[i % data.examples.size()].tokens;
    const auto t0 = std::chrono::steady_clock::now();
    const auto best = model.predict(tokens_of, 1);
    calls.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (best.empty()) return 1;
  }
  std::nth_element(calls.begin(), calls.begin() + static_cast<std::ptrdiff_t>(calls.size() / 2), calls.end());
  fmt::print(
      "{{\"tool\": \"embedkit\", \"dim\": {}, \"layers\": {}, \"heads\": {}, \"length\": {}, \"batch\": {}, "
      "\"examples\": {}, \"positions\": \"{}\", \"threads\": {}, \"train_seconds\": {:.3f}, \"tokens_per_second\": "
      "{:.0f}, \"latency_ms\": {:.4f}}}\n",
      dim, layers, heads, length, batch, examples, positions, threads, train_seconds, tokens / train_seconds,
      calls[calls.size() / 2] * 1e3);
  return 0;
}
