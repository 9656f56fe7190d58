// embedkit train: word vectors from raw text (skip-gram / CBOW, fastText-style subwords).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/train/communicator.h"
#include "embedkit/train/word_vector_trainer.h"
#include "human_format.h"
#include "option_choices.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "progress_bar.h"
#include "text_flags.h"
#include "word_training_flags.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct TrainFlags {
  std::string input;
  std::string output;
  std::string save_format = "detect";
  WordTrainingFlags training;
  WordVectorOptions& options = training.options;
  bool quiet = false;
  bool progress = false;
  bool json = false;
  std::string resume;
  std::string continue_from;
};

std::string rate(double words_per_second) {
  return words_per_second >= 1e6 ? fmt::format("{:.2f}M", words_per_second / 1e6)
                                  : fmt::format("{:.0f}k", words_per_second / 1e3);
}

void run_one(TrainFlags& flags, bool writes);

void run(TrainFlags& flags) {
  // Under mpirun: one process of a job that trains one model (each its share of the input).
  const std::shared_ptr<Communicator> world = mpi_world();
  const bool in_job = world != nullptr && world->size() > 1;
  if (in_job) {
    try {
      flags.options.communicator = world.get();
      // --threads 0 (all cores): this process's part of the machine's cores (resuming: the
      // checkpoint's threads, which the library takes from it).
      if (flags.options.threads == 0 && flags.resume.empty()) {
        flags.options.threads = std::max<std::size_t>(1, static_cast<std::size_t>(num_threads()) / world->size_here());
      }
      if (world->rank() != 0) {  // process 0 speaks for the job
        flags.quiet = true;
        flags.json = flags.progress = false;
      }
      run_one(flags, world->rank() == 0);
    } catch (const std::exception& e) {
      world->abort(e.what());  // the others would wait for this process forever
    }
    return;
  }
  run_one(flags, true);
}

