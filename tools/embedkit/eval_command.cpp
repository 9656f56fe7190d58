// embedkit eval: word-similarity and analogy benchmarks for a vector file, as a table for people
// or JSON for machines.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/eval/analogy_evaluation.h"
#include "embedkit/eval/word_similarity.h"
#include "embedkit/io/vector_io.h"
#include "human_format.h"
#include "option_choices.h"
#include "option_ranges.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct EvalFlags {
  std::string model;
  std::vector<std::string> similarity;
  std::vector<std::string> analogy;
  std::size_t restrict = 300000;
  bool case_sensitive = false;
  std::string method = "add";
  std::string unseen = "skip";
  bool json = false;
  VectorFlags vectors;
};

nlohmann::json counts_json(const AnalogyCounts& c) {
  return {{"questions", c.questions}, {"attempted", c.attempted}, {"correct", c.correct},
          {"accuracy", c.accuracy()}, {"coverage", c.coverage()}};
}

std::string percent(double fraction) { return std::isnan(fraction) ? "-" : fmt::format("{:.2f}%", 100 * fraction); }

void run(const EvalFlags& flags) {
  EMBEDKIT_CHECK(!flags.similarity.empty() || !flags.analogy.empty(), ArgumentError,
                 "nothing to evaluate: give --similarity FILE and/or --analogy FILE");
  UnseenPairs unseen = UnseenPairs::skip;
  if (flags.unseen == "subwords") {
    unseen = UnseenPairs::subwords;
  } else if (flags.unseen == "zero") {
    unseen = UnseenPairs::zero;
  }
  // Read every benchmark file first, so that a bad file fails before the model is loaded.
  std::vector<std::vector<WordPair>> pair_sets;
  for (const std::string& f : flags.similarity) pair_sets.push_back(read_word_pairs(f));
  std::vector<std::vector<AnalogySection>> analogy_sets;
  for (const std::string& f : flags.analogy) analogy_sets.push_back(read_analogies(f));

  const WordVectors wv = load_vectors(flags.model, flags.vectors.options());
  nlohmann::json out{{"model", flags.model}, {"words", wv.size()}, {"dim", wv.dim()}, {"restrict", flags.restrict},
                     {"case_insensitive", !flags.case_sensitive}};
  if (!flags.json) {
    fmt::print("{}: {} words x {}; known words: the {} most frequent, {}\n", printable(flags.model), wv.size(), wv.dim(),
               flags.restrict == 0 ? wv.size() : std::min(flags.restrict, wv.size()),
               flags.case_sensitive ? "case-sensitive" : "case-insensitive");
  }

  if (!pair_sets.empty()) {
    const WordSimilarityOptions options{flags.restrict, !flags.case_sensitive, unseen};
    if (!flags.json) {
      fmt::print("\nword similarity (cosine; unseen pairs: {})\n", flags.unseen);
      fmt::print("  {:<28} {:>6} {:>7} {:>7} {:>9} {:>9}\n", "file", "pairs", "scored", "unseen", "Spearman",
                 "Pearson");
    }
    out["similarity"] = nlohmann::json::array();
    for (std::size_t i = 0; i < pair_sets.size(); ++i) {
      const WordSimilarityResult r = evaluate_word_similarity(wv, pair_sets[i], options);
      out["similarity"].push_back({{"file", flags.similarity[i]}, {"pairs", r.pairs}, {"scored", r.scored},
                                   {"unseen", r.unseen}, {"from_subwords", r.from_subwords},
                                   {"spearman", r.spearman}, {"pearson", r.pearson}});
      if (!flags.json) {
        fmt::print("  {:<28} {:>6} {:>7} {:>7} {:>9.4f} {:>9.4f}\n",
                   printable(std::filesystem::path(flags.similarity[i]).filename().string()), r.pairs, r.scored, r.unseen,
                   r.spearman, r.pearson);
      }
    }
  }

  if (!analogy_sets.empty()) {
    const AnalogyOptions options{flags.restrict, !flags.case_sensitive,
                                 flags.method == "mul" ? AnalogyMethod::mul : AnalogyMethod::add};
    out["analogy"] = nlohmann::json::array();
    for (std::size_t i = 0; i < analogy_sets.size(); ++i) {
      const auto start = std::chrono::steady_clock::now();
      const AnalogyResult r = evaluate_analogies(wv, analogy_sets[i], options);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      nlohmann::json sections = nlohmann::json::array();
      for (const AnalogySectionResult& s : r.sections) {
        nlohmann::json j = counts_json(s.counts);
        j["name"] = s.name;
        j["syntactic"] = s.syntactic;
        sections.push_back(j);
      }
      out["analogy"].push_back({{"file", flags.analogy[i]}, {"method", flags.method}, {"sections", sections},
                                {"semantic", counts_json(r.semantic)}, {"syntactic", counts_json(r.syntactic)},
                                {"total", counts_json(r.total)}, {"seconds", seconds}});
      if (flags.json) continue;
      fmt::print("\nanalogies: {} ({}, {:.2f} s)\n", printable(std::filesystem::path(flags.analogy[i]).filename().string()),
                 flags.method == "mul" ? "3CosMul" : "3CosAdd", seconds);
      fmt::print("  {:<30} {:>9} {:>9} {:>8} {:>9}\n", "section", "questions", "attempted", "correct", "accuracy");
      auto line = [](const std::string& name, const AnalogyCounts& c) {
        fmt::print("  {:<30} {:>9} {:>9} {:>8} {:>9}\n", printable(name), c.questions, c.attempted, c.correct,
                   percent(c.accuracy()));
      };
      for (const AnalogySectionResult& s : r.sections) line(s.name, s.counts);
      fmt::print("  {:-<69}\n", "");
      line("semantic", r.semantic);
      line("syntactic", r.syntactic);
      line("total", r.total);
    }
  }
  if (flags.json) fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto flags = std::make_shared<EvalFlags>();
  CLI::App* cmd = app.add_subcommand("eval", "Score vectors on word-similarity and analogy benchmarks");
  cmd->add_option("model", flags->model, "Vector file in any supported format")->required();
  cmd->add_option("--similarity", flags->similarity, "Word-pair file 'w1 w2 score' (repeatable)");
  cmd->add_option("--analogy", flags->analogy, "Analogy file ': section' + 'a b c d' lines (repeatable)");
  cmd->add_option("--restrict", flags->restrict,
                  "Only the N most frequent words are known and searched (0 = all)")
      ->check(whole_number(0, kMaxRows))
      ->capture_default_str();
  cmd->add_flag("--case-sensitive", flags->case_sensitive, "Match words exactly (default: ignore case)");
  choices(cmd->add_option("--method", flags->method, "Analogy objective: add (3CosAdd) or mul (3CosMul)"),
          {"add", "mul"})
      ->capture_default_str();
  choices(cmd->add_option("--unseen", flags->unseen,
                          "Similarity pairs with an unknown word: skip, subwords (use subword vectors) or zero"),
          {"skip", "subwords", "zero"})
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "One JSON object with every figure");
  add_vector_flags(*cmd, flags->vectors);
  cmd->footer(std::string("Examples:\n"
                          "  embedkit eval vectors.ekv --similarity wordsim353.tsv --analogy questions-words.txt\n"
                          "  embedkit eval cc.en.300.bin --analogy questions-words.txt --restrict 30000 --json\n"
                          "\n"
                          "Defaults are gensim's evaluate_word_pairs / evaluate_word_analogies, and the figures\n"
                          "agree with them: words outside the --restrict most frequent are unknown; pairs and\n"
                          "questions with unknown words are left out (see 'unseen' and 'attempted'); the\n"
                          "analogy answer is the best word other than a, b and c. Sections named gram* count as\n"
                          "syntactic, the rest as semantic. Files may have '#' comments, CRLF, tabs or spaces.\n\n") +
              kVectorFormatsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
