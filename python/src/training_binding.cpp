// Word-vector training from Python: train_word_vectors with the GIL released, progress handed
// to a Python callable, and Ctrl-C turned into the library's stop request (the model so far is
// returned; models.py raises KeyboardInterrupt with it attached).
#include <string>

#include "bindings.h"
#include "embedkit/core/error.h"
#include "embedkit/train/word_vector_trainer.h"

namespace embedkit::python {

namespace {

py::dict progress_info(const TrainingProgress& p) {
  return py::dict(py::arg("progress") = p.progress, py::arg("epoch") = p.epoch, py::arg("words") = p.words_done,
                  py::arg("words_per_second") = p.words_per_second, py::arg("learning_rate") = p.learning_rate,
                  py::arg("loss") = p.loss, py::arg("seconds") = p.elapsed_seconds,
                  py::arg("eta_seconds") = p.eta_seconds, py::arg("finished") = p.finished);
}

// An owned copy of vectors that view a live training table.
WordVectors owned_copy(const WordVectors& v) { return v.with_table(v.table().clone()); }

py::dict corpus_info(const CorpusSummary& s) {
  return py::dict(py::arg("corpus_tokens") = s.tokens, py::arg("kept_tokens") = s.kept_tokens,
                  py::arg("vocabulary") = s.words);
}

}  // namespace

void bind_training(py::module_& m) {
  m.def(
      "train_word_vectors",
      [](const std::string& corpus_file, bool skipgram, bool hierarchical_softmax, std::size_t dim, std::size_t window,
         std::size_t negatives, double negative_power, std::size_t epochs, std::uint64_t min_count, double sample,
         float learning_rate, bool subwords, std::uint32_t min_n, std::uint32_t max_n, std::uint64_t bucket,
         std::size_t threads, std::uint64_t seed, bool lowercase, const py::object& progress,
         const py::object& epoch_end) {
        WordVectorOptions o;
        o.model = skipgram ? WordModel::skipgram : WordModel::cbow;
        o.loss = hierarchical_softmax ? WordLoss::hierarchical_softmax : WordLoss::negative_sampling;
        o.dim = dim;
        o.window = window;
        o.negatives = negatives;
        o.negative_power = negative_power;
        o.epochs = epochs;
        o.min_count = min_count;
        o.sample = sample;
        o.learning_rate = learning_rate;
        o.subwords = subwords;
        o.subword = {min_n, max_n, bucket};
        o.threads = threads;
        o.seed = seed;
        o.tokenizer.normalize.lowercase = lowercase;
        InterruptWatch watch;
        TrainingCallbacks callbacks;
        callbacks.should_stop = [&] { return watch.poll(); };
        callbacks.on_corpus = watch.report_to<CorpusSummary>(progress, corpus_info);
        callbacks.on_progress = watch.report_to<TrainingProgress>(progress, progress_info);
        if (!epoch_end.is_none()) {
          callbacks.on_epoch = [&](std::size_t done, const WordVectors& now) {
            WordVectors copy = owned_copy(now);  // (the view dies with the call)
            const py::gil_scoped_acquire gil;
            watch.call(epoch_end, py::dict(py::arg("epochs_done") = done,
                                           py::arg("vectors") = wrap_vectors(std::move(copy))));
          };
        }
        WordVectors wv = watch.run([&] { return train_word_vectors(corpus_file, o, callbacks); });
        watch.rethrow_callback_error();
        return py::make_tuple(wrap_vectors(std::move(wv)), watch.interrupted());
      },
      py::arg("corpus_file"), py::kw_only(), py::arg("skipgram"), py::arg("hierarchical_softmax"), py::arg("dim"),
      py::arg("window"), py::arg("negatives"), py::arg("negative_power"), py::arg("epochs"), py::arg("min_count"),
      py::arg("sample"), py::arg("learning_rate"), py::arg("subwords"), py::arg("min_n"), py::arg("max_n"),
      py::arg("bucket"), py::arg("threads"), py::arg("seed"), py::arg("lowercase"), py::arg("progress"),
      py::arg("epoch_end") = py::none(),
      "Trains word vectors on a text file; returns (Vectors, interrupted). epoch_end, when given, gets a copy of "
      "the vectors after each whole epoch.");
}

}  // namespace embedkit::python
