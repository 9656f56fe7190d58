// embedkit analogy: a : b :: c : ?, from arguments or from stdin lines "a b c".
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
#include "embedkit/search/analogy.h"
#include "human_format.h"
#include "option_choices.h"
#include "option_ranges.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct AnalogyFlags {
  std::string model;
  std::vector<std::string> words;
  std::size_t k = 10;
  std::size_t restrict = 0;
  std::string method = "add";
  bool json = false;
  VectorFlags vectors;
};

void run(const AnalogyFlags& flags) {
  EMBEDKIT_CHECK(flags.words.empty() || flags.words.size() == 3, ArgumentError,
                 fmt::format("give three words A B C (a : b :: c : ?), not {}", flags.words.size()));
  const AnalogyMethod method = flags.method == "mul" ? AnalogyMethod::mul : AnalogyMethod::add;
  const WordVectors wv = load_vectors(flags.model, flags.vectors.options());
  const WordMatrix words(wv);  // with subwords: each word's composed vector
  const AnalogySolver solver(words.view(), words.rows());
  const std::size_t dim = wv.dim();
  // Questions from the command line fail (exit 1) on unseen words; stdin questions report them
  // and go on.
  auto answer = [&](const std::vector<std::string>& abc, bool interactive) {
    std::vector<float> vectors(3 * dim);
    std::vector<std::string> unknown;
    AnalogyQuestion q;
    for (std::size_t i = 0; i < 3; ++i) {
      const std::span<float> v(vectors.data() + i * dim, dim);
      const std::string asked = query_form(wv, abc[i]);  // as the training text was normalised
      if (wv.vector(asked, v) == WordVectors::Source::unknown) unknown.push_back(abc[i]);
      if (const auto id = wv.words().find(asked)) q.exclude.push_back(*id);
    }
    const std::string question = fmt::format("{} : {} :: {} : ?", abc[0], abc[1], abc[2]);
    if (!unknown.empty()) {
      const std::string message = fmt::format("not in vocabulary (and the model has no subwords): {}",
                                              fmt::join(unknown, ", "));
      if (!interactive) throw Error(message);  // (exit status 1: the model lacks it, the command line is fine)
      if (flags.json) {
        fmt::print("{}\n", nlohmann::json{{"question", abc}, {"error", message}}.dump(
                               -1, ' ', false, nlohmann::json::error_handler_t::replace));
      } else {
        fmt::print("{}  {}\n", printable(question), printable(message));
      }
      return;
    }
    q.a = {vectors.data(), dim};
    q.b = {vectors.data() + dim, dim};
    q.c = {vectors.data() + 2 * dim, dim};
    const std::vector<Neighbor> found = solver.solve(q, flags.k, method, flags.restrict);
    if (flags.json) {
      nlohmann::json list = nlohmann::json::array();
      for (const Neighbor& n : found) list.push_back({{"word", wv.words().word(n.id)}, {"score", n.score}});
      fmt::print("{}\n", nlohmann::json{{"question", abc}, {"method", flags.method}, {"answers", list}}.dump(
                             -1, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    fmt::print("{} ", printable(question));
    for (const Neighbor& n : found) fmt::print(" {} {:.3f}", printable(wv.words().word(n.id)), n.score);
    fmt::print("\n");
  };

  if (!flags.words.empty()) {
    answer(flags.words, false);
  } else {
    // Interactive: "a b c" per line until end of input; other lines get a message.
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream in(line);
      std::vector<std::string> abc;
      for (std::string w; in >> w;) abc.push_back(w);
      if (abc.empty()) continue;
      if (abc.size() != 3) {
        fmt::print("expected three words 'a b c', got {:?}\n", line);
        continue;
      }
      answer(abc, true);
      std::fflush(stdout);
    }
  }
}

}  // namespace

void add_analogy_command(CLI::App& app) {
  auto flags = std::make_shared<AnalogyFlags>();
  CLI::App* cmd = app.add_subcommand("analogy", "Solve a : b :: c : ? (3CosAdd or 3CosMul), for words or stdin lines");
  cmd->add_option("model", flags->model, "Vector file in any supported format")->required();
  cmd->add_option("words", flags->words, "A B C (default: read 'a b c' lines from stdin until EOF)");
  cmd->add_option("-k", flags->k, "Answers per question")->check(whole_number(1, kMaxRows))->capture_default_str();
  choices(cmd->add_option("--method", flags->method, "add (3CosAdd: cos(d, b - a + c)) or mul (3CosMul)"),
          {"add", "mul"})
      ->capture_default_str();
  cmd->add_option("--restrict", flags->restrict, "Answer only from the N most frequent words (0 = all)")
      ->check(whole_number(0, kMaxRows));
  cmd->add_flag("--json", flags->json, "One JSON object per question");
  add_vector_flags(*cmd, flags->vectors);
  cmd->footer(std::string("Examples:\n"
                          "  embedkit analogy vectors.ekv man king woman          # queen\n"
                          "  embedkit analogy vectors.ekv paris france berlin --method mul -k 3\n"
                          "  printf 'man king woman\\ngood better bad\\n' | embedkit analogy vectors.ekv --json\n"
                          "\n"
                          "The three query words never appear among the answers. Unseen words use their subword\n"
                          "vector when the model has subwords; otherwise the command fails (exit status 1), or,\n"
                          "reading stdin, says so and goes on with the next line.\n\n") +
              kVectorFormatsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
