// embedkit classify: train, test and run a text classifier (fastText's supervised mode, on
// embedkit's embedding layer), and cross-validate it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "embedkit/classify/classification_metrics.h"
#include "embedkit/classify/model_selection.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "human_format.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "progress_bar.h"

namespace embedkit::cli {
namespace {

struct DataFlags {
  std::string format = "detect";
  std::string encoding = "utf-8";
  std::string label_prefix = "__label__";

  [[nodiscard]] LabeledDataOptions options(bool labels_optional = false) const {
    return {.format = parse_labeled_format(format),
            .label_prefix = label_prefix,
            .encoding = parse_text_encoding(encoding),
            .labels_optional = labels_optional};
  }
};

void add_data_flags(CLI::App& cmd, DataFlags& d) {
  cmd.add_option("--format", d.format, "detect|fasttext|tsv|label-first (see below)")->capture_default_str();
  cmd.add_option("--encoding", d.encoding, "utf-8|cp1252|latin1 (rt-polarity is cp1252)")->capture_default_str();
  cmd.add_option("--label-prefix", d.label_prefix, "Marks label tokens in the fasttext format")->capture_default_str();
}

constexpr std::string_view kDataHelp =
    "Data: one example per line. fasttext: '__label__pos __label__funny a great film' (labels anywhere);\n"
    "tsv: 'text<TAB>label' (a GLUE 'sentence<TAB>label' header is skipped); label-first: '1 a great film'\n"
    "(SST-2's stsa files). Text splits on whitespace, as fastText. Empty lines, lines without a label\n"
    "and invalid UTF-8 are errors naming the line; --encoding cp1252 reads Windows-1252 files.\n";

struct ModelFlags {
  ClassifierOptions options;
  std::string loss = "softmax";
  bool freeze = false;
  bool finetune = false;
  std::size_t unfreeze_after = 0;

