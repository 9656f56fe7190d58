// Round trips between every format, the native format's mapping, and hostile input.
#include "embedkit/io/vector_io.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "embedkit/core/error.h"
#include "embedkit/io/native_format.h"
#include "embedkit/table/compressed_table.h"
#include <fmt/format.h>
#include "test_files.h"

namespace embedkit {
namespace {

using testing::ScratchDir;

WordVectors sample_vectors(bool subwords) {
  std::vector<VocabularyEntry> entries = {{"the", 50}, {"cat", 7}, {"sat", 3}, {"über", 2}, {"猫", 1}};
  const std::size_t bucket = subwords ? 11 : 0;
  EmbeddingTable table(entries.size() + bucket, 7);
  table.fill_normal(0.0F, 1.0F, 5);
  table.row(2)[3] = 1e-38F;   // subnormal-adjacent values must survive text round trips
  table.row(1)[0] = -0.0F;
  table.row(0)[6] = 3.4e38F;
  WordVectors wv(Vocabulary::from_entries(entries), std::move(table),
                 subwords ? std::optional<SubwordOptions>(SubwordOptions{2, 4, bucket}) : std::nullopt);
  wv.metadata["note"] = "made by a test";
  return wv;
}

void expect_same_word_vectors(const WordVectors& a, const WordVectors& b) {
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.dim(), b.dim());
  std::vector<float> va(a.dim()), vb(b.dim());
  for (TokenId id = 0; id < a.size(); ++id) {
    ASSERT_EQ(a.words().word(id), b.words().word(id));
    a.vector(id, va);
    b.vector(id, vb);
    for (std::size_t d = 0; d < a.dim(); ++d) {
      EXPECT_EQ(std::memcmp(&va[d], &vb[d], 4), 0) << a.words().word(id) << " " << d << ": " << va[d] << " vs " << vb[d];
    }
  }
}

TEST(VectorIo, EveryFormatRoundTripsExactly) {
  ScratchDir dir;
  for (const bool subwords : {false, true}) {
    const WordVectors original = sample_vectors(subwords);
    for (const VectorFormat format :
         {VectorFormat::word2vec_text, VectorFormat::word2vec_binary, VectorFormat::glove, VectorFormat::fasttext_bin,
          VectorFormat::npy, VectorFormat::safetensors, VectorFormat::native}) {
      SCOPED_TRACE(std::string(vector_format_name(format)) + (subwords ? " with subwords" : ""));
      const std::string path = (dir.path() / ("v." + std::string(vector_format_name(format)))).string();
      save_vectors(original, path, {.format = format});
      const WordVectors back = load_vectors(path);  // format detected from the content
      EXPECT_EQ(back.metadata.at("format"), vector_format_name(format));
      if (format == VectorFormat::native || format == VectorFormat::safetensors) {
        EXPECT_EQ(back.metadata.at("note"), "made by a test") << "metadata is carried along";
      }
      expect_same_word_vectors(original, back);
      const bool keeps_subwords = format == VectorFormat::fasttext_bin || format == VectorFormat::safetensors ||
                                  format == VectorFormat::native;
      EXPECT_EQ(back.subwords().has_value(), subwords && keeps_subwords);
      if (subwords && keeps_subwords) {
        // Unseen words compose from the same buckets.
        std::vector<float> a(original.dim()), b(original.dim());
        EXPECT_EQ(original.vector("cats", a), WordVectors::Source::from_subwords);
        EXPECT_EQ(back.vector("cats", b), WordVectors::Source::from_subwords);
        EXPECT_EQ(a, b);
      }
      if (format == VectorFormat::fasttext_bin || format == VectorFormat::native) {
        for (TokenId id = 0; id < original.size(); ++id) EXPECT_EQ(back.words().count(id), original.words().count(id));
      }
    }
  }
}

// A model that stores only some buckets (a trained one keeps those its words use) reads the
// others as zero rows: it gives every word, seen or not, the vector of the dense model with zero
// rows there, and keeps doing so through every format that holds buckets (native writes the
// list, version 2; fastText .bin and safetensors write the dense matrix).
TEST(VectorIo, StoredBucketsReadTheOthersAsZeroRowsInEveryFormat) {
  const std::vector<VocabularyEntry> entries = {{"the", 50}, {"cat", 7}, {"sat", 3}};
  const SubwordOptions sub{2, 4, 61};
  std::vector<std::uint32_t> stored, buckets;
  for (const auto& e : entries) {
    buckets.clear();
    subword_buckets(e.word, sub, buckets);
    stored.insert(stored.end(), buckets.begin(), buckets.end());
  }
  std::sort(stored.begin(), stored.end());
  stored.erase(std::unique(stored.begin(), stored.end()), stored.end());
  ASSERT_LT(stored.size(), sub.bucket);
  EmbeddingTable compact_table(entries.size() + stored.size(), 5);
  compact_table.fill_normal(0.0F, 1.0F, 3);
  EmbeddingTable dense_table(entries.size() + sub.bucket, 5);  // zeros
  for (std::size_t r = 0; r < entries.size(); ++r) {
    std::copy_n(compact_table.row(r).data(), 5, dense_table.row(r).data());
  }
  for (std::size_t i = 0; i < stored.size(); ++i) {
    std::copy_n(compact_table.row(entries.size() + i).data(), 5, dense_table.row(entries.size() + stored[i]).data());
  }
  const WordVectors compact(Vocabulary::from_entries(entries), std::move(compact_table), sub, stored);
  const WordVectors dense(Vocabulary::from_entries(entries), std::move(dense_table), sub);
  EXPECT_FALSE(compact.stores_every_bucket());
  EXPECT_EQ(compact.bucket_rows(), stored.size());
  EXPECT_EQ(compact.bucket_row(stored[1]), entries.size() + 1);
  auto expect_like_dense = [&](const WordVectors& v) {
    std::vector<float> a(5), b(5);
    for (const std::string_view w : {"the", "cat", "sat", "cats", "hat", "xyzzy"}) {
      EXPECT_EQ(v.vector(w, a), dense.vector(w, b)) << w;
      for (std::size_t d = 0; d < 5; ++d) EXPECT_FLOAT_EQ(a[d], b[d]) << w << " " << d;
    }
  };
  expect_like_dense(compact);
  ScratchDir dir;
  for (const VectorFormat format : {VectorFormat::native, VectorFormat::fasttext_bin, VectorFormat::safetensors}) {
    SCOPED_TRACE(std::string(vector_format_name(format)));
    const std::string path = (dir.path() / ("c." + std::string(vector_format_name(format)))).string();
    save_vectors(compact, path, {.format = format});
    const WordVectors back = load_vectors(path);
    expect_like_dense(back);
    EXPECT_EQ(back.stores_every_bucket(), format != VectorFormat::native);
    if (format == VectorFormat::native) {
      const std::string bytes = testing::read_file(path);
      std::uint32_t version = 0;
      std::memcpy(&version, bytes.data() + 8, 4);
      EXPECT_EQ(version, native_format::kVersionStoredBuckets);
      EXPECT_LT(bytes.size(), 4096 + 64 * (entries.size() + sub.bucket)) << "only the stored rows are written";
      EXPECT_EQ(std::vector<std::uint32_t>(back.stored_buckets().begin(), back.stored_buckets().end()), stored);
      // A list out of order is a corrupt file, named as such.
      std::string broken = bytes;
      std::uint64_t at = 0;
      std::memcpy(&at, bytes.data() + native_format::kStoredBucketsAt, 8);
      std::swap(broken[at], broken[at + 4]);
      std::uint64_t no_checksums = 0;
      std::memcpy(broken.data() + native_format::kFlagsAt, &no_checksums, 8);
      const std::string broken_path = dir.write("broken.ekv", broken);
      EXPECT_NE(testing::error_of([&] { (void)load_vectors(broken_path); }).find("out of order"), std::string::npos);
    }
  }
  EXPECT_THROW(WordVectors(Vocabulary::from_entries(entries), EmbeddingTable(entries.size() + 2, 5), sub,
                           std::vector<std::uint32_t>{7, 3}),
               ArgumentError);
  EXPECT_THROW(WordVectors(Vocabulary::from_entries(entries), EmbeddingTable(entries.size() + 1, 5), sub,
                           std::vector<std::uint32_t>{61}),
               ArgumentError);
}

TEST(VectorIo, FastTextBinWritesBackByteForByte) {
  const auto path = testing::shared_data("vectors/gensim-testdata/toy-model.bin");
  if (path.empty()) GTEST_SKIP() << "shared vector data is not available";
  ScratchDir dir;
  const WordVectors model = load_vectors(path.string());
  const std::string copy = (dir.path() / "copy.bin").string();
  save_vectors(model, copy, {.format = VectorFormat::fasttext_bin});
  EXPECT_EQ(testing::read_file(copy), testing::read_file(path));
  // Through the native format and back, too.
  const std::string native = (dir.path() / "model.ekv").string();
  save_vectors(model, native, {.format = VectorFormat::native});
  save_vectors(load_vectors(native), copy, {.format = VectorFormat::fasttext_bin});
  EXPECT_EQ(testing::read_file(copy), testing::read_file(path));
}

TEST(VectorIo, NativeTablesAreMappedCopyOnWrite) {
  ScratchDir dir;
  const std::string path = (dir.path() / "v.ekv").string();
  save_vectors(sample_vectors(true), path, {.format = VectorFormat::native});
  const std::string before = testing::read_file(path);
  {
    WordVectors mapped = load_vectors(path);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(mapped.table().data()) % 4096, 0U) << "rows point into the mapping";
    mapped.table().row(0)[0] = 123.0F;  // fine-tuning writes stay in this process
    EXPECT_EQ(mapped.table().row(0)[0], 123.0F);
  }
  EXPECT_EQ(testing::read_file(path), before);
  EXPECT_EQ(load_vectors(path).metadata.at("note"), "made by a test");
}

