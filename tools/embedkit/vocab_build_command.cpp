// embedkit vocab build: count a corpus into a `word<TAB>count` vocabulary.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "embedkit/vocab/vocab_builder.h"
#include "human_format.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "progress_bar.h"
#include "text_flags.h"

namespace embedkit::cli {
namespace {

struct VocabBuildFlags {
  std::string input;
  std::string output;
  TokenizerOptions tokenizer;
  VocabBuildOptions vocab{.min_count = 5};
  std::size_t max_size = 0;  // 0 = unlimited
  bool no_pad = false;
  bool no_unk = false;
  std::size_t top = 10;
  bool json = false;
  bool quiet = false;
  bool progress = false;
};

void print_summary(const VocabBuildFlags& flags, const VocabBuildResult& result, double seconds) {
  const VocabBuildReport& r = result.report;
  const Vocabulary& vocab = result.vocabulary;
  // With the vocabulary itself on standard output, the summary goes to stderr.
  std::FILE* const stream = flags.output == "-" ? stderr : stdout;
  const double coverage = r.tokens ? static_cast<double>(r.covered_tokens) / static_cast<double>(r.tokens) : 0.0;
  if (flags.json) {
    nlohmann::json top = nlohmann::json::array();
    for (std::size_t id = 0, shown = 0; id < vocab.size() && shown < flags.top; ++id) {
      if (vocab.is_special(static_cast<TokenId>(id))) continue;
      top.push_back({{"word", vocab.word(static_cast<TokenId>(id))}, {"count", vocab.count(static_cast<TokenId>(id))}});
      ++shown;
    }
    const nlohmann::json out{
        {"input", flags.input},       {"output", flags.output},
        {"bytes", r.bytes},           {"seconds", seconds},
        {"lines", r.lines},           {"tokens", r.tokens},
        {"distinct", r.distinct},     {"min_count", flags.vocab.min_count},
        {"kept_words", r.kept_words}, {"entries", vocab.size()},
        {"coverage", coverage},       {"prune_events", r.prune_events},
        {"max_count_error", r.max_count_error}, {"top", top}};
    fmt::print(stream, "{}\n", out.dump(2));
    return;
  }
  if (flags.quiet) return;
  fmt::print(stream, "read {} in {:.2f} s ({}/s): {} tokens on {} lines, {} distinct\n",
             human_bytes(static_cast<double>(r.bytes)), seconds,
             human_bytes(seconds > 0 ? static_cast<double>(r.bytes) / seconds : 0.0),
             group_digits(r.tokens), group_digits(r.lines), group_digits(r.distinct));
  fmt::print(stream, "kept {} words with count >= {}{}: they cover {:.2f}% of tokens, the rest map to {}\n",
             group_digits(r.kept_words), flags.vocab.min_count,
             flags.max_size ? fmt::format(" (capped at {})", group_digits(flags.max_size)) : std::string(),
             100.0 * coverage, kUnkToken);
  if (r.prune_events > 0) {
    fmt::print(stream, "note: the count table was pruned {} times to stay under {} entries; counts may be "
               "low by up to {} (raise --max-entries for exact counts)\n",
               r.prune_events, group_digits(flags.vocab.max_entries), r.max_count_error);
  }
  std::string top;
  for (std::size_t id = 0, shown = 0; id < vocab.size() && shown < flags.top; ++id) {
    if (vocab.is_special(static_cast<TokenId>(id))) continue;
    top += fmt::format("{}{} ({})", shown ? ", " : "", printable(vocab.word(static_cast<TokenId>(id))),
                       group_digits(vocab.count(static_cast<TokenId>(id))));
    ++shown;
  }
  if (!top.empty()) fmt::print(stream, "top words: {}\n", top);
  fmt::print(stream, "wrote {} ({} entries)\n", output_name(flags.output), group_digits(vocab.size()));
}

void run(VocabBuildFlags& flags) {
  if (flags.output != "-") {
    refuse_same_file(flags.output, "--output", flags.input, "--input");
    check_writable(flags.output, "--output");
  }
  if (flags.max_size > 0) flags.vocab.max_size = flags.max_size;
  flags.vocab.add_pad = !flags.no_pad;
  flags.vocab.add_unk = !flags.no_unk;
  const Tokenizer tokenizer(flags.tokenizer);

  ProgressBar bar("counting", !flags.quiet && (flags.progress || ProgressBar::stderr_is_terminal()));
  const auto start = std::chrono::steady_clock::now();
  VocabBuildResult result = build_vocabulary(flags.input, tokenizer, flags.vocab, [&](const VocabBuildProgress& p) {
    bar.update(p.corpus.bytes_read, p.corpus.bytes_total,
               fmt::format("{} tokens, {} distinct", group_digits(p.tokens), group_digits(p.distinct)));
  });
  bar.finish();
  result.vocabulary.save(flags.output);  // "-": standard output
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_summary(flags, result, seconds);
}

}  // namespace

void add_vocab_build_command(CLI::App& vocab) {
  auto flags = std::make_shared<VocabBuildFlags>();
  CLI::App* cmd = vocab.add_subcommand("build", "Count a corpus into a vocabulary file (word<TAB>count)");
  cmd->add_option("-i,--input", flags->input, "Corpus: UTF-8 text, any size ('-' reads stdin)")->required();
  cmd->add_option("-o,--output", flags->output, "Vocabulary file to write (atomically; '-' = standard output)")
      ->required();
  cmd->add_option("--min-count", flags->vocab.min_count, "Words seen fewer times become <unk>")
      ->check(whole_number(1, kMaxCount))
      ->capture_default_str();
  cmd->add_option("--max-size", flags->max_size, "Keep at most this many words, most frequent first (0 = all)")
      ->check(whole_number(0, kMaxRows));
  cmd->add_option("--max-entries", flags->vocab.max_entries,
                  "Memory bound while counting: prune rare words beyond this many distinct entries")
      ->check(whole_number(16, std::size_t{1} << 31U))
      ->capture_default_str();
  cmd->add_flag("--bos", flags->vocab.add_bos, "Add a <bos> entry (counted once per non-empty line)");
  cmd->add_flag("--eos", flags->vocab.add_eos, "Add an <eos> entry (counted once per non-empty line)");
  cmd->add_flag("--no-pad", flags->no_pad, "Leave out <pad> (otherwise id 0)");
  cmd->add_flag("--no-unk", flags->no_unk, "Leave out <unk>");
  cmd->add_option("--top", flags->top, "How many top words the summary shows")
      ->check(whole_number(0, kMaxRows))
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Print the summary as JSON on stdout");
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress bar, no summary");
  cmd->add_flag("--progress", flags->progress, "Draw the progress bar even when stderr is not a terminal");
  add_text_flags(*cmd, flags->tokenizer);
  cmd->footer(std::string(
      "Examples:\n"
      "  embedkit vocab build --input corpus.txt --output vocab.tsv\n"
      "      words seen >= 5 times (the default, as in word2vec/fastText), ids by count\n"
      "  embedkit vocab build -i corpus.txt -o vocab.tsv --min-count 1 --lower --split words\n"
      "      every word, lowercased, punctuation split off\n"
      "  xzcat wiki.txt.xz | embedkit vocab build -i - -o vocab.tsv --max-size 50000 --eos\n"
      "      the 50,000 most frequent words from a pipe, plus an <eos> entry\n"
      "\n"
      "Output: <pad> (id 0) and <unk> (id 1) first, then words by count (ties in byte order), so\n"
      "the same corpus always gives the same ids. <unk>'s count is the number of tokens it\n"
      "replaces. Counts are exact unless the summary reports pruning (see --max-entries).\n\n") +
      kTextFlagsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
