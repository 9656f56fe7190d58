// embedkit vectors: print the vectors of words, including unseen words through subwords.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/io/text_settings.h"
#include "embedkit/io/vector_io.h"
#include "human_format.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct VectorsFlags {
  std::string model;
  std::vector<std::string> words;
  VectorFlags vectors;
  bool json = false;
};

std::string_view source_name(WordVectors::Source source) {
  switch (source) {
    case WordVectors::Source::in_vocabulary: return "in_vocabulary";
    case WordVectors::Source::from_subwords: return "from_subwords";
    case WordVectors::Source::unknown: return "unknown";
  }
  return "unknown";
}

void run(const VectorsFlags& flags) {
  const WordVectors wv = load_vectors(flags.model, flags.vectors.options());
  std::vector<float> v(wv.dim());
  std::vector<std::string> from_subwords, unknown;
  nlohmann::json out = nlohmann::json::array();
  // Words are data here (fastText's format): escaped only where a terminal would act on them.
  const bool terminal = stdout_is_terminal();
  auto print = [&](const std::string& word) {
    const WordVectors::Source source = wv.vector(query_form(wv, word), v);  // as the text was normalised
    if (source == WordVectors::Source::from_subwords) from_subwords.push_back(word);
    if (source == WordVectors::Source::unknown) unknown.push_back(word);
    if (flags.json) {
      out.push_back({{"word", word}, {"source", source_name(source)}, {"vector", v}});
    } else {
      fmt::print("{} {}\n", terminal ? printable(word) : word, fmt::join(v, " "));
    }
  };
  if (!flags.words.empty()) {
    for (const std::string& word : flags.words) print(word);
  } else {
    // Like fastText's print-word-vectors: words from stdin, whitespace-separated, until EOF.
    std::string word;
    while (std::cin >> word) {
      print(word);
      if (!flags.json) std::fflush(stdout);
    }
  }
  if (flags.json) {
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  if (!from_subwords.empty()) {
    fmt::print(stderr, "unseen, built from subwords: {}\n", printable(fmt::format("{}", fmt::join(from_subwords, " "))));
  }
  if (!unknown.empty()) {
    fmt::print(stderr, "not in the vocabulary and the model has no subwords (printed as zeros): {}\n",
               printable(fmt::format("{}", fmt::join(unknown, " "))));
  }
}

}  // namespace

void add_vectors_command(CLI::App& app) {
  auto flags = std::make_shared<VectorsFlags>();
  CLI::App* cmd = app.add_subcommand("vectors", "Print word vectors (unseen words too, from fastText subwords)");
  cmd->add_option("model", flags->model, "Vector file in any supported format")->required();
  cmd->add_option("words", flags->words, "Words to look up (default: read from stdin until EOF)");
  cmd->add_flag("--json", flags->json, "Print [{word, source, vector}, ...] as JSON");
  add_vector_flags(*cmd, flags->vectors);
  cmd->footer(std::string("Examples:\n"
                          "  embedkit vectors cc.en.300.bin king queen unfathomableness\n"
                          "  echo 'quick brown fox' | embedkit vectors model.bin\n"
                          "  embedkit vectors glove.ekv cat --json | jq '.[0].vector | length'\n"
                          "\n"
                          "Output: 'word v1 v2 ...' per word, as fastText's print-word-vectors. Words without a row\n"
                          "of their own are listed on stderr: built from subwords, or zeros when the model has none.\n\n") +
              kVectorFormatsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