void run_one(TrainFlags& flags, bool writes) {
  flags.training.resolve();
  WordVectorOptions& o = flags.options;
  ProgressBar bar("training", !flags.quiet && !flags.json && (flags.progress || ProgressBar::stderr_is_terminal()),
                  ProgressBar::Units::work);
  TrainingCallbacks callbacks;
  callbacks.on_corpus = [&](const CorpusSummary& s) {
    if (flags.json) {
      fmt::print(stderr, "{}\n", nlohmann::json{{"event", "corpus"}, {"tokens", s.tokens},
                                                {"kept_tokens", s.kept_tokens}, {"words", s.words}}.dump());
    } else if (!flags.quiet) {
      fmt::print(stderr, "corpus: {} tokens, {} words with count >= {} ({} tokens of them)\n", group_digits(s.tokens),
                 group_digits(s.words), o.min_count, group_digits(s.kept_tokens));
    }
  };
  callbacks.on_progress = [&](const TrainingProgress& p) {
    if (flags.json) {
      fmt::print(stderr, "{}\n",
                 nlohmann::json{{"event", p.finished ? "done" : "progress"},
                                {"progress", p.progress},
                                {"epoch", p.epoch + 1},
                                {"words_per_second", p.words_per_second},
                                {"words_per_second_per_thread", p.thread_words_per_second},
                                {"learning_rate", p.learning_rate},
                                {"loss", p.loss},
                                {"epoch_loss", p.epoch_loss},
                                {"elapsed_seconds", p.elapsed_seconds},
                                {"eta_seconds", p.eta_seconds}}
                     .dump());
      return;
    }
    // (This process's threads: in a job, words_per_second is the whole job's.)
    double per_thread = 0;
    for (const double r : p.thread_words_per_second) per_thread += r;
    if (!p.thread_words_per_second.empty()) per_thread /= static_cast<double>(p.thread_words_per_second.size());
    bar.update(static_cast<std::uint64_t>(p.progress * 1e6), 1000000,
               fmt::format("epoch {}/{}  {} words/s ({}/thread)  lr {:.5f}  loss {:.4f}", p.epoch + 1, o.epochs,
                           rate(p.words_per_second), rate(per_thread), p.learning_rate, p.loss));
  };
  EMBEDKIT_CHECK(flags.resume.empty() || flags.continue_from.empty(), ArgumentError,
                 "--resume and --continue exclude each other");
  // Before hours of training: where the results go must be writable and must not be an input.
  (void)file_output(flags.output, "--output", "the vectors");
  (void)file_output(o.checkpoint, "--checkpoint", "a checkpoint");
  // The format follows the output's extension, as in convert; a --save-format that contradicts
  // it (native bytes in a .vec) is refused, before any work.
  const VectorFormat requested = parse_vector_format(flags.save_format);
  const VectorFormat format = output_format(flags.output, requested);
  auto is_text = [](VectorFormat f) { return f == VectorFormat::word2vec_text || f == VectorFormat::glove; };
  if (const auto named = format_named_by(flags.output); named && *named != format && !(is_text(*named) && is_text(format))) {
    throw ArgumentError(fmt::format("--output {} names the {} format but --save-format is {}; make them agree",
                                    printable(flags.output), vector_format_name(*named), vector_format_name(format)),
                        "extension agrees with --save-format");
  }
  if (o.checkpoint_every > 0 && o.checkpoint.empty()) o.checkpoint = flags.output + ".checkpoint";
  refuse_same_file(flags.output, "--output", flags.input, "--input");
  check_writable(flags.output, "--output");
  if (o.checkpoint_every > 0) {
    refuse_same_file(o.checkpoint, "--checkpoint", flags.input, "--input");
    refuse_same_file(o.checkpoint, "--checkpoint", flags.output, "--output");
    refuse_same_file(o.checkpoint, "--checkpoint", flags.continue_from, "--continue");
    check_writable(o.checkpoint, "--checkpoint");
  }
  callbacks.on_checkpoint = [&](std::size_t epochs, const std::string& path) {
    if (flags.json) {
      fmt::print(stderr, "{}\n", nlohmann::json{{"event", "checkpoint"}, {"epochs_done", epochs}, {"path", path}}.dump());
    }
  };
  WordVectors vectors = !flags.resume.empty() ? resume_word_vectors(flags.input, flags.resume, o, callbacks)
                        : !flags.continue_from.empty()
                            ? continue_training(load_vectors(flags.continue_from), flags.input, o, callbacks)
                            : train_word_vectors(flags.input, o, callbacks);
  bar.finish();
  if (!writes) return;  // process 0 of a job writes the model every process holds
  save_vectors(vectors, flags.output, {.format = format});
  if (!flags.quiet && !flags.json) {
    fmt::print(stderr, "wrote {} ({}): {} words x {}{}, in {} s of training, final epoch loss {}\n", printable(flags.output),
               vector_format_name(format), group_digits(vectors.size()), vectors.dim(),
               written_buckets(vectors, format),
               vectors.metadata.at("training.seconds"), vectors.metadata.at("training.final_loss"));
    if (const auto processes = vectors.metadata.find("training.processes"); processes != vectors.metadata.end()) {
      const auto& m = vectors.metadata;
      const double exchanges = std::stod(m.at("training.sync_exchanges"));
      fmt::print(stderr,
                 "{} processes: {} exchanges ({} of all rows, {} each; rows per tier {}), {} sent in all ({} an "
                 "exchange on average), {} s in them on this process\n",
                 processes->second, m.at("training.sync_exchanges"), m.at("training.sync_rounds"),
                 human_bytes(std::stod(m.at("training.sync_bytes_per_round"))), m.at("training.sync_tier_rows"),
                 human_bytes(std::stod(m.at("training.sync_bytes"))),
                 human_bytes(exchanges > 0 ? std::stod(m.at("training.sync_bytes")) / exchanges : 0.0),
                 vectors.metadata.at("training.sync_seconds"));
    }
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto flags = std::make_shared<TrainFlags>();
  WordVectorOptions& o = flags->options;
  CLI::App* cmd = app.add_subcommand("train", "Learn word vectors from raw text (skip-gram or CBOW, with subwords)");
  cmd->add_option("-i,--input", flags->input, "Training text, one sentence or paragraph per line")->required();
  cmd->add_option("-o,--output", flags->output, "Where to write the vectors")->required();
  cmd->add_option("--dim", o.dim, "Vector size")->check(whole_number(1, 10000))->capture_default_str();
  add_word_training_flags(*cmd, flags->training);
  cmd->add_option("--save-format", flags->save_format,
                  "native|word2vec|word2vec-bin|glove|fasttext|npy|safetensors (default: from the output's "
                  "extension: .ekv, .vec/.txt, .npy, .safetensors)");
  cmd->add_option("--checkpoint-every", o.checkpoint_every, "Write a checkpoint every N epochs (0 = never)")
      ->check(whole_number(0, 100000))
      ->capture_default_str();
  cmd->add_option("--checkpoint", o.checkpoint,
                  "Checkpoint file (default: OUTPUT.checkpoint); replaces only an earlier checkpoint");
  cmd->add_option("--resume", flags->resume, "Continue the interrupted run that wrote this checkpoint");
  cmd->add_option("--continue", flags->continue_from,
                  "Train this saved model further on --input (new words are added, counts accumulate)");
  cmd->add_option("--sync-words", o.sync_words,
                  "Under mpirun: words each process trains between exchanges of every row, at most (the end of "
                  "an epoch is one too)")
      ->check(whole_number(1, 1'000'000'000'000ULL))
      ->capture_default_str();
  cmd->add_option("--sync-hot-words", o.sync_hot_words,
                  "Under mpirun: words between exchanges of the busiest rows (the shortest interval)")
      ->check(whole_number(1, 1'000'000'000'000ULL))
      ->capture_default_str();
  cmd->add_option("--sync-staleness", o.sync_staleness,
                  "Under mpirun: a row is exchanged once all processes together have made this many to twice as "
                  "many updates to it (at most every --sync-hot-words, at least every --sync-words); with 4 "
                  "processes on enwiki, 50 matched one process's quality and 200 ruined the model")
      ->check(real_number(0, 1e9, Ends::open_low))
      ->capture_default_str();
  choices<SyncCombine>(cmd->add_option("--sync-combine", o.sync_combine,
                                       "Under mpirun: sum (each process's update counts in full) or mean (pWord2Vec's "
                                       "averaging: every step is divided by the processes; it saves bytes only with a "
                                       "larger --sync-hot-words and --sync-staleness, which it tolerates)"),
                      {{"sum", SyncCombine::sum}, {"mean", SyncCombine::mean}})
      ->default_str("sum");
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress, no summary");
  cmd->add_flag("--progress", flags->progress, "Draw progress even when stderr is not a terminal");
  cmd->add_flag("--json", flags->json, "Progress and summary as JSON lines on stderr");
  cmd->footer(std::string(
                  "Examples:\n"
                  "  embedkit train -i corpus.txt -o vectors.ekv                   # fastText's skip-gram defaults\n"
                  "  embedkit train -i corpus.txt -o vectors.vec --save-format word2vec --maxn 0 --epochs 10\n"
                  "  embedkit train -i corpus.txt -o model.bin --save-format fasttext --model cbow --threads 2\n"
                  "  embedkit train -i corpus.txt -o v.ekv --checkpoint-every 1     # then, after a crash:\n"
                  "  embedkit train -i corpus.txt -o v.ekv --resume v.ekv.checkpoint\n"
                  "  embedkit train -i more-text.txt -o v2.ekv --continue v.ekv --epochs 2\n"
                  "  mpirun -np 4 embedkit train -i corpus.txt -o v.ekv --threads 8   # 4 processes, one model\n"
                  "\n"
                  "Defaults are fastText's for skip-gram: dim 100, window 5, 5 negatives, 5 epochs, min-count 5,\n"
                  "sample 1e-4, lr 0.05, character 3-6-grams in 2M buckets (so unseen words get vectors;\n"
                  "--maxn 0 turns them off, as word2vec). The progress line shows words/s overall and per thread,\n"
                  "the learning rate, the loss of the current epoch and the time left. With --threads 1 and the\n"
                  "same --seed, runs are bit-for-bit reproducible. Training stops with an error if the vectors\n"
                  "diverge (lower --lr). --save-format fasttext writes a .bin that fastText itself can load.\n"
                  "Under mpirun, each process reads its share of the input, the vocabulary is counted together,\n"
                  "and the processes add up their updates of each row as often as the row changes: once the job\n"
                  "has made --sync-staleness to twice that many updates to it (the busiest rows every\n"
                  "--sync-hot-words words of a process), and every row at each epoch's end. Process 0 shows\n"
                  "progress (words/s of all processes) and writes the output and checkpoints; resume a job with\n"
                  "as many processes and the same --sync-* options (every process must read the checkpoint):\n"
                  "  mpirun -np 4 embedkit train -i corpus.txt -o v.ekv --threads 1 --resume v.ekv.checkpoint\n"
                  "--sync-combine mean averages the updates (pWord2Vec's rule); it saves bytes only with a larger\n"
                  "--sync-hot-words and --sync-staleness, and costs quality (bench/README.md). --threads 0\n"
                  "divides the cores among the processes on each machine (resuming: the checkpoint's threads).\n\n") +
              kTextFlagsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
