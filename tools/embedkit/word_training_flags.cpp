#include "word_training_flags.h"

#include <fmt/format.h>

#include "embedkit/core/parallel.h"
#include "option_choices.h"
#include "option_ranges.h"
#include "text_flags.h"

namespace embedkit::cli {

void WordTrainingFlags::resolve() {
  options.subwords = maxn > 0 && bucket > 0;
  options.subword = {minn, maxn, bucket};
}

void add_word_training_flags(CLI::App& cmd, WordTrainingFlags& flags) {
  WordVectorOptions& o = flags.options;
  choices<WordModel>(cmd.add_option("--model", o.model, "skipgram (sg) or cbow"),
                     {{"skipgram", WordModel::skipgram}, {"sg", WordModel::skipgram}, {"cbow", WordModel::cbow}})
      ->default_str("skipgram");
  choices<WordLoss>(cmd.add_option("--loss", o.loss, "ns (negative sampling) or hs (hierarchical softmax)"),
                    {{"ns", WordLoss::negative_sampling}, {"hs", WordLoss::hierarchical_softmax}})
      ->default_str("ns");
  cmd.add_option("--window", o.window, "Largest context window (each word draws 1..window)")
      ->check(whole_number(1, 1000))
      ->capture_default_str();
  cmd.add_option("--neg", o.negatives, "Negative samples per prediction")
      ->check(whole_number(1, 1000))
      ->capture_default_str();
  cmd.add_option("--neg-power", o.negative_power,
                  "Draw negatives with probability ~ count^POWER (word2vec 0.75, fastText 0.5)")
      ->check(real_number(0, 1, Ends::closed, "0 (all words alike)", "1 (in proportion to counts)"))
      ->capture_default_str();
  cmd.add_option("--epochs", o.epochs, "Passes over the text")->check(whole_number(1, 100000))->capture_default_str();
  cmd.add_option("--min-count", o.min_count, "Ignore words seen fewer times")
      ->check(whole_number(1, kMaxCount))
      ->capture_default_str();
  cmd.add_option("--sample", o.sample, "Subsampling threshold for frequent words (0 = off)")
      ->check(real_number(0, 1))
      ->capture_default_str();
  cmd.add_option("--lr", o.learning_rate, "Learning rate at the start (decays linearly to 0)")
      ->check(real_number(0, 10, Ends::open_low))
      ->capture_default_str();
  cmd.add_option("--minn", flags.minn, "Shortest character n-gram")->check(whole_number(1, 64))->capture_default_str();
  cmd.add_option("--maxn", flags.maxn, "Longest character n-gram (0 = no subwords)")
      ->check(whole_number(0, 64))
      ->capture_default_str();
  cmd.add_option("--bucket", flags.bucket, "Hash buckets for n-grams (0 = no subwords)")
      ->check(whole_number(0, 100000000))
      ->capture_default_str();
  cmd.add_option("--threads", o.threads, fmt::format("Worker threads (0 = all cores; at most {})", kMaxThreads))
      ->check(whole_number(0, kMaxThreads))
      ->capture_default_str();
  cmd.add_option("--seed", o.seed, "Seed of every random choice (one thread: bit-reproducible)")
      ->check(whole_number(0, UINT64_MAX))
      ->capture_default_str();
  add_text_flags(cmd, o.tokenizer);
}

}  // namespace embedkit::cli
