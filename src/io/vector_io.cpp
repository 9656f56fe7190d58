#include "embedkit/io/vector_io.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstring>

#include "embedkit/core/error.h"
#include "embedkit/core/mapped_file.h"
#include "formats.h"

namespace embedkit {
namespace {

struct FormatName {
  VectorFormat format;
  std::string_view name;
};
constexpr FormatName kNames[] = {
    {VectorFormat::word2vec_text, "word2vec"}, {VectorFormat::word2vec_binary, "word2vec-bin"},
    {VectorFormat::glove, "glove"},            {VectorFormat::fasttext_bin, "fasttext"},
    {VectorFormat::npy, "npy"},                {VectorFormat::safetensors, "safetensors"},
    {VectorFormat::native, "native"},          {VectorFormat::detect, "detect"},
};
constexpr FormatName kAliases[] = {
    {VectorFormat::word2vec_text, "vec"},          {VectorFormat::word2vec_text, "w2v"},
    {VectorFormat::word2vec_text, "text"},         {VectorFormat::word2vec_text, "txt"},
    {VectorFormat::word2vec_binary, "w2v-bin"},    {VectorFormat::word2vec_binary, "word2vec-binary"},
    {VectorFormat::fasttext_bin, "bin"},           {VectorFormat::fasttext_bin, "fasttext-bin"},
    {VectorFormat::native, "ekv"},                 {VectorFormat::native, "embedkit"},
    {VectorFormat::detect, "auto"},
};

std::string_view extension(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return path.substr(dot + 1);
}

// The vocabulary file beside an npy/safetensors file: "x.npy" -> "x.vocab".
std::string default_vocabulary_path(const std::string& path) {
  const std::string_view ext = extension(path);
  return ext.empty() ? path + ".vocab" : path.substr(0, path.size() - ext.size()) + "vocab";
}

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// Plausible fastText args at the start of an old-format (no magic) .bin file.
bool looks_like_old_fasttext(std::string_view head) {
  if (head.size() < 56) return false;
  std::int32_t a[12];
  std::memcpy(a, head.data(), sizeof a);
  return a[0] > 0 && a[0] <= 100000 && a[1] > 0 && a[1] <= 1000 && a[2] > 0 && a[2] <= 100000 && a[3] >= 0 &&
         a[4] >= 0 && a[4] <= 1000 && a[5] >= 1 && a[5] <= 100 && a[6] >= 1 && a[6] <= 4 && a[7] >= 1 && a[7] <= 3 &&
         a[8] >= 0 && a[9] >= 0 && a[9] <= 100 && a[10] >= 0 && a[10] <= 100 && a[11] > 0;
}

}  // namespace

std::string_view vector_format_name(VectorFormat format) noexcept {
  for (const auto& n : kNames) {
    if (n.format == format) return n.name;
  }
  return "unknown";
}

VectorFormat parse_vector_format(std::string_view name) {
  for (const auto& n : kNames) {
    if (n.name == name) return n.format;
  }
  for (const auto& n : kAliases) {
    if (n.name == name) return n.format;
  }
  throw ArgumentError(fmt::format("unknown vector format {:?}: use word2vec, word2vec-bin, glove, fasttext, npy, "
                                  "safetensors or native",
                                  name),
                      "a known format");
}

VectorFormat detect_vector_format(std::string_view head, std::string_view path) {
  if (head.substr(0, 8) == "EMBEDKIT") return VectorFormat::native;
  if (head.substr(0, 6) == "\x93NUMPY") return VectorFormat::npy;
  if (head.size() >= 4) {
    std::int32_t magic = 0;
    std::memcpy(&magic, head.data(), 4);
    if (magic == 793712314) return VectorFormat::fasttext_bin;
  }
  if (head.size() >= 9 && head[8] == '{') {
    std::uint64_t size = 0;
    std::memcpy(&size, head.data(), 8);
    if (size < (std::uint64_t{1} << 32U)) return VectorFormat::safetensors;
  }
  if (looks_like_old_fasttext(head)) return VectorFormat::fasttext_bin;
  // Text or word2vec binary: a "rows dim" header line, then text or raw floats.
  const std::size_t newline = head.find('\n');
  const std::string_view first = head.substr(0, newline);
  std::size_t digits = 0, spaces = 0;
  bool only_header_chars = !first.empty();
  for (const char c : first) {
    if (c >= '0' && c <= '9') ++digits;
    else if (c == ' ') ++spaces;
    else if (c != '\r') only_header_chars = false;
  }
  if (only_header_chars && digits >= 2 && spaces >= 1 && newline != std::string_view::npos) {
    for (const char c : head.substr(newline + 1)) {
      const auto u = static_cast<unsigned char>(c);
      if (u == 0 || (u < 0x20 && c != '\n' && c != '\r' && c != '\t') || u == 0x7F) return VectorFormat::word2vec_binary;
    }
    return VectorFormat::word2vec_text;
  }
  // A first line "word number number ..." is GloVe.
  const std::size_t space = first.find(' ');
  if (space != std::string_view::npos && space > 0 && space + 1 < first.size()) {
    const char c = first[space + 1];
    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') return VectorFormat::glove;
  }
  const std::string_view ext = extension(path);
  for (const auto& n : kAliases) {
    if (n.name == ext && n.format != VectorFormat::detect) return n.format;
  }
  if (ext == "npy") return VectorFormat::npy;
  if (ext == "safetensors") return VectorFormat::safetensors;
  throw FormatError(fmt::format("{}: cannot tell the vector format from its first bytes; pass it explicitly "
                                "(--format word2vec|word2vec-bin|glove|fasttext|npy|safetensors|native)",
                                path),
                    "a known format");
}

WordVectors parse_vectors(std::string_view bytes, std::string_view source, const LoadOptions& options) {
  const VectorFormat format = options.format == VectorFormat::detect
                                  ? detect_vector_format(bytes.substr(0, 4096), source)
                                  : options.format;
  switch (format) {
    case VectorFormat::word2vec_text: return detail::parse_text_vectors(bytes, source, true, options);
    case VectorFormat::glove: return detail::parse_text_vectors(bytes, source, false, options);
    case VectorFormat::word2vec_binary: return detail::parse_word2vec_binary(bytes, source, options);
    case VectorFormat::fasttext_bin: return detail::parse_fasttext_bin(bytes, source, options);
    case VectorFormat::native: return detail::parse_native(bytes, source, options);
    case VectorFormat::npy:
    case VectorFormat::safetensors: {
      std::shared_ptr<MappedFile> words;
      if (!options.vocabulary_path.empty()) words = MappedFile::open(options.vocabulary_path);
      const std::string_view word_bytes = words ? words->bytes() : std::string_view();
      const std::string_view words_source = options.vocabulary_path;
      if (format == VectorFormat::npy) {
        EMBEDKIT_CHECK(words != nullptr, ArgumentError,
                       fmt::format("{}: .npy holds no words; give a vocabulary file", source));
        return detail::parse_npy(bytes, source, word_bytes, words_source, options);
      }
      return detail::parse_safetensors(bytes, source, word_bytes, words_source, options);
    }
    case VectorFormat::detect: break;
  }
  throw ArgumentError("no vector format given", "a format");
}

WordVectors load_vectors(const std::string& path, const LoadOptions& options) {
  std::shared_ptr<MappedFile> file = MappedFile::open(path, MappedFile::Access::copy_on_write);
  VectorFormat format = options.format;
  if (format == VectorFormat::detect) format = detect_vector_format(file->bytes().substr(0, 4096), path);
  if (format == VectorFormat::native) return detail::open_native(std::move(file), options);
  file->advise_sequential();
  LoadOptions resolved = options;
  resolved.format = format;
  if ((format == VectorFormat::npy || format == VectorFormat::safetensors) && resolved.vocabulary_path.empty()) {
    const std::string beside = default_vocabulary_path(path);
    if (format == VectorFormat::npy || file_exists(beside)) resolved.vocabulary_path = beside;
  }
  WordVectors vectors = parse_vectors(file->bytes(), path, resolved);
  vectors.metadata.try_emplace("source", path);
  return vectors;
}

void save_vectors(const WordVectors& vectors, const std::string& path, const SaveOptions& options) {
  VectorFormat format = options.format;
  if (format == VectorFormat::detect) {
    const std::string_view ext = extension(path);
    format = ext == "npy" ? VectorFormat::npy
             : ext == "safetensors" ? VectorFormat::safetensors
             : ext == "ekv" ? VectorFormat::native
             : ext == "vec" || ext == "txt" ? VectorFormat::word2vec_text
             : VectorFormat::detect;
    EMBEDKIT_CHECK(format != VectorFormat::detect, ArgumentError,
                   fmt::format("cannot tell which format to write {:?} in from its name; pass one", path));
  }
  if (format == VectorFormat::npy) {
    // The words first: an .npy without its vocabulary is useless.
    AtomicFileWriter words(options.vocabulary_path.empty() ? default_vocabulary_path(path) : options.vocabulary_path);
    const std::size_t rows = options.limit > 0 ? std::min(options.limit, vectors.size()) : vectors.size();
    std::string text;
    for (std::size_t i = 0; i < rows; ++i) {
      text += fmt::format("{}\t{}\n", vectors.words().word(static_cast<TokenId>(i)),
                          vectors.words().count(static_cast<TokenId>(i)));
    }
    words.write(text);
    words.commit();
  }
  AtomicFileWriter out(path);
  switch (format) {
    case VectorFormat::word2vec_text: detail::write_text_vectors(vectors, out, true, options.limit); break;
    case VectorFormat::glove: detail::write_text_vectors(vectors, out, false, options.limit); break;
    case VectorFormat::word2vec_binary: detail::write_word2vec_binary(vectors, out, options.limit); break;
    case VectorFormat::fasttext_bin:
      EMBEDKIT_CHECK(options.limit == 0, ArgumentError, "--limit is not supported when writing fastText .bin");
      detail::write_fasttext_bin(vectors, out);
      break;
    case VectorFormat::npy: detail::write_npy(vectors, out, options.limit); break;
    case VectorFormat::safetensors: detail::write_safetensors(vectors, out, options.limit); break;
    case VectorFormat::native: detail::write_native(vectors, out, options.limit); break;
    case VectorFormat::detect: break;
  }
  out.commit();
}

}  // namespace embedkit
