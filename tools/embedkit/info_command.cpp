// embedkit info: what a vector file holds (format, shape, subwords, sample words, norms).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/tokenize/subword_tokenizer.h"
#include "human_format.h"
#include "option_ranges.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct InfoFlags {
  std::string path;
  VectorFlags vectors;
  std::size_t sample = 10;
  bool json = false;
  bool verify = false;
};

struct NormSummary {
  double min = 0, median = 0, mean = 0, max = 0;
  std::size_t zero_rows = 0;
};

NormSummary norms_of(const WordVectors& wv) {
  std::vector<double> norms(wv.size());
  const EmbeddingTable& t = wv.table();
  const auto n = static_cast<std::int64_t>(wv.size());
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = t.data() + static_cast<std::size_t>(i) * t.stride();
    double sum = 0;
    for (std::size_t d = 0; d < t.dim(); ++d) sum += static_cast<double>(row[d]) * row[d];
    norms[static_cast<std::size_t>(i)] = std::sqrt(sum);
  }
  NormSummary s;
  if (norms.empty()) return s;
  s.zero_rows = static_cast<std::size_t>(std::count(norms.begin(), norms.end(), 0.0));
  double total = 0;
  for (const double x : norms) total += x;
  s.mean = total / static_cast<double>(norms.size());
  std::sort(norms.begin(), norms.end());
  s.min = norms.front();
  s.max = norms.back();
  s.median = norms[norms.size() / 2];
  return s;
}

// The first bytes of `text` (at most `bytes`), not cutting a UTF-8 sequence or a \x.. escape.
std::string cut(const std::string& text, std::size_t bytes) {
  std::size_t end = std::min(bytes, text.size());
  while (end > 0 && end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  const std::size_t escape = text.rfind('\\', end);
  if (escape != std::string::npos && end - escape < 6) end = escape;  // "\x1b" or "\u009b" would be split
  return text.substr(0, end);
}

void run(const InfoFlags& flags) {
  const auto start = std::chrono::steady_clock::now();
  const WordVectors wv = load_vectors(flags.path, flags.vectors.options());
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const NormSummary norms = norms_of(wv);
  std::vector<std::string> sample;
  for (std::size_t i = 0; i < wv.size() && sample.size() < flags.sample; ++i) {
    sample.emplace_back(wv.words().word(static_cast<TokenId>(i)));
  }
  const std::string format = wv.metadata.count("format") ? wv.metadata.at("format") : "native";
  // Opening a mapped .ekv reads no row; --verify reads every byte (an error ends the command).
  std::string verified;
  if (flags.verify) {
    verified = verify_vectors(flags.path, flags.vectors.options())
                   ? "every byte read: checksums match, all values finite"
                   : format == "native" ? "every byte read: all values finite (no checksums: written before they were added)"
                                        : "every byte read and parsed";
  }
  if (flags.json) {
    nlohmann::json out{{"path", flags.path},
                       {"format", format},
                       {"rows", wv.size()},
                       {"dim", wv.dim()},
                       {"table_rows", wv.table().rows()},
                       {"load_seconds", load_seconds},
                       {"sample", sample},
                       {"norms",
                        {{"min", norms.min},
                         {"median", norms.median},
                         {"mean", norms.mean},
                         {"max", norms.max},
                         {"zero_rows", norms.zero_rows}}}};
    out["subwords"] = wv.subwords() ? nlohmann::json{{"minn", wv.subwords()->minn},
                                                     {"maxn", wv.subwords()->maxn},
                                                     {"bucket", wv.subwords()->bucket},
                                                     {"stored_buckets", wv.bucket_rows()}}
                                    : nlohmann::json(nullptr);
    out["pieces"] = wv.piece_tokenizer()
                        ? nlohmann::json{{"model", wv.piece_tokenizer()->tokenizer->model_type()},
                                         {"vocab_size", wv.piece_tokenizer()->tokenizer->vocab_size()}}
                        : nlohmann::json(nullptr);
    out["metadata"] = wv.metadata;
    if (flags.verify) out["verified"] = verified;
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  fmt::print("{}: {}, {} words x {} dims (loaded in {:.0f} ms)\n", printable(flags.path), printable(format),
             group_digits(wv.size()),
             wv.dim(), load_seconds * 1000);
  if (flags.verify) fmt::print("verified: {}\n", verified);
  if (wv.subwords() && wv.subwords()->maxn == 0) {
    fmt::print("subwords: none; {} hashed n-gram rows of {} buckets (a classifier's word n-grams)\n",
               group_digits(wv.bucket_rows()), group_digits(wv.subwords()->bucket));
  } else if (wv.subwords()) {
    fmt::print("subwords: character {}-{}-grams hashed into {} buckets{}: unseen words get vectors\n",
               wv.subwords()->minn, wv.subwords()->maxn, group_digits(wv.subwords()->bucket),
               wv.stores_every_bucket() ? std::string()
                                        : fmt::format(" ({} trained and stored, the others zero)",
                                                      group_digits(wv.bucket_rows())));
  } else if (wv.piece_tokenizer()) {
    fmt::print("subwords: the pieces of its {} tokenizer ({} pieces): an unseen word is the mean of its pieces' "
               "rows\n",
               wv.piece_tokenizer()->tokenizer->model_type(),
               group_digits(wv.piece_tokenizer()->tokenizer->vocab_size()));
  } else {
    fmt::print("subwords: none (unseen words have no vector)\n");
  }
  fmt::print("vector norms: min {:.4g}, median {:.4g}, mean {:.4g}, max {:.4g}{}\n", norms.min, norms.median,
             norms.mean, norms.max,
             norms.zero_rows ? fmt::format(" ({} all-zero rows)", group_digits(norms.zero_rows)) : "");
  if (!sample.empty()) {
    std::string words;
    for (const std::string& w : sample) words += (words.empty() ? "" : " ") + printable(w);
    fmt::print("first words: {}\n", words);
  }
  // Metadata is free text from the file: escaped, then cut (cutting first could split an escape
  // or a UTF-8 sequence).
  for (const auto& [key, value] : wv.metadata) {
    if (key == "format" || key == "fasttext.labels") continue;
    const std::string shown = printable(value);
    fmt::print("  {} = {}\n", printable(key), shown.size() > 80 ? cut(shown, 77) + "..." : shown);
  }
  if (wv.metadata.count("fasttext.labels")) {
    std::string labels = wv.metadata.at("fasttext.labels");
    std::replace(labels.begin(), labels.end(), '\n', ',');
    labels = printable(labels);
    fmt::print("  labels (name count) = {}\n", labels.size() > 200 ? cut(labels, 197) + "..." : labels);
  }
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto flags = std::make_shared<InfoFlags>();
  CLI::App* cmd = app.add_subcommand("info", "Describe a vector file: format, shape, subwords, norms, sample words");
  cmd->add_option("file", flags->path, "Vector file in any supported format")->required();
  cmd->add_option("--sample", flags->sample, "How many of the first words to show")
      ->check(whole_number(0, kMaxRows))
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Print a JSON object (format, rows, dim, ...) instead of text");
  cmd->add_flag("--verify", flags->verify,
                "Read every byte: a native file's checksums and that every value is finite (opening a mapped "
                ".ekv reads no row); exit 1 naming the first problem");
  add_vector_flags(*cmd, flags->vectors);
  cmd->footer(std::string("Examples:\n"
                          "  embedkit info glove.6B.100d.txt\n"
                          "  embedkit info cc.en.300.bin --json | jq '.rows, .dim'\n"
                          "  embedkit info vectors.ekv --verify        # after a copy or a download\n"
                          "\n") +
              kVectorFormatsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