// Resident kB of the mappings of `path` in this process (from /proc/self/smaps).
long mapped_resident_kb(const std::string& path) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  long kb = 0;
  while (std::getline(smaps, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') != std::string::npos &&
        line.find(' ') < line.find(':')) {
      inside = line.size() >= path.size() && line.compare(line.size() - path.size(), path.size(), path) == 0;
    } else if (inside && line.rfind("Rss:", 0) == 0) {
      kb += std::stol(line.substr(4));
    }
  }
  return kb;
}

// Opening a native file checks its whole vocabulary, then lets those pages go: an open model
// costs the rows and words it is used for, not its vocabulary's size (11 MB here).
TEST(VectorIo, AnOpenNativeFileHoldsOnlyWhatItUses) {
  ScratchDir dir;
  const std::string path = (dir.path() / "many-words.ekv").string();
  {
    std::vector<VocabularyEntry> entries;
    for (int i = 0; i < 400000; ++i) entries.push_back({"word" + std::to_string(i), 1});
    save_vectors(WordVectors(Vocabulary::from_entries(entries), EmbeddingTable(entries.size(), 4)), path,
                 {.format = VectorFormat::native});
  }
  const WordVectors wv = load_vectors(path);
  EXPECT_LT(mapped_resident_kb(path), 2048);
  // (Reading words brings their pages back, and the kernel may map a whole large folio per
  // fault, megabytes at a time; so only the open itself is measured.)
  EXPECT_EQ(wv.words().find("word123456"), TokenId{123456});
  EXPECT_EQ(wv.words().word(399999), "word399999");
}

