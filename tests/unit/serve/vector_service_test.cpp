// The HTTP API's answers without a socket: the CLI's answers for the same queries, and every
// error status.
#include "embedkit/serve/vector_service.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "embedkit/classify/labeled_data.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "embedkit/io/text_settings.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_matrix.h"
#include "embedkit/search/analogy.h"
#include "embedkit/search/nearest_neighbors.h"
#include "embedkit/table/embedding_table.h"
#include "embedkit/viz/pca.h"
#include "test_files.h"

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

// A map's coordinates are the PCA of the words' vectors; the word-and-neighbours map holds the
// word first and its neighbours in /neighbors' order, with their scores.
TEST(VectorService, ProjectionsArePcaOfTheWordsVectors) {
  VectorService service;
  service.add_vectors("toy", sample(false));
  const WordVectors wv = sample(false);

  const Answer listed = ask(service, {.method = "POST", .path = "/api/models/toy/projection",
                                      .body = R"({"words": ["apple", "paris", "pear", "berlin", "apple"], "dims": 3})"});
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.body["points"].size(), 4U) << "each word once";
  std::vector<float> rows;
  for (const TokenId id : {4, 1, 5, 3}) rows.insert(rows.end(), wv.table().row(id).begin(), wv.table().row(id).end());
  const Pca pca = principal_components(rows, 4, 4, 3);
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t a = 0; a < 3; ++a) {
      EXPECT_NEAR(listed.body["points"][i]["coordinates"][a].get<double>(), pca.coordinates[i * 3 + a], 1e-9);
    }
  }
  EXPECT_EQ(listed.body["explained_variance"].size(), 3U);

  const Answer around = ask(service, {.path = "/api/models/toy/projection", .query = {{"word", "paris"}, {"k", "3"}}});
  const Answer neighbors = ask(service, {.path = "/api/models/toy/neighbors", .query = {{"word", "paris"}, {"k", "3"}}});
  ASSERT_EQ(around.status, 200) << around.body;
  ASSERT_EQ(around.body["points"].size(), 4U);
  EXPECT_EQ(around.body["points"][0]["word"], "paris");
  EXPECT_EQ(around.body["points"][0]["centre"], true);
  EXPECT_EQ(around.body["points"][0]["coordinates"].size(), 2U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(around.body["points"][i + 1]["word"], neighbors.body["neighbors"][i]["word"]);
    EXPECT_EQ(around.body["points"][i + 1]["score"], neighbors.body["neighbors"][i]["score"]);
  }
  const Answer top = ask(service, {.path = "/api/models/toy/projection", .query = {{"top", "5"}}});
  ASSERT_EQ(top.body["points"].size(), 5U);
  EXPECT_EQ(top.body["points"][4]["word"], "apple");
  const Answer comma = ask(service, {.path = "/api/models/toy/projection", .query = {{"words", "pear,,plum"}}});
  EXPECT_EQ(comma.body["points"].size(), 2U);

  auto status = [&](ServiceRequest r) { return ask(service, std::move(r)).status; };
  EXPECT_EQ(status({.path = "/api/models/toy/projection", .query = {{"words", "pear"}}}), 400) << "one word";
  EXPECT_EQ(status({.path = "/api/models/toy/projection", .query = {{"words", "pear,zebra"}}}), 404);
  EXPECT_EQ(status({.path = "/api/models/toy/projection", .query = {{"top", "5"}, {"dims", "4"}}}), 400);
  EXPECT_EQ(status({.path = "/api/models/toy/projection", .query = {{"top", "5"}, {"word", "pear"}}}), 400);
  EXPECT_EQ(status({.path = "/api/models/toy/projection", .query = {{"top", "5001"}}}), 400);
  EXPECT_EQ(status({.method = "POST", .path = "/api/models/toy/projection", .body = R"({"words": "pear"})"}), 400);
  EXPECT_EQ(status({.method = "PUT", .path = "/api/models/toy/projection"}), 405);
}

