// embedkit vocab info: what a vocabulary file holds and how much text it covers.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/vocab/vocabulary.h"
#include "human_format.h"
#include "option_ranges.h"

namespace embedkit::cli {
namespace {

struct VocabInfoFlags {
  std::string path;
  std::size_t top = 20;
  bool json = false;
};

struct CoverageRow {
  std::uint64_t min_count;
  std::uint64_t words;
  double coverage;
};

void run(const VocabInfoFlags& flags) {
  const Vocabulary vocab = Vocabulary::load(flags.path);

  // Tokens = every count except <bos>/<eos>, which count lines rather than tokens. Sums are
  // 128-bit: a file may hold counts near 2^64 (hostile, or merged from many corpora).
  Uint128 tokens = 0;
  std::vector<std::uint64_t> word_counts;  // non-special entries, in id order
  std::vector<std::pair<std::string, TokenId>> specials;
  for (std::size_t i = 0; i < vocab.size(); ++i) {
    const auto id = static_cast<TokenId>(i);
    const std::string_view word = vocab.word(id);
    if (is_special_token(word)) {
      specials.emplace_back(std::string(word), id);
      if (word == kBosToken || word == kEosToken) continue;
    } else {
      word_counts.push_back(vocab.count(id));
    }
    tokens += vocab.count(id);
  }
  const std::uint64_t unk = vocab.unk_id() ? vocab.count(*vocab.unk_id()) : 0;
  const double coverage = tokens ? 1.0 - static_cast<double>(unk) / static_cast<double>(tokens) : 0.0;

  // What raising --min-count would keep: words and the share of tokens they cover.
  // Rows start at the smallest count present: lower thresholds would repeat the first row.
  std::uint64_t smallest = UINT64_MAX;
  for (const std::uint64_t c : word_counts) smallest = std::min(smallest, c);
  std::vector<std::uint64_t> thresholds;
  if (!word_counts.empty()) thresholds.push_back(smallest);
  for (const std::uint64_t t : {2, 3, 5, 10, 20, 50, 100, 1000, 10000, 100000}) {
    if (t > smallest) thresholds.push_back(t);
  }
  std::vector<CoverageRow> rows;
  for (const std::uint64_t threshold : thresholds) {
    CoverageRow row{threshold, 0, 0.0};
    Uint128 covered = 0;
    for (const std::uint64_t c : word_counts) {
      if (c >= threshold) {
        ++row.words;
        covered += c;
      }
    }
    row.coverage = tokens ? static_cast<double>(covered) / static_cast<double>(tokens) : 0.0;
    if (row.words > 0) rows.push_back(row);
  }

  std::vector<TokenId> top;
  for (std::size_t i = 0; i < vocab.size() && top.size() < flags.top; ++i) {
    if (!vocab.is_special(static_cast<TokenId>(i))) top.push_back(static_cast<TokenId>(i));
  }

  if (flags.json) {
    // JSON numbers here are 64-bit at most: a larger sum is given as a double (exact to 15 digits).
    const nlohmann::json tokens_json = tokens <= UINT64_MAX ? nlohmann::json(static_cast<std::uint64_t>(tokens))
                                                            : nlohmann::json(static_cast<double>(tokens));
    nlohmann::json out{{"path", flags.path}, {"entries", vocab.size()}, {"words", word_counts.size()},
                       {"tokens", tokens_json}, {"unk_count", unk}, {"coverage", coverage}};
    nlohmann::json special_json = nlohmann::json::object();
    for (const auto& [word, id] : specials) special_json[word] = id;
    out["specials"] = special_json;
    nlohmann::json top_json = nlohmann::json::array();
    for (const TokenId id : top) top_json.push_back({{"id", id}, {"word", vocab.word(id)}, {"count", vocab.count(id)}});
    out["top"] = top_json;
    nlohmann::json rows_json = nlohmann::json::array();
    for (const CoverageRow& r : rows) {
      rows_json.push_back({{"min_count", r.min_count}, {"words", r.words}, {"coverage", r.coverage}});
    }
    out["coverage_by_min_count"] = rows_json;
    fmt::print("{}\n", out.dump(2));
    return;
  }

  fmt::print("{}: {} entries ({} words", printable(flags.path), group_digits(vocab.size()),
             group_digits(word_counts.size()));
  for (const auto& [word, id] : specials) fmt::print(", {}={}", printable(word), id);
  fmt::print(")\n");
  fmt::print("tokens counted: {}; {:.2f}% map to a word, {:.2f}% to {}\n", group_digits(tokens),
             100.0 * coverage, 100.0 * (1.0 - coverage), kUnkToken);
  if (!top.empty()) {
    fmt::print("\ntop {} words:\n", top.size());
    for (const TokenId id : top) {
      fmt::print("  {:>8}  {:<20} {:>14}\n", id, printable(vocab.word(id)), group_digits(vocab.count(id)));
    }
  }
  if (!rows.empty()) {
    fmt::print("\nif only words with count >= N were kept:\n  {:>9}  {:>12}  {:>9}\n", "N", "words", "coverage");
    for (const CoverageRow& r : rows) {
      fmt::print("  {:>9}  {:>12}  {:>8.2f}%\n", group_digits(r.min_count), group_digits(r.words), 100.0 * r.coverage);
    }
  }
}

}  // namespace

void add_vocab_info_command(CLI::App& vocab) {
  auto flags = std::make_shared<VocabInfoFlags>();
  CLI::App* cmd = vocab.add_subcommand("info", "Summarise a vocabulary file: size, coverage, top words");
  cmd->add_option("vocab", flags->path, "Vocabulary file (word<TAB>count per line)")->required();
  cmd->add_option("--top", flags->top, "How many of the most frequent words to list")
      ->check(whole_number(0, kMaxRows))
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Print a JSON object instead of tables");
  cmd->footer(
      "Examples:\n"
      "  embedkit vocab info vocab.tsv\n"
      "  embedkit vocab info vocab.tsv --json | jq .coverage\n"
      "\n"
      "Coverage is the share of corpus tokens that map to a real word rather than <unk>. The\n"
      "table shows how it would change with a higher --min-count, to help choose one.");
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
