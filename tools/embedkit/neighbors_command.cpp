// embedkit neighbors: the nearest words to each query word, or interactively from stdin.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/io/text_settings.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_matrix.h"
#include "embedkit/search/nearest_neighbors.h"
#include "human_format.h"
#include "option_choices.h"
#include "option_ranges.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct NeighborsFlags {
  std::string model;
  std::vector<std::string> words;
  std::size_t k = 10;
  std::size_t restrict = 0;
  Similarity similarity = Similarity::cosine;
  bool json = false;
  VectorFlags vectors;
};

void run(const NeighborsFlags& flags) {
  const WordVectors wv = load_vectors(flags.model, flags.vectors.options());
  const WordMatrix words(wv, flags.restrict);  // with subwords: each word's composed vector
  const Similarity similarity = flags.similarity;
  const NearestNeighbors index(words.view(), words.rows(), similarity);
  std::vector<float> query(wv.dim());
  // As analogy and similarity: words from the command line that the model lacks fail the command
  // (exit 1, after the others are answered); stdin queries report them and go on.
  std::vector<std::string> unknown;
  auto answer = [&](const std::string& word, bool interactive) {
    const std::string asked = query_form(wv, word);  // "Paris" is "paris" in a lowercased model
    const WordVectors::Source source = wv.vector(asked, query);
    if (source == WordVectors::Source::unknown) {
      if (!interactive) {
        unknown.push_back(word);
        return;
      }
      if (flags.json) {
        fmt::print("{}\n", nlohmann::json{{"word", word}, {"error", "not in vocabulary"}}.dump(
                               -1, ' ', false, nlohmann::json::error_handler_t::replace));
      } else {
        fmt::print("{}: not in vocabulary (and the model has no subwords)\n", printable(word));
      }
      return;
    }
    SearchOptions options{.restrict = flags.restrict};
    if (const auto id = wv.words().find(asked)) options.exclude.push_back(*id);
    const std::vector<Neighbor> found = index.search(query, flags.k, options);
    if (flags.json) {
      nlohmann::json list = nlohmann::json::array();
      for (const Neighbor& n : found) {
        if (similarity == Similarity::l2) {
          list.push_back({{"word", wv.words().word(n.id)}, {"distance", -n.score}});
        } else {
          list.push_back({{"word", wv.words().word(n.id)}, {"score", n.score}});
        }
      }
      fmt::print("{}\n", nlohmann::json{{"word", word},
                                        {"source", source == WordVectors::Source::in_vocabulary ? "in_vocabulary"
                                                                                                 : "from_subwords"},
                                        {"neighbors", list}}
                             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    fmt::print("{}{}:", printable(word),
               source != WordVectors::Source::from_subwords ? ""
               : wv.piece_tokenizer()                       ? " (unseen: the mean of its pieces)"
                                                            : " (unseen: from subwords)");
    // L2 is searched as a negated distance (higher is nearer); people read the distance.
    for (const Neighbor& n : found) {
      fmt::print("  {} {:.3f}", printable(wv.words().word(n.id)), similarity == Similarity::l2 ? -n.score : n.score);
    }
    fmt::print("\n");
  };
  if (!flags.words.empty()) {
    for (const std::string& w : flags.words) answer(w, false);
    std::fflush(stdout);
    EMBEDKIT_CHECK(unknown.empty(), Error,
                   fmt::format("not in vocabulary (and the model has no subwords): {}", fmt::join(unknown, ", ")));
    return;
  }
  // Interactive: one or more words per line, until end of input.
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream query_words(line);
    for (std::string w; query_words >> w;) answer(w, true);
    std::fflush(stdout);
  }
}

}  // namespace

void add_neighbors_command(CLI::App& app) {
  auto flags = std::make_shared<NeighborsFlags>();
  CLI::App* cmd = app.add_subcommand("neighbors", "Nearest words by cosine, dot or L2 (exact), for words or stdin queries");
  cmd->add_option("model", flags->model, "Vector file in any supported format, or a Hugging Face model folder")
      ->required();
  cmd->add_option("words", flags->words, "Query words (default: read them from stdin until EOF)");
  cmd->add_option("-k", flags->k, "Neighbours per query")->check(whole_number(1, kMaxRows))->capture_default_str();
  cmd->add_option("--restrict", flags->restrict, "Search only the N most frequent words (0 = all)")
      ->check(whole_number(0, kMaxRows));
  choices<Similarity>(cmd->add_option("--similarity", flags->similarity, "cosine, dot or l2 (Euclidean distance)"),
                      {{"cosine", Similarity::cosine}, {"dot", Similarity::dot}, {"l2", Similarity::l2}})
      ->default_str("cosine");
  cmd->add_flag("--json", flags->json, "One JSON object per query");
  add_vector_flags(*cmd, flags->vectors);
  cmd->footer(std::string("Examples:\n"
                          "  embedkit neighbors vectors.ekv king paris -k 5\n"
                          "  embedkit neighbors cc.en.300.bin --restrict 100000      # then type words, Ctrl-D ends\n"
                          "  embedkit neighbors bert-base-uncased/ tokenization      # a model's token embeddings\n"
                          "\n"
                          "Exact search: every candidate row is scored. Query words are left out of their own\n"
                          "results; unseen words use their subword vector when the model has subwords (or, for a\n"
                          "model folder, the mean of their tokenizer pieces' rows).\n\n") +
              kVectorFormatsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
