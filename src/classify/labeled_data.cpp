#include "embedkit/classify/labeled_data.h"

#include <atomic>

#include <algorithm>

#include <fmt/format.h>

#include "core/read_whole_file.h"
#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/text/utf8.h"

namespace embedkit {
namespace {

// Windows-1252's 0x80..0x9F (WHATWG mapping: the five unassigned bytes map to C1 controls).
constexpr char32_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string to_utf8(std::string_view bytes, TextEncoding encoding) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 16);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out.push_back(c);
    } else if (encoding == TextEncoding::cp1252 && b < 0xA0) {
      append_utf8(out, kCp1252High[b - 0x80]);
    } else {
      append_utf8(out, b);  // Latin-1 and the rest of cp1252 are the first 256 code points
    }
  }
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim_line_end(std::string_view line) {
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

void add_label(std::vector<std::string>& labels, std::string_view label) {
  if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.emplace_back(label);
}

LabeledFormat detect_format(std::string_view first_line, const LabeledDataOptions& options,
                            std::string_view source, std::size_t line_number) {
  std::vector<std::string> tokens;
  split_tokens(first_line, tokens);
  for (const auto& t : tokens) {
    if (t.starts_with(options.label_prefix)) return LabeledFormat::fasttext;
  }
  if (first_line.find('\t') != std::string_view::npos) return LabeledFormat::tsv;
  if (options.labels_optional) {
    // Text to classify, unless it starts with what label-first data (SST-2's stsa files: "1 a
    // gorgeous film") puts there: a number could be the gold label or a word, so do not guess.
    const bool number_first = tokens.size() >= 2 && !tokens.front().empty() &&
                              std::all_of(tokens.front().begin(), tokens.front().end(),
                                          [](char c) { return c >= '0' && c <= '9'; });
    EMBEDKIT_CHECK(!number_first, FormatError,
                   fmt::format("{}:{}: cannot tell whether the leading {:?} is a label (label-first data, as SST-2's "
                               "stsa files) or a word of the text; pass --format label-first (its label is then "
                               "ignored) or --format fasttext (plain text)",
                               source, line_number, tokens.front()));
    return LabeledFormat::fasttext;  // plain text to classify
  }
  throw FormatError(fmt::format(
      "{}:{}: cannot tell the format: no '{}' label and no TAB on the first line; pass --format "
      "fasttext|tsv|label-first",
      source, line_number, options.label_prefix));
}

}  // namespace

LabeledFormat parse_labeled_format(std::string_view name) {
  if (name == "detect" || name == "auto") return LabeledFormat::detect;
  if (name == "fasttext") return LabeledFormat::fasttext;
  if (name == "tsv") return LabeledFormat::tsv;
  if (name == "label-first") return LabeledFormat::label_first;
  throw ArgumentError(fmt::format("unknown data format '{}' (expected detect, fasttext, tsv or label-first)", name));
}

TextEncoding parse_text_encoding(std::string_view name) {
  if (name == "utf-8" || name == "utf8" || name == "UTF-8") return TextEncoding::utf8;
  if (name == "cp1252" || name == "windows-1252") return TextEncoding::cp1252;
  if (name == "latin1" || name == "latin-1" || name == "iso-8859-1") return TextEncoding::latin1;
  throw ArgumentError(fmt::format("unknown encoding '{}' (expected utf-8, cp1252 or latin1)", name));
}

void split_examples_with(LabeledData& data, const TokenSplitter& splitter) {
  // On threads that rethrow (a splitter may refuse text, e.g. a model without an unknown token);
  // the error names the example's line.
  std::atomic<std::size_t> next{0};
  ThreadGroup group(job_threads(0, data.examples.size()), [&](std::size_t) {
    for (std::size_t i; (i = next.fetch_add(256)) < data.examples.size();) {
      for (std::size_t k = i; k < std::min(i + 256, data.examples.size()); ++k) {
        LabeledExample& ex = data.examples[k];
        std::string text;
        for (const std::string& t : ex.tokens) {
          if (!text.empty()) text.push_back(' ');
          text += t;
        }
        ex.tokens.clear();
        try {
          splitter.split(text, [&](std::string_view piece) { ex.tokens.emplace_back(piece); });
        } catch (const FormatError& e) {
          throw FormatError(fmt::format("{}:{}: {}", data.source, ex.line, e.what()));
        }
      }
    }
  });
  group.join();
}

void split_tokens(std::string_view text, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
}

