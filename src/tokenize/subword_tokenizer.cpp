// What every subword tokenizer shares: batches over threads, pairs, code-point offsets.
#include "embedkit/tokenize/subword_tokenizer.h"

#include <fmt/format.h>

#include <atomic>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/text/utf8.h"

namespace embedkit {

Encoding SubwordTokenizer::encode_pair(std::string_view first, std::string_view second,
                                       const SubwordEncodeOptions& options) const {
  // Without a post-processor that knows pairs: the two sequences one after the other, as
  // Hugging Face's default; the second's offsets are into the second text.
  Encoding a = encode(first, options);
  SubwordEncodeOptions second_options = options;
  if (second_options.sampling) second_options.sampling->stream = ~options.sampling->stream;  // its own draws
  Encoding b = encode(second, second_options);
  a.ids.insert(a.ids.end(), b.ids.begin(), b.ids.end());
  a.pieces.insert(a.pieces.end(), b.pieces.begin(), b.pieces.end());
  a.offsets.insert(a.offsets.end(), b.offsets.begin(), b.offsets.end());
  for (std::size_t i = 0; i < b.size(); ++i) a.type_ids.push_back(1);
  a.special_mask.insert(a.special_mask.end(), b.special_mask.begin(), b.special_mask.end());
  return a;
}

std::vector<Encoding> SubwordTokenizer::encode_batch(std::span<const std::string_view> texts,
                                                     const SubwordEncodeOptions& options,
                                                     std::size_t threads) const {
  std::vector<Encoding> out(texts.size());
  // Texts are claimed one at a time: their lengths vary too much for equal shares.
  std::atomic<std::size_t> next{0};
  ThreadGroup group(job_threads(threads, texts.size()), [&](std::size_t) {
    SubwordEncodeOptions mine = options;
    for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < texts.size();) {
      if (mine.sampling) mine.sampling->stream = options.sampling->stream + i;  // each text its own: any thread count
      out[i] = encode(texts[i], mine);
    }
  });
  group.join();
  return out;
}

std::vector<ScoredEncoding> SubwordTokenizer::encode_nbest(std::string_view, std::size_t, const SubwordEncodeOptions&) const {
  throw ArgumentError(fmt::format("encode_nbest: a {} model has a single segmentation (n-best needs Unigram)", model_type()));
}

std::vector<std::pair<std::size_t, std::size_t>> code_point_offsets(
    std::string_view text, std::span<const std::pair<std::size_t, std::size_t>> offsets) {
  // index[b] = the code point that byte b belongs to; index[size] = the count.
  std::vector<std::size_t> index(text.size() + 1);
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = decode_utf8(text, pos).length;
    for (std::size_t k = 0; k < length; ++k) index[pos + k] = count;
    pos += length;
    ++count;
  }
  index[text.size()] = count;
  std::vector<std::pair<std::size_t, std::size_t>> out;
  out.reserve(offsets.size());
  for (auto [begin, end] : offsets) {
    EMBEDKIT_CHECK(begin <= end && end <= text.size(), ArgumentError, "code_point_offsets: an offset lies beyond the text");
    out.emplace_back(index[begin], index[end]);
  }
  return out;
}

}  // namespace embedkit
