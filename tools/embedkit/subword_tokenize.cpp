// embedkit tokenize --tokenizer FILE: text -> subword ids (or pieces, offsets, JSON) with a
// Hugging Face tokenizer.json or a SentencePiece .model, lines encoded in batches over threads;
// --decode maps lines of ids back to text. --nbest N prints each line's N best segmentations
// (Unigram models), --sample ALPHA a random one (subword regularization, BPE-dropout).
#include "subword_tokenize.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "embedkit/core/error.h"
#include "human_format.h"

namespace embedkit::cli {
namespace {

// Lines are read and encoded this many at a time: enough to keep every thread busy, few enough
// that output starts at once.
constexpr std::size_t kBatchLines = 4096;

std::string pieces_line(const Encoding& e) {
  std::string out;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (i) out.push_back(' ');
    out += e.pieces[i];
  }
  return out;
}

void print_encoding(std::string_view text, const Encoding& e, const SubwordTokenizeFlags& flags, bool terminal,
                    bool pair = false) {
  if (flags.json) {
    nlohmann::json offsets = nlohmann::json::array();
    for (auto [b, end] : e.offsets) offsets.push_back({b, end});
    nlohmann::json line{{"ids", e.ids}, {"pieces", e.pieces}, {"offsets", offsets}};
    if (!pair) {  // a pair's second offsets are into the second text
      nlohmann::json chars = nlohmann::json::array();
      for (auto [b, end] : code_point_offsets(text, e.offsets)) chars.push_back({b, end});
      line["char_offsets"] = chars;
    }
    if (std::find(e.type_ids.begin(), e.type_ids.end(), 1) != e.type_ids.end()) line["type_ids"] = e.type_ids;
    fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  if (flags.pieces) {
    const std::string line = pieces_line(e);
    fmt::print("{}\n", terminal ? printable(line) : line);
  } else if (flags.offsets) {
    std::string line;
    for (std::size_t i = 0; i < e.size(); ++i) {
      line += fmt::format("{}{}:{}-{}", i ? " " : "", e.ids[i], e.offsets[i].first, e.offsets[i].second);
    }
    fmt::print("{}\n", line);
  } else {
    fmt::print("{}\n", fmt::join(e.ids, " "));
  }
}

// The n best of one line: tab-separated segmentations (ids or pieces), or one JSON object.
void print_nbest(std::string_view text, const std::vector<ScoredEncoding>& nbest, const SubwordTokenizeFlags& flags,
                 bool terminal) {
  if (flags.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const ScoredEncoding& s : nbest) {
      nlohmann::json offsets = nlohmann::json::array();
      for (auto [b, end] : s.encoding.offsets) offsets.push_back({b, end});
      nlohmann::json chars = nlohmann::json::array();
      for (auto [b, end] : code_point_offsets(text, s.encoding.offsets)) chars.push_back({b, end});
      list.push_back({{"score", s.score}, {"ids", s.encoding.ids}, {"pieces", s.encoding.pieces},
                      {"offsets", offsets}, {"char_offsets", chars}});
    }
    fmt::print("{}\n", nlohmann::json{{"nbest", list}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  std::string line;
  for (std::size_t i = 0; i < nbest.size(); ++i) {
    if (i) line.push_back('\t');
    line += flags.pieces ? pieces_line(nbest[i].encoding) : fmt::format("{}", fmt::join(nbest[i].encoding.ids, " "));
  }
  fmt::print("{}\n", terminal ? printable(line) : line);
}

std::vector<std::int32_t> parse_ids(std::string_view line, const std::string& name, std::uint64_t line_number) {
  std::vector<std::int32_t> ids;
  std::size_t pos = 0;
  for (;;) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r')) ++pos;
    if (pos >= line.size()) break;
    std::size_t end = pos;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r') ++end;
    const std::string_view field = line.substr(pos, end - pos);
    std::int32_t id = 0;
    const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), id);
    EMBEDKIT_CHECK(ec == std::errc() && ptr == field.data() + field.size() && id >= 0, FormatError,
                   fmt::format("{}:{}: {:?} is not a token id", name, line_number, field));
    ids.push_back(id);
    pos = end;
  }
  return ids;
}

}  // namespace