TEST(VectorIo, LimitKeepsTheFirstWords) {
  ScratchDir dir;
  const WordVectors original = sample_vectors(true);
  const std::string path = (dir.path() / "v.txt").string();
  save_vectors(original, path, {.format = VectorFormat::word2vec_text, .limit = 3});
  const WordVectors back = load_vectors(path);
  EXPECT_EQ(back.size(), 3U);
  const std::string bin = (dir.path() / "v.bin").string();
  save_vectors(original, bin, {.format = VectorFormat::fasttext_bin});
  const WordVectors two = load_vectors(bin, {.limit = 2});
  EXPECT_EQ(two.size(), 2U);
  ASSERT_TRUE(two.subwords().has_value());
  std::vector<float> a(7), b(7);
  (void)original.vector("kitten", a);
  (void)two.vector("kitten", b);
  EXPECT_EQ(a, b) << "the buckets survive a limit";
}

std::string error_of(std::string_view text, LoadOptions options = {}) {
  try {
    (void)parse_vectors(text, "v.txt", options);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(VectorIo, TextQuirksAreAccepted) {
  // CRLF, trailing spaces (fastText .vec), '+' signs, tabs, exponents; below float's range
  // reads as 0 or a subnormal, as numpy and gensim read it.
  const WordVectors wv = parse_vectors("2 3\r\nthe 1 +2 3e-1 \r\ncat\t-1\t1e-46\t4E2\r\n", "v.txt", {});
  ASSERT_EQ(wv.size(), 2U);
  EXPECT_EQ(wv.table().row(0)[1], 2.0F);
  EXPECT_EQ(wv.table().row(1)[1], 0.0F);
  EXPECT_EQ(wv.table().row(1)[2], 400.0F);
  EXPECT_EQ(parse_vectors("a 1e-40 -2e-300\n", "g.txt", {}).table().row(0)[0], 1e-40F);
  EXPECT_EQ(parse_vectors("the 1 2\ncat 3 4\n\n", "g.txt", {}).size(), 2U) << "GloVe, blank lines at the end";
}

TEST(VectorIo, MalformedTextNamesTheLineAndProblem) {
  EXPECT_EQ(error_of("2 3\nthe 1 2 3\ncat 1 2\n"), "v.txt:3: word \"cat\" has 2 values, expected 3");
  EXPECT_EQ(error_of("2 3\nthe 1 2 3\ncat 1 2 3 4\n"), "v.txt:3: word \"cat\" has more than 3 values (4 fields after the word)");
  EXPECT_EQ(error_of("2 3\nthe 1 2 3\ncat 1 x 3\n"), "v.txt:3: value 2 of word \"cat\" is not a number: \"x\"");
  EXPECT_EQ(error_of("1 2\nthe 1 1e99\n"), "v.txt:2: value 2 of word \"the\" is inf (allow non-finite values to load it)");
  // A file cut inside its last number would load a wrong vector: a missing final newline is an error.
  EXPECT_EQ(error_of("2 2\nthe 1 2\ncat 3 4.12"),
            "v.txt:3: the file ends inside this line, with no newline: it looks cut short (if it is complete, end "
            "it with a newline)");
  EXPECT_EQ(error_of("3 4"), "v.txt:1: the file ends inside this line, with no newline: it looks cut short (if it "
                             "is complete, end it with a newline)")
      << "a word2vec header alone is not a one-word GloVe file";
  EXPECT_EQ(error_of("3 4\n"), "v.txt:1: the header says 3 rows but the file has 0 lines of vectors");
  // A line too short for the header's dimension is found before the table is allocated: a few
  // KB claiming 2^20 dimensions must not cost gigabytes.
  EXPECT_EQ(error_of("2 1048576\nthe 1 2\ncat 1 2\n"), "v.txt:2: word \"the\" has 2 values, expected 1048576");
  EXPECT_EQ(error_of("3 1\nthe 1\n\ncat 2\n"), "v.txt:3: empty line");
  EXPECT_EQ(error_of("1 2\nthe nan 1\n"), "v.txt:2: value 1 of word \"the\" is nan (allow non-finite values to load it)");
  EXPECT_TRUE(std::isinf(parse_vectors("1 2\nthe inf 1\n", "v.txt", {.allow_non_finite = true}).table().row(0)[0]));
  EXPECT_EQ(error_of("3 2\nthe 1 2\ncat 1 2\n"), "v.txt:1: the header says 3 rows but the file has 2 lines of vectors");
  EXPECT_EQ(error_of("2 2\nthe 1 2\n the 1 2\n"), "v.txt:3: the line starts with a space, so its word is empty");
  EXPECT_EQ(error_of("2 2\nthe 1 2\nthe 3 4\n"),
            "v.txt:3: duplicate word \"the\" (first at line 2); load with duplicates = keep_first (CLI: --duplicates "
            "keep-first) to drop later copies");
  const WordVectors kept = parse_vectors("2 2\nthe 1 2\nthe 3 4\n", "v.txt", {.duplicates = DuplicateWords::keep_first});
  EXPECT_EQ(kept.size(), 1U);
  EXPECT_EQ(kept.table().row(0)[1], 2.0F);
  EXPECT_EQ(error_of(""), "v.txt: the file is empty");
  EXPECT_NE(error_of("2 2\nth\xC3 1 2\ncat 1 2\n").find("v.txt:2: byte 2: invalid UTF-8"), std::string::npos)
      << error_of("2 2\nth\xC3 1 2\ncat 1 2\n");
  EXPECT_EQ(error_of("hello world\n"), "v.txt:1: expected a header \"rows dim\" (word2vec text), got \"hello world\"");
  try {
    (void)parse_vectors("hello world\n", "data", {});
    ADD_FAILURE() << "no error";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), "data: cannot tell the vector format from its first bytes; pass it explicitly "
                                      "(--format word2vec|word2vec-bin|glove|fasttext|npy|safetensors|native)");
  }
}

