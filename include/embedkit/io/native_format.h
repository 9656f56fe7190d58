// embedkit's native vector file (".ekv"), format versions 1 and 2: opened with mmap, not read.
//
// Opening costs a header check and a check of the vocabulary (read in place, not copied); the
// table itself stays in the file
// and is paged in as rows are touched, so a multi-GB table opens in milliseconds and memory is
// paid only for the rows used. The mapping is copy-on-write: a table opened this way can be
// fine-tuned in memory, and the file never changes.
//
// Byte layout (all integers little-endian; every section 64-byte aligned, the tensor of float32
// rows 4096):
//   offset size field
//        0    8 magic "EMBEDKIT"
//        8    4 u32 format version (1)
//       12    4 u32 dtype: 1 = float32 rows; 2 = a compressed table (see below)
//       16    8 u64 rows: words + subword buckets
//       24    8 u64 dim
//       32    8 u64 stride: floats per stored row = dim rounded up to a multiple of 16; the
//                   padding floats are 0 (so every row starts on a 64-byte boundary)
//       40    8 u64 words: rows [0, words) are words, in vocabulary order
//       48    4 u32 minn   \  fastText-style subwords (see vocab/subwords.h); all zero = none.
//       52    4 u32 maxn    > Row of bucket b = words + b.
//       56    8 u64 bucket /
//       64    8 u64 offset of the word offsets: u64[words + 1], word i = word bytes [o[i], o[i+1])
//       72    8 u64 offset of the word bytes (UTF-8, no separators)
//       80    8 u64 size of the word bytes
//       88    8 u64 offset of the counts: u64[words] (0 where unknown); in dtype 2 files
//                   offset 0 = left out, every count 0 (written so when they are all 0)
//       96    8 u64 offset of the word index: u32[slots], open addressing over
//                   word_index_hash (64-bit FNV-1a), linear probing, value id + 1, 0 = empty;
//                   in dtype 2 files offset 0 with slots 0 = left out, and readers build it
//                   on opening (they decode every row then anyway); embedkit always does so
//      104    8 u64 slots (a power of two > words, or 0 when the index is left out)
//      112    8 u64 offset of the metadata: a UTF-8 JSON object of string values
//                   (format of origin, provenance, fastText arguments, ...); key
//                   "embedkit.tokenizer", when present, is the base64 of the tokenizer file
//                   (tokenizer.json or SentencePiece .model) whose pieces the words are: readers
//                   compose unseen words from its pieces (see word_vectors.h), and an invalid
//                   one is a FormatError (older readers keep it as an ordinary string)
//      120    8 u64 size of the metadata
//      128    8 u64 offset of the tensor: rows x stride float32, row-major
//      136    8 u64 size of the tensor in bytes (rows x stride x 4)
//      144    8 u64 offset of the fastText output layer (same stride), 0 = none
//      152    8 u64 rows of the output layer
//      160    8 u64 flags: bit 0 = the two checksums below are set; bit 1 = the tensor or the
//                   output layer holds a NaN or an infinity (files before checksums: all zero)
//      168    8 u64 XXH3-64 of bytes [0, 160) followed by bytes [offset of the word offsets,
//                   offset of the tensor): every field and section but the tensor
//      176    8 u64 XXH3-64 of bytes [offset of the tensor, end of file)
//      184  ... version 1: zero up to the first section
// Version 2 is version 1 plus a list of the subword buckets that have rows (a trained model keeps
// only the buckets its words use; the others read as zero rows); embedkit writes it only for such
// models, so every other file stays readable by version-1 readers:
//      184    8 u64 offset of the stored buckets: u32[count], ascending, each < bucket; placed
//                   before the tensor (so the header checksum covers it, with bytes [184, 200))
//      192    8 u64 count; rows = words + count, row words + i holds bucket list[i]
// In either version minn = maxn = 0 with bucket > 0 means bucket rows without character
// n-grams (a classifier's word n-grams): words then compose from their own rows only.
//      200  ... zero up to the first section
// dtype 2 (either version) holds the table compressed (embedkit compress): the tensor section
// is CompressedTable::serialize()'s bytes (64-byte aligned; "size of the tensor" is their
// length), whose rows and dim equal the header's; the stride field keeps its float32 value; an
// output layer, when there is one, is float32 rows as in dtype 1, 64-byte aligned after it.
// Readers decode it to float32 rows on opening (a table of rows x dim floats in memory) and
// check the codes' checksum then; the codec is in the compressed bytes' own header, and
// readers that predate dtype 2 refuse the file by its dtype (and dtype 2 readers from before
// the index and counts could be left out, 2026-11-30, refuse such a file as misaligned).
// Readers reject unknown versions and dtypes, sections outside the file or misaligned, sizes
// that disagree with rows, dim and words, and (checksums set) a header or vocabulary whose
// checksum differs, so a flipped byte there is an error, not a wrong answer. A file flagged as
// holding non-finite values opens only when they are allowed. Opening a mapped file does not
// read the tensor (that would read the whole file): its checksum and its values are checked
// where the whole file is read anyway (loading from bytes) and by verify_vectors() (the CLI's
// `embedkit info --verify`). A mapped file cut short while in use makes the next read of a
// missing page raise SIGBUS, as with any mapped file: replace files by renaming a new one in
// (as embedkit does), never by truncating them in place.
#pragma once

#include <cstdint>
#include <string_view>

namespace embedkit::native_format {

inline constexpr std::string_view kMagic = "EMBEDKIT";
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::uint32_t kVersionStoredBuckets = 2;  ///< version 1 + the stored-bucket list
inline constexpr std::uint32_t kFloat32 = 1;
inline constexpr std::uint32_t kCompressed = 2;  ///< the tensor is a serialized CompressedTable
inline constexpr std::size_t kHeaderBytes = 160;  ///< the fields checked by the header checksum
inline constexpr std::size_t kFlagsAt = 160;
inline constexpr std::size_t kHeaderChecksumAt = 168;
inline constexpr std::size_t kTensorChecksumAt = 176;
inline constexpr std::uint64_t kHasChecksums = 1;
inline constexpr std::uint64_t kHasNonFinite = 2;
inline constexpr std::size_t kFieldsEnd = 184;  ///< sections start at or after this byte (version 1)
inline constexpr std::size_t kStoredBucketsAt = 184;
inline constexpr std::size_t kStoredBucketCountAt = 192;
inline constexpr std::size_t kFieldsEndV2 = 200;  ///< sections start at or after this byte (version 2)

}  // namespace embedkit::native_format