void run_subword_tokenize(const SubwordTokenizeFlags& flags) {
  const auto tok = SubwordTokenizer::load(flags.tokenizer);
  SubwordEncodeOptions options{.add_special_tokens = !flags.no_special};
  EMBEDKIT_CHECK(!(flags.nbest && flags.sample), ArgumentError, "--nbest and --sample do not go together");
  EMBEDKIT_CHECK(!flags.decode || (!flags.nbest && !flags.sample), ArgumentError, "--nbest and --sample do not go with --decode");
  EMBEDKIT_CHECK(!flags.nbest || !flags.pair, ArgumentError, "--nbest takes one text, not a --pair");
  EMBEDKIT_CHECK(!flags.nbest || !flags.offsets, ArgumentError, "--nbest prints ids or --pieces (or --json for offsets)");
  if (flags.sample) options.sampling = SubwordSampling{*flags.sample, flags.nbest_size, flags.seed, 0};
  const bool terminal = stdout_is_terminal();
  if (flags.text && flags.nbest) {
    print_nbest(*flags.text, tok->encode_nbest(*flags.text, *flags.nbest, options), flags, terminal);
    return;
  }
  if (flags.text && !flags.decode) {
    const Encoding e = flags.pair ? tok->encode_pair(*flags.text, *flags.pair, options) : tok->encode(*flags.text, options);
    print_encoding(*flags.text, e, flags, terminal, flags.pair.has_value());
    return;
  }
  EMBEDKIT_CHECK(!flags.pair, ArgumentError, "--pair goes with --text");
  std::ifstream file;
  std::istream* in = &std::cin;
  if (flags.input != "-") {
    file.open(flags.input, std::ios::binary);
    if (!file) throw IoError(detail::with_errno(fmt::format("cannot open '{}'", flags.input), errno));
    in = &file;
  }
  const std::string name = flags.input == "-" ? "<stdin>" : flags.input;
  std::uint64_t line_number = 0;
  if (flags.decode) {
    for (std::string line; std::getline(*in, line);) {
      ++line_number;
      const std::vector<std::int32_t> ids = parse_ids(line, name, line_number);
      for (std::int32_t id : ids) {
        try {
          (void)tok->id_to_piece(id);
        } catch (const ArgumentError&) {
          throw FormatError(fmt::format("{}:{}: id {} is not in the tokenizer's vocabulary", name, line_number, id));
        }
      }
      const std::string text = tok->decode(ids, !flags.keep_special);
      fmt::print("{}\n", terminal ? printable(text) : text);
    }
    return;
  }
  std::vector<std::string> lines;
  std::vector<std::string_view> views;
  for (bool more = true; more;) {
    lines.clear();
    std::string line;
    while (lines.size() < kBatchLines && (more = static_cast<bool>(std::getline(*in, line)))) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
    }
    if (flags.nbest) {
      for (std::size_t i = 0; i < lines.size(); ++i) {
        try {
          print_nbest(lines[i], tok->encode_nbest(lines[i], *flags.nbest, options), flags, terminal);
        } catch (const FormatError& e) {
          throw FormatError(fmt::format("{}:{}: {}", name, line_number + i + 1, e.what()));
        }
      }
      line_number += lines.size();
      continue;
    }
    views.assign(lines.begin(), lines.end());
    if (options.sampling) options.sampling->stream = line_number;  // line k (from 0) draws from stream k
    std::vector<Encoding> encodings;
    try {
      encodings = tok->encode_batch(views, options, flags.threads);
    } catch (const FormatError&) {
      // Find the line to name it: the batch stops at the first error of any thread.
      for (std::size_t i = 0; i < lines.size(); ++i) {
        try {
          (void)tok->encode(lines[i], options);
        } catch (const FormatError& e) {
          throw FormatError(fmt::format("{}:{}: {}", name, line_number + i + 1, e.what()));
        }
      }
      throw;
    }
    for (std::size_t i = 0; i < lines.size(); ++i) print_encoding(lines[i], encodings[i], flags, terminal);
    line_number += lines.size();
  }
}

}  // namespace embedkit::cli
