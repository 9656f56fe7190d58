// The text classifier for Python: training (GIL released, progress, Ctrl-C), prediction and
// testing; supervised.py gives it fastText's Python interface (train_supervised, predict, test).
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "bindings.h"
#include "embedkit/classify/classification_metrics.h"
#include "embedkit/classify/labeled_data.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "embedkit/io/word_vectors.h"

namespace embedkit::python {

namespace {

// fastText's reading: lines without a label or a word are skipped.
LabeledDataOptions data_options(const std::string& label_prefix) {
  return {.format = LabeledFormat::fasttext, .label_prefix = label_prefix, .skip_incomplete = true};
}

py::list scores_to_list(const TextClassifier& model, const std::vector<LabelScore>& scores) {
  py::list out;
  for (const LabelScore& s : scores) out.append(py::make_tuple(std::string(model.label(s.label)), s.probability));
  return out;
}

py::dict progress_info(const ClassifierProgress& p) {
  return py::dict(py::arg("progress") = p.progress, py::arg("epoch") = p.epoch,
                  py::arg("examples_per_second") = p.examples_per_second, py::arg("learning_rate") = p.learning_rate,
                  py::arg("loss") = p.loss, py::arg("seconds") = p.seconds, py::arg("eta_seconds") = p.eta_seconds,
                  py::arg("finished") = p.progress >= 1.0);
}

}  // namespace

void bind_classifier(py::module_& m) {
  py::class_<TextClassifier, std::shared_ptr<TextClassifier>>(m, "Classifier", "A fastText-style text classifier.")
      .def_static(
          "train",
          [](const std::string& input, const std::string& label_prefix, std::size_t dim, std::size_t epochs,
             float learning_rate, const std::string& optimizer, std::size_t batch_size, std::uint32_t word_ngrams,
             std::uint32_t minn, std::uint32_t maxn, std::uint64_t bucket, std::uint64_t min_count,
             const std::string& loss, float dropout, std::size_t threads, std::uint64_t seed,
             const std::string& pretrained, const py::object& progress) {
            ClassifierOptions o;
            o.dim = dim;
            o.epochs = epochs;
            o.optimizer = parse_classifier_optimizer(optimizer);
            o.learning_rate = learning_rate > 0 ? learning_rate : default_learning_rate(o.optimizer);
            o.batch_size = batch_size;
            o.word_ngrams = word_ngrams;
            o.minn = minn;
            o.maxn = maxn;
            o.bucket = bucket;
            o.min_count = min_count;
            o.loss = parse_classifier_loss(loss);
            o.dropout = dropout;
            o.threads = threads;
            o.seed = seed;
            o.pretrained = pretrained;
            InterruptWatch watch;
            ClassifierCallbacks callbacks;
            callbacks.should_stop = [&] { return watch.poll(); };
            callbacks.on_progress = watch.report_to<ClassifierProgress>(progress, progress_info);
            auto model = watch.run([&] {
              const LabeledData data = read_labeled_file(input, data_options(label_prefix));
              return std::make_shared<TextClassifier>(TextClassifier::train(data, o, callbacks));
            });
            watch.rethrow_callback_error();
            return py::make_tuple(model, watch.interrupted());
          },
          py::arg("input"), py::kw_only(), py::arg("label_prefix"), py::arg("dim"), py::arg("epochs"), py::arg("lr"),
          py::arg("optimizer"), py::arg("batch_size"), py::arg("word_ngrams"), py::arg("minn"), py::arg("maxn"),
          py::arg("bucket"), py::arg("min_count"), py::arg("loss"), py::arg("dropout"), py::arg("threads"),
          py::arg("seed"), py::arg("pretrained"), py::arg("progress"))
      .def_static(
          "load",
          [](const std::string& path) {
            const LibraryCall call;
            return std::make_shared<TextClassifier>(TextClassifier::load(path));
          },
          py::arg("path"))
      .def("save", [](const TextClassifier& c, const std::string& path) {
        const LibraryCall call;
        c.save(path);
      }, py::arg("path"))
      .def("labels",
           [](const TextClassifier& c) {
             std::vector<std::string> out;
             for (std::uint32_t i = 0; i < c.label_count(); ++i) out.emplace_back(c.label(i));
             return out;
           })
      .def_property_readonly("dim", &TextClassifier::dim)
      .def_property_readonly("word_count", &TextClassifier::word_count)
      .def(
          "predict",
          [](const TextClassifier& c, const std::vector<std::string>& texts, std::size_t k, float threshold) {
            LabeledData data;
            data.source = "<python>";
            data.examples.resize(texts.size());
            std::vector<std::vector<LabelScore>> predictions;
            {
              const LibraryCall call;
              for (std::size_t i = 0; i < texts.size(); ++i) split_tokens(texts[i], data.examples[i].tokens);
              predictions = c.predict_all(data, k == 0 ? c.label_count() : k, threshold);
            }
            py::list out;
            for (const auto& p : predictions) out.append(scores_to_list(c, p));
            return out;
          },
          py::arg("texts"), py::arg("k") = 1, py::arg("threshold") = 0.0F,
          "For each text (split at whitespace), its k most probable (label, probability) pairs.")
      .def(
          "test",
          [](const TextClassifier& c, const std::string& path, std::size_t k, float threshold,
             const std::string& label_prefix) {
            ClassificationReport r;
            {
              const LibraryCall call;
              LabeledData data = read_labeled_file(path, data_options(label_prefix));
              // As fastText's test: labels the model never saw are dropped, and lines left with none.
              std::erase_if(data.examples, [&](LabeledExample& e) {
                std::erase_if(e.labels, [&](const std::string& label) { return !c.find_label(label); });
                return e.labels.empty();
              });
              r = evaluate_classifier(c, data, k == 0 ? c.label_count() : k, threshold);
            }
            return py::dict(py::arg("examples") = r.examples, py::arg("precision") = r.precision_at_k,
                            py::arg("recall") = r.recall_at_k, py::arg("accuracy") = r.accuracy,
                            py::arg("macro_f1") = r.macro_f1);
          },
          py::arg("path"), py::arg("k") = 1, py::arg("threshold") = 0.0F, py::arg("label_prefix") = "__label__")
      .def(
          "quantize",
          [](const TextClassifier& c, const std::string& input, const std::string& label_prefix, std::size_t cutoff,
             const std::string& codec, std::size_t dsub, bool qnorm, std::size_t epochs, float learning_rate,
             std::size_t threads, std::uint64_t seed) {
            // As train: Ctrl-C during retraining stops it (KeyboardInterrupt, nothing changed).
            InterruptWatch watch;
            ClassifierCallbacks callbacks;
            callbacks.should_stop = [&] { return watch.poll(); };
            auto small = watch.run([&] {
              std::optional<LabeledData> data;
              if (!input.empty()) data = read_labeled_file(input, data_options(label_prefix));
              return std::make_shared<TextClassifier>(c.quantize({.cutoff = cutoff,
                                                                  .codec = parse_codec(codec),
                                                                  .dsub = dsub,
                                                                  .separate_norms = qnorm,
                                                                  .retrain_epochs = epochs,
                                                                  .retrain_learning_rate = learning_rate,
                                                                  .threads = threads,
                                                                  .seed = seed},
                                                                 data ? &*data : nullptr, callbacks));
            });
            watch.rethrow_callback_error();
            if (watch.interrupted()) {
              PyErr_SetString(PyExc_KeyboardInterrupt, "quantize stopped while retraining: the model is unchanged");
              throw py::error_already_set();
            }
            return small;
          },
          py::kw_only(), py::arg("input"), py::arg("label_prefix"), py::arg("cutoff"), py::arg("codec"),
          py::arg("dsub"), py::arg("qnorm"), py::arg("epochs"), py::arg("lr"), py::arg("threads"), py::arg("seed"),
          "A smaller copy (TextClassifier::quantize): rows cut to `cutoff`, retrained on `input` when given, "
          "stored as codes.")
      .def_property_readonly("quantized",
                             [](const TextClassifier& c) { return c.compressed_rows() != nullptr; })
      .def("word_vectors", [](const TextClassifier& c) { return wrap_vectors(c.word_vectors()); });
}

}  // namespace embedkit::python
