// embedkit plot: a 2-D map (PCA) of chosen words, and optionally their nearest neighbours, drawn
// as a labelled scatter plot in PNG or SVG. The map is computed by build_word_map (viz/word_map.h);
// this file parses the flags, calls it and writes the image.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/viz/scatter_plot.h"
#include "embedkit/viz/word_map.h"
#include "human_format.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct PlotFlags {
  std::string model;
  std::vector<std::string> word_lists;  // one comma-separated list per --words: one group each
  std::size_t neighbors = 0;
  std::size_t restrict = 50000;
  std::string output;
  std::optional<std::string> title;
  int width = 1200;
  int height = 900;
  bool no_normalize = false;
  bool json = false;
  VectorFlags vectors;
};

// "king, queen,,man" -> king queen man.
std::vector<std::string> split_words(const std::string& list) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string word = list.substr(start, end - start);
    const std::size_t first = word.find_first_not_of(" \t");
    if (first != std::string::npos) words.push_back(word.substr(first, word.find_last_not_of(" \t") - first + 1));
    start = end + 1;
  }
  return words;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

void run(const PlotFlags& flags) {
  (void)file_output(flags.output, "--output", "the image");
  (void)plot_format_for_path(flags.output);  // a bad extension fails before the model is read
  refuse_same_file(flags.output, "--output", flags.model, "model");
  check_writable(flags.output, "--output");
  std::vector<std::vector<std::string>> groups;
  for (const std::string& list : flags.word_lists) {
    groups.push_back(split_words(list));
    EMBEDKIT_CHECK(!groups.back().empty(), ArgumentError, fmt::format("--words {:?} names no words", list));
  }
  const WordVectors wv = load_vectors(flags.model, flags.vectors.options());
  const WordMap map = build_word_map(
      wv, groups, {.neighbors = flags.neighbors, .restrict = flags.restrict, .normalize = !flags.no_normalize});
  const std::string title = flags.title.value_or(
      fmt::format("{}: {} words", std::filesystem::path(flags.model).filename().string(), map.points.size()));
  write_scatter_plot(map.points, flags.output,
                     word_map_plot_options(map, {.width = flags.width, .height = flags.height, .title = title}));

  const auto& ratio = map.explained_variance_ratio;
  const std::size_t groups_drawn = map.group_names.size();
  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"path", flags.output},
                                      {"points", map.points.size()},
                                      {"groups", groups_drawn},
                                      {"explained_variance", {ratio[0], ratio[1]}},
                                      {"from_subwords", map.from_subwords}}
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  const std::string subwords =
      map.from_subwords.empty() ? "" : fmt::format(" (unseen, from subwords: {})", printable(join(map.from_subwords)));
  fmt::print("wrote {}: {} points in {} group{}, PCA explains {:.1f}% + {:.1f}% of the variance{}\n",
             printable(flags.output), map.points.size(), groups_drawn, groups_drawn == 1 ? "" : "s", 100 * ratio[0],
             100 * ratio[1], subwords);
}

}  // namespace

void add_plot_command(CLI::App& app) {
  auto flags = std::make_shared<PlotFlags>();
  CLI::App* cmd = app.add_subcommand("plot", "Draw a 2-D map (PCA) of words and their neighbours as PNG or SVG");
  cmd->add_option("model", flags->model, "Vector file in any supported format")->required();
  cmd->add_option("--words", flags->word_lists,
                  "Comma-separated words; each --words is one colour (repeat the flag for more groups)")
      ->allow_extra_args(false)
      ->required();
  cmd->add_option("--neighbors", flags->neighbors,
                  "Also draw each word's K nearest words by cosine, in its colour (each word is then a group)")
      ->check(whole_number(0, 1000));
  cmd->add_option("--restrict", flags->restrict, "Neighbours come from the N most frequent words only (0 = all)")
      ->check(whole_number(0, kMaxRows))
      ->capture_default_str();
  cmd->add_option("-o,--output", flags->output, "Image to write: .png or .svg")->required();
  cmd->add_option("--title", flags->title, "Title above the map (default: the model's name and the word count)");
  cmd->add_option("--width", flags->width, "Image width in pixels")->check(whole_number(200, 10000))->capture_default_str();
  cmd->add_option("--height", flags->height, "Image height in pixels")
      ->check(whole_number(200, 10000))
      ->capture_default_str();
  cmd->add_flag("--no-normalize", flags->no_normalize, "Project the vectors as stored, not scaled to unit length");
  cmd->add_flag("--json", flags->json, "Print the summary as one JSON object");
  add_vector_flags(*cmd, flags->vectors);
  cmd->footer(std::string("Examples:\n"
                          "  embedkit plot vectors.ekv --words king,queen,man,woman --words paris,berlin,france,germany "
                          "-o map.png\n"
                          "  embedkit plot cc.en.300.bin --words king,paris --neighbors 8 -o neighbours.svg --title "
                          "'Two neighbourhoods'\n"
                          "\n"
                          "The vectors are scaled to unit length (as cosine sees them) and projected on their first\n"
                          "two principal components; the axis titles say how much of the variance each keeps. A word\n"
                          "that comes up twice is drawn once, in the colour of its first group. Unseen words use\n"
                          "their subword vector when the model has subwords; otherwise they are an error. SVG keeps\n"
                          "every label as text; PNG is rendered with cairo. The file is written atomically.\n\n") +
              kVectorFormatsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
