// embedkit encode: each token's contextual vector in its sentence, from a pretrained encoder.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/encode/contextual_encoder.h"
#include "embedkit/io/vector_io.h"
#include "human_format.h"
#include "output_paths.h"

namespace embedkit::cli {
namespace {

struct EncodeFlags {
  std::string model;
  std::vector<std::string> text;
  std::string npy;
  bool json = false;
  int precision = 4;
};

void print_sentence(const ContextualEncoder& model, const std::vector<std::string>& tokens, const EncodeFlags& flags) {
  const ContextualEncoder::Encoded out = model.encode(tokens);
  const std::size_t d = model.dim();
  if (flags.json) {
    nlohmann::json vectors = nlohmann::json::array();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      vectors.push_back(std::vector<float>(out.vectors.begin() + static_cast<std::ptrdiff_t>(i * d),
                                           out.vectors.begin() + static_cast<std::ptrdiff_t>((i + 1) * d)));
    }
    std::vector<bool> known;
    for (const TokenId id : out.ids) known.push_back(id != model.unknown_id());
    fmt::print("{}\n", nlohmann::json{{"tokens", tokens}, {"known", known}, {"vectors", vectors}}.dump(
                           -1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::string line = printable(tokens[i]);
    if (out.ids[i] == model.unknown_id()) line += " (unknown)";
    for (std::size_t c = 0; c < d; ++c) line += fmt::format(" {:.{}f}", out.vectors[i * d + c], flags.precision);
    fmt::print("{}\n", line);
  }
}

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> tokens;
  for (std::string t; in >> t;) tokens.push_back(t);
  return tokens;
}

void run(const EncodeFlags& flags) {
  if (!flags.npy.empty()) {
    EMBEDKIT_CHECK(!flags.text.empty(), ArgumentError, "--npy writes one sentence: give it on the command line");
    (void)file_output(flags.npy, "--npy", "the vectors");
    check_writable(flags.npy, "--npy");
  }
  const ContextualEncoder model = ContextualEncoder::load(flags.model);
  if (!flags.text.empty()) {
    std::string joined;
    for (const std::string& t : flags.text) joined += (joined.empty() ? "" : " ") + t;
    const std::vector<std::string> tokens = split(joined);
    EMBEDKIT_CHECK(!tokens.empty(), ArgumentError, "the sentence has no tokens");
    if (!flags.npy.empty()) {
      const ContextualEncoder::Encoded out = model.encode(tokens);
      save_npy_matrix(flags.npy, out.vectors, tokens.size(), model.dim());
      fmt::print(stderr, "wrote {}: {} tokens x {}\n", printable(flags.npy), tokens.size(), model.dim());
      return;
    }
    print_sentence(model, tokens, flags);
    return;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    const std::vector<std::string> tokens = split(line);
    if (tokens.empty()) continue;
    print_sentence(model, tokens, flags);
    std::fflush(stdout);
  }
}

}  // namespace

void add_encode_command(CLI::App& app) {
  auto flags = std::make_shared<EncodeFlags>();
  CLI::App* cmd = app.add_subcommand("encode", "Each token's contextual vector in its sentence (a pretrained encoder)");
  cmd->add_option("model", flags->model, "Encoder file written by 'embedkit pretrain'")->required();
  cmd->add_option("text", flags->text, "The sentence (default: one sentence a line from stdin)");
  cmd->add_option("--npy", flags->npy, "Write the sentence's vectors (tokens x dim) as a NumPy .npy file");
  cmd->add_option("--precision", flags->precision, "Decimals printed")->check(CLI::Range(0, 9))->capture_default_str();
  cmd->add_flag("--json", flags->json, "One JSON object a sentence: tokens, known, vectors");
  cmd->footer(
      "Examples:\n"
      "  embedkit encode encoder.ekv \"he sat on the bank of the river\"\n"
      "  embedkit encode encoder.ekv \"money in the bank\" --npy bank.npy\n"
      "  printf 'a river bank\\na bank loan\\n' | embedkit encode encoder.ekv --json\n"
      "\n"
      "Tokens split on whitespace; words the encoder does not know read as <unk> (marked). Sentences\n"
      "longer than the encoder's windows are encoded window by window.\n");
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
