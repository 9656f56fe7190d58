// Compressed tables at work: look-ups (rows decoded per second, random ids, as a bag or a server
// reads them) and single-query search on the codes, against the float32 table.
//
//   compress_bench --vectors build/bench-data/enwiki-sg300.ekv [--lookups 2000000] [--queries 200] [--threads 1]
//
// Prints one JSON line per codec: bytes per row, look-ups per second (copying float rows for
// float32; decode_row for the codecs), and milliseconds per top-10 search (NearestNeighbors for
// float32; CompressedNeighbors on the codes, without and with exact re-ranking of 100
// candidates) with its recall@10 against the exact float search.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "best_of.h"
#include "embedkit/core/parallel.h"
#include "embedkit/core/random.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/search/compressed_neighbors.h"
#include "embedkit/search/nearest_neighbors.h"
#include "embedkit/table/compressed_table.h"

int main(int argc, char** argv) {
  std::string path = "build/bench-data/enwiki-sg300.ekv";
  std::size_t lookups = 2000000, queries = 200, k = 10;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--vectors") path = value;
    if (arg == "--lookups") lookups = std::stoul(value);
    if (arg == "--queries") queries = std::stoul(value);
    if (arg == "--threads") threads = std::stoi(value);
  }
  embedkit::set_num_threads(threads);
  const embedkit::WordVectors wv = embedkit::load_vectors(path);
  const embedkit::EmbeddingTable table = wv.table().clone();  // in memory, not paged in from the file
  const std::size_t rows = wv.size(), dim = wv.dim();
  std::vector<embedkit::TokenId> ids(lookups);
  embedkit::SplitMix64 rng(11);
  for (auto& id : ids) id = static_cast<embedkit::TokenId>(rng.next() % rows);
  std::vector<float> out(dim);
  float sink = 0;
  using embedkit::bench::best_of;

  const embedkit::NearestNeighbors exact(table.view(), rows);
  std::vector<std::vector<embedkit::Neighbor>> truth;
  std::vector<embedkit::TokenId> query_ids;
  for (std::size_t q = 0; q < queries; ++q) {
    query_ids.push_back(static_cast<embedkit::TokenId>(q * (rows / queries)));
    truth.push_back(exact.search(table.row(query_ids.back()), k, {.exclude = {query_ids.back()}}));
  }
  auto recall = [&](const auto& index) {
    std::size_t hits = 0;
    for (std::size_t q = 0; q < queries; ++q) {
      for (const embedkit::Neighbor& n : index.search(table.row(query_ids[q]), k, {.exclude = {query_ids[q]}})) {
        hits += std::count_if(truth[q].begin(), truth[q].end(), [&](const auto& t) { return t.id == n.id; });
      }
    }
    return static_cast<double>(hits) / static_cast<double>(queries * k);
  };
  auto search_ms = [&](const auto& index) {
    return 1000 * best_of(3, [&] {
             for (std::size_t q = 0; q < queries; ++q) {
               sink += index.search(table.row(query_ids[q]), k, {.exclude = {query_ids[q]}})[0].score;
             }
           }) / static_cast<double>(queries);
  };

  const double float_lookup = best_of(3, [&] {
    for (const auto id : ids) {
      std::memcpy(out.data(), table.row(id).data(), dim * sizeof(float));
      sink += out[0];
    }
  });
  fmt::print("{{\"codec\": \"float32\", \"rows\": {}, \"dim\": {}, \"threads\": {}, \"bytes_per_row\": {}, "
             "\"lookups_per_s\": {:.0f}, \"search_ms\": {:.3f}, \"recall_at_10\": 1.0}}\n",
             rows, dim, threads, dim * 4, static_cast<double>(lookups) / float_lookup, search_ms(exact));
  std::fflush(stdout);

  struct Setting {
    const char* name;
    embedkit::CompressionOptions options;
  };
  const Setting settings[] = {{"f16", {.codec = embedkit::Codec::f16}},
                              {"int8", {.codec = embedkit::Codec::int8}},
                              {"int4", {.codec = embedkit::Codec::int4}},
                              {"pq", {.codec = embedkit::Codec::pq, .threads = 2}}};
  for (const Setting& s : settings) {
    const embedkit::CompressedTable codes = embedkit::CompressedTable::encode(table.view(), s.options);
    const double seconds = best_of(3, [&] {
      for (const auto id : ids) {
        codes.decode_row(id, out);
        sink += out[0];
      }
    });
    const embedkit::CompressedNeighbors on_codes(codes, rows);
    const embedkit::CompressedNeighbors reranked(codes, rows, {.rerank_from = table.view()});
    fmt::print("{{\"codec\": \"{}\", \"description\": \"{}\", \"rows\": {}, \"dim\": {}, \"threads\": {}, "
               "\"bytes_per_row\": {:.1f}, \"lookups_per_s\": {:.0f}, \"search_ms\": {:.3f}, \"recall_at_10\": {:.4f}, "
               "\"search_reranked_ms\": {:.3f}, \"recall_at_10_reranked\": {:.4f}}}\n",
               s.name, codes.description(), rows, dim, threads, static_cast<double>(codes.bytes()) / rows,
               static_cast<double>(lookups) / seconds, search_ms(on_codes), recall(on_codes), search_ms(reranked),
               recall(reranked));
    std::fflush(stdout);
  }
  return sink == 12345.0F ? 1 : 0;  // keeps the work from being optimised away
}
