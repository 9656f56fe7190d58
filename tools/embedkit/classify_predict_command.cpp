// embedkit classify predict: the most likely labels of each input line, answered line by line.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "classify_flags.h"
#include "commands.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "human_format.h"
#include "option_ranges.h"

namespace embedkit::cli {
namespace {

struct ClassifyPredictFlags {
  std::string model, input = "-";
  DataFlags data;
  std::size_t k = 1;
  float threshold = 0;
  bool prob = false;
};

void run(ClassifyPredictFlags& flags) {
  const TextClassifier model = TextClassifier::load(flags.model);
  flags.data.check_model(model);
  LabeledDataOptions options = flags.data.options(/*labels_optional=*/true);
  // Labels come from the training data: on a terminal, control characters in them are escaped.
  const bool terminal = stdout_is_terminal();
  auto answer = [&](const std::vector<std::string>& tokens) {
    std::string line;
    for (const auto& s : model.predict(tokens, flags.k, flags.threshold)) {
      if (!line.empty()) line += ' ';
      line += flags.data.label_prefix;
      line += model.label(s.label);
      if (flags.prob) line += fmt::format(" {:.6f}", s.probability);
    }
    fmt::print("{}\n", terminal ? printable(line) : line);
  };
  // Line by line, answering each at once, so interactive use and pipes work: an empty line gets
  // an empty answer, and the first line with text decides the format of all the others.
  std::ifstream file;
  if (flags.input != "-") {
    file.open(flags.input, std::ios::binary);
    if (!file) throw IoError(detail::with_errno(fmt::format("cannot open '{}'", flags.input), errno));
  }
  std::istream& in = flags.input == "-" ? std::cin : file;
  const std::string source = flags.input == "-" ? "<stdin>" : flags.input;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (std::all_of(line.begin(), line.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
      fmt::print("\n");
    } else {
      options.first_line = number;
      LabeledData one = parse_labeled_text(line, source, options);
      flags.data.split(one);
      options.format = one.format;
      answer(one.examples.front().tokens);
    }
    std::fflush(stdout);
  }
  if (in.bad()) throw IoError(detail::with_errno(fmt::format("cannot read '{}'", source), errno));
}

}  // namespace

void add_classify_predict_command(CLI::App& classify) {
  auto flags = std::make_shared<ClassifyPredictFlags>();
  CLI::App* cmd = classify.add_subcommand("predict", "Print the most likely labels of each input line");
  cmd->add_option("model", flags->model, "A model from 'classify train'")->required();
  cmd->add_option("input", flags->input, "Text, one example per line ('-' or nothing = stdin, answered line by line)")
      ->capture_default_str();
  cmd->add_option("-k", flags->k, "How many labels per line")->check(whole_number(1, kMaxRows))->capture_default_str();
  cmd->add_flag("--prob", flags->prob, "Print each label's probability after it");
  cmd->add_option("--threshold", flags->threshold, "Only labels at least this probable")
      ->check(real_number(0, 1))
      ->capture_default_str();
  add_data_flags(*cmd, flags->data);
  cmd->footer(
      "Examples:\n"
      "  embedkit classify predict model.ekv reviews.txt\n"
      "  echo 'a gorgeous , witty film' | embedkit classify predict model.ekv -k 2 --prob\n\n"
      "Output: one line per input line, '__label__pos' (with --prob: '__label__pos 0.912345'), as fastText's\n"
      "predict / predict-prob. Labels already on an input line are ignored; an empty line gets an empty answer.\n");
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