// Two models side by side: a word's neighbours in each and those they share; over the frequent
// words, the ones whose neighbours changed most come first.
TEST(VectorService, ComparesTwoModels) {
  VectorService service;
  service.add_vectors("before", sample(false));
  // "after": paris and apple swap places, so their neighbourhoods change and the others' do not.
  WordVectors after = sample(false);
  std::vector<float> paris(after.table().row(1).begin(), after.table().row(1).end());
  std::copy(after.table().row(4).begin(), after.table().row(4).end(), after.table().row(1).begin());
  std::copy(paris.begin(), paris.end(), after.table().row(4).begin());
  service.add_vectors("after", std::move(after));

  const Answer same = ask(service, {.path = "/api/compare", .query = {{"a", "before"}, {"b", "before"}, {"word", "pear"}, {"k", "3"}}});
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(same.body["overlap"], 1.0);
  EXPECT_NEAR(same.body["cosine_between_models"].get<double>(), 1.0, 1e-9);

  const Answer word = ask(service, {.path = "/api/compare", .query = {{"a", "before"}, {"b", "after"}, {"word", "paris"}, {"k", "3"}}});
  ASSERT_EQ(word.status, 200) << word.body;
  EXPECT_EQ(word.body["a"]["model"], "before");
  EXPECT_EQ(word.body["shared"].size(), 0U) << word.body;  // paris now lives among the fruits

  const Answer moved = ask(service, {.path = "/api/compare", .query = {{"a", "before"}, {"b", "after"}, {"k", "3"}}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.body["compared"], 8);
  const std::set<std::string> first_two = {moved.body["moved"][0]["word"], moved.body["moved"][1]["word"]};
  EXPECT_EQ(first_two, (std::set<std::string>{"paris", "apple"})) << moved.body;
  EXPECT_EQ(moved.body["moved"][0]["overlap"], 0.0);
  EXPECT_LT(moved.body["mean_overlap"].get<double>(), 1.0);
  // Asked again: the same answer (kept from the first time).
  EXPECT_EQ(ask(service, {.path = "/api/compare", .query = {{"a", "before"}, {"b", "after"}, {"k", "3"}}}).body,
            moved.body);

  auto status = [&](ServiceRequest r) { return ask(service, std::move(r)).status; };
  EXPECT_EQ(status({.path = "/api/compare", .query = {{"a", "before"}}}), 400);
  EXPECT_EQ(status({.path = "/api/compare", .query = {{"a", "before"}, {"b", "nope"}}}), 404);
  EXPECT_EQ(status({.path = "/api/compare", .query = {{"a", "before"}, {"b", "after"}, {"word", "zebra"}}}), 404);
  EXPECT_EQ(status({.path = "/api/compare", .query = {{"a", "before"}, {"b", "after"}, {"k", "101"}}}), 400);
}

// A classifier's predictions equal TextClassifier::predict on the whitespace-split text, one by
// one (GET) or in a list (POST).
TEST(VectorService, ClassifierPredictionsEqualTheLibrarys) {
  const LabeledData data = parse_labeled_text(
      "__label__pos good great fine\n__label__neg bad awful poor\n__label__pos great good\n__label__neg poor bad\n",
      "toy", {});
  const TextClassifier trained =
      TextClassifier::train(data, {.dim = 8, .epochs = 20, .learning_rate = 0.5F, .threads = 1});
  const testing::ScratchDir dir;
  const std::string path = (dir.path() / "sentiment.ekv").string();
  trained.save(path);
  VectorService service;
  service.add_classifier("sentiment", TextClassifier::load(path));
  EXPECT_TRUE(TextClassifier::holds_classifier(load_vectors(path)));
  EXPECT_FALSE(TextClassifier::holds_classifier(sample(false)));

  const Answer one = ask(service, {.path = "/api/classifiers/sentiment/predict", .query = {{"text", "  great  fine "}, {"k", "2"}}});
  ASSERT_EQ(one.status, 200) << one.body;
  const std::vector<std::string> tokens = {"great", "fine"};
  const auto expected = trained.predict(tokens, 2);
  ASSERT_EQ(one.body["labels"].size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(one.body["labels"][i]["label"], trained.label(expected[i].label));
    EXPECT_FLOAT_EQ(one.body["labels"][i]["probability"].get<float>(), expected[i].probability);
  }
  EXPECT_EQ(one.body["labels"][0]["label"], "pos");

  const Answer many = ask(service, {.method = "POST", .path = "/api/classifiers/sentiment/predict",
                                    .body = R"({"texts": ["awful poor", "good", ""], "k": 1})"});
  ASSERT_EQ(many.status, 200) << many.body;
  ASSERT_EQ(many.body["predictions"].size(), 3U);
  EXPECT_EQ(many.body["predictions"][0][0]["label"], "neg");
  EXPECT_EQ(many.body["predictions"][1][0]["label"], "pos");
  EXPECT_EQ(many.body["predictions"][2].size(), 1U) << "an empty text gets the prior";
  const Answer high = ask(service, {.path = "/api/classifiers/sentiment/predict",
                                    .query = {{"text", "good"}, {"k", "2"}, {"threshold", "0.99999"}}});
  EXPECT_LE(high.body["labels"].size(), 1U);

  const Answer list = ask(service, {.path = "/api/classifiers"});
  EXPECT_EQ(list.body["classifiers"][0]["labels"], json::array({"pos", "neg"})) << list.body;
  EXPECT_EQ(ask(service, {.path = "/api/classifiers/sentiment"}).body["dim"], 8);
  auto status = [&](ServiceRequest r) { return ask(service, std::move(r)).status; };
  EXPECT_EQ(status({.path = "/api/classifiers/nope/predict", .query = {{"text", "good"}}}), 404);
  EXPECT_EQ(status({.path = "/api/classifiers/sentiment/predict"}), 400);
  EXPECT_EQ(status({.path = "/api/classifiers/sentiment/predict", .query = {{"text", "a"}, {"threshold", "2"}}}), 400);
  EXPECT_EQ(status({.path = "/api/classifiers/sentiment/other"}), 404);
  EXPECT_EQ(status({.method = "POST", .path = "/api/classifiers/sentiment/predict", .body = R"({"texts": [1]})"}), 400);
  EXPECT_EQ(status({.method = "POST", .path = "/api/classifiers/sentiment/predict", .body = "{}"}), 400);
  EXPECT_EQ(status({.method = "DELETE", .path = "/api/classifiers/sentiment/predict"}), 405);
  EXPECT_EQ(status({.path = "/api/models/sentiment"}), 404) << "classifiers are not vector models";
  EXPECT_THROW(service.add_classifier("sentiment", TextClassifier::load(path)), ArgumentError);
}

// The explorer page and its files are served as they are; the API's errors stay JSON.
TEST(VectorService, ServesTheExplorerPage) {
  VectorService service;
  const ServiceResponse page = service.handle({.path = "/"});
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<script src=\"/explorer.js\">"), std::string::npos);
  EXPECT_EQ(service.handle({.path = "/index.html"}).body, page.body);
  const ServiceResponse script = service.handle({.path = "/explorer.js"});
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(script.body.find("/api/models"), std::string::npos);
  EXPECT_EQ(service.handle({.path = "/explorer.css"}).content_type, "text/css; charset=utf-8");
  EXPECT_EQ(service.handle({.path = "/../etc/passwd"}).status, 404);
  EXPECT_EQ(service.handle({.method = "POST", .path = "/"}).status, 405);
  // A body nested a million levels deep is a 400, not a stack overflow.
  const ServiceResponse deep = service.handle(
      {.method = "POST", .path = "/api/models/x/neighbors", .body = std::string(1 << 20, '[')});
  EXPECT_EQ(deep.status, 404);  // the model is looked up first
  service.add_vectors("toy", sample(false));
  EXPECT_EQ(service.handle({.method = "POST", .path = "/api/models/toy/neighbors", .body = std::string(1 << 20, '[')})
                .status,
            400);
  const std::string nested = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(service.handle({.method = "POST", .path = "/api/models/toy/neighbors", .body = nested}).status, 400);
  // Refused before parsing (a parser would build every level first: 100x the body in memory);
  // brackets inside strings do not count.
  const ServiceResponse deep17 = service.handle(
      {.method = "POST", .path = "/api/models/toy/neighbors", .body = std::string(17, '[') + std::string(17, ']')});
  EXPECT_NE(deep17.body.find("more than 16 levels deep"), std::string::npos) << deep17.body;
  const ServiceResponse in_string = service.handle({.method = "POST", .path = "/api/models/toy/neighbors",
                                                    .body = R"({"positive": ["paris"], "note": "[[[[[[[[[[[[[[[[[[[[\"["})"});
  EXPECT_EQ(in_string.status, 200) << in_string.body;
}

// Queries that arrive together are answered by one batched pass, and each gets its own answer.
TEST(VectorService, ConcurrentNeighbourQueriesAreBatchedAndEachGetsItsAnswer) {
  std::vector<VocabularyEntry> entries;
  for (int i = 0; i < 3000; ++i) entries.push_back({fmt::format("w{}", i), 1});
  EmbeddingTable table(entries.size(), 16);
  table.fill_normal(0.0F, 1.0F, 3);
  VectorService service;
  service.add_vectors("big", WordVectors(Vocabulary::from_entries(entries), std::move(table)));
  auto query = [&](int i) {
    return ask(service, {.path = "/api/models/big/neighbors",
                         .query = {{"word", fmt::format("w{}", i)}, {"k", std::to_string(1 + i % 7)}}});
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