  ClassifierOptions resolve() {
    ClassifierOptions o = options;
    o.loss = parse_classifier_loss(loss);
    EMBEDKIT_CHECK(int{freeze} + int{finetune} + int{unfreeze_after > 0} <= 1, ArgumentError,
                   "--freeze, --finetune and --unfreeze-after exclude each other");
    EMBEDKIT_CHECK(!(freeze || unfreeze_after > 0) || !o.pretrained.empty(), ArgumentError,
                   "--freeze and --unfreeze-after need --pretrained (a random layer must train)");
    o.freeze = freeze ? FreezeSchedule::frozen()
                      : unfreeze_after > 0 ? FreezeSchedule::unfreeze_after(unfreeze_after) : FreezeSchedule::fine_tune();
    return o;
  }
};

void add_model_flags(CLI::App& cmd, ModelFlags& m) {
  ClassifierOptions& o = m.options;
  cmd.add_option("--dim", o.dim, "Embedding size (default: the --pretrained vectors' size, else 100)")
      ->check(whole_number(1, 100000));
  cmd.add_option("--epochs", o.epochs, "Passes over the data")->check(whole_number(1, 100000))->capture_default_str();
  cmd.add_option("--lr", o.learning_rate, "Learning rate at the start (decays linearly to 0)")
      ->check(real_number(0, 10, Ends::open_low))
      ->capture_default_str();
  cmd.add_option("--word-ngrams", o.word_ngrams, "Longest word n-gram (2 adds hashed bigrams)")
      ->check(whole_number(1, 100))
      ->capture_default_str();
  cmd.add_option("--minn", o.minn, "Shortest character n-gram (with --maxn)")
      ->check(whole_number(0, 64))
      ->capture_default_str();
  cmd.add_option("--maxn", o.maxn, "Longest character n-gram (0 = none)")
      ->check(whole_number(0, 64))
      ->capture_default_str();
  cmd.add_option("--bucket", o.bucket, "Hash space for word and character n-grams")
      ->check(whole_number(0, 4294967295))
      ->capture_default_str();
  cmd.add_option("--min-count", o.min_count, "Drop words seen fewer times")
      ->check(whole_number(1, kMaxCount))
      ->capture_default_str();
  cmd.add_option("--loss", m.loss, "softmax | hs (hierarchical softmax) | ova (one-vs-all, multi-label)")
      ->capture_default_str();
  cmd.add_option("--dropout", o.dropout, "Drop each feature of a bag with this probability while training")
      ->check(real_number(0, 1, Ends::open_high))
      ->capture_default_str();
  cmd.add_option("--pretrained", o.pretrained, "Start the word rows from these vectors (any format embedkit reads)");
  cmd.add_flag("--freeze", m.freeze, "Keep the embedding layer fixed (with --pretrained)");
  cmd.add_flag("--finetune", m.finetune, "Train the embedding layer from the first epoch (the default)");
  cmd.add_option("--unfreeze-after", m.unfreeze_after, "Keep it fixed for N epochs, then fine-tune it")
      ->check(whole_number(0, 100000));
  cmd.add_option("--threads", o.threads, fmt::format("Worker threads (0 = all cores; at most {})", kMaxThreads))
      ->check(whole_number(0, kMaxThreads))
      ->capture_default_str();
  cmd.add_option("--seed", o.seed, "Seed of every random choice (one thread: bit-reproducible)")
      ->check(whole_number(0, UINT64_MAX))
      ->capture_default_str();
}

std::string rate(double per_second) {
  return per_second >= 1e6 ? fmt::format("{:.2f}M", per_second / 1e6) : fmt::format("{:.0f}k", per_second / 1e3);
}

ClassifierCallbacks progress_callbacks(ProgressBar& bar, bool json, bool quiet, std::size_t epochs) {
  ClassifierCallbacks callbacks;
  callbacks.on_pretrained = [json, quiet](const std::string& report) {
    if (json) {
      fmt::print(stderr, "{}\n", nlohmann::json{{"event", "pretrained"}, {"coverage", report}}.dump());
    } else if (!quiet) {
      fmt::print(stderr, "pretrained: {}\n", printable(report));
    }
  };
  callbacks.on_progress = [&bar, json, epochs](const ClassifierProgress& p) {
    if (json) {
      fmt::print(stderr, "{}\n",
                 nlohmann::json{{"event", "progress"}, {"progress", p.progress}, {"epoch", p.epoch + 1},
                                {"examples_per_second", p.examples_per_second}, {"learning_rate", p.learning_rate},
                                {"loss", p.loss}, {"elapsed_seconds", p.seconds}, {"eta_seconds", p.eta_seconds}}
                     .dump());
      return;
    }
    bar.update(static_cast<std::uint64_t>(p.progress * 1e6), 1000000,
               fmt::format("epoch {}/{}  {} examples/s  lr {:.4f}  loss {:.4f}", p.epoch + 1, epochs,
                           rate(p.examples_per_second), p.learning_rate, p.loss));
  };
  return callbacks;
}

// ---- train ---------------------------------------------------------------------------------

struct TrainFlags {
  std::string input, output;
  DataFlags data;
  ModelFlags model;
  std::string autotune_validation;
  double autotune_duration = 300;
  bool quiet = false, progress = false, json = false;
};

void run_train(TrainFlags& flags) {
  const ClassifierOptions options = flags.model.resolve();
  // Before any training: the model must be writable and must not replace an input.
  (void)file_output(flags.output, "--output", "the model");
  refuse_same_file(flags.output, "--output", flags.input, "--input");
  refuse_same_file(flags.output, "--output", flags.autotune_validation, "--autotune-validation");
  refuse_same_file(flags.output, "--output", options.pretrained, "--pretrained");
  check_writable(flags.output, "--output");
  const auto start = std::chrono::steady_clock::now();
  const LabeledData data = read_labeled_file(flags.input, flags.data.options());
  std::optional<TextClassifier> model;
  nlohmann::json summary;
  if (!flags.autotune_validation.empty()) {
    const LabeledData validation = read_labeled_file(flags.autotune_validation, flags.data.options());
    AutotuneResult tuned = autotune(data, validation, options, {.seconds = flags.autotune_duration, .seed = options.seed},
                                    [&](const AutotuneTrial& t, bool best) {
                                      const auto& o = t.options;
                                      if (flags.json) {
                                        fmt::print(stderr, "{}\n",
                                                   nlohmann::json{{"event", "trial"}, {"accuracy", t.accuracy},
                                                                  {"lr", o.learning_rate}, {"dim", o.dim},
                                                                  {"epochs", o.epochs}, {"word_ngrams", o.word_ngrams},
                                                                  {"seconds", t.seconds}, {"best", best}}
                                                       .dump());
                                      } else if (!flags.quiet) {
                                        fmt::print(stderr,
                                                   "trial: accuracy {:.4f}  lr {:.3f}  dim {}  epochs {}  word-ngrams {}"
                                                   "  ({:.1f} s){}\n",
                                                   t.accuracy, o.learning_rate, o.dim, o.epochs, o.word_ngrams,
                                                   t.seconds, best ? "  best so far" : "");
                                      }
                                    });
    const auto& b = tuned.best_trial;
    summary["autotune"] = {{"trials", tuned.trials.size()},      {"validation_accuracy", b.accuracy},
                           {"lr", b.options.learning_rate},     {"dim", b.options.dim},
                           {"epochs", b.options.epochs},        {"word_ngrams", b.options.word_ngrams}};
    if (!flags.quiet && !flags.json) {
      fmt::print(stderr,
                 "autotune: best of {} trials: validation accuracy {:.4f} with --lr {:.3f} --dim {} --epochs {} "
                 "--word-ngrams {}\n",
                 tuned.trials.size(), b.accuracy, b.options.learning_rate, b.options.dim, b.options.epochs,
                 b.options.word_ngrams);
    }
    model.emplace(std::move(*tuned.best));
  } else {
    ProgressBar bar("training", !flags.quiet && !flags.json && (flags.progress || ProgressBar::stderr_is_terminal()),
                    ProgressBar::Units::work);
    model.emplace(TextClassifier::train(data, options, progress_callbacks(bar, flags.json, flags.quiet, options.epochs)));
    bar.finish();
  }
  model->save(flags.output);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.update({{"event", "done"},
                  {"output", flags.output},
                  {"examples", data.examples.size()},
                  {"labels", model->label_count()},
                  {"words", model->word_count()},
                  {"ngram_rows", model->bucket_rows()},
                  {"dim", model->dim()},
                  {"seconds", seconds}});
  if (flags.json) {
    fmt::print(stderr, "{}\n", summary.dump());
  } else if (!flags.quiet) {
    fmt::print(stderr, "wrote {}: {} labels, {} words + {} n-gram rows x {}, from {} examples in {:.2f} s\n",
               printable(flags.output), model->label_count(), group_digits(model->word_count()),
               group_digits(model->bucket_rows()), model->dim(), group_digits(data.examples.size()), seconds);
  }
}

// ---- test ----------------------------------------------------------------------------------

struct TestFlags {
  std::string model, input;
  DataFlags data;
  std::size_t k = 1;
  float threshold = 0;
  bool json = false;
};

void run_test(TestFlags& flags) {
  const TextClassifier model = TextClassifier::load(flags.model);
  const LabeledData data = read_labeled_file(flags.input, flags.data.options());
  const ClassificationReport r = evaluate_classifier(model, data, flags.k, flags.threshold);
  if (flags.json) {
    nlohmann::json labels = nlohmann::json::array();
    std::vector<std::string> names;
    for (const auto& m : r.per_label) {
      names.push_back(m.label);
      labels.push_back({{"label", m.label}, {"support", m.support}, {"predicted", m.predicted}, {"correct", m.correct},
                        {"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1}});
    }
    fmt::print("{}\n", nlohmann::json{{"examples", r.examples},
                                      {"accuracy", r.accuracy},
                                      {"k", r.k},
                                      {"precision_at_k", r.precision_at_k},
                                      {"recall_at_k", r.recall_at_k},
                                      {"macro_f1", r.macro_f1},
                                      {"labels", labels},
                                      {"confusion", {{"labels", names}, {"matrix", r.confusion}}}}
                           .dump(2));
    return;
  }
  fmt::print("examples     {}\naccuracy     {:.4f}\nP@{}          {:.4f}\nR@{}          {:.4f}\nmacro F1     {:.4f}\n\n",
             group_digits(r.examples), r.accuracy, r.k, r.precision_at_k, r.k, r.recall_at_k, r.macro_f1);
  std::vector<std::string> labels;  // as they can be shown
  for (const auto& m : r.per_label) labels.push_back(printable(m.label));
  std::size_t width = 5;
  for (const auto& l : labels) width = std::max(width, l.size());
  fmt::print("{:<{}}  {:>9}  {:>9}  {:>9}  {:>9}\n", "label", width, "precision", "recall", "F1", "support");
  for (std::size_t i = 0; i < r.per_label.size(); ++i) {
    const auto& m = r.per_label[i];
    fmt::print("{:<{}}  {:>9.4f}  {:>9.4f}  {:>9.4f}  {:>9}\n", labels[i], width, m.precision, m.recall, m.f1, m.support);
  }
  if (r.per_label.size() <= 20) {
    fmt::print("\nconfusion (rows: gold, columns: predicted)\n{:<{}}", "", width);
    for (const auto& l : labels) fmt::print("  {:>{}}", l, std::max<std::size_t>(l.size(), 6));
    fmt::print("\n");
    for (std::size_t g = 0; g < r.per_label.size(); ++g) {
      fmt::print("{:<{}}", labels[g], width);
      for (std::size_t p = 0; p < r.per_label.size(); ++p) {
        fmt::print("  {:>{}}", r.confusion[g][p], std::max<std::size_t>(labels[p].size(), 6));
      }
      fmt::print("\n");
    }
  }
}

// ---- predict -------------------------------------------------------------------------------

struct PredictFlags {
  std::string model, input = "-";
  DataFlags data;
  std::size_t k = 1;
  float threshold = 0;
  bool prob = false;
};

void run_predict(PredictFlags& flags) {
  const TextClassifier model = TextClassifier::load(flags.model);
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
      const LabeledData one = parse_labeled_text(line, source, options);
      options.format = one.format;
      answer(one.examples.front().tokens);
    }
    std::fflush(stdout);
  }
  if (in.bad()) throw IoError(detail::with_errno(fmt::format("cannot read '{}'", source), errno));
}

// ---- cv ------------------------------------------------------------------------------------

struct CvFlags {
  std::string input;
  DataFlags data;
  ModelFlags model;
  CrossValidationOptions cv;
  bool json = false, quiet = false;
};

void run_cv(CvFlags& flags) {
  const ClassifierOptions options = flags.model.resolve();
  const LabeledData data = read_labeled_file(flags.input, flags.data.options());
  const auto result = cross_validate(data, options, flags.cv, [&](std::size_t fold, double accuracy) {
    if (!flags.quiet && !flags.json) fmt::print(stderr, "fold {}/{}: accuracy {:.4f}\n", fold + 1, flags.cv.folds, accuracy);
  });
  double seconds = 0;
  for (const double s : result.fold_seconds) seconds += s;
  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"folds", flags.cv.folds},
                                      {"examples", data.examples.size()},
                                      {"accuracy", result.mean_accuracy},
                                      {"stddev", result.stddev_accuracy},
                                      {"fold_accuracy", result.fold_accuracy},
                                      {"training_seconds", seconds}}
                           .dump());
  } else {
    fmt::print("{}-fold cross-validation on {} examples: accuracy {:.4f} +- {:.4f} (training {:.2f} s in all)\n",
               flags.cv.folds, group_digits(data.examples.size()), result.mean_accuracy, result.stddev_accuracy,
               seconds);
  }
}

}  // namespace

