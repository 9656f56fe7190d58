// embedkit compress: a smaller table (float16, int8, int4, product quantization, PCA reduction)
// stored in a native file, with a report of what it cost in quality.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/eval/analogy_evaluation.h"
#include "embedkit/eval/table_agreement.h"
#include "embedkit/eval/word_similarity.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/table/compressed_table.h"
#include "embedkit/viz/pca_reduction.h"
#include "human_format.h"
#include "option_choices.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct CompressFlags {
  std::string input;
  std::string output;
  std::string codec = "pq";
  std::size_t subvectors = 0;
  std::size_t bits = 8;
  bool norms = false;
  std::size_t dim = 0;
  std::size_t iterations = 25;
  std::size_t training_rows = 65536;
  std::uint64_t seed = 1;
  std::size_t threads = 0;
  std::vector<std::string> similarity;
  std::vector<std::string> analogy;
  std::size_t restrict = 300000;
  std::size_t neighbor_rows = 30000;
  bool json = false;
  bool quiet = false;
  VectorFlags vectors;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Figures {
  std::vector<WordSimilarityResult> similarity;
  std::vector<AnalogyResult> analogy;
};

Figures evaluate(const WordVectors& wv, const std::vector<std::vector<WordPair>>& pairs,
                 const std::vector<std::vector<AnalogySection>>& analogies, std::size_t restrict) {
  Figures f;
  for (const auto& set : pairs) f.similarity.push_back(evaluate_word_similarity(wv, set, {.restrict = restrict}));
  for (const auto& set : analogies) f.analogy.push_back(evaluate_analogies(wv, set, {.restrict = restrict}));
  return f;
}


