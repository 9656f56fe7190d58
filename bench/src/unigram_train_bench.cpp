// Unigram training and its quality, for bench/scripts/unigram_quality.sh (which compares it with
// SentencePiece's spm_train on the same corpus).
//
//   embedkit_bench_unigram train CORPUS VOCAB_SIZE THREADS MAX_PIECE_LENGTH OUT.json
//       counts the words of CORPUS (NFKC, Metaspace), trains a Unigram vocabulary, writes it as a
//       tokenizer.json and prints {"count_s", "train_s", "total_s", "words", ...} on one line.
//   embedkit_bench_unigram eval TOKENIZER.json TEXT
//       encodes every line of TEXT with embedkit's Unigram encoder and prints {"tokens", "words",
//       "tokens_per_word", "log_likelihood" (sum of the pieces' scores on the Viterbi paths),
//       "unknown"} on one line.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "embedkit/tokenize/subword_tokenizer.h"
#include "train/tokenize/unigram_trainer.h"
#include "train/tokenize/word_counts.h"

namespace {

const nlohmann::json kNormalizer = {{"type", "NFKC"}};
const nlohmann::json kPreTokenizer = {
    {"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", true}};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int train(const std::string& corpus, std::size_t vocab_size, std::size_t threads, std::size_t max_length,
          const std::string& out) {
  using namespace embedkit::tokenize;
  const auto start = std::chrono::steady_clock::now();
  const auto normalizer = make_hf_normalizer(kNormalizer, "bench");
  const auto pre = make_hf_pre_tokenizer(kPreTokenizer, "bench");
  const std::vector<WordCount> words = count_words(corpus, normalizer.get(), pre.get(), threads, 0, {});
  const double count_s = seconds_since(start);
  UnigramTrainerOptions options;
  options.vocab_size = vocab_size;
  options.special_tokens = {"<unk>", "<s>", "</s>"};
  options.threads = threads;
  options.rules.max_chars = max_length;
  std::size_t seeds = 0;
  const auto vocab = train_unigram(words, options, [&](const char* stage, double fraction, std::size_t pieces) {
    if (std::string_view(stage) == "seeds") seeds = pieces;
    std::cerr << fmt::format("{:.2f} s {} {:.3f} {}\n", seconds_since(start), stage, fraction, pieces);
  });
  const double total_s = seconds_since(start);
  nlohmann::json j;
  j["normalizer"] = kNormalizer;
  j["pre_tokenizer"] = kPreTokenizer;
  j["model"] = {{"type", "Unigram"}, {"unk_id", 0}, {"vocab", nlohmann::json::array()}};
  for (const auto& [piece, score] : vocab) j["model"]["vocab"].push_back({piece, score});
  std::ofstream(out) << j.dump();
  std::cout << nlohmann::json{{"count_s", count_s}, {"train_s", total_s - count_s}, {"total_s", total_s},
                              {"distinct_words", words.size()}, {"seeds", seeds}, {"vocab_size", vocab.size()},
                              {"threads", threads}}
                   .dump()
            << "\n";
  return 0;
}

int eval(const std::string& tokenizer_path, const std::string& text_path) {
  std::ifstream in(tokenizer_path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(bytes.str());
  std::vector<double> scores;
  double lowest = 0;
  for (const auto& entry : j["model"]["vocab"]) {
    scores.push_back(entry[1].get<double>());
    lowest = std::min(lowest, scores.back());
  }
  const auto tokenizer = embedkit::SubwordTokenizer::from_bytes(bytes.str(), tokenizer_path);
  std::ifstream text(text_path);
  std::uint64_t tokens = 0, words = 0, unknown = 0;
  double log_likelihood = 0;
  for (std::string line; std::getline(text, line);) {
    for (std::size_t i = 0; i < line.size(); ++i) words += line[i] != ' ' && (i == 0 || line[i - 1] == ' ');
    const embedkit::Encoding e = tokenizer->encode(line);
    tokens += e.size();
    for (std::int32_t id : e.ids) {
      if (id == 0) {
        ++unknown;
        log_likelihood += lowest - 10;  // the score the encoder gave the unknown piece
      } else {
        log_likelihood += scores[static_cast<std::size_t>(id)];
      }
    }
  }
  std::cout << nlohmann::json{{"tokens", tokens}, {"words", words},
                              {"tokens_per_word", static_cast<double>(tokens) / static_cast<double>(words)},
                              {"log_likelihood", log_likelihood}, {"unknown", unknown}}
                   .dump()
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "train" && argc == 7)
      return train(argv[2], std::stoul(argv[3]), std::stoul(argv[4]), std::stoul(argv[5]), argv[6]);
    if (mode == "eval" && argc == 4) return eval(argv[2], argv[3]);
    std::cerr << "usage: embedkit_bench_unigram train CORPUS VOCAB_SIZE THREADS MAX_PIECE_LENGTH OUT.json\n"
                 "       embedkit_bench_unigram eval TOKENIZER.json TEXT\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "embedkit_bench_unigram: " << e.what() << "\n";
    return 1;
  }
}