void add_classify_commands(CLI::App& app) {
  CLI::App* classify = app.add_subcommand("classify", "Text classification (fastText's supervised mode)");
  classify->require_subcommand(1);
  classify->footer(
      "Examples:\n"
      "  embedkit classify train -i train.txt -o sentiment.ekv --word-ngrams 2 --epochs 10\n"
      "  embedkit classify test sentiment.ekv dev.txt\n"
      "  echo 'a gorgeous , witty film' | embedkit classify predict sentiment.ekv -k 2 --prob\n"
      "  embedkit classify cv -i reviews.txt --folds 10 --encoding cp1252\n");

  auto train = std::make_shared<TrainFlags>();
  CLI::App* t = classify->add_subcommand("train", "Train a classifier and save it (native format)");
  t->add_option("-i,--input", train->input, "Labeled training data")->required();
  t->add_option("-o,--output", train->output, "Where to write the model")->required();
  add_model_flags(*t, train->model);
  add_data_flags(*t, train->data);
  t->add_option("--autotune-validation", train->autotune_validation,
                "Search lr, dim, epochs and word n-grams for the best accuracy on this labeled file");
  t->add_option("--autotune-duration", train->autotune_duration, "Seconds the search may take")
      ->check(real_number(0, 604800, Ends::open_low))
      ->capture_default_str();
  t->add_flag("-q,--quiet", train->quiet, "No progress, no summary");
  t->add_flag("--progress", train->progress, "Draw progress even when stderr is not a terminal");
  t->add_flag("--json", train->json, "Progress and summary as JSON lines on stderr");
  t->footer(std::string(
                "Examples:\n"
                "  embedkit classify train -i train.txt -o model.ekv                      # fastText's defaults\n"
                "  embedkit classify train -i train.txt -o model.ekv --word-ngrams 2 --lr 0.5 --epochs 10\n"
                "  embedkit classify train -i train.tsv -o model.ekv --pretrained wiki.vec --unfreeze-after 2\n"
                "  embedkit classify train -i train.txt -o model.ekv --autotune-validation dev.txt --autotune-duration 60\n"
                "\n"
                "Defaults are fastText's supervised ones: dim 100, 5 epochs, lr 0.1, words only, softmax.\n"
                "Only n-gram buckets that occur in the data get rows, so --word-ngrams 2 costs memory in\n"
                "proportion to the data, not to --bucket. --pretrained fills the word rows from a vector file\n"
                "and prints how many words it covered; --freeze keeps them fixed, --unfreeze-after N\n"
                "fine-tunes them after N epochs.\n\n") +
            std::string(kDataHelp));
  t->callback([train] { run_train(*train); });

  auto test = std::make_shared<TestFlags>();
  CLI::App* te = classify->add_subcommand("test", "Accuracy, per-label P/R/F1 and confusion matrix on labeled data");
  te->add_option("model", test->model, "A model from 'classify train'")->required();
  te->add_option("input", test->input, "Labeled data ('-' = stdin)")->required();
  te->add_option("-k", test->k, "Labels predicted per example, for P@k and R@k")
      ->check(whole_number(1, kMaxRows))
      ->capture_default_str();
  te->add_option("--threshold", test->threshold, "Ignore predictions below this probability")
      ->check(real_number(0, 1))
      ->capture_default_str();
  te->add_flag("--json", test->json, "Print a JSON object (accuracy, precision_at_k, labels, confusion)");
  add_data_flags(*te, test->data);
  te->footer("Examples:\n"
             "  embedkit classify test model.ekv test.txt\n"
             "  embedkit classify test model.ekv test.txt -k 5 --json     # P@5 / R@5 for multi-label data\n\n" +
             std::string(kDataHelp));
  te->callback([test] { run_test(*test); });

  auto predict = std::make_shared<PredictFlags>();
  CLI::App* p = classify->add_subcommand("predict", "Print the most likely labels of each input line");
  p->add_option("model", predict->model, "A model from 'classify train'")->required();
  p->add_option("input", predict->input, "Text, one example per line ('-' or nothing = stdin, answered line by line)")
      ->capture_default_str();
  p->add_option("-k", predict->k, "How many labels per line")->check(whole_number(1, kMaxRows))->capture_default_str();
  p->add_flag("--prob", predict->prob, "Print each label's probability after it");
  p->add_option("--threshold", predict->threshold, "Only labels at least this probable")
      ->check(real_number(0, 1))
      ->capture_default_str();
  add_data_flags(*p, predict->data);
  p->footer(
      "Examples:\n"
      "  embedkit classify predict model.ekv reviews.txt\n"
      "  echo 'a gorgeous , witty film' | embedkit classify predict model.ekv -k 2 --prob\n\n"
      "Output: one line per input line, '__label__pos' (with --prob: '__label__pos 0.912345'), as fastText's\n"
      "predict / predict-prob. Labels already on an input line are ignored; an empty line gets an empty answer.\n");
  p->callback([predict] { run_predict(*predict); });

  auto cv = std::make_shared<CvFlags>();
  CLI::App* c = classify->add_subcommand("cv", "k-fold cross-validation (for data without a test split)");
  c->add_option("-i,--input", cv->input, "Labeled data")->required();
  c->add_option("--folds", cv->cv.folds, "Number of folds")->check(whole_number(2, 100000))->capture_default_str();
  c->add_option("--split-seed", cv->cv.seed, "Seed of the shuffle that deals examples into folds")
      ->check(whole_number(0, UINT64_MAX))
      ->capture_default_str();
  add_model_flags(*c, cv->model);
  add_data_flags(*c, cv->data);
  c->add_flag("--json", cv->json, "Print a JSON object (accuracy, stddev, fold_accuracy)");
  c->add_flag("-q,--quiet", cv->quiet, "No per-fold lines");
  c->footer("Examples:\n"
            "  embedkit classify cv -i reviews.txt --folds 10 --word-ngrams 2\n"
            "  embedkit classify cv -i rt-polarity.txt --encoding cp1252 --json\n\n" +
            std::string(kDataHelp));
  c->callback([cv] { run_cv(*cv); });
}

}  // namespace embedkit::cli