TEST(VectorIo, MalformedBinaryNamesTheOffsetAndNeverOverAllocates) {
  auto binary = [](std::string_view header, std::initializer_list<std::pair<std::string_view, std::vector<float>>> rows) {
    std::string s(header);
    for (const auto& [word, values] : rows) {
      s += word;
      s += ' ';
      s.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
    }
    return s;
  };
  const LoadOptions bin{.format = VectorFormat::word2vec_binary};
  EXPECT_EQ(parse_vectors(binary("2 2\n", {{"a", {1, 2}}, {"b", {3, 4}}}), "v.bin", bin).size(), 2U);
  // An absurd header is refused before any allocation.
  EXPECT_EQ(error_of(binary("1000000000000 300\n", {{"a", std::vector<float>(300)}}), bin),
            "v.txt: byte 0: the header says 1000000000000 rows of 300 floats (at least 1202000000000000 bytes) but "
            "only 1202 bytes follow");
  EXPECT_EQ(error_of(binary("2 2\n", {{"a", {1, 2}}}) + "bbbbbbbbbb 1234", bin),
            "v.txt: byte 25: row 2 of 2 (\"bbbbbbbbbb\") is truncated: 8 bytes of floats expected, 4 left");
  EXPECT_EQ(error_of(binary("1 2\n", {{"a", {1, 2}}, {"b", {3, 4}}}), bin),
            "v.txt: byte 14: the header says 1 rows but 10 more bytes follow them");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(error_of(binary("1 2\n", {{"a", {1, nan}}}), bin),
            "v.txt: byte 10: value 2 of word \"a\" is nan (allow non-finite values to load it)");
}

