#include "train/word2vec/training_record.h"

#include <fmt/format.h>

#include <charconv>
#include <sstream>
#include <string_view>
#include <utility>

#include "embedkit/core/error.h"
#include "embedkit/io/text_settings.h"

namespace embedkit::detail {
namespace {

struct Setting {
  const char* key;
  std::string value;
  const char* predates = nullptr;  // the value a file from before the key existed implies
};

// The settings that shape a run: the one list written into every model and compared on resume.
std::vector<Setting> run_settings(const WordVectorOptions& o) {
  return {
      {"training.model", o.model == WordModel::cbow ? "cbow" : "skipgram"},
      {"training.loss", o.loss == WordLoss::hierarchical_softmax ? "hs" : "ns"},
      {"training.dim", std::to_string(o.dim)},
      {"training.window", std::to_string(o.window)},
      {"training.negatives", std::to_string(o.negatives)},
      {"training.negative_power", fmt::format("{}", o.negative_power), "0.75"},
      {"training.epochs", std::to_string(o.epochs)},
      {"training.min_count", std::to_string(o.min_count)},
      {"training.sample", fmt::format("{}", o.sample)},
      {"training.learning_rate", fmt::format("{}", o.learning_rate)},
      {"training.subwords",
       o.subwords ? fmt::format("{} {} {}", o.subword.minn, o.subword.maxn, o.subword.bucket) : "none"},
      {"training.seed", std::to_string(o.seed)},
  };
}

// What differs between the processes of a job (their shares and their own progress through them).
constexpr const char* kProcessKeys[] = {"training.corpus_tokens", "training.corpus_hash", "training.threads",
                                        "training.words_done", "training.rng_states"};

std::string process_key(std::size_t rank, std::string_view key) {
  return fmt::format("training.process.{}.{}", rank, key.substr(std::string_view("training.").size()));
}

std::string corpus_hash(const EncodedCorpus& corpus) { return fmt::format("{:016x}", corpus.hash.digest()); }

template <class T>
T parse_number(std::string_view text, const std::string& checkpoint, const char* key) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  EMBEDKIT_CHECK(ec == std::errc() && end == text.data() + text.size(), FormatError,
                 fmt::format("{}: checkpoint metadata {} = {:?} is not a number", checkpoint, key, text));
  return value;
}

}  // namespace

void write_training_record(const WordVectorOptions& options, const std::string& input, const EncodedCorpus& corpus,
                           const TrainingPosition& position, std::map<std::string, std::string>& m) {
  m["format"] = "trained";
  m["trained_by"] = "embedkit 0.1.0";
  m["training.input"] = input;
  record_text_settings(options.tokenizer, m);  // so that queries are read as the text was
  m["training.corpus_tokens"] = std::to_string(corpus.tokens);
  m["training.corpus_hash"] = corpus_hash(corpus);
  for (const Setting& s : run_settings(options)) m[s.key] = s.value;
  m["training.threads"] = std::to_string(position.rng_states.size());
  m["training.epochs_done"] = std::to_string(position.epochs_done);
  m["training.words_done"] = std::to_string(position.words_done);
  std::string states;
  for (const std::uint64_t st : position.rng_states) {
    if (!states.empty()) states += ' ';
    states += std::to_string(st);
  }
  m["training.rng_states"] = states;
  m["fasttext.dim"] = std::to_string(options.dim);
  m["fasttext.ws"] = std::to_string(options.window);
  m["fasttext.epoch"] = std::to_string(options.epochs);
  m["fasttext.minCount"] = std::to_string(options.min_count);
  m["fasttext.neg"] = std::to_string(options.negatives);
  m["fasttext.wordNgrams"] = "1";
  m["fasttext.loss"] = options.loss == WordLoss::hierarchical_softmax ? "1" : "2";
  m["fasttext.model"] = options.model == WordModel::cbow ? "1" : "2";
  m["fasttext.bucket"] = std::to_string(options.subwords ? options.subword.bucket : 0);
  m["fasttext.minn"] = std::to_string(options.subwords ? options.subword.minn : 0);
  m["fasttext.maxn"] = std::to_string(options.subwords ? options.subword.maxn : 0);
  m["fasttext.lrUpdateRate"] = "100";
  m["fasttext.t"] = fmt::format("{}", options.sample);
  m["fasttext.ntokens"] = std::to_string(corpus.tokens);
}

