#include "embedkit/io/vector_io.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstring>

#include "core/directory_lock.h"
#include "embedkit/core/error.h"
#include "embedkit/core/same_file.h"
#include "embedkit/core/mapped_file.h"
#include "embedkit/io/native_format.h"
#include "formats.h"
#include "stored_tokenizer.h"

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
    {VectorFormat::native, "native"},          {VectorFormat::huggingface, "huggingface"},
    {VectorFormat::detect, "detect"},
};
constexpr FormatName kAliases[] = {
    {VectorFormat::word2vec_text, "vec"},          {VectorFormat::word2vec_text, "w2v"},
    {VectorFormat::word2vec_text, "text"},         {VectorFormat::word2vec_text, "txt"},
    {VectorFormat::word2vec_binary, "w2v-bin"},    {VectorFormat::word2vec_binary, "word2vec-binary"},
    {VectorFormat::fasttext_bin, "bin"},           {VectorFormat::fasttext_bin, "fasttext-bin"},
    {VectorFormat::native, "ekv"},                 {VectorFormat::native, "embedkit"},
    {VectorFormat::huggingface, "hf"},             {VectorFormat::huggingface, "hf-model"},
    {VectorFormat::huggingface, "transformers"},   {VectorFormat::detect, "auto"},
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

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
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

// Formats that end a word at a space cannot hold one: refuse before writing anything.
void refuse_words_with_spaces(const WordVectors& vectors, std::size_t limit, VectorFormat format,
                              const std::string& path) {
  const std::size_t rows = limit > 0 ? std::min(limit, vectors.size()) : vectors.size();
  for (std::size_t i = 0; i < rows; ++i) {
    const std::string_view word = vectors.words().word(static_cast<TokenId>(i));
    EMBEDKIT_CHECK(word.find(' ') == std::string_view::npos, ArgumentError,
                   fmt::format("{}: cannot write word {} ({:?}) in {} format, which ends words at a space; save "
                               "as native (.ekv), npy or safetensors instead",
                               path, i + 1, word, vector_format_name(format)));
  }
}

// An .npy and its vocabulary: both written and synced, then renamed together under the
// directory lock that readers open the pair under (see load_vectors). A failure before the
// renames leaves the old pair as it was.
void save_npy_pair(const WordVectors& vectors, const std::string& path, const SaveOptions& options) {
  const std::string vocabulary_path =
      options.vocabulary_path.empty() ? default_vocabulary_path(path) : options.vocabulary_path;
  EMBEDKIT_CHECK(!same_file(vocabulary_path, path), ArgumentError,
                 fmt::format("the vocabulary file {:?} is the .npy output itself; give another path", vocabulary_path));
  AtomicFileWriter words(vocabulary_path);
  const std::size_t rows = options.limit > 0 ? std::min(options.limit, vectors.size()) : vectors.size();
  fmt::memory_buffer text;
  for (std::size_t i = 0; i < rows; ++i) {
    fmt::format_to(std::back_inserter(text), "{}\t{}\n", vectors.words().word(static_cast<TokenId>(i)),
                   vectors.words().count(static_cast<TokenId>(i)));
  }
  words.write({text.data(), text.size()});
  AtomicFileWriter out(path);
  detail::write_npy(vectors, out, options.limit);
  words.sync();
  out.sync();
  const detail::DirectoryLock lock(path, detail::DirectoryLock::Mode::exclusive);
  words.commit();
  out.commit();
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
                                  "safetensors, native or huggingface",
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
  // A header with nothing after it (not even its newline) is still word2vec's, not a one-word
  // GloVe file: the reader then says what is missing.
  const bool whole_file = head.size() < 4096;
  if (only_header_chars && digits >= 2 && spaces >= 1 && (newline != std::string_view::npos || whole_file)) {
    if (newline == std::string_view::npos) return VectorFormat::word2vec_text;
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

namespace {

// npy and safetensors: the vectors' bytes and those of their vocabulary file (may be absent for
// safetensors, whose metadata can hold the words).
WordVectors parse_with_words(VectorFormat format, std::string_view bytes, std::string_view source,
                             const MappedFile* words, const LoadOptions& options) {
  const std::string_view word_bytes = words != nullptr ? words->bytes() : std::string_view();
  const std::string_view words_source = options.vocabulary_path;
  if (format == VectorFormat::npy) {
    EMBEDKIT_CHECK(words != nullptr, ArgumentError,
                   fmt::format("{}: .npy holds no words; give a vocabulary file", source));
    return detail::parse_npy(bytes, source, word_bytes, words_source, options);
  }
  return detail::parse_safetensors(bytes, source, word_bytes, words_source, options);
}

}  // namespace

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
    case VectorFormat::huggingface: {
      EMBEDKIT_CHECK(!options.tokenizer_path.empty(), ArgumentError,
                     fmt::format("{}: a Hugging Face model's tensors need its tokenizer: give its file "
                                 "(tokenizer_path), or load the model's folder",
                                 source));
      const std::shared_ptr<MappedFile> tokenizer = MappedFile::open(options.tokenizer_path);
      return detail::parse_huggingface(bytes, source,
                                       detail::read_piece_tokenizer(tokenizer->bytes(), options.tokenizer_path),
                                       options.tokenizer_path, options);
    }
    case VectorFormat::npy:
    case VectorFormat::safetensors: {
      std::shared_ptr<MappedFile> words;
      if (!options.vocabulary_path.empty()) words = MappedFile::open(options.vocabulary_path);
      return parse_with_words(format, bytes, source, words.get(), options);
    }
    case VectorFormat::detect: break;
  }
  throw ArgumentError("no vector format given", "a format");
}

WordVectors load_vectors(const std::string& path, const LoadOptions& options) {
  // A folder is a Hugging Face model; so is a .safetensors file asked for as one.
  const bool folder = is_directory(path);
  EMBEDKIT_CHECK(!folder || options.format == VectorFormat::detect || options.format == VectorFormat::huggingface,
                 ArgumentError,
                 fmt::format("{}: a folder holds no {} vectors; only a Hugging Face model folder is read as vectors",
                             path, vector_format_name(options.format)));
  if (folder || options.format == VectorFormat::huggingface) {
    WordVectors vectors = detail::load_huggingface(path, options);
    vectors.metadata.try_emplace("source", path);
    return vectors;
  }
  std::shared_ptr<MappedFile> file, words;
  LoadOptions resolved = options;
  {
    // Both files of an npy/safetensors pair are opened under the lock their writer renames them
    // under: the old pair or the new one, never a mix. (Only the opening: the mappings then
    // keep what they opened, however long the parse.)
    const detail::DirectoryLock lock(path, detail::DirectoryLock::Mode::shared);
    file = MappedFile::open(path, MappedFile::Access::copy_on_write);
    if (resolved.format == VectorFormat::detect) resolved.format = detect_vector_format(file->bytes().substr(0, 4096), path);
    if (resolved.format == VectorFormat::npy || resolved.format == VectorFormat::safetensors) {
      if (resolved.vocabulary_path.empty()) {
        const std::string beside = default_vocabulary_path(path);
        if (resolved.format == VectorFormat::npy || file_exists(beside)) resolved.vocabulary_path = beside;
      }
      if (resolved.format == VectorFormat::safetensors && resolved.vocabulary_path.empty() &&
          (!resolved.tokenizer_path.empty() || detail::is_model_safetensors(path, file->bytes()))) {
        resolved.format = VectorFormat::huggingface;
      }
      if (!resolved.vocabulary_path.empty()) words = MappedFile::open(resolved.vocabulary_path);
    }
  }
  if (resolved.format == VectorFormat::native) return detail::open_native(std::move(file), options);
  if (resolved.format == VectorFormat::huggingface) {
    WordVectors vectors = detail::load_huggingface(path, resolved);
    vectors.metadata.try_emplace("source", path);
    return vectors;
  }
  file->advise_sequential();
  WordVectors vectors = resolved.format == VectorFormat::npy || resolved.format == VectorFormat::safetensors
                            ? parse_with_words(resolved.format, file->bytes(), path, words.get(), resolved)
                            : parse_vectors(file->bytes(), path, resolved);
  vectors.metadata.try_emplace("source", path);
  return vectors;
}

bool verify_vectors(const std::string& path, const LoadOptions& options) {
  if (is_directory(path)) {
    (void)load_vectors(path, options);
    return false;
  }
  const std::shared_ptr<MappedFile> file = MappedFile::open(path);
  file->advise_sequential();
  const VectorFormat format =
      options.format == VectorFormat::detect ? detect_vector_format(file->bytes().substr(0, 4096), path) : options.format;
  if (format == VectorFormat::native) {
    (void)detail::parse_native(file->bytes(), path, options);
    std::uint64_t flags = 0;
    std::memcpy(&flags, file->bytes().data() + native_format::kFlagsAt, sizeof flags);
    return (flags & native_format::kHasChecksums) != 0;
  }
  (void)load_vectors(path, options);
  return false;
}

std::optional<VectorFormat> format_named_by(std::string_view path) noexcept {
  const std::string_view ext = extension(path);
  if (ext == "npy") return VectorFormat::npy;
  if (ext == "safetensors") return VectorFormat::safetensors;
  if (ext == "ekv") return VectorFormat::native;
  if (ext == "vec" || ext == "txt") return VectorFormat::word2vec_text;
  return std::nullopt;
}

VectorFormat output_format(const std::string& path, VectorFormat requested) {
  if (requested != VectorFormat::detect) return requested;
  const std::optional<VectorFormat> format = format_named_by(path);
  EMBEDKIT_CHECK(format.has_value(), ArgumentError,
                 fmt::format("cannot tell which format to write {:?} in from its name (.ekv, .vec, .txt, .npy, "
                             ".safetensors); pass one",
                             path));
  return *format;
}

bool keeps_piece_tokenizer(VectorFormat format) noexcept {
  return format == VectorFormat::safetensors || format == VectorFormat::native;
}

bool keeps_subwords(VectorFormat format) noexcept {
  return format == VectorFormat::fasttext_bin || format == VectorFormat::safetensors ||
         format == VectorFormat::native;
}

void save_vectors(const WordVectors& vectors, const std::string& path, const SaveOptions& options) {
  const VectorFormat format = output_format(path, options.format);
  if (format == VectorFormat::word2vec_text || format == VectorFormat::glove ||
      format == VectorFormat::word2vec_binary || format == VectorFormat::fasttext_bin) {
    refuse_words_with_spaces(vectors, options.limit, format, path);
  }
  if (format == VectorFormat::npy) {
    save_npy_pair(vectors, path, options);
    return;
  }
  EMBEDKIT_CHECK(format != VectorFormat::huggingface, ArgumentError,
                 fmt::format("{}: embedkit reads Hugging Face models but does not write them; save as native (.ekv) "
                             "or safetensors, which keep the tokenizer",
                             path));
  EMBEDKIT_CHECK(options.compressed == nullptr || format == VectorFormat::native, ArgumentError,
                 fmt::format("{}: only the native format (.ekv) stores compressed tables", path));
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
    case VectorFormat::native: detail::write_native(vectors, out, options.limit, options.compressed); break;
    case VectorFormat::huggingface:
    case VectorFormat::detect: break;
  }
  out.commit();
}

}  // namespace embedkit
