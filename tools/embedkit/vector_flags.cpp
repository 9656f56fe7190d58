#include "vector_flags.h"

#include <fmt/format.h>

#include "human_format.h"

#include "option_choices.h"
#include "text_flags.h"

namespace embedkit::cli {

LoadOptions VectorFlags::options() const {
  LoadOptions options;
  options.format = parse_vector_format(format);
  options.invalid_utf8 = invalid_utf8;
  options.duplicates = duplicates;
  options.allow_non_finite = allow_non_finite;
  options.vocabulary_path = vocabulary;
  options.tensor = tensor;
  options.tokenizer_path = tokenizer;
  return options;
}

void add_vector_flags(CLI::App& command, VectorFlags& flags) {
  command.add_option("--format", flags.format, "Input format (default: detected from the file)")->capture_default_str();
  add_invalid_utf8_option(command, flags.invalid_utf8);
  // The old spelling, hidden (no group): still accepted, never shown or suggested.
  command
      .add_flag_callback(
          "--lossy-utf8", [&flags] { flags.invalid_utf8 = InvalidUtf8::replace; }, "Same as --invalid-utf8 replace")
      ->group("");
  choices<DuplicateWords>(
      command.add_option("--duplicates", flags.duplicates, "What to do with a word that appears twice"),
      {{"error", DuplicateWords::error}, {"keep-first", DuplicateWords::keep_first}})
      ->default_str("error");
  command.add_flag("--allow-non-finite", flags.allow_non_finite, "Accept NaN and Inf values instead of failing");
  command.add_option("--vocab", flags.vocabulary,
                     "Words for .npy/.safetensors input, one per line (default: the input's name with .vocab)");
  command.add_option("--tensor", flags.tensor,
                     "The tensor to read from a .safetensors file or a Hugging Face model (default: \"embeddings\" or "
                     "the only one; for a model, the token embeddings by their usual names)")
      ->type_name("NAME");
  command.add_option("--tokenizer", flags.tokenizer,
                     "A Hugging Face model's tokenizer (tokenizer.json or SentencePiece .model; default: the one in "
                     "its folder); with a .safetensors file, reads it as a model")
      ->type_name("FILE");
}

const char* const kVectorFormatsHelp =
    "Formats: word2vec (text, header 'rows dim'; fastText .vec), word2vec-bin, glove (text, no\n"
    "header), fasttext (.bin model: unseen words get vectors from their character n-grams), npy\n"
    "(+ a .vocab file), safetensors, native (embedkit's .ekv: opened with mmap in milliseconds),\n"
    "huggingface (a model folder: tokenizer.json + model.safetensors or its shards; the token\n"
    "embeddings keyed by the tokenizer's pieces, unseen words the mean of their pieces' rows).\n"
    "Input formats are detected from the file's first bytes (a folder is a model); --format overrides.";

std::string written_buckets(const WordVectors& vectors, VectorFormat format) {
  if (vectors.piece_tokenizer()) {
    return keeps_piece_tokenizer(format)
               ? " + the tokenizer (unseen words compose from its pieces)"
               : " (the tokenizer is not written, so unseen words will have no vector: save as .ekv or .safetensors "
                 "to keep it)";
  }
  if (!vectors.subwords()) return {};
  if (!keeps_subwords(format)) {
    return " (subwords composed into each word's vector; the buckets are not written, so unseen words will have "
           "no vector: save as .ekv or fastText .bin to keep them)";
  }
  const std::string all = group_digits(vectors.subwords()->bucket);
  if (vectors.stores_every_bucket()) return fmt::format(" + {} subword buckets", all);
  if (format == VectorFormat::native) {
    return fmt::format(" + {} of {} subword buckets (the others never trained: zero rows, not stored)",
                       group_digits(vectors.bucket_rows()), all);
  }
  return fmt::format(" + {} subword buckets ({} of them trained, the others zero rows)", all,
                     group_digits(vectors.bucket_rows()));
}

}  // namespace embedkit::cli