TrainingPosition read_checkpoint_record(const std::map<std::string, std::string>& m, const std::string& checkpoint,
                                        const WordVectorOptions& options, const std::string& input,
                                        const EncodedCorpus& corpus) {
  auto value = [&](const char* key) -> const std::string& {
    const auto it = m.find(key);
    EMBEDKIT_CHECK(it != m.end(), FormatError,
                   fmt::format("{}: not a training checkpoint (no {:?} in its metadata)", checkpoint, key));
    return it->second;
  };
  // The run must be the same one: every setting that shapes it, then the text it read.
  for (const Setting& s : run_settings(options)) {
    const std::string have = s.predates != nullptr && !m.contains(s.key) ? std::string(s.predates) : value(s.key);
    EMBEDKIT_CHECK(have == s.value, ArgumentError,
                   fmt::format("{}: the checkpoint was made with {} = {}, not {}: resume with the same options",
                               checkpoint, std::string_view(s.key).substr(9), have, s.value));
  }
  EMBEDKIT_CHECK(std::to_string(corpus.tokens) == value("training.corpus_tokens"), ArgumentError,
                 fmt::format("{} has {} tokens, but the checkpointed run read {}: resume on the same input", input,
                             corpus.tokens, value("training.corpus_tokens")));
  // (Checkpoints from before the hash was kept have only the count to go by.)
  if (const auto hash = m.find("training.corpus_hash"); hash != m.end()) {
    const std::string have = corpus_hash(corpus);
    EMBEDKIT_CHECK(have == hash->second, ArgumentError,
                   fmt::format("{} is not the text the checkpointed run read: the same number of tokens ({}), but "
                               "other ones (content hash {}, the checkpoint's {}): resume on the same input",
                               input, corpus.tokens, have, hash->second));
  }
  TrainingPosition position;
  position.epochs_done = parse_number<std::size_t>(value("training.epochs_done"), checkpoint, "training.epochs_done");
  position.words_done = parse_number<std::uint64_t>(value("training.words_done"), checkpoint, "training.words_done");
  std::istringstream states(value("training.rng_states"));
  for (std::string st; states >> st;) {
    position.rng_states.push_back(parse_number<std::uint64_t>(st, checkpoint, "training.rng_states"));
  }
  EMBEDKIT_CHECK(!position.rng_states.empty() && position.epochs_done <= options.epochs, FormatError,
                 fmt::format("{}: the checkpoint records {} epochs done of {} and {} thread states",
                             checkpoint, position.epochs_done, options.epochs, position.rng_states.size()));
  return position;
}

std::string process_record(const std::map<std::string, std::string>& metadata) {
  std::string record;
  for (const char* key : kProcessKeys) record += metadata.at(key) + '\n';  // (no value holds a newline)
  return record;
}

void write_process_records(const std::vector<std::string>& records, std::map<std::string, std::string>& metadata) {
  for (std::size_t rank = 0; rank < records.size(); ++rank) {
    std::istringstream lines(records[rank]);
    for (const char* key : kProcessKeys) std::getline(lines, metadata[process_key(rank, key)]);
  }
}

std::map<std::string, std::string> process_view(const std::map<std::string, std::string>& metadata, std::size_t rank,
                                                const std::string& checkpoint) {
  std::map<std::string, std::string> view = metadata;
  for (const char* key : kProcessKeys) {
    const auto it = metadata.find(process_key(rank, key));
    EMBEDKIT_CHECK(it != metadata.end(), FormatError,
                   fmt::format("{}: no record of process {} (no {:?} in its metadata)", checkpoint, rank,
                               process_key(rank, key)));
    view[key] = it->second;
  }
  return view;
}

}  // namespace embedkit::detail
