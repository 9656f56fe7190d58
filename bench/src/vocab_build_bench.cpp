// Vocabulary build throughput (MB/s of input) on a real corpus.
//
//   EMBEDKIT_BENCH_CORPUS=/path/to/enwiki-17M.txt build/release/bench/embedkit_bench_vocab
//
// bench/scripts/run_vocab_bench.sh decompresses the shared enwiki corpus and runs this. Without the
// variable the bundled 5 MB slice (data/enwiki-5M.txt) is used.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "embedkit/vocab/vocab_builder.h"

namespace {

std::string corpus_path() {
  if (const char* env = std::getenv("EMBEDKIT_BENCH_CORPUS")) return env;
  return std::string(EMBEDKIT_SOURCE_DIR) + "/data/enwiki-5M.txt";
}

void run(benchmark::State& state, const embedkit::TokenizerOptions& options) {
  const std::string path = corpus_path();
  const auto bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
  const embedkit::Tokenizer tokenizer(options);
  std::uint64_t tokens = 0;
  for (auto _ : state) {
    const auto result = embedkit::build_vocabulary(path, tokenizer, {.min_count = 5});
    tokens = result.report.tokens;
    benchmark::DoNotOptimize(result.vocabulary.size());
  }
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens) * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}

void BM_VocabBuild_Whitespace(benchmark::State& state) { run(state, {}); }
void BM_VocabBuild_WhitespaceLower(benchmark::State& state) { run(state, {.normalize = {.lowercase = true}}); }
void BM_VocabBuild_WordsNfkcLower(benchmark::State& state) {
  run(state, {.split = embedkit::Split::words, .normalize = {.nfkc = true, .lowercase = true}});
}

BENCHMARK(BM_VocabBuild_Whitespace)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_VocabBuild_WhitespaceLower)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_VocabBuild_WordsNfkcLower)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
