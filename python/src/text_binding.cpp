// Text and vocabulary for Python: Tokenizer, Vocabulary and Encoder, with batches of texts
// encoded to numpy ids + offsets (what EmbeddingBag and torch.nn.EmbeddingBag take).
#include <memory>
#include <string>
#include <vector>

#include "bindings.h"
#include "embedkit/core/error.h"
#include "embedkit/text/tokenizer.h"
#include "embedkit/vocab/encoder.h"
#include "embedkit/vocab/vocab_builder.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit::python {

namespace {

Split parse_split(std::string_view name) {
  if (name == "whitespace") return Split::whitespace;
  if (name == "words") return Split::words;
  throw ArgumentError("split must be \"whitespace\" or \"words\", not \"" + std::string(name) + "\"");
}

// An encoder with the vocabulary it refers to kept alive by shared ownership.
struct PyEncoder {
  std::shared_ptr<const Vocabulary> vocab;
  Encoder encoder;
  PyEncoder(std::shared_ptr<const Vocabulary> v, const Tokenizer& t) : vocab(std::move(v)), encoder(*vocab, t) {}
};

py::array_t<std::int64_t> id_array(const std::vector<TokenId>& ids) {
  py::array_t<std::int64_t> out(static_cast<py::ssize_t>(ids.size()));
  std::copy(ids.begin(), ids.end(), out.mutable_data());
  return out;
}

}  // namespace

void bind_text(py::module_& m) {
  py::class_<Tokenizer>(m, "Tokenizer",
                        "Splits text into tokens: at whitespace (as word2vec and fastText), or into words and "
                        "punctuation (\"words\"), after optional Unicode normalisation.")
      .def(py::init([](const std::string& split, bool lowercase, bool nfkc, bool strip_accents, bool replace_invalid) {
             TokenizerOptions o;
             o.split = parse_split(split);
             o.normalize = {.nfkc = nfkc, .strip_accents = strip_accents, .lowercase = lowercase};
             o.invalid_utf8 = replace_invalid ? InvalidUtf8::replace : InvalidUtf8::error;
             return Tokenizer(o);
           }),
           py::kw_only(), py::arg("split") = "whitespace", py::arg("lowercase") = false, py::arg("nfkc") = false,
           py::arg("strip_accents") = false, py::arg("replace_invalid_utf8") = false)
      .def("tokenize", py::overload_cast<std::string_view>(&Tokenizer::tokenize, py::const_), py::arg("text"),
           "The tokens of `text`, as a list of str.");

  py::class_<Vocabulary, std::shared_ptr<Vocabulary>>(m, "Vocabulary",
                                                       "Words with counts and ids (most frequent first); specials "
                                                       "<pad>, <unk>, <bos>, <eos> when built with them.")
      .def_static("load", [](const std::string& path) { return std::make_shared<Vocabulary>(Vocabulary::load(path)); },
                  py::arg("path"))
      .def_static(
          "build",
          [](const std::string& path, const Tokenizer& tokenizer, std::uint64_t min_count, std::optional<std::size_t> max_size,
             bool pad, bool unk, bool bos, bool eos) {
            const LibraryCall call;
            VocabBuildResult r = build_vocabulary(path, tokenizer,
                                                  {.min_count = min_count, .max_size = max_size, .add_pad = pad,
                                                   .add_unk = unk, .add_bos = bos, .add_eos = eos});
            return std::make_shared<Vocabulary>(std::move(r.vocabulary));
          },
          py::arg("path"), py::arg("tokenizer") = Tokenizer(), py::kw_only(), py::arg("min_count") = 1,
          py::arg("max_size") = py::none(), py::arg("pad") = true, py::arg("unk") = true, py::arg("bos") = false,
          py::arg("eos") = false, "Counts the tokens of a text file (one pass, GIL released).")
      .def_static(
          "from_counts",
          [](const std::vector<std::pair<std::string, std::uint64_t>>& counts) {
            std::vector<VocabularyEntry> entries;
            entries.reserve(counts.size());
            for (const auto& [w, c] : counts) entries.push_back({w, c});
            return std::make_shared<Vocabulary>(Vocabulary::from_entries(entries, "<python>"));
          },
          py::arg("counts"), "From (word, count) pairs, in id order.")
      .def("save", &Vocabulary::save, py::arg("path"))
      .def("__len__", &Vocabulary::size)
      .def("__contains__", [](const Vocabulary& v, std::string_view w) { return v.find(w).has_value(); })
      .def("__getitem__",
           [](const Vocabulary& v, std::string_view w) {
             const auto id = v.find(w);
             if (!id) throw_unknown_word(w);
             return *id;
           })
      .def("find", &Vocabulary::find, py::arg("word"), "The id of `word`, or None.")
      .def("word", [](const Vocabulary& v, TokenId id) { return std::string(v.word(id)); }, py::arg("id"))
      .def("count", &Vocabulary::count, py::arg("id"))
      .def("words", [](const Vocabulary& v) {
        std::vector<std::string> out;
        out.reserve(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) out.emplace_back(v.word(static_cast<TokenId>(i)));
        return out;
      });

  py::class_<PyEncoder>(m, "Encoder", "Text to ids (and back) through a tokenizer and a vocabulary.")
      .def(py::init([](std::shared_ptr<Vocabulary> vocab, const Tokenizer& tokenizer) {
             return std::make_unique<PyEncoder>(std::move(vocab), tokenizer);
           }),
           py::arg("vocabulary"), py::arg("tokenizer") = Tokenizer())
      .def(
          "encode",
          [](const PyEncoder& e, std::string_view text, bool bos, bool eos) {
            return id_array(e.encoder.encode(text, {.add_bos = bos, .add_eos = eos}));
          },
          py::arg("text"), py::kw_only(), py::arg("add_bos") = false, py::arg("add_eos") = false)
      .def(
          "encode_batch",
          [](const PyEncoder& e, const std::vector<std::string>& texts, bool bos, bool eos) {
            std::vector<TokenId> ids;
            std::vector<std::int64_t> offsets;
            offsets.reserve(texts.size());
            {
              const LibraryCall call;
              for (const std::string& t : texts) {
                offsets.push_back(static_cast<std::int64_t>(ids.size()));
                const auto one = e.encoder.encode(t, {.add_bos = bos, .add_eos = eos});
                ids.insert(ids.end(), one.begin(), one.end());
              }
            }
            py::array_t<std::int64_t> off(static_cast<py::ssize_t>(offsets.size()));
            std::copy(offsets.begin(), offsets.end(), off.mutable_data());
            return py::make_tuple(id_array(ids), off);
          },
          py::arg("texts"), py::kw_only(), py::arg("add_bos") = false, py::arg("add_eos") = false,
          "(ids, offsets): every text's ids concatenated, and where each text starts (EmbeddingBag's input).")
      .def(
          "decode",
          [](const PyEncoder& e, const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& ids,
             bool skip_special) {
            const auto checked = checked_ids(ids, e.vocab->size(), "decode");
            return e.encoder.decode(checked, {.skip_special = skip_special});
          },
          py::arg("ids"), py::kw_only(), py::arg("skip_special") = true);
}

}  // namespace embedkit::python