LabeledData parse_labeled_text(std::string_view raw, std::string_view source, const LabeledDataOptions& options) {
  EMBEDKIT_CHECK(!options.label_prefix.empty() || options.format != LabeledFormat::fasttext, ArgumentError,
                 "the label prefix must not be empty");
  std::string converted;
  std::string_view data = raw;
  if (options.encoding != TextEncoding::utf8) {
    converted = to_utf8(raw, options.encoding);
    data = converted;
  }

  LabeledData result;
  result.source = std::string(source);
  result.format = options.format;
  std::size_t line_number = options.first_line - 1;
  std::size_t pos = 0;
  bool header_checked = false;
  while (pos < data.size()) {
    const std::size_t end = std::min(data.find('\n', pos), data.size());
    const std::string_view line = trim_line_end(data.substr(pos, end - pos));
    const std::size_t line_start = pos;
    pos = end + 1;
    ++line_number;

    if (options.encoding == TextEncoding::utf8) {
      if (const auto bad = find_invalid_utf8(line)) {
        throw FormatError(fmt::format(
            "{}:{}: invalid UTF-8 at byte {} of the file (0x{:02X}); if the file is Windows-1252 or Latin-1 "
            "(as Pang & Lee's rt-polarity files are), pass --encoding cp1252",
            source, line_number, line_start + *bad, static_cast<unsigned char>(line[*bad])));
      }
    }
    if (std::all_of(line.begin(), line.end(), is_space)) {
      if (options.skip_incomplete) {
        ++result.skipped;
        continue;
      }
      throw FormatError(fmt::format("{}:{}: empty line (every line must be one example)", source, line_number));
    }
    if (result.format == LabeledFormat::detect) result.format = detect_format(line, options, source, line_number);

    LabeledExample ex;
    ex.line = line_number;
    switch (result.format) {
      case LabeledFormat::fasttext: {
        std::vector<std::string> tokens;
        split_tokens(line, tokens);
        for (auto& t : tokens) {
          if (t.starts_with(options.label_prefix)) {
            EMBEDKIT_CHECK(t.size() > options.label_prefix.size(), FormatError,
                           fmt::format("{}:{}: '{}' names no label", source, line_number, t));
            add_label(ex.labels, std::string_view(t).substr(options.label_prefix.size()));
          } else {
            ex.tokens.push_back(std::move(t));
          }
        }
        break;
      }
      case LabeledFormat::tsv: {
        const std::size_t tab = line.rfind('\t');
        if (tab == std::string_view::npos) {
          EMBEDKIT_CHECK(options.labels_optional, FormatError,
                         fmt::format("{}:{}: no TAB: expected 'text<TAB>label'", source, line_number));
          split_tokens(line, ex.tokens);
          break;
        }
        std::string_view label = line.substr(tab + 1);
        while (!label.empty() && is_space(label.back())) label.remove_suffix(1);
        while (!label.empty() && is_space(label.front())) label.remove_prefix(1);
        if (!header_checked && label == "label") {
          header_checked = true;
          continue;  // GLUE's "sentence<TAB>label" header
        }
        EMBEDKIT_CHECK(!label.empty() || options.labels_optional, FormatError,
                       fmt::format("{}:{}: the label field after the last TAB is empty", source, line_number));
        if (!label.empty()) add_label(ex.labels, label);
        split_tokens(line.substr(0, tab), ex.tokens);
        break;
      }
      case LabeledFormat::label_first: {
        split_tokens(line, ex.tokens);
        add_label(ex.labels, ex.tokens.front());
        ex.tokens.erase(ex.tokens.begin());
        break;
      }
      case LabeledFormat::detect:
        break;
    }
    header_checked = true;
    if (options.skip_incomplete && result.format == LabeledFormat::fasttext) {
      if (ex.labels.empty()) {
        ++result.skipped;
        continue;
      }
      if (ex.tokens.empty()) {  // labels alone: fastText keeps it, its one feature the line's end
        result.examples.push_back(std::move(ex));
        continue;
      }
    }
    if (ex.labels.empty() && !options.labels_optional) {
      throw FormatError(fmt::format("{}:{}: no label{}", source, line_number,
                                    result.format == LabeledFormat::fasttext
                                        ? fmt::format(" (no token starts with '{}')", options.label_prefix)
                                        : std::string()));
    }
    if (ex.tokens.empty()) {
      throw FormatError(fmt::format("{}:{}: a label but no text", source, line_number));
    }
    result.examples.push_back(std::move(ex));
  }
  EMBEDKIT_CHECK(!result.examples.empty(), FormatError, fmt::format("{}: no examples (the input is empty)", source));
  return result;
}

LabeledData read_labeled_file(const std::string& path, const LabeledDataOptions& options) {
  const std::string data = detail::read_whole_file(path);
  return parse_labeled_text(data, path == "-" ? "<stdin>" : path, options);
}

}  // namespace embedkit
