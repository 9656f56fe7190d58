// Private to embedkit::train: the training corpus as word ids in memory, read once from the text.
//
// Sentence by sentence, each id a LEB128 varint (7 bits a byte, high bit = more). Ids follow
// frequency, so most tokens take one or two bytes instead of four: the 18M-word benchmark corpus
// holds in ~32 MB instead of 73, which is most of the trainer's memory when the vocabulary is
// small. Lines are sentences, cut every kMaxSentence tokens (as fastText).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/content_hash.h"
#include "embedkit/text/corpus_reader.h"
#include "embedkit/text/tokenizer.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit::detail {

inline constexpr std::size_t kMaxSentence = 1024;

struct EncodedCorpus {
  std::vector<std::uint8_t> bytes;
  std::vector<std::size_t> starts{0};  // sentence s is bytes[starts[s], starts[s+1])
  std::uint64_t tokens = 0;            // tokens read
  std::uint64_t kept = 0;              // tokens in the vocabulary (encoded)
  ContentHash hash;                    // of every token and line end read (resume compares it)

  [[nodiscard]] std::size_t sentences() const noexcept { return starts.size() - 1; }
  /// Contiguous sentence ranges of about equal bytes (so about equal tokens), one per thread:
  /// range t is [result[t], result[t + 1]).
  [[nodiscard]] std::vector<std::size_t> shards(std::size_t threads) const;
};

/// Reads `input` (its `share`, or all of it) with `tokenizer`, keeping the tokens `vocab` has.
/// `expected_tokens` (0 if unknown) sizes the buffer. `should_stop` (optional) is polled as the
/// text is read; when it returns true, Error is thrown (stop_before_training).
EncodedCorpus encode_corpus(const std::string& input, const Tokenizer& tokenizer, const Vocabulary& vocab,
                            std::uint64_t expected_tokens, const std::function<bool()>& should_stop = {},
                            CorpusShare share = {});

/// Throws the Error of a training stopped (TrainingCallbacks::should_stop) in `pass` ("the
/// vocabulary pass"), before it had vectors to return.
[[noreturn]] void stop_before_training(std::string_view pass);

/// The next id at p, advancing p.
inline TokenId next_id(const std::uint8_t*& p) {
  TokenId id = *p & 0x7FU;
  for (unsigned shift = 7; (*p++ & 0x80U) != 0; shift += 7) id |= static_cast<TokenId>(*p & 0x7FU) << shift;
  return id;
}

}  // namespace embedkit::detail
