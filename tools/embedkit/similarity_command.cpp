// embedkit similarity: the cosine similarity of two words, or of "w1 w2" lines from stdin.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/io/text_settings.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/search/nearest_neighbors.h"
#include "human_format.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct SimilarityFlags {
  std::string model;
  std::vector<std::string> words;
  bool json = false;
  VectorFlags vectors;
};

void run(const SimilarityFlags& flags) {
  EMBEDKIT_CHECK(flags.words.empty() || flags.words.size() == 2, ArgumentError,
                 fmt::format("give two words, not {}", flags.words.size()));
  const WordVectors wv = load_vectors(flags.model, flags.vectors.options());
  std::vector<float> u(wv.dim());
  std::vector<float> v(wv.dim());
  auto answer = [&](const std::string& a, const std::string& b, bool interactive) {
    std::vector<std::string> unknown;
    // Read as the training text was normalised ("Paris" is "paris" in a lowercased model).
    const WordVectors::Source sa = wv.vector(query_form(wv, a), u);
    const WordVectors::Source sb = wv.vector(query_form(wv, b), v);
    if (sa == WordVectors::Source::unknown) unknown.push_back(a);
    if (sb == WordVectors::Source::unknown) unknown.push_back(b);
    if (!unknown.empty()) {
      const std::string message =
          fmt::format("not in vocabulary (and the model has no subwords): {}", fmt::join(unknown, ", "));
      if (!interactive) throw Error(message);  // (exit status 1: the model lacks it, the command line is fine)
      fmt::print("{}\n", flags.json ? nlohmann::json{{"words", {a, b}}, {"error", message}}.dump(
                                         -1, ' ', false, nlohmann::json::error_handler_t::replace)
                                    : printable(fmt::format("{} {}  {}", a, b, message)));
      return;
    }
    const double similarity = cosine_similarity(u, v);
    const bool subwords = sa == WordVectors::Source::from_subwords || sb == WordVectors::Source::from_subwords;
    if (flags.json) {
      fmt::print("{}\n", nlohmann::json{{"words", {a, b}}, {"cosine", similarity}, {"from_subwords", subwords}}.dump(
                             -1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      fmt::print("{} {} {:.4f}{}\n", printable(a), printable(b), similarity,
                 subwords ? "  (unseen words from subwords)" : "");
    }
  };
  if (!flags.words.empty()) {
    answer(flags.words[0], flags.words[1], false);
    return;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::vector<std::string> pair;
    for (std::string w; in >> w;) pair.push_back(w);
    if (pair.empty()) continue;
    if (pair.size() != 2) {
      fmt::print("expected two words, got {:?}\n", line);
      continue;
    }
    answer(pair[0], pair[1], true);
    std::fflush(stdout);
  }
}

}  // namespace

void add_similarity_command(CLI::App& app) {
  auto flags = std::make_shared<SimilarityFlags>();
  CLI::App* cmd = app.add_subcommand("similarity", "Cosine similarity of two words, or of word pairs from stdin");
  cmd->add_option("model", flags->model, "Vector file in any supported format")->required();
  cmd->add_option("words", flags->words, "W1 W2 (default: read 'w1 w2' lines from stdin until EOF)");
  cmd->add_flag("--json", flags->json, "One JSON object per pair");
  add_vector_flags(*cmd, flags->vectors);
  cmd->footer(std::string("Examples:\n"
                          "  embedkit similarity vectors.ekv cat dog\n"
                          "  cut -f1,2 wordsim353.tsv | tr '\\t' ' ' | embedkit similarity vectors.ekv --json\n"
                          "\n"
                          "The same cosine as neighbors and eval use (computed in double precision here).\n"
                          "Unseen words use their subword vector when the model has subwords.\n\n") +
              kVectorFormatsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
