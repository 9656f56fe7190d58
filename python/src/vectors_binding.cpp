// embedkit._embedkit.Vectors: WordVectors for Python. Loading, saving, lookups, exact and fast
// nearest-neighbour search, and the evaluations, each one call into the library with the GIL
// released; keyed_vectors.py gives it gensim's KeyedVectors interface.
#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"
#include "embedkit/core/error.h"
#include "embedkit/eval/analogy_evaluation.h"
#include "embedkit/eval/word_similarity.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_matrix.h"
#include "embedkit/search/nearest_neighbors.h"
#include "embedkit/search/quantized_neighbors.h"

namespace embedkit::python {

namespace {

// The searchable word matrix (composed from subwords when the model has them) with an index
// over it; built on first use and rebuilt after the vectors change (refresh()).
struct ExactIndex {
  WordMatrix matrix;
  NearestNeighbors index;
  explicit ExactIndex(const WordVectors& wv) : matrix(wv), index(matrix.view(), matrix.rows()) {}
};

struct FastIndex {
  std::shared_ptr<const ExactIndex> exact;  // its matrix is what the int8 copy was made from
  QuantizedNearestNeighbors index;
  explicit FastIndex(std::shared_ptr<const ExactIndex> e)
      : exact(std::move(e)), index(exact->matrix.view(), exact->matrix.rows()) {}
};

class Vectors {
 public:
  explicit Vectors(WordVectors wv) : wv_(std::move(wv)) {
    const auto format = wv_.metadata.find("format");
    mapped_ = format != wv_.metadata.end() && format->second == "native";
  }

  [[nodiscard]] const WordVectors& get() const noexcept { return wv_; }
  [[nodiscard]] WordVectors& get() noexcept { return wv_; }
  [[nodiscard]] bool mapped() const noexcept { return mapped_; }

  std::shared_ptr<const ExactIndex> exact() {
    const std::lock_guard lock(mutex_);
    if (!exact_) exact_ = std::make_shared<const ExactIndex>(wv_);
    return exact_;
  }
  std::shared_ptr<const FastIndex> fast() {
    auto e = exact();
    const std::lock_guard lock(mutex_);
    if (!fast_ || fast_->exact != e) fast_ = std::make_shared<const FastIndex>(std::move(e));
    return fast_;
  }
  void refresh() {
    const std::lock_guard lock(mutex_);
    exact_.reset();
    fast_.reset();
  }

