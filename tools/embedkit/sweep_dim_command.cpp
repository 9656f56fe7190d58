// embedkit sweep-dim: the size trade-off measured: word vectors trained at several sizes on one
// corpus, each evaluated, plotted as quality against memory (and training time).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/eval/analogy_evaluation.h"
#include "embedkit/eval/word_similarity.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/train/word_vector_trainer.h"
#include "embedkit/viz/scatter_plot.h"
#include "human_format.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "progress_bar.h"
#include "word_training_flags.h"

namespace embedkit::cli {
namespace {

struct SweepFlags {
  std::string input;
  std::string plot;
  std::vector<std::size_t> dims = {25, 50, 100, 200, 300};
  std::vector<std::string> similarity;
  std::vector<std::string> analogy;
  std::size_t restrict = 30000;
  std::string keep;  // directory for each size's vectors
  WordTrainingFlags training;
  bool json = false, quiet = false, progress = false;
};

std::string seconds_label(double seconds) {
  return seconds < 10 ? fmt::format("{:.1f} s", seconds) : fmt::format("{:.0f} s", seconds);
}

// "-" where nothing could be scored (every pair or question had an unknown word).
std::string score_text(double value, bool percent) {
  if (!std::isfinite(value)) return "-";
  return percent ? fmt::format("{:.2f}%", 100 * value) : fmt::format("{:.4f}", value);
}

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

void run(SweepFlags& flags) {
  EMBEDKIT_CHECK(!flags.similarity.empty() || !flags.analogy.empty(), ArgumentError,
                 "nothing to measure: give --similarity FILE and/or --analogy FILE");
  if (!flags.plot.empty()) {
    (void)plot_format_for_path(flags.plot);  // an unknown extension fails before hours of training
    check_writable(flags.plot, "--plot");
  }
  if (!flags.keep.empty()) std::filesystem::create_directories(flags.keep);
  std::vector<std::vector<WordPair>> pairs;
  for (const auto& f : flags.similarity) pairs.push_back(read_word_pairs(f));
  std::vector<std::vector<AnalogySection>> analogies;
  for (const auto& f : flags.analogy) analogies.push_back(read_analogies(f));
  flags.training.resolve();

  nlohmann::json runs = nlohmann::json::array();
  for (std::size_t i = 0; i < flags.dims.size(); ++i) {
    WordVectorOptions options = flags.training.options;
    options.dim = flags.dims[i];
    ProgressBar bar(fmt::format("dim {} ({}/{})", options.dim, i + 1, flags.dims.size()),
                    !flags.quiet && !flags.json && (flags.progress || ProgressBar::stderr_is_terminal()),
                    ProgressBar::Units::work);
    TrainingCallbacks callbacks;
    callbacks.on_progress = [&](const TrainingProgress& p) {
      bar.update(static_cast<std::uint64_t>(p.progress * 1e6), 1000000,
                 fmt::format("epoch {}/{}  {:.0f}k words/s", p.epoch + 1, options.epochs, p.words_per_second / 1e3));
    };
    const auto start = std::chrono::steady_clock::now();
    const WordVectors vectors = train_word_vectors(flags.input, options, callbacks);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bar.finish();
    if (!flags.keep.empty()) {
      save_vectors(vectors, (std::filesystem::path(flags.keep) / fmt::format("dim{}.ekv", options.dim)).string(), {});
    }
    nlohmann::json r{{"dim", options.dim},
                     {"words", vectors.size()},
                     {"rows", vectors.table().rows()},
                     {"table_bytes", static_cast<std::uint64_t>(vectors.table().rows()) * options.dim * 4},
                     {"training_seconds", seconds}};
    r["similarity"] = nlohmann::json::array();
    for (std::size_t s = 0; s < pairs.size(); ++s) {
      const auto result = evaluate_word_similarity(vectors, pairs[s], {.restrict = flags.restrict});
      r["similarity"].push_back({{"file", flags.similarity[s]}, {"spearman", result.spearman}, {"scored", result.scored}});
    }
    r["analogy"] = nlohmann::json::array();
    for (std::size_t a = 0; a < analogies.size(); ++a) {
      const auto result = evaluate_analogies(vectors, analogies[a], {.restrict = flags.restrict});
      r["analogy"].push_back(
          {{"file", flags.analogy[a]}, {"accuracy", result.total.accuracy()}, {"attempted", result.total.attempted}});
    }
    if (flags.json) {
      fmt::print("{}\n", r.dump());
      std::fflush(stdout);
    } else if (!flags.quiet) {
      std::string scores;
      for (const auto& s : r["similarity"]) {
        scores += fmt::format("  {} {}", printable(file_name(s["file"])), score_text(s["spearman"].get<double>(), false));
      }
      for (const auto& a : r["analogy"]) {
        scores += fmt::format("  {} {}", printable(file_name(a["file"])), score_text(a["accuracy"].get<double>(), true));
      }
      fmt::print("dim {:>4}  {:>9}  trained in {:>6.1f} s {}\n", options.dim,
                 human_bytes(r["table_bytes"].get<double>()), seconds, scores);
    }
    runs.push_back(std::move(r));
  }

  if (flags.plot.empty()) return;
  // Quality against memory, one line per measure; each point says its dim and training time.
  std::vector<ScatterPoint> points;
  std::vector<std::string> groups;
  auto add_line = [&](const std::string& name, const char* section, const char* field) {
    for (std::size_t m = 0; m < runs[0][section].size(); ++m) {
      groups.push_back(fmt::format("{} ({})", file_name(runs[0][section][m]["file"]), name));
      for (const auto& r : runs) {
        const double y = r[section][m][field].get<double>();
        if (!std::isfinite(y)) continue;
        points.push_back({.x = r["table_bytes"].get<double>() / 1e6,
                          .y = y,
                          .label = fmt::format("d={} ({})", r["dim"].get<std::size_t>(),
                                               seconds_label(r["training_seconds"].get<double>())),
                          .group = groups.size() - 1});
      }
    }
  };
  add_line("Spearman", "similarity", "spearman");
  add_line("accuracy", "analogy", "accuracy");
  write_scatter_plot(points, flags.plot,
                     {.title = fmt::format("Quality against memory: {} at {} sizes", file_name(flags.input),
                                           flags.dims.size()),
                      .x_title = "float32 table (MB); labels: dimensions (training time)",
                      .y_title = "score",
                      .group_names = groups,
                      .connect_groups = true});
  if (!flags.quiet && !flags.json) fmt::print(stderr, "wrote {}\n", printable(flags.plot));
}

}  // namespace

void add_sweep_dim_command(CLI::App& app) {
  auto flags = std::make_shared<SweepFlags>();
  CLI::App* cmd = app.add_subcommand("sweep-dim", "Train at several vector sizes and plot quality against memory");
  cmd->add_option("-i,--input", flags->input, "Training text, one sentence or paragraph per line")->required();
  cmd->add_option("--dims", flags->dims, "Vector sizes to train, comma-separated")
      ->delimiter(',')
      ->check(whole_number(1, 10000))
      ->capture_default_str();
  cmd->add_option("--similarity", flags->similarity, "Word-pair file to score each size on (repeatable)");
  cmd->add_option("--analogy", flags->analogy, "Analogy file to score each size on (repeatable)");
  cmd->add_option("--restrict", flags->restrict, "Evaluation: only the N most frequent words are known")
      ->check(whole_number(0, kMaxRows))
      ->capture_default_str();
  cmd->add_option("--plot", flags->plot, "Write the plot here (.png or .svg)");
  cmd->add_option("--keep", flags->keep, "Save each size's vectors in this directory (dimN.ekv)");
  add_word_training_flags(*cmd, flags->training);
  cmd->add_flag("--json", flags->json, "One JSON line per size on stdout");
  cmd->add_flag("-q,--quiet", flags->quiet, "Print nothing but errors");
  cmd->add_flag("--progress", flags->progress, "Draw progress even when stderr is not a terminal");
  cmd->footer(
      "Examples:\n"
      "  embedkit sweep-dim -i corpus.txt --dims 25,50,100,200,300 --similarity ws353.tsv \\\n"
      "      --analogy questions-words.txt --plot sweep.png --maxn 0\n"
      "  embedkit sweep-dim -i corpus.txt --dims 50,100 --analogy questions-words.txt --json --epochs 3\n"
      "\n"
      "Each size is trained with the same flags (as `embedkit train`; same seed) and scored as\n"
      "`embedkit eval` scores (--restrict most frequent words known). Memory is the float32 table:\n"
      "rows (words, and subword buckets when on) x dim x 4 bytes. The plot draws one line per\n"
      "measure; each point is labelled with its size and training time.\n");
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
