// embedkit tokenize: text -> tokens, or -> ids with a vocabulary; --decode maps ids back.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/text/corpus_reader.h"
#include "embedkit/vocab/vocabulary.h"
#include "human_format.h"
#include "option_ranges.h"
#include "subword_tokenize.h"
#include "text_flags.h"

namespace embedkit::cli {
namespace {

struct TokenizeFlags {
  std::string input = "-";
  std::optional<std::string> text;
  std::optional<std::string> vocab_path;
  TokenizerOptions tokenizer;
  bool json = false;
  bool decode = false;
  bool bos = false;
  bool eos = false;
  SubwordTokenizeFlags subword;  ///< with --tokenizer
};

// Prints one input line's result: tokens, or ids when a vocabulary is given.
class LinePrinter {
 public:
  LinePrinter(const TokenizeFlags& flags, const Vocabulary* vocab)
      : flags_(flags), vocab_(vocab), terminal_(stdout_is_terminal()) {
    if (vocab_ == nullptr) return;
    if (flags_.bos) bos_ = required(vocab_->bos_id(), kBosToken);
    if (flags_.eos) eos_ = required(vocab_->eos_id(), kEosToken);
  }

  void print(const std::vector<std::string>& tokens) const {
    std::vector<TokenId> ids;
    if (vocab_ != nullptr) {
      if (bos_) ids.push_back(*bos_);
      for (const std::string& t : tokens) ids.push_back(vocab_->id_or_unk(t));
      if (eos_) ids.push_back(*eos_);
    }
    if (flags_.json) {
      nlohmann::json line{{"tokens", tokens}};
      if (vocab_ != nullptr) line["ids"] = ids;
      fmt::print("{}\n", line.dump());
    } else if (vocab_ != nullptr) {
      fmt::print("{}\n", fmt::join(ids, " "));
    } else {
      const std::string line = fmt::format("{}", fmt::join(tokens, " "));
      fmt::print("{}\n", terminal_ ? printable(line) : line);
    }
  }

 private:
  static TokenId required(std::optional<TokenId> id, std::string_view name) {
    EMBEDKIT_CHECK(id.has_value(), ArgumentError, fmt::format("the vocabulary has no {} entry", name));
    return *id;
  }

  const TokenizeFlags& flags_;
  const Vocabulary* vocab_;
  bool terminal_;  // tokens are escaped only for a terminal: pipes get them unchanged
  std::optional<TokenId> bos_, eos_;
};

class LineCollector : public CorpusVisitor {
 public:
  explicit LineCollector(const LinePrinter& printer) : printer_(printer) {}
  void on_token(std::string_view token) override { tokens_.emplace_back(token); }
  void on_line_end() override {
    printer_.print(tokens_);
    tokens_.clear();
  }

 private:
  const LinePrinter& printer_;
  std::vector<std::string> tokens_;
};

// getline(3)'s buffer, freed on every exit path.
struct LineBuffer {
  char* data = nullptr;
  std::size_t capacity = 0;
  LineBuffer() = default;
  LineBuffer(const LineBuffer&) = delete;
  LineBuffer& operator=(const LineBuffer&) = delete;
  ~LineBuffer() { std::free(data); }
};

// Maps one line of whitespace-separated ids to words; specials other than <unk> are dropped.
std::vector<std::string_view> decode_line(std::string_view line, const Vocabulary& vocab,
                                          std::string_view name, std::uint64_t line_number) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  for (;;) {
    while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
    if (pos >= line.size()) break;
    std::size_t end = pos;
    while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
    const std::string_view field = line.substr(pos, end - pos);
    pos = end;
    TokenId id = 0;
    const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), id);
    EMBEDKIT_CHECK(ec == std::errc() && ptr == field.data() + field.size(), FormatError,
                   fmt::format("{}:{}: {:?} is not a token id", name, line_number, field));
    EMBEDKIT_CHECK(id < vocab.size(), FormatError,
                   fmt::format("{}:{}: token id {} is out of range for a vocabulary of {} entries",
                               name, line_number, id, vocab.size()));
    const std::string_view word = vocab.word(id);
    if (word == kUnkToken || !is_special_token(word)) words.push_back(word);
  }
  return words;
}

