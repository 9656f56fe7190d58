// The HTTP API's answers without a socket: the CLI's answers for the same queries, and every
// error status.
#include "embedkit/serve/vector_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "embedkit/core/error.h"
#include "embedkit/io/text_settings.h"
#include "embedkit/io/word_matrix.h"
#include "embedkit/search/analogy.h"
#include "embedkit/search/nearest_neighbors.h"
#include "embedkit/table/embedding_table.h"

namespace embedkit {
namespace {

using json = nlohmann::json;

// Words in two groups (countries near each other, fruits near each other), lowercased text.
WordVectors sample(bool lowercase) {
  const std::vector<std::string> words = {"france", "paris", "germany", "berlin", "apple", "pear", "plum", "apricot"};
  std::vector<VocabularyEntry> entries;
  for (std::size_t i = 0; i < words.size(); ++i) entries.push_back({words[i], 100 - i});
  EmbeddingTable table(words.size(), 4);
  table.fill_normal(0.0F, 0.3F, 7);
  for (TokenId i = 0; i < 4; ++i) table.row(i)[0] += 3.0F;
  for (TokenId i = 4; i < 8; ++i) table.row(i)[1] += 3.0F;
  WordVectors wv(Vocabulary::from_entries(entries), std::move(table));
  if (lowercase) wv.metadata["text.lowercase"] = "yes";
  return wv;
}

struct Answer {
  int status;
  json body;
};

Answer ask(const VectorService& s, ServiceRequest r) {
  const ServiceResponse response = s.handle(r);
  return {response.status, json::parse(response.body)};
}

TEST(VectorService, AnswersEqualTheLibrarysAsTheCliGivesThem) {
  VectorService service;
  service.add_vectors("toy", sample(true));
  const WordVectors wv = sample(true);
  const WordMatrix matrix(wv);
  const NearestNeighbors index(matrix.view(), matrix.rows());

  const Answer n = ask(service, {.path = "/api/models/toy/neighbors", .query = {{"word", "Paris"}, {"k", "3"}}});
  ASSERT_EQ(n.status, 200) << n.body;
  std::vector<float> q(4);
  (void)wv.vector(query_form(wv, "Paris"), q);  // "paris": the model's text was lowercased
  const auto expected = index.search(q, 3, {.exclude = {1}});
  ASSERT_EQ(n.body["neighbors"].size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(n.body["neighbors"][i]["word"], wv.words().word(expected[i].id));
    EXPECT_FLOAT_EQ(n.body["neighbors"][i]["score"].get<float>(), expected[i].score);
  }
  EXPECT_EQ(n.body["source"], "in_vocabulary");

  const Answer v = ask(service, {.path = "/api/models/toy/vector", .query = {{"word", "pear"}}});
  ASSERT_EQ(v.status, 200);
  EXPECT_EQ(v.body["vector"].get<std::vector<float>>(), std::vector<float>(wv.table().row(5).begin(),
                                                                           wv.table().row(5).end()));

  const Answer a = ask(service, {.path = "/api/models/toy/analogy",
                                 .query = {{"a", "france"}, {"b", "paris"}, {"c", "germany"}, {"k", "1"}}});
  ASSERT_EQ(a.status, 200) << a.body;
  const AnalogySolver solver(matrix.view(), matrix.rows());
  std::vector<float> fa(4), fb(4), fc(4);
  (void)wv.vector("france", fa);
  (void)wv.vector("paris", fb);
  (void)wv.vector("germany", fc);
  EXPECT_EQ(a.body["answers"][0]["word"], wv.words().word(solver.solve({fa, fb, fc, {0, 1, 2}}, 1)[0].id));

  // POST: gensim's mean of unit vectors; the query words are left out.
  const Answer p = ask(service, {.method = "POST", .path = "/api/models/toy/neighbors",
                                 .body = R"({"positive": ["apple", "pear"], "k": 2})"});
  ASSERT_EQ(p.status, 200) << p.body;
  for (const json& found : p.body["neighbors"]) {
    EXPECT_TRUE(found["word"] == "plum" || found["word"] == "apricot") << found;
  }
  const Answer s = ask(service, {.path = "/api/models/toy/similarity", .query = {{"a", "apple"}, {"b", "pear"}}});
  EXPECT_GT(s.body["similarity"].get<double>(), 0.8);
  const Answer pre = ask(service, {.path = "/api/models/toy/prefix", .query = {{"q", "ap"}}});
  EXPECT_EQ(pre.body["words"], json::array({"apple", "apricot"})) << "most frequent first";
  const Answer models = ask(service, {.path = "/api/models"});
  EXPECT_EQ(models.body["models"][0]["words"], 8);
  EXPECT_EQ(ask(service, {.path = "/api/health"}).body["status"], "ok");
}

TEST(VectorService, EveryErrorHasItsStatusAndAMessage) {
  VectorService service({.max_k = 50, .max_query_words = 2, .max_body_bytes = 200});
  service.add_vectors("toy", sample(false));
  auto status = [&](ServiceRequest r) {
    const Answer a = ask(service, std::move(r));
    EXPECT_TRUE(a.body.contains("error") || a.status == 200) << a.body;
    return a.status;
  };
  EXPECT_EQ(status({.path = "/nothing"}), 404);
  EXPECT_EQ(status({.path = "/api/models/other/neighbors", .query = {{"word", "paris"}}}), 404);
  EXPECT_EQ(status({.path = "/api/models/toy/neighbors", .query = {{"word", "zzz"}}}), 404);
  EXPECT_EQ(status({.path = "/api/models/toy/neighbors"}), 400);
  EXPECT_EQ(status({.path = "/api/models/toy/neighbors", .query = {{"word", "paris"}, {"k", "0"}}}), 400);
  EXPECT_EQ(status({.path = "/api/models/toy/neighbors", .query = {{"word", "paris"}, {"k", "51"}}}), 400);
  EXPECT_EQ(status({.path = "/api/models/toy/neighbors", .query = {{"word", "paris"}, {"k", "3x"}}}), 400);
  EXPECT_EQ(status({.method = "DELETE", .path = "/api/models/toy/neighbors"}), 405);
  EXPECT_EQ(status({.method = "POST", .path = "/api/models/toy/vector"}), 405);
  EXPECT_EQ(status({.method = "POST", .path = "/api/models/toy/neighbors", .body = "not json"}), 400);
  EXPECT_EQ(status({.method = "POST", .path = "/api/models/toy/neighbors", .body = R"({"positive": "paris"})"}), 400);
  EXPECT_EQ(status({.method = "POST", .path = "/api/models/toy/neighbors",
                    .body = R"({"positive": ["paris", "france", "berlin"]})"}), 400);
  EXPECT_EQ(status({.method = "POST", .path = "/api/models/toy/neighbors", .body = R"({"vector": [1, 2]})"}), 400);
  EXPECT_EQ(status({.method = "POST", .path = "/api/models/toy/neighbors", .body = std::string(300, ' ')}), 413);
  EXPECT_EQ(status({.path = "/api/models/toy/analogy", .query = {{"a", "paris"}, {"b", "france"}}}), 400);
  EXPECT_EQ(status({.path = "/api/models/toy/analogy",
                    .query = {{"a", "paris"}, {"b", "france"}, {"c", "berlin"}, {"method", "div"}}}),
            400);
  EXPECT_EQ(status({.method = "POST", .path = "/api/models/toy/neighbors", .body = R"({"vector": [1, 0, 0, 0]})"}),
            200);
  // Names become part of URLs.
  EXPECT_THROW(service.add_vectors("toy", sample(false)), ArgumentError);
  EXPECT_THROW(service.add_vectors("a/b", sample(false)), ArgumentError);
}

// Queries that arrive together are answered by one batched pass, and each gets its own answer.
TEST(VectorService, ConcurrentNeighbourQueriesAreBatchedAndEachGetsItsAnswer) {
  std::vector<VocabularyEntry> entries;
  for (int i = 0; i < 3000; ++i) entries.push_back({"w" + std::to_string(i), 1});
  EmbeddingTable table(entries.size(), 16);
  table.fill_normal(0.0F, 1.0F, 3);
  VectorService service;
  service.add_vectors("big", WordVectors(Vocabulary::from_entries(entries), std::move(table)));
  auto query = [&](int i) {
    return ask(service, {.path = "/api/models/big/neighbors",
                         .query = {{"word", "w" + std::to_string(i)}, {"k", std::to_string(1 + i % 7)}}});
  };
  std::vector<json> alone;
  for (int i = 0; i < 64; ++i) alone.push_back(query(i).body);
  std::vector<json> together(64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < 64; i += 8) together[static_cast<std::size_t>(i)] = query(i).body;
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 64; ++i) {
    const auto& a = alone[static_cast<std::size_t>(i)]["neighbors"];
    const auto& b = together[static_cast<std::size_t>(i)]["neighbors"];
    ASSERT_EQ(a.size(), b.size()) << i;
    for (std::size_t j = 0; j < a.size(); ++j) {
      EXPECT_EQ(a[j]["word"], b[j]["word"]) << i;
      EXPECT_NEAR(a[j]["score"].get<double>(), b[j]["score"].get<double>(), 1e-5) << i;
    }
  }
  const json health = ask(service, {.path = "/api/health"}).body;
  EXPECT_EQ(health["neighbor_queries"], 128);
  EXPECT_LE(health["neighbor_passes"].get<int>(), 128);
}

}  // namespace
}  // namespace embedkit