 private:
  WordVectors wv_;
  bool mapped_ = false;
  std::mutex mutex_;
  std::shared_ptr<const ExactIndex> exact_;
  std::shared_ptr<const FastIndex> fast_;
};

using VectorsPtr = std::shared_ptr<Vectors>;

// The exact index, built (a pass over the table, and with subwords the composed matrix) with the
// GIL released when this is the first use.
std::shared_ptr<const ExactIndex> exact_index(Vectors& v) {
  const LibraryCall call;
  return v.exact();
}

std::vector<float> vector_of(const Vectors& v, std::string_view word) {
  std::vector<float> out(v.get().dim());
  if (v.get().vector(word, out) == WordVectors::Source::unknown) throw_unknown_word(word);
  return out;
}

std::span<const float> query_span(const FloatArray& queries, std::size_t dim, std::size_t& count) {
  if (queries.ndim() == 1) {
    count = 1;
  } else if (queries.ndim() == 2) {
    count = static_cast<std::size_t>(queries.shape(0));
  } else {
    throw ArgumentError("queries must be one vector or a 2-D array of them");
  }
  const auto width = static_cast<std::size_t>(queries.shape(queries.ndim() - 1));
  EMBEDKIT_CHECK(width == dim, ArgumentError, "queries have " + std::to_string(width) + " values, the vectors " +
                                                  std::to_string(dim));
  return {queries.data(), count * dim};
}

py::tuple neighbors_to_arrays(const std::vector<Neighbor>& found) {
  py::array_t<std::int64_t> ids(static_cast<py::ssize_t>(found.size()));
  py::array_t<float> scores(static_cast<py::ssize_t>(found.size()));
  auto* i = ids.mutable_data();
  auto* s = scores.mutable_data();
  for (std::size_t k = 0; k < found.size(); ++k) {
    i[k] = found[k].id;
    s[k] = found[k].score;
  }
  return py::make_tuple(ids, scores);
}

}  // namespace

py::object wrap_vectors(WordVectors wv) { return py::cast(std::make_shared<Vectors>(std::move(wv))); }

const WordVectors& unwrap_vectors(py::handle vectors) { return vectors.cast<const Vectors&>().get(); }

void bind_vectors(py::module_& m) {
  py::class_<Vectors, VectorsPtr>(m, "Vectors", "Word vectors (the library's WordVectors); see KeyedVectors.")
      .def_static(
          "load",
          [](const std::string& path, const std::string& format, std::size_t limit, bool keep_first_duplicate,
             bool replace_invalid_utf8, bool allow_non_finite, const std::string& vocabulary, const std::string& tensor,
             const std::string& tokenizer) {
            LoadOptions options{.format = parse_vector_format(format),
                                .invalid_utf8 = replace_invalid_utf8 ? InvalidUtf8::replace : InvalidUtf8::error,
                                .duplicates = keep_first_duplicate ? DuplicateWords::keep_first : DuplicateWords::error,
                                .allow_non_finite = allow_non_finite,
                                .limit = limit,
                                .vocabulary_path = vocabulary,
                                .tensor = tensor,
                                .tokenizer_path = tokenizer};
            WordVectors wv = [&] {
              const LibraryCall call;
              return load_vectors(path, options);
            }();
            return std::make_shared<Vectors>(std::move(wv));
          },
          py::arg("path"), py::arg("format") = "detect", py::arg("limit") = 0, py::arg("keep_first_duplicate") = false,
          py::arg("replace_invalid_utf8") = false, py::arg("allow_non_finite") = false, py::arg("vocabulary") = "",
          py::arg("tensor") = "", py::arg("tokenizer") = "")
      .def_static(
          "from_arrays",
          [](const std::vector<std::string>& words, const std::vector<std::uint64_t>& counts, const FloatArray& rows,
             const std::optional<std::tuple<std::uint32_t, std::uint32_t>>& ngrams,
             const std::optional<FloatArray>& buckets) {
            EMBEDKIT_CHECK(rows.ndim() == 2 && static_cast<std::size_t>(rows.shape(0)) == words.size(), ArgumentError,
                           "the vectors must be a 2-D array with one row per word");
            EMBEDKIT_CHECK(counts.empty() || counts.size() == words.size(), ArgumentError,
                           "counts must be empty or one per word");
            EMBEDKIT_CHECK(ngrams.has_value() == buckets.has_value(), ArgumentError,
                           "n-gram lengths and bucket rows go together");
            const auto dim = static_cast<std::size_t>(rows.shape(1));
            const std::size_t bucket_rows = buckets ? static_cast<std::size_t>(buckets->shape(0)) : 0;
            EMBEDKIT_CHECK(!buckets || (buckets->ndim() == 2 && static_cast<std::size_t>(buckets->shape(1)) == dim &&
                                        bucket_rows > 0),
                           ArgumentError, "the bucket rows must be a non-empty 2-D array as wide as the vectors");
            std::vector<VocabularyEntry> entries(words.size());
            for (std::size_t i = 0; i < words.size(); ++i) {
              entries[i] = {words[i], counts.empty() ? words.size() - i : counts[i]};
            }
            EmbeddingTable table(words.size() + bucket_rows, dim);
            for (std::size_t r = 0; r < words.size(); ++r) {
              std::copy_n(rows.data() + r * dim, dim, table.data() + r * table.stride());
            }
            for (std::size_t b = 0; b < bucket_rows; ++b) {
              std::copy_n(buckets->data() + b * dim, dim, table.data() + (words.size() + b) * table.stride());
            }
            std::optional<SubwordOptions> subwords;
            if (ngrams) {
              subwords = SubwordOptions{std::get<0>(*ngrams), std::get<1>(*ngrams), bucket_rows};
              EMBEDKIT_CHECK(subwords->enabled() && subwords->minn >= 1, ArgumentError,
                             "n-gram lengths must satisfy 1 <= min_n <= max_n");
            }
            return std::make_shared<Vectors>(
                WordVectors(Vocabulary::from_entries(entries, "<python>"), std::move(table), subwords));
          },
          py::arg("words"), py::arg("counts"), py::arg("vectors"), py::arg("ngrams") = py::none(),
          py::arg("buckets") = py::none(),
          "Vectors from arrays (copied); with ngrams=(min_n, max_n) and the bucket rows, fastText subwords.")
      .def(
          "save",
          [](Vectors& self, const std::string& path, const std::string& format, std::size_t limit,
             const std::string& vocabulary) {
            const LibraryCall call;
            save_vectors(self.get(), path,
                         {.format = output_format(path, parse_vector_format(format)), .limit = limit,
                          .vocabulary_path = vocabulary});
          },
          py::arg("path"), py::arg("format") = "detect", py::arg("limit") = 0, py::arg("vocabulary") = "")
      .def("__len__", [](const Vectors& self) { return self.get().size(); })
      .def_property_readonly("dim", [](const Vectors& self) { return self.get().dim(); })
      .def_property_readonly("mapped", &Vectors::mapped)
      .def_property_readonly("subwords",
                             [](const Vectors& self) -> py::object {
                               if (!self.get().subwords()) return py::none();
                               const SubwordOptions& s = *self.get().subwords();
                               return py::dict(py::arg("min_n") = s.minn, py::arg("max_n") = s.maxn,
                                               py::arg("bucket") = s.bucket);
                             })
      .def_property_readonly("metadata", [](const Vectors& self) { return self.get().metadata; })
      .def("word", [](const Vectors& self, TokenId id) {
        EMBEDKIT_CHECK(id < self.get().size(), ArgumentError, "word id " + std::to_string(id) + " is out of range");
        return std::string(self.get().words().word(id));
      })
      .def("words",
           [](const Vectors& self) {
             const Vocabulary& words = self.get().words();
             py::list out(words.size());
             for (std::size_t i = 0; i < words.size(); ++i) {
               const std::string_view w = words.word(static_cast<TokenId>(i));
               out[i] = py::reinterpret_steal<py::object>(
                   PyUnicode_DecodeUTF8(w.data(), static_cast<py::ssize_t>(w.size()), "surrogateescape"));
             }
             return out;
           })
      .def("counts",
           [](const Vectors& self) {
             const auto counts = self.get().words().counts();
             py::array_t<std::uint64_t> out(static_cast<py::ssize_t>(counts.size()));
             std::copy(counts.begin(), counts.end(), out.mutable_data());
             return out;
           })
      .def(
          "find",
          [](const Vectors& self, std::string_view word) -> std::int64_t {
            const auto id = self.get().words().find(word);
            return id ? static_cast<std::int64_t>(*id) : -1;
          },
          py::arg("word"))
      .def(
          "table",
          [](const VectorsPtr& self) {
            // The stored rows of the words, in place: edits reach the model (and, for mapped
            // files, are refused: the file's pages are shared).
            EmbeddingTable& t = self->get().table();
            return table_view(t.data(), self->get().size(), t.dim(), t.stride(), py::cast(self), !self->mapped());
          },
          "The words' stored rows, viewed in place (no copy).")
      .def(
          "word_matrix",
          [](const VectorsPtr& self) {
            // Without subwords the same rows as table(); with them, the composed vectors (a copy
            // made once, read-only: edit table() instead).
            const auto exact = exact_index(*self);
            const TableView v = exact->matrix.view();
            if (!exact->matrix.composed()) {
              EmbeddingTable& t = self->get().table();
              return table_view(t.data(), self->get().size(), t.dim(), t.stride(), py::cast(self), !self->mapped());
            }
            py::capsule keep(new std::shared_ptr<const ExactIndex>(exact),
                             [](void* p) { delete static_cast<std::shared_ptr<const ExactIndex>*>(p); });
            return table_view(const_cast<float*>(v.data), v.rows, v.dim, v.stride, keep, false);
          },
          "What searches compare: every word's vector (composed from subwords when the model has them).")
      .def("refresh", &Vectors::refresh, "Forget the search indexes (after the vectors were changed in place).")
      .def(
          "vector",
          [](const Vectors& self, std::string_view word) {
            auto v = vector_of(self, word);
            return to_array(v, 1, v.size()).attr("reshape")(-1);
          },
          py::arg("word"))
      .def(
          "source",
          [](const Vectors& self, std::string_view word) {
            std::vector<float> out(self.get().dim());
            switch (self.get().vector(word, out)) {
              case WordVectors::Source::in_vocabulary: return "in_vocabulary";
              case WordVectors::Source::from_subwords: return "from_subwords";
              case WordVectors::Source::unknown: break;
            }
            return "unknown";
          },
          py::arg("word"))
      .def(
          "vectors_of",
          [](const Vectors& self, const std::vector<std::string>& words) {
            const std::size_t dim = self.get().dim();
            std::vector<float> out(words.size() * dim);
            for (std::size_t i = 0; i < words.size(); ++i) {
              if (self.get().vector(words[i], {out.data() + i * dim, dim}) == WordVectors::Source::unknown) {
                throw_unknown_word(words[i]);
              }
            }
            return to_array(out, words.size(), dim);
          },
          py::arg("words"))
      .def(
          "search",
          [](const VectorsPtr& self, const FloatArray& queries, std::size_t k, const std::vector<std::vector<TokenId>>& exclude,
             std::size_t restrict, bool fast, std::size_t candidates) {
            std::size_t count = 0;
            const std::span<const float> q = query_span(queries, self->get().dim(), count);
            EMBEDKIT_CHECK(exclude.empty() || exclude.size() == count, ArgumentError,
                           "exclude needs one id list per query");
            std::vector<std::vector<Neighbor>> found;
            {
              const LibraryCall call;
              if (fast) {
                const auto index = self->fast();
                for (std::size_t i = 0; i < count; ++i) {
                  found.push_back(index->index.search(
                      q.subspan(i * self->get().dim(), self->get().dim()), k,
                      {.exclude = exclude.empty() ? std::vector<TokenId>{} : exclude[i], .restrict = restrict,
                       .candidates = std::max(candidates, k)}));
                }
              } else {
                const auto index = self->exact();
                if (count == 1) {
                  found.push_back(index->index.search(
                      q, k, {.exclude = exclude.empty() ? std::vector<TokenId>{} : exclude[0], .restrict = restrict}));
                } else {
                  found = index->index.search_batch(q, k, exclude, restrict);
                }
              }
            }
            py::list out;
            for (const auto& f : found) out.append(neighbors_to_arrays(f));
            return out;
          },
          py::arg("queries"), py::arg("k"), py::arg("exclude") = std::vector<std::vector<TokenId>>{},
          py::arg("restrict") = 0, py::arg("fast") = false, py::arg("candidates") = 100,
          "The k most cosine-similar words of each query: a list of (ids, scores) per query, best first.")
      .def(
          "cosines",
          [](const VectorsPtr& self, const FloatArray& queries, std::size_t restrict) {
            std::size_t count = 0;
            const std::span<const float> q = query_span(queries, self->get().dim(), count);
            const auto index = exact_index(*self);
            const std::size_t rows =
                restrict == 0 ? index->index.rows() : std::min(restrict, index->index.rows());
            py::array_t<float> out({count, rows});
            float* o = out.mutable_data();
            {
              const LibraryCall call;
              index->index.score_blocks(q, rows, [&](int, std::size_t first, std::size_t n, const float* scores) {
                for (std::size_t i = 0; i < count; ++i) std::copy_n(scores + i * n, n, o + i * rows + first);
              });
            }
            return out;
          },
          py::arg("queries"), py::arg("restrict") = 0,
          "Cosine similarity of each query to every word (count x words), in one pass over the table.")
      .def(
          "evaluate_pairs",
          [](const Vectors& self, const std::string& path, std::size_t restrict, bool case_insensitive,
             bool dummy4unknown, const std::optional<std::string>& text) {
            WordSimilarityResult r;
            std::vector<WordPair> pairs;
            {
              const LibraryCall call;
              pairs = text ? parse_word_pairs(*text, path) : read_word_pairs(path);
              r = evaluate_word_similarity(self.get(), pairs,
                                           {.restrict = restrict,
                                            .case_insensitive = case_insensitive,
                                            .unseen = dummy4unknown ? UnseenPairs::zero : UnseenPairs::skip});
            }
            return py::dict(py::arg("pairs") = r.pairs, py::arg("scored") = r.scored, py::arg("unseen") = r.unseen,
                            py::arg("spearman") = r.spearman, py::arg("pearson") = r.pearson,
                            py::arg("model_scores") = r.model_scores);
          },
          py::arg("path"), py::arg("restrict") = 300000, py::arg("case_insensitive") = true,
          py::arg("dummy4unknown") = false, py::arg("text") = py::none(),
          "Similarity evaluation of the pairs file at `path` (or of `text`, naming it `path` in errors).")
      .def(
          "evaluate_analogies",
          [](const Vectors& self, const std::string& path, std::size_t restrict, bool case_insensitive, bool cosmul) {
            std::vector<AnalogySection> set;
            AnalogyResult r;
            {
              const LibraryCall call;
              set = read_analogies(path);
              r = evaluate_analogies(self.get(), set,
                                     {.restrict = restrict,
                                      .case_insensitive = case_insensitive,
                                      .method = cosmul ? AnalogyMethod::mul : AnalogyMethod::add});
            }
            py::list sections;
            for (std::size_t s = 0; s < r.sections.size(); ++s) {
              auto questions = [&](const std::vector<std::size_t>& which) {
                py::list out;
                for (const std::size_t q : which) {
                  const auto& w = set[s].questions[q];
                  out.append(py::make_tuple(w[0], w[1], w[2], w[3]));
                }
                return out;
              };
              // Questions answered wrongly or not at all (a word outside the known words), in file order.
              std::vector<std::size_t> not_correct;
              const auto& correct = r.sections[s].correct_questions;
              const auto& incorrect = r.sections[s].incorrect_questions;
              for (std::size_t q = 0; q < set[s].questions.size(); ++q) {
                if (!std::binary_search(correct.begin(), correct.end(), q)) not_correct.push_back(q);
              }
              sections.append(py::dict(py::arg("section") = r.sections[s].name,
                                       py::arg("correct") = questions(correct),
                                       py::arg("incorrect") = questions(incorrect),
                                       py::arg("incorrect_or_skipped") = questions(not_correct)));
            }
            return sections;
          },
          py::arg("path"), py::arg("restrict") = 300000, py::arg("case_insensitive") = true, py::arg("cosmul") = false)
      ;
}

}  // namespace embedkit::python
