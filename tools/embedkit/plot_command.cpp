// embedkit plot: a 2-D map (PCA) of chosen words, and optionally their nearest neighbours, drawn
// as a labelled scatter plot in PNG or SVG.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_matrix.h"
#include "embedkit/search/nearest_neighbors.h"
#include "embedkit/viz/pca.h"
#include "embedkit/viz/scatter_plot.h"
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
  std::vector<std::vector<std::string>> lists;
  for (const std::string& list : flags.word_lists) {
    lists.push_back(split_words(list));
    EMBEDKIT_CHECK(!lists.back().empty(), ArgumentError, fmt::format("--words {:?} names no words", list));
  }
  const WordVectors wv = load_vectors(flags.model, flags.vectors.options());
  const std::size_t dim = wv.dim();

  // The points in drawing order: every chosen word first (their labels are placed first, so they
  // get the best spots), then the neighbours. A word that comes up again is not drawn twice.
  std::vector<ScatterPoint> points;
  std::vector<float> rows;
  std::unordered_set<std::string> seen;
  std::vector<std::string> group_names;
  std::vector<std::string> unknown;
  std::vector<std::string> from_subwords;
  std::vector<float> vec(dim);
  const bool with_neighbors = flags.neighbors > 0;
  for (std::size_t l = 0; l < lists.size(); ++l) {
    if (!with_neighbors) group_names.push_back(join(lists[l]));
    for (const std::string& word : lists[l]) {
      if (!seen.insert(word).second) continue;
      const WordVectors::Source source = wv.vector(word, vec);
      if (source == WordVectors::Source::unknown) {
        unknown.push_back(word);
        continue;
      }
      if (source == WordVectors::Source::from_subwords) from_subwords.push_back(word);
      // With neighbours, each chosen word is a group (named after it) that its neighbours join.
      if (with_neighbors) group_names.push_back(word);
      points.push_back({.label = word, .group = with_neighbors ? group_names.size() - 1 : l, .highlight = with_neighbors});
      rows.insert(rows.end(), vec.begin(), vec.end());
    }
  }
  EMBEDKIT_CHECK(unknown.empty(), Error,  // (exit status 1, as analogy: the model lacks them)
                 fmt::format("not in the vocabulary of '{}' (and the model has no subwords): {}", flags.model,
                             join(unknown)));

  if (with_neighbors) {
    const std::size_t searched = flags.restrict > 0 ? std::min(flags.restrict, wv.size()) : wv.size();
    const WordMatrix words(wv, searched);  // with subwords: each word's composed vector
    const NearestNeighbors index(words.view(), words.rows());
    const std::size_t chosen = points.size();
    for (std::size_t c = 0; c < chosen; ++c) {
      SearchOptions options;
      if (const auto id = wv.words().find(points[c].label)) options.exclude.push_back(*id);
      // A copy: rows grows below and may move.
      const std::vector<float> query(rows.begin() + static_cast<std::ptrdiff_t>(c * dim),
                                     rows.begin() + static_cast<std::ptrdiff_t>((c + 1) * dim));
      for (const Neighbor& n : index.search(query, flags.neighbors, options)) {
        std::string word(wv.words().word(n.id));
        if (!seen.insert(word).second) continue;
        wv.vector(n.id, vec);
        points.push_back({.label = std::move(word), .group = points[c].group});
        rows.insert(rows.end(), vec.begin(), vec.end());
      }
    }
  }
  EMBEDKIT_CHECK(points.size() >= 2, ArgumentError,
                 fmt::format("a map needs at least 2 distinct words, got {} (name more words or add --neighbors)",
                             points.size()));

  // Neighbours are found by cosine, so by default the map shows directions too: unit vectors,
  // where frequent words' long vectors do not push everything else to the middle.
  if (!flags.no_normalize) {
    for (std::size_t p = 0; p < points.size(); ++p) {
      float* row = rows.data() + p * dim;
      double squared = 0;
      for (std::size_t d = 0; d < dim; ++d) squared += double(row[d]) * row[d];
      if (squared == 0) continue;
      const auto scale = static_cast<float>(1 / std::sqrt(squared));
      for (std::size_t d = 0; d < dim; ++d) row[d] *= scale;
    }
  }
  const Pca2d pca = pca_2d(rows, points.size(), dim);
  for (std::size_t p = 0; p < points.size(); ++p) {
    points[p].x = pca.coordinates[p][0];
    points[p].y = pca.coordinates[p][1];
  }

  const auto& ratio = pca.explained_variance_ratio;
  ScatterOptions options{
      .width = flags.width,
      .height = flags.height,
      .title = flags.title.value_or(fmt::format("{}: {} words", std::filesystem::path(flags.model).filename().string(),
                                                points.size())),
      .x_title = fmt::format("PC1 ({:.1f}% of variance)", 100 * ratio[0]),
      .y_title = fmt::format("PC2 ({:.1f}% of variance)", 100 * ratio[1]),
  };
  // One colour needs no legend.
  if (group_names.size() > 1) options.group_names = group_names;
  write_scatter_plot(points, flags.output, options);

  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"path", flags.output},
                                      {"points", points.size()},
                                      {"groups", group_names.size()},
                                      {"explained_variance", {ratio[0], ratio[1]}},
                                      {"from_subwords", from_subwords}}
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  fmt::print("wrote {}: {} points in {} group{}, PCA explains {:.1f}% + {:.1f}% of the variance{}\n",
             printable(flags.output),
             points.size(), group_names.size(), group_names.size() == 1 ? "" : "s", 100 * ratio[0], 100 * ratio[1],
             from_subwords.empty() ? "" : fmt::format(" (unseen, from subwords: {})", printable(join(from_subwords))));
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
