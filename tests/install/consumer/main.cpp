// Builds a vocabulary in memory and encodes a sentence: proves headers, both libraries and their
// dependencies resolve from the installed package alone.
#include <embedkit/vocab/encoder.h>
#include <embedkit/vocab/vocab_builder.h>

#include <cstdio>

int main() {
  const embedkit::Tokenizer tokenizer({.split = embedkit::Split::words, .normalize = {.lowercase = true}});
  embedkit::VocabBuilder builder;
  for (const auto& token : tokenizer.tokenize("The cat sat. The cat ran!")) builder.add(token);
  const embedkit::Vocabulary vocab = builder.build({}).vocabulary;
  const embedkit::Encoder encoder(vocab, tokenizer);
  const auto ids = encoder.encode("the cat flew");
  const bool ok = ids.size() == 3 && vocab.word(ids[0]) == "the" && ids[2] == *vocab.unk_id();
  std::printf("consumer: %zu entries, %s\n", vocab.size(), ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