void decode(const TokenizeFlags& flags, const Vocabulary& vocab) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
  std::FILE* in = stdin;
  if (flags.input != "-") {
    owned.reset(std::fopen(flags.input.c_str(), "rb"));
    if (!owned) throw IoError(detail::with_errno(fmt::format("cannot open '{}'", flags.input), errno));
    in = owned.get();
  }
  const std::string name = flags.input == "-" ? "<stdin>" : flags.input;
  const bool terminal = stdout_is_terminal();
  LineBuffer buffer;
  std::uint64_t line_number = 0;
  for (ssize_t n; (n = ::getline(&buffer.data, &buffer.capacity, in)) >= 0;) {
    ++line_number;
    const auto words = decode_line(std::string_view(buffer.data, static_cast<std::size_t>(n)), vocab,
                                   name, line_number);
    if (flags.json) {
      fmt::print("{}\n", nlohmann::json{{"tokens", words}}.dump());
    } else {
      const std::string line = fmt::format("{}", fmt::join(words, " "));
      fmt::print("{}\n", terminal ? printable(line) : line);
    }
  }
}

// With --tokenizer the file decides everything the word tokenizer's flags would.
void run_subword(TokenizeFlags flags, const CLI::App& cmd) {
  for (const char* name : {"--vocab", "--bos", "--eos", "--invalid-utf8"}) {
    EMBEDKIT_CHECK(cmd.get_option(name)->count() == 0, ArgumentError,
                   fmt::format("{} does not go with --tokenizer: the tokenizer file defines its own pipeline and ids", name));
  }
  flags.subword.tokenizer = cmd.get_option("--tokenizer")->as<std::string>();
  flags.subword.input = flags.input;
  flags.subword.text = flags.text;
  flags.subword.json = flags.json;
  flags.subword.decode = flags.decode;
  run_subword_tokenize(flags.subword);
}