void run(const CompressFlags& flags) {
  const auto start = std::chrono::steady_clock::now();
  const bool plain = flags.codec == "f32";
  const Codec codec = plain ? Codec::f16 : parse_codec(flags.codec);  // (unused when plain)
  EMBEDKIT_CHECK(plain || output_format(flags.output, VectorFormat::detect) == VectorFormat::native, ArgumentError,
                 fmt::format("{}: compressed tables are stored in embedkit's native format: name the output .ekv "
                             "(--codec f32 writes any format)",
                             printable(flags.output)));
  EMBEDKIT_CHECK(!plain || flags.dim > 0, ArgumentError, "--codec f32 keeps float rows: give --dim K to reduce them");
  check_writable(flags.output, "output");
  refuse_same_file(flags.output, "output", flags.input, "input");
  // Every evaluation file is read before the work, so a bad one fails at once.
  std::vector<std::vector<WordPair>> pair_sets;
  for (const std::string& f : flags.similarity) pair_sets.push_back(read_word_pairs(f));
  std::vector<std::vector<AnalogySection>> analogy_sets;
  for (const std::string& f : flags.analogy) analogy_sets.push_back(read_analogies(f));

  const WordVectors original = load_vectors(flags.input, flags.vectors.options());
  auto say = [&](const std::string& line) {
    if (!flags.quiet && !flags.json) fmt::print(stderr, "{}\n", line);
  };
  const std::size_t rows = original.table().rows();
  say(fmt::format("read {}: {} words x {}, {} rows ({:.1f} s)", printable(flags.input), group_digits(original.size()),
                  original.dim(), group_digits(rows), seconds_since(start)));

  // PCA first (codes then describe the reduced rows).
  const WordVectors* source = &original;
  std::optional<WordVectors> reduced;
  std::optional<PcaReduction> pca;
  if (flags.dim > 0) {
    EMBEDKIT_CHECK(flags.dim <= original.dim(), ArgumentError,
                   fmt::format("--dim {}: the vectors have {} dimensions; choose as many or fewer", flags.dim,
                               original.dim()));
    pca = fit_pca_reduction(original.table().view(), original.size(), flags.dim);
    reduced = original.with_table(pca->project(original.table().view()));
    reduced->metadata["pca_from_dim"] = std::to_string(original.dim());
    source = &*reduced;
    double kept = 0;
    for (const double r : pca->explained_variance_ratio) kept += r;
    say(fmt::format("reduced to {} dimensions by PCA: {:.1f}% of the variance kept", flags.dim, 100 * kept));
  }
  std::optional<CompressedTable> compressed;
  if (!plain) {
    const auto encode_start = std::chrono::steady_clock::now();
    if (codec == Codec::pq) say("training the product quantizer's codebooks (k-means per sub-space)...");
    compressed = CompressedTable::encode(source->table().view(),
                                         {.codec = codec,
                                          .pq_subvectors = flags.subvectors,
                                          .bits = flags.bits,
                                          .separate_norms = flags.norms,
                                          .iterations = flags.iterations,
                                          .training_rows = flags.training_rows,
                                          .seed = flags.seed,
                                          .threads = flags.threads});
    say(fmt::format("encoded as {} ({:.1f} s)", compressed->description(), seconds_since(encode_start)));
  }
  save_vectors(*source, flags.output,
               {.format = output_format(flags.output, VectorFormat::detect),
                .compressed = compressed ? &*compressed : nullptr});
  const double compress_seconds = seconds_since(start);

  // The report: what the file holds, read back as any command will read it.
  const WordVectors after = load_vectors(flags.output);
  // An input that is itself compressed is compared by what it held.
  const std::uint64_t bytes_before = original.compressed ? original.compressed->bytes()
                                                         : static_cast<std::uint64_t>(rows) * original.dim() * 4;
  const std::uint64_t bytes_after =
      compressed ? compressed->bytes() : static_cast<std::uint64_t>(rows) * after.dim() * 4;
  const double ratio = static_cast<double>(bytes_before) / static_cast<double>(std::max<std::uint64_t>(1, bytes_after));
  const std::size_t compared = std::min(flags.neighbor_rows, original.size());
  std::optional<TableAgreement> agreement;
  if (compared > 10) agreement = table_agreement(original.table().view(), after.table().view(), compared);
  const Figures before_figures = evaluate(original, pair_sets, analogy_sets, flags.restrict);
  const Figures after_figures = evaluate(after, pair_sets, analogy_sets, flags.restrict);

  nlohmann::json out{{"input", flags.input},
                     {"output", flags.output},
                     {"codec", flags.codec},
                     {"description", compressed ? compressed->description() : std::string("float32")},
                     {"rows", rows},
                     {"dim_before", original.dim()},
                     {"dim_after", after.dim()},
                     {"table_bytes_before", bytes_before},
                     {"table_bytes_after", bytes_after},
                     {"ratio", ratio},
                     {"file_bytes_before", file_bytes(flags.input)},
                     {"file_bytes_after", file_bytes(flags.output)},
                     {"seconds", compress_seconds}};
  if (pca) {
    double kept = 0;
    for (const double r : pca->explained_variance_ratio) kept += r;
    out["pca_variance_kept"] = kept;
  }
  if (agreement) {
    out["neighbors"] = {{"rows", compared},
                        {"queries", agreement->queries},
                        {"k", agreement->k},
                        {"recall", agreement->recall_at_k}};
    if (!std::isnan(agreement->mean_row_cosine)) out["mean_row_cosine"] = agreement->mean_row_cosine;
  }
  out["similarity"] = nlohmann::json::array();
  for (std::size_t i = 0; i < pair_sets.size(); ++i) {
    const double b = before_figures.similarity[i].spearman, a = after_figures.similarity[i].spearman;
    out["similarity"].push_back({{"file", flags.similarity[i]}, {"scored", after_figures.similarity[i].scored},
                                 {"spearman_before", b}, {"spearman_after", a}, {"change", a - b}});
  }
  out["analogy"] = nlohmann::json::array();
  for (std::size_t i = 0; i < analogy_sets.size(); ++i) {
    const double b = before_figures.analogy[i].total.accuracy(), a = after_figures.analogy[i].total.accuracy();
    out["analogy"].push_back({{"file", flags.analogy[i]}, {"attempted", after_figures.analogy[i].total.attempted},
                              {"accuracy_before", b}, {"accuracy_after", a}, {"change", a - b}});
  }
  if (flags.json) {
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  if (flags.quiet) return;
  fmt::print("wrote {}: {} rows x {}, {}\n", printable(flags.output), group_digits(rows), after.dim(),
             out["description"].get<std::string>());
  fmt::print("  table  {} -> {}  ({:.1f}x smaller)\n", human_bytes(static_cast<double>(bytes_before)),
             human_bytes(static_cast<double>(bytes_after)), ratio);
  fmt::print("  file   {} -> {}\n", human_bytes(static_cast<double>(file_bytes(flags.input))),
             human_bytes(static_cast<double>(file_bytes(flags.output))));
  if (agreement) {
    fmt::print("  neighbours kept: {:.1f}% of each word's 10 nearest (recall@10, {} words among the {} most "
               "frequent)\n",
               100 * agreement->recall_at_k, agreement->queries, group_digits(compared));
    if (!std::isnan(agreement->mean_row_cosine)) {
      fmt::print("  rows: mean cosine to the original {:.4f}\n", agreement->mean_row_cosine);
    }
  }
  for (const auto& s : out["similarity"]) {
    fmt::print("  similarity {:<24} Spearman {:.4f} -> {:.4f} ({:+.4f})\n",
               printable(std::filesystem::path(s["file"].get<std::string>()).filename().string()),
               s["spearman_before"].get<double>(), s["spearman_after"].get<double>(), s["change"].get<double>());
  }
  for (const auto& s : out["analogy"]) {
    fmt::print("  analogies  {:<24} accuracy {:.2f}% -> {:.2f}% ({:+.2f} points)\n",
               printable(std::filesystem::path(s["file"].get<std::string>()).filename().string()),
               100 * s["accuracy_before"].get<double>(), 100 * s["accuracy_after"].get<double>(),
               100 * s["change"].get<double>());
  }
}

}  // namespace

