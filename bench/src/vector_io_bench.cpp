// Vector file I/O speed: parse a word2vec text and a word2vec binary file, and open a native
// table with mmap. Prints one JSON line per measurement (bench/scripts/run_vector_io_bench.sh adds
// gensim's load_word2vec_format on the same files, in the same run).
//
//   vector_io_bench --dir build/bench-data --rows 100000 --dim 300 --native-rows 1700000
//
// The files are generated once (seeded random vectors; text in the shortest round-trip decimal
// form, as `embedkit convert` writes it) and reused.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "best_of.h"
#include "embedkit/io/vector_io.h"

namespace {

using Clock = std::chrono::steady_clock;

embedkit::WordVectors random_vectors(std::size_t rows, std::size_t dim) {
  std::vector<embedkit::VocabularyEntry> words(rows);
  for (std::size_t i = 0; i < rows; ++i) words[i] = {fmt::format("w{}", i), rows - i};
  embedkit::EmbeddingTable table(rows, dim);
  table.fill_normal(0.0F, 0.3F, 11);
  return embedkit::WordVectors(embedkit::Vocabulary::from_entries(words), std::move(table));
}

// Resident memory of this process in bytes: private (RssAnon) and mapped file pages (RssFile,
// page cache that the kernel can drop at any time), from /proc/self/status.
struct Resident {
  double anon = 0, file = 0;
};
Resident resident() {
  std::ifstream status("/proc/self/status");
  Resident r;
  std::string key;
  double kb = 0;
  std::string unit;
  while (status >> key) {
    if (key == "RssAnon:" && status >> kb >> unit) r.anon = kb * 1024;
    if (key == "RssFile:" && status >> kb >> unit) r.file = kb * 1024;
  }
  return r;
}

using embedkit::bench::best_of;

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "build/bench-data";
  std::size_t rows = 100000, dim = 300, native_rows = 1700000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--dir") dir = argv[i + 1];
    else if (arg == "--rows") rows = std::stoull(argv[i + 1]);
    else if (arg == "--dim") dim = std::stoull(argv[i + 1]);
    else if (arg == "--native-rows") native_rows = std::stoull(argv[i + 1]);
  }
  std::filesystem::create_directories(dir);
  const std::string text = fmt::format("{}/vectors-{}x{}.txt", dir, rows, dim);
  const std::string binary = fmt::format("{}/vectors-{}x{}.bin", dir, rows, dim);
  const std::string native = fmt::format("{}/vectors-{}x{}.ekv", dir, native_rows, dim);
  if (!std::filesystem::exists(text) || !std::filesystem::exists(binary)) {
    const embedkit::WordVectors wv = random_vectors(rows, dim);
    embedkit::save_vectors(wv, text, {.format = embedkit::VectorFormat::word2vec_text});
    embedkit::save_vectors(wv, binary, {.format = embedkit::VectorFormat::word2vec_binary});
  }
  if (!std::filesystem::exists(native)) {
    embedkit::save_vectors(random_vectors(native_rows, dim), native, {.format = embedkit::VectorFormat::native});
  }

  for (const auto& [path, name] : {std::pair{text, "word2vec_text"}, std::pair{binary, "word2vec_binary"}}) {
    const double bytes = static_cast<double>(std::filesystem::file_size(path));
    std::size_t loaded = 0;
    const double seconds = best_of(3, [&] { loaded = embedkit::load_vectors(path).size(); });
    fmt::print("{{\"impl\": \"embedkit\", \"op\": \"parse_{}\", \"rows\": {}, \"dim\": {}, \"bytes\": {:.0f}, "
               "\"seconds\": {:.4f}, \"mb_per_s\": {:.1f}}}\n",
               name, loaded, dim, bytes, seconds, bytes / seconds / 1e6);
  }

  // Native: open time (page cache warm, as after a first use), then memory as rows are touched.
  const double bytes = static_cast<double>(std::filesystem::file_size(native));
  const Resident before = resident();
  const auto start = Clock::now();
  embedkit::WordVectors mapped = embedkit::load_vectors(native);
  const double open_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const Resident opened = resident();
  std::mt19937 rng(5);
  double sink = 0;
  const std::size_t touched = 10000;
  for (std::size_t i = 0; i < touched; ++i) sink += mapped.table().row(static_cast<embedkit::TokenId>(rng() % mapped.size()))[0];
  const Resident touched_rss = resident();
  const double reopen = best_of(5, [&] { (void)embedkit::load_vectors(native).size(); });
  fmt::print("{{\"impl\": \"embedkit\", \"op\": \"open_native\", \"rows\": {}, \"dim\": {}, \"bytes\": {:.0f}, "
             "\"first_open_seconds\": {:.4f}, \"seconds\": {:.4f}, \"anon_mb\": [{:.1f}, {:.1f}, {:.1f}], "
             "\"file_mb\": [{:.1f}, {:.1f}, {:.1f}], \"rows_touched\": {}, \"sink\": {}}}\n",
             mapped.size(), dim, bytes, open_seconds, reopen, before.anon / 1e6, opened.anon / 1e6,
             touched_rss.anon / 1e6, before.file / 1e6, opened.file / 1e6, touched_rss.file / 1e6, touched,
             sink != 0 ? 1 : 0);
  return 0;
}