void run(const TokenizeFlags& flags, const CLI::App& cmd) {
  if (flags.tokenizer.splitter) {
    run_subword(flags, cmd);
    return;
  }
  for (const char* name : {"--pieces", "--offsets", "--pair", "--no-special", "--keep-special", "--threads", "--nbest",
                           "--sample", "--nbest-size", "--seed"}) {
    EMBEDKIT_CHECK(cmd.get_option(name)->count() == 0, ArgumentError, fmt::format("{} goes with --tokenizer FILE", name));
  }
  std::optional<Vocabulary> vocab;
  if (flags.vocab_path) vocab = Vocabulary::load(*flags.vocab_path);
  if (flags.decode) {
    EMBEDKIT_CHECK(vocab.has_value(), ArgumentError, "--decode needs --vocab to map ids to words");
    decode(flags, *vocab);
    return;
  }
  const Tokenizer tokenizer(flags.tokenizer);
  const LinePrinter printer(flags, vocab ? &*vocab : nullptr);
  if (flags.text) {
    printer.print(tokenizer.tokenize(*flags.text));
    return;
  }
  LineCollector collector(printer);
  CorpusReader(flags.input, tokenizer).read(collector);
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto flags = std::make_shared<TokenizeFlags>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Turn text into tokens, or into ids with --vocab (one output line per input line)");
  cmd->add_option("input", flags->input, "Text file ('-' or nothing reads stdin)");
  cmd->add_option("-t,--text", flags->text, "Tokenize this string instead of a file");
  cmd->add_option("-v,--vocab", flags->vocab_path, "Vocabulary file: print ids instead of tokens");
  cmd->add_flag("--json", flags->json, "One JSON object per line: {\"tokens\": [...], \"ids\": [...]}");
  cmd->add_flag("--decode", flags->decode, "Read lines of ids and print their words (needs --vocab)");
  cmd->add_flag("--bos", flags->bos, "Start each line's ids with <bos> (needs --vocab)");
  cmd->add_flag("--eos", flags->eos, "End each line's ids with <eos> (needs --vocab)");
  cmd->add_flag("--pieces", flags->subword.pieces, "Print the pieces instead of ids")->group("Subword tokenizer");
  cmd->add_flag("--offsets", flags->subword.offsets, "Print id:begin-end (byte offsets in the line)")
      ->group("Subword tokenizer");
  cmd->add_option("--pair", flags->subword.pair, "Second text of a pair, with --text ([CLS] A [SEP] B [SEP])")
      ->group("Subword tokenizer");
  cmd->add_flag("--no-special", flags->subword.no_special, "Leave out the special tokens the tokenizer adds")
      ->group("Subword tokenizer");
  cmd->add_flag("--keep-special", flags->subword.keep_special, "With --decode: keep special tokens in the text")
      ->group("Subword tokenizer");
  cmd->add_option("--threads", flags->subword.threads, "Threads encoding lines (0 = all cores)")
      ->check(whole_number(0, 256))
      ->group("Subword tokenizer");
  cmd->add_option("--nbest", flags->subword.nbest, "Print each line's N best segmentations, tab-separated (Unigram)")
      ->check(whole_number(1, 1024))
      ->group("Subword tokenizer");
  auto* sample = cmd->add_option("--sample", flags->subword.sample,
                                 "A random segmentation: Unigram smoothing alpha, or BPE-dropout probability (<= 1)")
                     ->check(real_number(0, 1000))
                     ->group("Subword tokenizer");
  cmd->add_option("--nbest-size", flags->subword.nbest_size,
                  "With --sample (Unigram): draw from the N best (without it: from all segmentations)")
      ->check(whole_number(2, 1024))
      ->needs(sample)
      ->group("Subword tokenizer");
  cmd->add_option("--seed", flags->subword.seed, "With --sample: random seed (line i draws from stream i)")
      ->check(whole_number(0, std::numeric_limits<std::uint64_t>::max()))
      ->needs(sample)
      ->group("Subword tokenizer");
  add_text_flags(*cmd, flags->tokenizer);
  cmd->footer(std::string(
      "Examples:\n"
      "  embedkit tokenize --text 'Hello, World!' --split words --lower\n"
      "      hello , world !\n"
      "  embedkit tokenize corpus.txt --vocab vocab.tsv > ids.txt\n"
      "      one line of ids per input line; unknown words become <unk>'s id\n"
      "  embedkit tokenize --vocab vocab.tsv --decode ids.txt\n"
      "      back to words (<pad>, <bos>, <eos> dropped)\n"
      "  cat reviews.txt | embedkit tokenize --vocab vocab.tsv --json --eos\n"
      "  embedkit tokenize --tokenizer tokenizer.json --text 'Tokenizers split words' --pieces\n"
      "      [CLS] token ##izer ##s split words [SEP]\n"
      "  embedkit tokenize --tokenizer spm.model corpus.txt --threads 2 > ids.txt\n"
      "  embedkit tokenize --tokenizer spm.model --decode ids.txt\n"
      "  embedkit tokenize --tokenizer spm.model --text 'Hello world' --nbest 3 --pieces\n"
      "      ▁H ell o ▁world<TAB>▁He l lo ▁world<TAB>▁H el lo ▁world   (best first)\n"
      "  embedkit tokenize --tokenizer spm.model corpus.txt --sample 0.1 --seed 7\n"
      "      a random segmentation per line (subword regularization; BPE: dropout 0.1)\n"
      "  embedkit tokenize --tokenizer tokenizer.json --text 'Héllo' --json\n"
      "      {\"ids\": [...], \"pieces\": [...], \"offsets\": [[0, 6]], \"char_offsets\": [[0, 5]]}\n"
      "\n"
      "With --tokenizer the file decides normalization, splitting and ids exactly as Hugging Face's\n"
      "tokenizers or SentencePiece would; offsets are byte ranges in the line (char_offsets: code points).\n"
      "\n") + kTextFlagsHelp);
  cmd->callback([flags, cmd] { run(*flags, *cmd); });
}

}  // namespace embedkit::cli