void add_compress_command(CLI::App& app) {
  auto flags = std::make_shared<CompressFlags>();
  CLI::App* cmd = app.add_subcommand("compress", "Store a vector table in fewer bytes and report the quality it costs");
  cmd->add_option("input", flags->input, "Vector file in any supported format")->required();
  cmd->add_option("output", flags->output, "Native file (.ekv) to write; with --codec f32, any format")->required();
  choices(cmd->add_option("--codec", flags->codec,
                          "f16 (2x smaller), int8 (4x), int4 (8x), pq (product quantization: 16x and more), or f32 "
                          "(floats: only --dim's reduction)"),
          {"f16", "int8", "int4", "pq", "f32"})
      ->capture_default_str();
  cmd->add_option("--pq-m", flags->subvectors,
                  "pq: sub-vectors per row, each one code (must divide the dimensions; 0 = dim/4)")
      ->check(whole_number(0, 1U << 20U))
      ->capture_default_str();
  choices(cmd->add_option("--bits", flags->bits, "pq: bits per code, 8 (256 centroids) or 4 (16)"), {"4", "8"})
      ->capture_default_str();
  cmd->add_flag("--norms", flags->norms,
                "pq: quantize directions and keep each row's length apart (1 byte a row, 256 levels; fastText's -qnorm)");
  cmd->add_option("--dim", flags->dim, "Reduce to K dimensions by PCA first (fitted on the words' rows)")
      ->check(whole_number(0, 1U << 20U));
  cmd->add_option("--iterations", flags->iterations, "pq: k-means iterations per codebook")
      ->check(whole_number(1, 1000))
      ->capture_default_str();
  cmd->add_option("--training-rows", flags->training_rows, "pq: rows sampled to train the codebooks (0 = all)")
      ->check(whole_number(0, kMaxRows))
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "pq: seed of the sampling and k-means")->capture_default_str();
  cmd->add_option("--threads", flags->threads, "Threads (0 = all cores)")->check(whole_number(0, 1024));
  cmd->add_option("--similarity", flags->similarity, "Word-pair file to score before and after (repeatable)");
  cmd->add_option("--analogy", flags->analogy, "Analogy file to score before and after (repeatable)");
  cmd->add_option("--restrict", flags->restrict, "Evaluation: only the N most frequent words are known (as eval)")
      ->check(whole_number(0, kMaxRows))
      ->capture_default_str();
  cmd->add_option("--neighbor-rows", flags->neighbor_rows,
                  "Neighbour recall@10 among the N most frequent words (0 = skip)")
      ->check(whole_number(0, kMaxRows))
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Print the report as one JSON object");
  cmd->add_flag("-q,--quiet", flags->quiet, "Print nothing on success");
  add_vector_flags(*cmd, flags->vectors);
  cmd->footer(std::string(
                  "Examples:\n"
                  "  embedkit compress vectors.ekv small.ekv --codec pq --similarity ws353.tsv --analogy "
                  "questions-words.txt\n"
                  "  embedkit compress cc.en.300.bin cc-int8.ekv --codec int8         # 4x, nearly lossless\n"
                  "  embedkit compress vectors.vec v100.vec --codec f32 --dim 100    # PCA only, any format\n"
                  "  embedkit compress vectors.ekv tiny.ekv --dim 100 --codec pq --pq-m 25 --norms --json\n"
                  "\n"
                  "Every command reads the output as it reads any vector file (the rows are decoded on\n"
                  "opening). The report compares the output with the input: table bytes, the share of each\n"
                  "word's 10 nearest neighbours kept, each row's cosine to its original, and the figures of\n"
                  "the --similarity and --analogy sets (as `embedkit eval` computes them). pq learns one\n"
                  "codebook per sub-space by k-means on a seeded sample; the same seed gives the same file\n"
                  "for any thread count.\n\n") +
              kVectorFormatsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
