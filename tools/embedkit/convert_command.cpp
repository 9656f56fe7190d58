// embedkit convert: read vectors in one format, write them in another.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/io/vector_io.h"
#include "human_format.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct ConvertFlags {
  std::string input;
  std::string output;
  std::string to = "detect";
  std::size_t limit = 0;
  std::string output_vocabulary;
  VectorFlags vectors;
  bool quiet = false;
};

void run(const ConvertFlags& flags) {
  // (The output may be the input: it is read whole before a temporary file replaces it.)
  const VectorFormat to = parse_vector_format(flags.to);
  if (flags.output == "-") {
    EMBEDKIT_CHECK(to != VectorFormat::detect, ArgumentError,
                   "output - (standard output) has no extension to tell the format by: pass --to");
    EMBEDKIT_CHECK(to != VectorFormat::npy || !flags.output_vocabulary.empty(), ArgumentError,
                   "npy to standard output: pass --output-vocab FILE for the words");
  } else {
    check_writable(flags.output, "output");
    (void)output_format(flags.output, to);  // an unknown extension fails before the input is read
  }
  (void)file_output(flags.output_vocabulary, "--output-vocab", "the words of an npy file");
  if (!flags.output_vocabulary.empty()) check_writable(flags.output_vocabulary, "--output-vocab");
  const auto start = std::chrono::steady_clock::now();
  LoadOptions load = flags.vectors.options();
  WordVectors wv = load_vectors(flags.input, load);
  const double read_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  wv.metadata["converted_from"] = flags.input;
  const SaveOptions save{.format = to, .limit = flags.limit, .vocabulary_path = flags.output_vocabulary};
  save_vectors(wv, flags.output, save);  // "-": standard output
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (flags.quiet) return;
  const std::size_t words = flags.limit > 0 ? std::min(flags.limit, wv.size()) : wv.size();
  const std::string buckets = written_buckets(wv, output_format(flags.output, to));
  fmt::print(stderr, "wrote {}: {} words x {}{} (read {:.2f} s, total {:.2f} s)\n", output_name(flags.output),
             group_digits(words), wv.dim(), buckets, read_seconds, total);
}

}  // namespace

void add_convert_command(CLI::App& app) {
  auto flags = std::make_shared<ConvertFlags>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert vectors between formats (atomically: no half-written files)");
  cmd->add_option("input", flags->input, "Vector file to read (or a Hugging Face model folder)")->required();
  cmd->add_option("output", flags->output, "File to write ('-' = standard output, with --to)")->required();
  cmd->add_option("--to", flags->to,
                  "Output format: word2vec|word2vec-bin|glove|fasttext|npy|safetensors|native (default: from the "
                  "output's extension: .ekv, .vec/.txt, .npy, .safetensors)");
  cmd->add_option("--limit", flags->limit, "Write only the first N words (files list frequent words first; 0 = all)")
      ->check(whole_number(0, kMaxRows));
  cmd->add_option("--output-vocab", flags->output_vocabulary,
                  "Where npy output writes its words (default: the output's name with .vocab)");
  cmd->add_flag("-q,--quiet", flags->quiet, "Print nothing on success");
  add_vector_flags(*cmd, flags->vectors);
  cmd->footer(std::string("Examples:\n"
                          "  embedkit convert glove.6B.300d.txt glove.ekv            # native: opens in milliseconds\n"
                          "  embedkit convert cc.en.300.bin cc.vec --to word2vec --limit 200000\n"
                          "  embedkit convert vectors.vec vectors.npy                # + vectors.vocab\n"
                          "  embedkit convert cc.ekv - --to word2vec | gzip > cc.vec.gz\n"
                          "  embedkit convert bert-base-uncased/ bert.ekv            # token embeddings + tokenizer\n"
                          "\n"
                          "fastText .bin, safetensors and native keep subword buckets; the other formats get each\n"
                          "word's composed vector (as fastText's .vec). Text output uses the shortest decimal that\n"
                          "reads back as the same float, so conversions lose nothing.\n\n") +
              kVectorFormatsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
