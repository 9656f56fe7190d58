// Search on compressed codes: equal to exact search over the decoded rows, and, re-ranked from
// the original rows with every row a candidate, equal to exact search over the originals.
#include "embedkit/search/compressed_neighbors.h"

#include <gtest/gtest.h>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

EmbeddingTable clustered_rows() {
  EmbeddingTable centres(20, 16);
  centres.fill_normal(0, 1, 1);
  EmbeddingTable table(600, 16);
  table.fill_normal(0, 0.4F, 2);
  for (TokenId r = 0; r < 600; ++r) {
    for (std::size_t d = 0; d < 16; ++d) table.row(r)[d] += centres.row(r % 20)[d];
  }
  return table;
}

void expect_same(const std::vector<Neighbor>& a, const std::vector<Neighbor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    // Float rounding may swap near-ties; the scores must agree closely either way.
    EXPECT_NEAR(a[i].score, b[i].score, 1e-4F * (1 + std::abs(b[i].score))) << i;
    if (std::abs(a[i].score - b[i].score) < 1e-6F && (i + 1 == a.size() || std::abs(b[i].score - b[i + 1].score) > 1e-4F)) {
      EXPECT_EQ(a[i].id, b[i].id) << i;
    }
  }
}

TEST(CompressedNeighbors, EqualExactSearchOverTheDecodedRows) {
  const EmbeddingTable table = clustered_rows();
  for (const Codec codec : {Codec::f16, Codec::int8, Codec::int4, Codec::pq}) {
    const CompressedTable codes = CompressedTable::encode(table.view(), {.codec = codec, .pq_subvectors = 8});
    const EmbeddingTable decoded = codes.decode_all();
    for (const Similarity similarity : {Similarity::cosine, Similarity::dot, Similarity::l2}) {
      SCOPED_TRACE(fmt::format("{} {}", codec_name(codec), static_cast<int>(similarity)));
      const CompressedNeighbors on_codes(codes, 500, {.similarity = similarity});
      const NearestNeighbors on_decoded(decoded.view(), 500, similarity);
      for (TokenId q = 0; q < 600; q += 53) {
        const SearchOptions options{.exclude = {q, 7}, .restrict = q % 2 == 0 ? 0U : 300U};
        expect_same(on_codes.search(table.row(q), 10, options), on_decoded.search(table.row(q), 10, options));
      }
    }
  }
}

TEST(CompressedNeighbors, RerankingEveryCandidateIsExactSearch) {
  const EmbeddingTable table = clustered_rows();
  const CompressedTable codes = CompressedTable::encode(table.view(), {.codec = Codec::pq, .pq_subvectors = 4, .bits = 4});
  const NearestNeighbors exact(table.view(), 600);
  const CompressedNeighbors all(codes, 600, {.rerank_from = table.view(), .candidates = 600});
  const CompressedNeighbors few(codes, 600, {.rerank_from = table.view(), .candidates = 50});
  const CompressedNeighbors none(codes, 600);
  double recall_few = 0, recall_none = 0;
  for (TokenId q = 0; q < 600; q += 7) {
    const auto truth = exact.search(table.row(q), 10, {.exclude = {q}});
    expect_same(all.search(table.row(q), 10, {.exclude = {q}}), truth);
    auto count = [&](const std::vector<Neighbor>& found) {
      double hits = 0;
      for (const Neighbor& n : found) {
        for (const Neighbor& t : truth) hits += n.id == t.id ? 1 : 0;
      }
      return hits / 10;
    };
    recall_few += count(few.search(table.row(q), 10, {.exclude = {q}}));
    recall_none += count(none.search(table.row(q), 10, {.exclude = {q}}));
  }
  // 4-bit codes alone lose neighbours; re-ranking 50 candidates recovers most of them.
  EXPECT_GT(recall_few, recall_none);
  EXPECT_THROW(CompressedNeighbors(codes, 601), ArgumentError);
  EXPECT_THROW((void)none.search(std::vector<float>(15), 10), ArgumentError);
}

}  // namespace
}  // namespace embedkit
