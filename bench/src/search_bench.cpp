// Nearest-neighbour search speed: top-10 cosine over a rows x dim table, 1,000 queries, batched
// (all at once, and in small batches of 2 to 64) and one at a time, exact and through the int8 copy (with its recall@10 against exact).
//
//   search_bench --dir build/bench-data [--rows 100000] [--dim 300] [--queries 1000] [--threads 2]
//
// Writes the table once as DIR/search-ROWSxDIM.npy (+ .vocab) for the Python peers, and prints
// one JSON line per measurement. The table has structure (rows around 1,000 cluster centres, as
// words gather around topics) so that neighbours are meaningful; queries are table rows.
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "best_of.h"
#include "embedkit/core/parallel.h"
#include "embedkit/core/random.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/search/nearest_neighbors.h"
#include "embedkit/search/quantized_neighbors.h"

namespace {

using Clock = std::chrono::steady_clock;

embedkit::WordVectors make_table(std::size_t rows, std::size_t dim) {
  embedkit::EmbeddingTable centres(1000, dim);
  centres.fill_normal(0, 1, 1);
  embedkit::EmbeddingTable table(rows, dim);
  table.fill_normal(0, 0.7F, 2);
  embedkit::SplitMix64 rng(3);
  std::vector<embedkit::VocabularyEntry> entries;
  for (embedkit::TokenId r = 0; r < rows; ++r) {
    const auto c = centres.row(static_cast<embedkit::TokenId>(rng.next() % 1000));
    for (std::size_t d = 0; d < dim; ++d) table.row(r)[d] += c[d];
    entries.push_back({fmt::format("w{}", r), rows - r});
  }
  return {embedkit::Vocabulary::from_entries(entries), std::move(table)};
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "build/bench-data";
  std::size_t rows = 100000, dim = 300, queries = 1000, k = 10;
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    const std::string value = argv[i + 1];
    if (arg == "--dir") dir = value;
    if (arg == "--rows") rows = std::stoul(value);
    if (arg == "--dim") dim = std::stoul(value);
    if (arg == "--queries") queries = std::stoul(value);
    if (arg == "--threads") threads = std::stoi(value);
  }
  embedkit::set_num_threads(threads);
  const embedkit::WordVectors wv = make_table(rows, dim);
  const std::string path = fmt::format("{}/search-{}x{}.npy", dir, rows, dim);
  if (!std::filesystem::exists(path)) {
    std::filesystem::create_directories(dir);
    embedkit::save_vectors(wv, path, {.format = embedkit::VectorFormat::npy});
  }
  const embedkit::TableView view = wv.table().view();
  std::vector<float> batch;
  std::vector<embedkit::TokenId> query_ids;
  for (std::size_t q = 0; q < queries; ++q) {
    query_ids.push_back(static_cast<embedkit::TokenId>(q * (rows / queries)));
    const auto row = wv.table().row(query_ids.back());
    batch.insert(batch.end(), row.begin(), row.end());
  }
  auto query = [&](std::size_t q) { return std::span<const float>(batch).subspan(q * dim, dim); };
  auto report = [&](const char* op, double seconds, std::size_t count, const std::string& extra = "") {
    fmt::print("{{\"impl\": \"embedkit\", \"op\": \"{}\", \"rows\": {}, \"dim\": {}, \"threads\": {}, "
               "\"queries_per_s\": {:.1f}, \"ms_per_query\": {:.4f}{}}}\n",
               op, rows, dim, threads, count / seconds, 1000 * seconds / count, extra);
    std::fflush(stdout);
  };

  const auto build_start = Clock::now();
  const embedkit::NearestNeighbors exact(view, rows);
  const double build_exact = std::chrono::duration<double>(Clock::now() - build_start).count();
  std::vector<std::vector<embedkit::Neighbor>> truth;
  using embedkit::bench::best_of;
  const double batch_seconds = best_of(3, [&] { truth = exact.search_batch(batch, k); });
  report("batch", batch_seconds, queries, fmt::format(", \"index_build_s\": {:.3f}", build_exact));

  // Small batches, as a server's concurrent queries make them: the cost of one pass by its size.
  for (const std::size_t size : {2, 4, 8, 16, 64}) {
    if (size > queries) break;
    const std::span<const float> part = std::span<const float>(batch).first(size * dim);
    const double seconds = best_of(5, [&] { (void)exact.search_batch(part, k); });
    report(fmt::format("batch_of_{}", size).c_str(), seconds, size);
  }

  const double single_seconds = best_of(3, [&] {
    for (std::size_t q = 0; q < queries; ++q) (void)exact.search(query(q), k);
  });
  report("single", single_seconds, queries, fmt::format(", \"table_mb\": {:.1f}", rows * dim * 4 / 1e6));

  const auto quantize_start = Clock::now();
  const embedkit::QuantizedNearestNeighbors quantized(view, rows);
  const double build_quantized = std::chrono::duration<double>(Clock::now() - quantize_start).count();
  std::size_t hits = 0;
  for (std::size_t q = 0; q < queries; ++q) {
    for (const embedkit::Neighbor& n : quantized.search(query(q), k)) {
      hits += std::count_if(truth[q].begin(), truth[q].end(), [&](const auto& t) { return t.id == n.id; });
    }
  }
  const double quantized_seconds = best_of(3, [&] {
    for (std::size_t q = 0; q < queries; ++q) (void)quantized.search(query(q), k);
  });
  report("single_int8_rerank", quantized_seconds, queries,
         fmt::format(", \"recall_at_10\": {:.4f}, \"copy_mb\": {:.1f}, \"index_build_s\": {:.3f}",
                     static_cast<double>(hits) / static_cast<double>(queries * k), quantized.memory_bytes() / 1e6,
                     build_quantized));
  // The exact results, for the peers' recall check: ids of query q's top 10, one line each.
  std::FILE* f = std::fopen(fmt::format("{}/search-truth.txt", dir).c_str(), "w");
  for (const auto& t : truth) {
    for (const auto& n : t) fmt::print(f, "{} ", n.id);
    fmt::print(f, "\n");
  }
  std::fclose(f);
  return 0;
}
