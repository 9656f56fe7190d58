#include "embedkit/vocab/subwords.h"

#include <string>

namespace embedkit {
namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U; }

// Calls visit(ngram) for each n-gram of the wrapped word ("<" + word + ">"), in fastText's order.
template <class Visit>
void for_each_ngram(std::string_view wrapped, const SubwordOptions& options, Visit visit) {
  const std::size_t size = wrapped.size();
  for (std::size_t i = 0; i < size; ++i) {
    if (is_continuation(wrapped[i])) continue;
    std::size_t j = i;
    for (std::uint32_t n = 1; j < size && n <= options.maxn; ++n) {
      ++j;
      while (j < size && is_continuation(wrapped[j])) ++j;
      // The lone "<" (i = 0) and lone ">" (ends at the word's end) are not n-grams.
      if (n >= options.minn && !(n == 1 && (i == 0 || j == size))) visit(wrapped.substr(i, j - i));
    }
  }
}

}  // namespace

void subword_buckets(std::string_view word, const SubwordOptions& options, std::vector<std::uint32_t>& out) {
  if (!options.enabled()) return;
  std::string wrapped;
  wrapped.reserve(word.size() + 2);
  wrapped.push_back('<');
  wrapped.append(word);
  wrapped.push_back('>');
  for_each_ngram(wrapped, options, [&](std::string_view ngram) {
    out.push_back(static_cast<std::uint32_t>(fasttext_hash(ngram) % options.bucket));
  });
}

std::vector<std::string_view> subword_strings(std::string_view wrapped_word, const SubwordOptions& options) {
  std::vector<std::string_view> grams;
  if (!options.enabled()) return grams;
  for_each_ngram(wrapped_word, options, [&](std::string_view ngram) { grams.push_back(ngram); });
  return grams;
}

}  // namespace embedkit
