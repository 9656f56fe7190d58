// Labeled text for classifiers: one example per line, in fastText's format or as TSV.
//
//   embedkit::LabeledData train = embedkit::read_labeled_file("train.txt", {});
//   for (const auto& ex : train.examples) { ex.tokens; ex.labels; ex.line; }
//
// Formats:
//   fasttext     tokens starting with the label prefix ("__label__" by default) are labels,
//                anywhere on the line; every other token is text ("__label__pos great fun !").
//   tsv          "text<TAB>label": the label is the last TAB-separated field. A first line whose
//                label field is literally "label" (GLUE's header) is skipped.
//   label-first  the first token is the label ("1 a stirring , funny ..." as in SST-2's stsa files).
//   detect       fasttext when the first line has a prefixed token, else tsv when it has a TAB;
//                otherwise plain text when labels are optional, else an error asking for --format.
// Text splits on ASCII whitespace, as fastText does (the data is expected to be tokenized).
// Encodings: UTF-8 (strict: the first ill-formed byte is an error naming file, line and byte, with
// a hint), or Windows-1252 / Latin-1, transcoded to UTF-8 (Pang & Lee's rt-polarity files are
// Windows-1252). Errors, never silent skips: an empty line, a line without a label (unless
// labels are optional, for prediction), a line with a label but no text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/text/tokenizer.h"

namespace embedkit {

enum class LabeledFormat { detect, fasttext, tsv, label_first };
enum class TextEncoding { utf8, cp1252, latin1 };

/// "detect", "fasttext", "tsv", "label-first" -> LabeledFormat; ArgumentError otherwise.
[[nodiscard]] LabeledFormat parse_labeled_format(std::string_view name);
/// "utf-8"/"utf8", "cp1252"/"windows-1252", "latin1"/"iso-8859-1" -> TextEncoding.
[[nodiscard]] TextEncoding parse_text_encoding(std::string_view name);

struct LabeledDataOptions {
  LabeledFormat format = LabeledFormat::detect;
  std::string label_prefix = "__label__";
  TextEncoding encoding = TextEncoding::utf8;
  bool labels_optional = false;  ///< for prediction input: lines may carry no label
  /// fastText's own reading of its format: blank lines and lines without a label are skipped
  /// (counted in LabeledData::skipped), and a line of labels alone is an example with no words
  /// (its one feature is the end of the line), instead of each being an error.
  bool skip_incomplete = false;
  std::size_t first_line = 1;    ///< the number of the first line, in messages (for streamed input)
};

struct LabeledExample {
  std::vector<std::string> tokens;
  std::vector<std::string> labels;  ///< without the prefix; in line order, duplicates removed
  std::size_t line = 0;             ///< 1-based line in the source
};

struct LabeledData {
  std::vector<LabeledExample> examples;
  LabeledFormat format = LabeledFormat::detect;  ///< the format actually read
  std::size_t skipped = 0;                       ///< lines left out under skip_incomplete
  std::string source;
};

/// Reads `path` ("-" = stdin). Throws IoError or FormatError naming the file and line.
[[nodiscard]] LabeledData read_labeled_file(const std::string& path, const LabeledDataOptions& options);

/// Parses bytes in memory; `source` names them in errors.
[[nodiscard]] LabeledData parse_labeled_text(std::string_view data, std::string_view source,
                                             const LabeledDataOptions& options);

/// Splits one line of text (already UTF-8) into tokens on ASCII whitespace.
void split_tokens(std::string_view text, std::vector<std::string>& out);

/// Replaces every example's tokens by `splitter`'s (a subword tokenizer's pieces) of its text,
/// the tokens joined by single spaces. In parallel; the result does not depend on the threads.
void split_examples_with(LabeledData& data, const TokenSplitter& splitter);

}  // namespace embedkit