TEST(VectorIo, CorruptNativeFilesAreRejected) {
  ScratchDir dir;
  const std::string path = (dir.path() / "v.ekv").string();
  save_vectors(sample_vectors(true), path, {.format = VectorFormat::native});
  const std::string good = testing::read_file(path);
  auto expect_error = [&](std::string bytes, std::string_view expected) {
    const std::string bad = dir.write("bad.ekv", bytes);
    try {
      (void)load_vectors(bad);
      ADD_FAILURE() << "no error, expected " << expected;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  expect_error(good.substr(0, 100), "not an embedkit native vector file");
  std::string version = good;
  version[8] = 9;
  expect_error(version, "byte 8: format version 9 is not supported");
  expect_error(good.substr(0, good.size() - 4), "tensor");
  std::string rows = good;
  rows[16] = 99;
  expect_error(rows, "byte 16:");
  // A flipped byte anywhere before the tensor (here a count) breaks the checksum.
  std::uint64_t counts_at = 0;
  std::memcpy(&counts_at, good.data() + 88, 8);
  std::string count = good;
  count[counts_at] ^= 1;
  expect_error(count, "byte 168: the header and vocabulary do not match their checksum");
  std::string flags = good;
  flags[160] = 9;
  expect_error(flags, "byte 160: unknown flags 0x9");
  // Files written before checksums (flags 0) still have every structural check.
  auto unchecked = [](std::string bytes) {
    std::fill(bytes.begin() + 160, bytes.begin() + 184, '\0');
    return bytes;
  };
  EXPECT_EQ(load_vectors(dir.write("old.ekv", unchecked(good))).size(), 5U);
  std::string slot = unchecked(good);
  std::uint64_t index_at = 0;
  std::memcpy(&index_at, good.data() + 96, 8);
  slot[index_at] = '\x7F';
  expect_error(slot, "holds id 127 of 5 words");
  // Two equal words (the index no longer finds the second): wrong lookups, so an error.
  std::string duplicate = unchecked(good);
  std::uint64_t words_at = 0;
  std::memcpy(&words_at, good.data() + 72, 8);
  ASSERT_EQ(good.substr(words_at, 9), "thecatsat");
  duplicate[words_at + 3] = 's';
  expect_error(duplicate, "is a duplicate or missing from the word index");
  // A word with a control character cannot enter through a native file either.
  std::string control = unchecked(good);
  control[words_at + 1] = '\x1B';
  expect_error(control, "word 1: word \"t\\x1be\" holds a control character (U+001B) at byte 1");
  // A section that starts before the tensor but runs into it (writes to the table would change
  // the checked vocabulary under it).
  std::string overlap = unchecked(good);
  std::uint64_t tensor_at = 0, metadata_at = 0;
  std::memcpy(&tensor_at, good.data() + 128, 8);
  std::memcpy(&metadata_at, good.data() + 112, 8);
  const std::uint64_t metadata_size = tensor_at - metadata_at + 64;
  std::memcpy(overlap.data() + 120, &metadata_size, 8);
  expect_error(overlap, "runs into the tensor");
}

TEST(VectorIo, NativeTensorChecksumAndNonFiniteValues) {
  ScratchDir dir;
  const std::string path = (dir.path() / "v.ekv").string();
  save_vectors(sample_vectors(false), path, {.format = VectorFormat::native});
  std::string bytes = testing::read_file(path);
  std::uint64_t tensor_at = 0;
  std::memcpy(&tensor_at, bytes.data() + 128, 8);
  // A changed value: opening the mapped file reads no row, so only a full read finds it.
  bytes[tensor_at + 2] ^= 0x10;
  const std::string flipped = dir.write("flipped.ekv", bytes);
  EXPECT_NO_THROW((void)load_vectors(flipped));
  EXPECT_THROW(verify_vectors(flipped), FormatError);
  EXPECT_NO_THROW(verify_vectors(path));
  // NaN written with the vectors: flagged, so refused at open unless allowed.
  WordVectors with_nan = sample_vectors(false);
  with_nan.table().row(1)[0] = std::numeric_limits<float>::quiet_NaN();
  const std::string nan_path = (dir.path() / "nan.ekv").string();
  save_vectors(with_nan, nan_path, {.format = VectorFormat::native});
  try {
    (void)load_vectors(nan_path);
    ADD_FAILURE() << "NaN loaded";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("hold NaN or infinite values"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::isnan(load_vectors(nan_path, {.allow_non_finite = true}).table().row(1)[0]));
  // A NaN put in by hand (flag clear, no checksums) is found wherever the rows are read.
  std::string planted = testing::read_file(path);
  std::fill(planted.begin() + 160, planted.begin() + 184, '\0');
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(planted.data() + tensor_at, &nan, 4);
  const std::string planted_path = dir.write("planted.ekv", planted);
  EXPECT_THROW(verify_vectors(planted_path), FormatError);
  EXPECT_THROW((void)parse_vectors(planted, "planted.ekv", {}), FormatError);
}

TEST(VectorIo, EmptyNativeFileParsesFromAnyAlignment) {
  // No words and no rows: every section is empty. Parsing from memory that is not 8-byte
  // aligned takes the copying path, which once passed a null pointer to memcpy (found by the
  // native fuzzer under UBSan).
  ScratchDir dir;
  const std::string path = (dir.path() / "empty.ekv").string();
  save_vectors(WordVectors(Vocabulary::from_entries({}, "none"), EmbeddingTable(0, 4)), path,
               {.format = VectorFormat::native});
  const std::string bytes = testing::read_file(path);
  for (std::size_t shift = 0; shift < 8; ++shift) {
    std::string buffer(shift, '\0');
    buffer += bytes;
    const WordVectors wv = parse_vectors(std::string_view(buffer).substr(shift), "empty.ekv", {});
    EXPECT_EQ(wv.size(), 0U);
    EXPECT_EQ(wv.dim(), 4U);
  }
}

TEST(VectorIo, CompressedNativeFilesDecodeToTheirCodesRows) {
  ScratchDir dir;
  for (const bool subwords : {false, true}) {
    WordVectors original = sample_vectors(subwords);
    original.table().row(0)[6] = 2.5F;  // within float16's range
    if (subwords) {  // an output layer (a fastText model's, a classifier's) stays float
      original.output = EmbeddingTable(3, 7);
      original.output->fill_normal(0.0F, 1.0F, 9);
    }
    for (const Codec codec : {Codec::f16, Codec::int8, Codec::int4, Codec::pq}) {
      SCOPED_TRACE(fmt::format("{}{}", codec_name(codec), subwords ? " with subwords" : ""));
      const CompressedTable compressed =
          CompressedTable::encode(original.table().view(), {.codec = codec, .pq_subvectors = 7, .bits = 4});
      const std::string path = (dir.path() / "small.ekv").string();
      save_vectors(original, path, {.format = VectorFormat::native, .compressed = &compressed});
      const EmbeddingTable expected = compressed.decode_all();
      for (const bool mapped : {true, false}) {
        const WordVectors loaded = mapped ? load_vectors(path) : parse_vectors(testing::read_file(path), path, {});
        ASSERT_EQ(loaded.size(), original.size());
        ASSERT_EQ(loaded.table().rows(), expected.rows());
        EXPECT_EQ(loaded.subwords().has_value(), subwords);
        EXPECT_EQ(loaded.metadata.at("compression"), compressed.description());
        EXPECT_EQ(loaded.metadata.at("note"), "made by a test");
        ASSERT_EQ(loaded.output.has_value(), subwords);
        if (subwords) {
          for (TokenId r = 0; r < 3; ++r) {
            for (std::size_t d = 0; d < 7; ++d) EXPECT_EQ(loaded.output->row(r)[d], original.output->row(r)[d]);
          }
        }
        for (TokenId r = 0; r < expected.rows(); ++r) {
          for (std::size_t d = 0; d < expected.dim(); ++d) EXPECT_EQ(loaded.table().row(r)[d], expected.row(r)[d]);
        }
        EXPECT_TRUE(verify_vectors(path));
        // Saved again without codes: float rows, and no claim of compression.
        const std::string again = (dir.path() / "again.ekv").string();
        save_vectors(loaded, again, {.format = VectorFormat::native});
        const WordVectors plain = load_vectors(again);
        EXPECT_EQ(plain.metadata.count("compression"), 0U);
        expect_same_word_vectors(plain, loaded);
      }
    }
  }
}

// Sections a reader can do without: counts that are all 0, and the word index of a compressed
// file (decoded whole on opening, so the index is built then). Neither changes what loads.
TEST(VectorIo, NativeFilesLeaveOutZeroCountsAndCompressedFilesTheirIndex) {
  ScratchDir dir;
  auto field = [](const std::string& bytes, std::size_t at) {
    std::uint64_t value = 0;
    std::memcpy(&value, bytes.data() + at, 8);
    return value;
  };
  WordVectors counted = sample_vectors(false);
  counted.table().row(0)[6] = 2.5F;  // int8 scales must stay finite
  std::vector<VocabularyEntry> uncounted_entries;
  for (TokenId i = 0; i < counted.size(); ++i) uncounted_entries.push_back({std::string(counted.words().word(i)), 0});
  const WordVectors uncounted(Vocabulary::from_entries(uncounted_entries), counted.table().clone());
  const CompressedTable codes = CompressedTable::encode(counted.table().view(), {.codec = Codec::int8});
  for (const WordVectors* wv : {static_cast<const WordVectors*>(&counted), &uncounted}) {
    for (const CompressedTable* compressed : {static_cast<const CompressedTable*>(nullptr), &codes}) {
      const bool with_counts = wv == &counted;
      SCOPED_TRACE(fmt::format("{} counts, {}", with_counts ? "with" : "without", compressed ? "compressed" : "float"));
      const std::string path = (dir.path() / "v.ekv").string();
      save_vectors(*wv, path, {.format = VectorFormat::native, .compressed = compressed});
      const std::string bytes = testing::read_file(path);
      EXPECT_EQ(field(bytes, 88) != 0, with_counts || compressed == nullptr);  // float files open in place
      EXPECT_EQ(field(bytes, 96) != 0, compressed == nullptr);
      EXPECT_EQ(field(bytes, 104) != 0, compressed == nullptr);
      for (const bool mapped : {true, false}) {
        const WordVectors back = mapped ? load_vectors(path) : parse_vectors(bytes, path, {});
        ASSERT_EQ(back.size(), wv->size());
        for (TokenId i = 0; i < wv->size(); ++i) {
          EXPECT_EQ(back.words().find(wv->words().word(i)), i);
          EXPECT_EQ(back.words().count(i), wv->words().count(i));
        }
        EXPECT_FALSE(back.words().find("dog").has_value());
      }
      EXPECT_TRUE(verify_vectors(path));
    }
  }
  // Without a stored index, two equal words are still an error, as are slots with no index.
  const std::string path = (dir.path() / "v.ekv").string();
  save_vectors(counted, path, {.format = VectorFormat::native, .compressed = &codes});
  std::string twice = testing::read_file(path);
  std::fill(twice.begin() + 160, twice.begin() + 184, '\0');  // no checksums: the structure must catch it
  const std::uint64_t word_bytes_at = field(twice, 72);
  ASSERT_EQ(twice.substr(word_bytes_at, 6), "thecat");
  twice.replace(word_bytes_at + 3, 3, "the");
  EXPECT_NE(testing::error_of([&] { (void)parse_vectors(twice, "twice.ekv", {}); }).find("duplicate"), std::string::npos);
  std::string slots = testing::read_file(path);
  std::fill(slots.begin() + 160, slots.begin() + 184, '\0');
  slots[104] = 16;
  EXPECT_NE(testing::error_of([&] { (void)parse_vectors(slots, "slots.ekv", {}); }).find("16 index slots with the index at offset 0"),
            std::string::npos);
  // A float32 file must hold both (readers of its version expect them; it opens in place).
  save_vectors(uncounted, path, {.format = VectorFormat::native});
  std::string no_index = testing::read_file(path);
  std::fill(no_index.begin() + 160, no_index.begin() + 184, '\0');
  std::fill(no_index.begin() + 96, no_index.begin() + 112, '\0');
  EXPECT_NE(testing::error_of([&] { (void)parse_vectors(no_index, "f.ekv", {}); }).find("must hold its counts and word index"),
            std::string::npos);
}

TEST(VectorIo, CompressedTablesMustFitTheFileTheyGoIn) {
  ScratchDir dir;
  const WordVectors original = sample_vectors(false);
  const CompressedTable compressed = CompressedTable::encode(original.table().view(), {.codec = Codec::int8});
  EXPECT_THROW(save_vectors(original, (dir.path() / "v.ekv").string(),
                            {.format = VectorFormat::native, .limit = 2, .compressed = &compressed}),
               ArgumentError);
  EXPECT_THROW(save_vectors(original, (dir.path() / "v.vec").string(),
                            {.format = VectorFormat::word2vec_text, .compressed = &compressed}),
               ArgumentError);
  // A flipped byte in the codes fails the checksum; the header's rows disagreeing with the
  // codes' own header is an error too.
  const std::string path = (dir.path() / "v.ekv").string();
  save_vectors(original, path, {.format = VectorFormat::native, .compressed = &compressed});
  const std::string bytes = testing::read_file(path);
  std::uint64_t tensor_at = 0;
  std::memcpy(&tensor_at, bytes.data() + 128, 8);
  std::string flipped = bytes;
  flipped[tensor_at + 40] ^= 0x10;
  EXPECT_THROW((void)parse_vectors(flipped, "flipped.ekv", {}), FormatError);
  EXPECT_THROW((void)load_vectors(dir.write("flipped.ekv", flipped)), FormatError);
  std::string lying = bytes;
  std::uint64_t rows = 0;
  std::memcpy(&rows, lying.data() + tensor_at + 12, 8);
  rows -= 1;
  std::memcpy(lying.data() + tensor_at + 12, &rows, 8);
  std::uint64_t flags = 0;  // without checksums, the size check must catch it
  std::memcpy(lying.data() + native_format::kFlagsAt, &flags, 8);
  EXPECT_THROW((void)parse_vectors(lying, "lying.ekv", {}), FormatError);
}

}  // namespace
}  // namespace embedkit
