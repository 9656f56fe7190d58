#include "word_counts.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <unordered_map>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/text/utf8.h"
#include "tokenize/string_hash.h"

namespace embedkit::tokenize {
namespace {

// Lines are handed to the threads in blocks of about this many bytes.
constexpr std::size_t kBlockBytes = 1 << 20;

using CountMap = std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>;

/// Counts the words of the lines in `block`.
std::uint64_t count_block(std::string_view block, const HfNormalizer* normalizer, const HfPreTokenizer* pre_tokenizer,
                          CountMap& counts) {
  std::uint64_t words = 0;
  std::string repaired;
  std::vector<NormalizedText> pieces;
  for (std::size_t pos = 0; pos < block.size();) {
    std::size_t end = block.find('\n', pos);
    if (end == std::string_view::npos) end = block.size();
    std::string_view line = block.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    line = sanitize_utf8(line, InvalidUtf8::replace, repaired, {});
    NormalizedText text(line, 0);
    if (normalizer) normalizer->normalize(text);
    pieces.clear();
    if (pre_tokenizer) pre_tokenizer->split(std::move(text), pieces);
    else if (!text.empty()) pieces.push_back(std::move(text));
    for (const NormalizedText& p : pieces) {
      auto it = counts.find(std::string_view(p.text()));
      if (it == counts.end()) counts.emplace(p.text(), 1);
      else ++it->second;
      ++words;
    }
  }
  return words;
}

}  // namespace

std::vector<WordCount> count_words(const std::string& path, const HfNormalizer* normalizer,
                                   const HfPreTokenizer* pre_tokenizer, std::size_t threads, std::uint64_t max_words,
                                   const std::function<void(double)>& on_progress) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw IoError(detail::with_errno(fmt::format("cannot open '{}'", path), errno));
  struct stat st {};
  const double total = ::fstat(fileno(file.get()), &st) == 0 && st.st_size > 0 ? static_cast<double>(st.st_size) : 0;
  const std::size_t workers = job_threads(threads);
  std::vector<CountMap> counts(workers);
  std::string carry;  // the part of the last read after its last newline
  std::uint64_t bytes_read = 0, words = 0;
  bool done = false;
  while (!done) {
    // One round: a block per thread, each cut after a newline.
    std::vector<std::string> blocks(workers);
    for (std::string& block : blocks) {
      block = std::move(carry);
      carry.clear();
      const std::size_t have = block.size();
      block.resize(have + kBlockBytes);
      const std::size_t n = std::fread(block.data() + have, 1, kBlockBytes, file.get());
      if (std::ferror(file.get())) throw IoError(detail::with_errno(fmt::format("cannot read '{}'", path), errno));
      block.resize(have + n);
      bytes_read += n;
      if (n < kBlockBytes) {
        done = true;
        break;
      }
      const std::size_t last = block.rfind('\n');
      if (last != std::string::npos) {
        carry.assign(block, last + 1);
        block.resize(last + 1);
      }
    }
    std::vector<std::uint64_t> block_words(workers, 0);
    ThreadGroup group(workers, [&](std::size_t t) {
      block_words[t] = count_block(blocks[t], normalizer, pre_tokenizer, counts[t]);
    });
    group.join();
    for (std::uint64_t w : block_words) words += w;
    if (on_progress && total > 0) on_progress(std::min(1.0, static_cast<double>(bytes_read) / total));
    if (max_words != 0 && words >= max_words) break;
  }
  for (std::size_t t = 1; t < workers; ++t) {
    for (auto& [word, n] : counts[t]) counts[0][word] += n;
    CountMap().swap(counts[t]);
  }
  std::vector<WordCount> out;
  out.reserve(counts[0].size());
  for (auto& [word, n] : counts[0]) out.push_back({word, n});
  std::sort(out.begin(), out.end(), [](const WordCount& a, const WordCount& b) {
    return a.count != b.count ? a.count > b.count : a.word < b.word;
  });
  return out;
}

CharacterFrequencies character_frequencies(const std::vector<WordCount>& words,
                                           const std::function<bool(char32_t)>& counted, std::size_t max_word_bytes) {
  std::unordered_map<char32_t, std::uint64_t> freq;
  CharacterFrequencies out;
  for (const WordCount& w : words) {
    if (w.word.size() > max_word_bytes) continue;
    for (std::size_t pos = 0; pos < w.word.size();) {
      const Utf8Decoded d = decode_utf8(w.word, pos);
      if (counted(d.code_point)) {
        freq[d.code_point] += w.count;
        out.total += w.count;
      }
      pos += d.length;
    }
  }
  out.by_frequency.assign(freq.begin(), freq.end());
  std::sort(out.by_frequency.begin(), out.by_frequency.end(),
            [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  return out;
}

}  // namespace embedkit::tokenize
