// Encoding throughput of a subword tokenizer file: embedkit's encode_batch against SentencePiece's
// C++ encoder (libsentencepiece, the same .model; threads take equal shares of the lines, as
// SentencePiece's own batch encoder does), in one process, on the same lines. Prints one JSON
// line per tool and thread count. Hugging Face's batch encoder is measured by
// bench/scripts/hf_encode_speed.js; bench/scripts/run_tokenizer_bench.sh runs all of them.
//   embedkit_bench_tokenizer TOKENIZER TEXT [THREADS...]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "embedkit/tokenize/subword_tokenizer.h"
#ifdef EMBEDKIT_BENCH_SENTENCEPIECE
#include <sentencepiece_processor.h>
#endif

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void report(const char* tool, const std::string& file, std::size_t threads, double seconds, std::size_t bytes,
            std::size_t tokens) {
  fmt::print("{{\"tool\": \"{}\", \"tokenizer\": \"{}\", \"threads\": {}, \"seconds\": {:.4f}, \"mb_per_s\": {:.2f}, "
             "\"tokens\": {}}}\n",
             tool, file, threads, seconds, static_cast<double>(bytes) / seconds / 1e6, tokens);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: {} TOKENIZER TEXT [THREADS...]\n", argv[0]);
    return 2;
  }
  const std::string file = argv[1];
  std::vector<std::string> lines;
  std::size_t bytes = 0;
  {
    std::ifstream in(argv[2], std::ios::binary);
    for (std::string line; std::getline(in, line);) {
      bytes += line.size();
      lines.push_back(std::move(line));
    }
  }
  std::vector<std::size_t> thread_counts;
  for (int i = 3; i < argc; ++i) thread_counts.push_back(std::stoul(argv[i]));
  if (thread_counts.empty()) thread_counts = {1, 2};
  const std::vector<std::string_view> views(lines.begin(), lines.end());

  const auto tok = embedkit::SubwordTokenizer::load(file);
  for (std::size_t threads : thread_counts) {
    (void)tok->encode_batch(std::span(views).first(std::min<std::size_t>(views.size(), 1000)), {}, threads);  // warm
    const auto start = std::chrono::steady_clock::now();
    std::size_t tokens = 0;
    for (std::size_t i = 0; i < views.size(); i += 4096) {
      const auto batch = tok->encode_batch(std::span(views).subspan(i, std::min<std::size_t>(4096, views.size() - i)), {}, threads);
      for (const auto& e : batch) tokens += e.size();
    }
    report("embedkit", file, threads, seconds_since(start), bytes, tokens);
  }
#ifdef EMBEDKIT_BENCH_SENTENCEPIECE
  if (tok->format() == embedkit::TokenizerFormat::sentencepiece_model) {
    sentencepiece::SentencePieceProcessor sp;
    if (!sp.Load(file).ok()) return 1;
    // The speed of a different answer means nothing: every line's ids must be SentencePiece's.
    std::size_t differing = 0;
    {
      const auto ours = tok->encode_batch(views, {}, thread_counts.back());
      std::vector<int> ids;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        (void)sp.Encode(lines[i], &ids);
        if (!std::equal(ids.begin(), ids.end(), ours[i].ids.begin(), ours[i].ids.end())) ++differing;
      }
    }
    fmt::print("{{\"tool\": \"check\", \"tokenizer\": \"{}\", \"lines\": {}, \"lines_with_other_ids\": {}}}\n", file,
               lines.size(), differing);
    for (std::size_t threads : thread_counts) {
      const auto start = std::chrono::steady_clock::now();
      std::vector<std::size_t> counts(threads, 0);
      std::vector<std::thread> workers;
      for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          std::vector<int> ids;
          for (std::size_t i = t; i < lines.size(); i += threads) {
            (void)sp.Encode(lines[i], &ids);
            counts[t] += ids.size();
          }
        });
      }
      for (auto& w : workers) w.join();
      std::size_t tokens = 0;
      for (std::size_t c : counts) tokens += c;
      report("sentencepiece", file, threads, seconds_since(start), bytes, tokens);
    }
  }
#endif
  return 0;
}
