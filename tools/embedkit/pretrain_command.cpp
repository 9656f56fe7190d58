// embedkit pretrain: a Transformer encoder pretrained on raw text with masked-language modelling,
// written as an encoder file (its token table, encoder and head) for `encode` and for
// `classify train --encoder transformer --pretrained`.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "commands.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/train/masked_lm.h"
#include "human_format.h"
#include "option_choices.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "progress_bar.h"

namespace embedkit::cli {
namespace {

struct PretrainFlags {
  std::string input, output;
  PretrainOptions options;
  bool quiet = false, progress = false, json = false;
};

std::string tokens_rate(double per_second) {
  return per_second >= 1e6 ? fmt::format("{:.2f}M", per_second / 1e6) : fmt::format("{:.1f}k", per_second / 1e3);
}

void run(PretrainFlags& flags) {
  (void)file_output(flags.output, "--output", "the encoder");
  refuse_same_file(flags.output, "--output", flags.input, "--input");
  refuse_same_file(flags.output, "--output", flags.options.pretrained, "--pretrained");
  refuse_same_file(flags.output, "--output", flags.options.resume, "--resume");
  check_writable(flags.output, "--output");
  if (!flags.options.checkpoint.empty()) {
    refuse_same_file(flags.options.checkpoint, "--checkpoint", flags.input, "--input");
    refuse_same_file(flags.options.checkpoint, "--checkpoint", flags.options.pretrained, "--pretrained");
    refuse_same_file(flags.options.checkpoint, "--checkpoint", flags.output, "--output");
    check_writable(flags.options.checkpoint, "--checkpoint");
    refuse_foreign_checkpoint(flags.options.checkpoint, "--checkpoint", "embedkit.pretraining");
  }
  const auto start = std::chrono::steady_clock::now();
  ProgressBar bar("pretraining", !flags.quiet && !flags.json && (flags.progress || ProgressBar::stderr_is_terminal()),
                  ProgressBar::Units::work);
  PretrainCallbacks callbacks;
  callbacks.on_stage = [&](const std::string& what) {
    if (flags.json) {
      fmt::print(stderr, "{}\n", nlohmann::json{{"event", "stage"}, {"stage", what}}.dump());
    } else if (!flags.quiet) {
      fmt::print(stderr, "{}\n", printable(what));
    }
  };
  callbacks.on_progress = [&](const PretrainProgress& p) {
    if (flags.json) {
      fmt::print(stderr, "{}\n",
                 progress_json({p.progress, p.epoch + 1, "tokens_per_second", p.tokens_per_second, p.learning_rate,
                                p.loss, p.seconds, p.eta_seconds}));
      return;
    }
    bar.update(static_cast<std::uint64_t>(p.progress * 1e6), 1000000,
               fmt::format("epoch {}/{}  {} tokens/s  lr {:.5f}  loss {:.4f}", p.epoch + 1, p.epochs,
                           tokens_rate(p.tokens_per_second), p.learning_rate, p.loss));
  };
  const ContextualEncoder model = pretrain_encoder(flags.input, flags.options, callbacks);
  bar.finish();
  model.save(flags.output);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const nn::TransformerEncoderOptions& e = model.encoder().options();
  if (flags.json) {
    fmt::print(stderr, "{}\n",
               nlohmann::json{{"event", "done"},        {"output", flags.output}, {"words", model.words().size()},
                              {"dim", e.dim},           {"layers", e.layers},     {"heads", e.heads},
                              {"positions", nn::position_kind_name(e.positions)}, {"max_length", e.max_positions},
                              {"seconds", seconds}}
                   .dump());
  } else if (!flags.quiet) {
    fmt::print(stderr, "wrote {}: {} words x {}, {} layers of {} heads, {} positions, windows of {}, in {:.1f} s\n",
               printable(flags.output), group_digits(model.words().size()), e.dim, e.layers, e.heads,
               nn::position_kind_name(e.positions), e.max_positions, seconds);
  }
}

}  // namespace

void add_pretrain_command(CLI::App& app) {
  auto flags = std::make_shared<PretrainFlags>();
  PretrainOptions& o = flags->options;
  CLI::App* cmd = app.add_subcommand("pretrain", "Pretrain a Transformer encoder on text (masked-language modelling)");
  cmd->add_option("-i,--input", flags->input, "Text corpus (whitespace tokens, one sentence or document a line)")
      ->required();
  cmd->add_option("-o,--output", flags->output, "Where to write the encoder (native .ekv)")->required();
  cmd->add_option("--dim", o.dim, "Width (default: the --pretrained vectors', else 128)")->check(whole_number(2, 65536));
  cmd->add_option("--layers", o.layers, "Encoder layers")->check(whole_number(1, 64))->capture_default_str();
  cmd->add_option("--heads", o.heads, "Attention heads (0: 4, or what fits --dim)")
      ->check(whole_number(0, 1024))
      ->capture_default_str();
  cmd->add_option("--feedforward", o.feedforward, "Feed-forward width (0 = 4 x dim)")
      ->check(whole_number(0, 1048576))
      ->capture_default_str();
  choices<nn::PositionKind>(cmd->add_option("--positions", o.positions, "rope, sinusoidal, learned or none"),
                            {{"rope", nn::PositionKind::rotary},
                             {"sinusoidal", nn::PositionKind::sinusoidal},
                             {"learned", nn::PositionKind::learned},
                             {"none", nn::PositionKind::none}})
      ->default_str("rope");
  cmd->add_option("--max-length", o.max_length, "Tokens a window holds (longer lines are cut)")
      ->check(whole_number(2, 65536))
      ->capture_default_str();
  cmd->add_option("--dropout", o.dropout, "Dropout where PyTorch's encoder has it")
      ->check(real_number(0, 1, Ends::open_high))
      ->capture_default_str();
  cmd->add_option("--min-count", o.min_count, "Leave out words seen fewer times")
      ->check(whole_number(1, kMaxCount))
      ->capture_default_str();
  cmd->add_option("--mask", o.mask_probability, "Fraction of tokens to predict (80% masked, 10% random, 10% kept)")
      ->check(real_number(0, 0.99, Ends::open_low))
      ->capture_default_str();
  cmd->add_option("--negatives", o.negatives, "Sampled words each masked token is told apart from")
      ->check(whole_number(1, 100000))
      ->capture_default_str();
  cmd->add_option("--epochs", o.epochs, "Passes over the corpus")->check(whole_number(1, 100000))->capture_default_str();
  cmd->add_option("--lr", o.learning_rate, "Peak learning rate (warm-up, then linear decay)")
      ->check(real_number(0, 10, Ends::open_low))
      ->capture_default_str();
  cmd->add_option("--batch-size", o.batch_size, "Windows per step")->check(whole_number(1, 1000000))->capture_default_str();
  cmd->add_option("--warmup", o.warmup, "Fraction of the steps the rate rises over")
      ->check(real_number(0, 1))
      ->capture_default_str();
  cmd->add_option("--clip", o.clip, "Clip the gradients' global norm to this (0 = never)")
      ->check(real_number(0, 1e6))
      ->capture_default_str();
  cmd->add_option("--weight-decay", o.weight_decay, "AdamW's weight decay (on the matrices)")
      ->check(real_number(0, 1))
      ->capture_default_str();
  cmd->add_option("--max-vocab", o.max_vocab, "Keep at most this many words (the most frequent)")
      ->check(whole_number(1, 100000000));
  cmd->add_option("--pretrained", o.pretrained, "Start the token rows from these word vectors (any format)");
  cmd->add_option("--checkpoint", o.checkpoint, "Write the model here at the end of every epoch");
  cmd->add_option("--resume", o.resume,
                  "Continue the run a --checkpoint file recorded, on the same corpus (its settings apply)");
  cmd->add_option("--threads", o.threads, "Threads (0 = all cores)")->check(whole_number(0, 256))->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of every random choice (one thread: reproducible)")
      ->check(whole_number(0, UINT64_MAX))
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress, no summary");
  cmd->add_flag("--progress", flags->progress, "Draw progress even when stderr is not a terminal");
  cmd->add_flag("--json", flags->json, "Progress and summary as JSON lines on stderr");
  cmd->footer(
      "Examples:\n"
      "  embedkit pretrain -i corpus.txt -o encoder.ekv --dim 128 --layers 2 --epochs 1\n"
      "  embedkit pretrain -i corpus.txt -o encoder.ekv --pretrained sg100.ekv --checkpoint ckpt.ekv\n"
      "  embedkit pretrain -i corpus.txt -o encoder.ekv --resume ckpt.ekv\n"
      "  embedkit encode encoder.ekv \"he sat on the bank of the river\"\n"
      "  embedkit classify train -i train.tsv -o model.ekv --encoder transformer --pretrained encoder.ekv\n"
      "\n"
      "BERT's masked-language modelling: 15% of the tokens of each window are chosen; 80% of them\n"
      "become <mask>, 10% a random word, 10% stay; the encoder's output there must name the word,\n"
      "against --negatives words sampled as word2vec samples them (a sampled softmax: a step costs\n"
      "the same with any vocabulary). The encoder file's table holds the static token vectors\n"
      "(info, neighbors and eval read them); `encode` gives each token's vector in its sentence.\n"
      "A resumed run continues at the epoch after its checkpoint; the optimizers' moments restart.\n");
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
