// The embedding layer for Python: Embedding and EmbeddingBag forward/backward on numpy arrays
// (weights viewed in place, so PyTorch or numpy can update them), and the sparse optimizers.
// torch.py builds embedkit.torch.EmbeddingBag on these.
#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bindings.h"
#include "embedkit/core/error.h"
#include "embedkit/table/embedding.h"
#include "embedkit/table/embedding_bag.h"
#include "embedkit/train/sparse_optimizer.h"

namespace embedkit::python {

namespace {

using IdArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

BagMode parse_mode(std::string_view name) {
  if (name == "sum") return BagMode::sum;
  if (name == "mean") return BagMode::mean;
  if (name == "max") return BagMode::max;
  throw ArgumentError("mode must be \"sum\", \"mean\" or \"max\", not \"" + std::string(name) + "\"");
}

EmbeddingTable initial_table(std::size_t rows, std::size_t dim, const std::optional<FloatArray>& weight,
                             std::uint64_t seed) {
  EmbeddingTable table(rows, dim);
  if (weight) {
    EMBEDKIT_CHECK(weight->ndim() == 2 && static_cast<std::size_t>(weight->shape(0)) == rows &&
                       static_cast<std::size_t>(weight->shape(1)) == dim,
                   ArgumentError, "_weight must have shape (num_embeddings, embedding_dim)");
    for (std::size_t r = 0; r < rows; ++r) std::copy_n(weight->data() + r * dim, dim, table.data() + r * table.stride());
  } else {
    table.fill_normal(0.0F, 1.0F, seed);  // N(0, 1), as torch.nn.Embedding(Bag)
  }
  return table;
}

// A bag batch whose arrays live here (the library's BagBatch holds spans).
struct Batch {
  std::vector<TokenId> indices;
  std::vector<std::uint64_t> offsets;
  std::vector<float> weights;
  Batch(const EmbeddingBag& bag, const IdArray& idx, const std::optional<IdArray>& offs,
        const std::optional<FloatArray>& per_sample_weights) {
    indices = checked_ids(idx, bag.table().rows(), "EmbeddingBag");
    if (offs) {
      const std::int64_t* o = offs->data();
      offsets.resize(static_cast<std::size_t>(offs->size()));
      for (std::size_t i = 0; i < offsets.size(); ++i) {
        EMBEDKIT_CHECK(o[i] >= 0, ArgumentError, "offsets must not be negative");
        offsets[i] = static_cast<std::uint64_t>(o[i]);
      }
    } else {
      EMBEDKIT_CHECK(idx.ndim() == 2, ArgumentError, "offsets are needed unless input is 2-D (bags of equal length)");
      const auto length = static_cast<std::size_t>(idx.shape(1));
      for (std::size_t b = 0; b < static_cast<std::size_t>(idx.shape(0)); ++b) offsets.push_back(b * length);
      if (bag.options().include_last_offset) offsets.push_back(indices.size());
    }
    if (per_sample_weights) {
      EMBEDKIT_CHECK(static_cast<std::size_t>(per_sample_weights->size()) == indices.size(), ArgumentError,
                     "per_sample_weights needs one weight per index");
      weights.assign(per_sample_weights->data(), per_sample_weights->data() + per_sample_weights->size());
    }
  }
  [[nodiscard]] BagBatch view() const { return {indices, offsets, weights}; }
};

py::tuple gradient_arrays(const SparseGradient& g) {
  py::array_t<std::int64_t> rows(static_cast<py::ssize_t>(g.size()));
  std::copy(g.rows().begin(), g.rows().end(), rows.mutable_data());
  return py::make_tuple(rows, to_array(g.values(), g.size(), g.dim()));
}

SparseGradient gradient_from(const IdArray& rows, const FloatArray& values, EmbeddingTable& table) {
  const std::vector<TokenId> ids = checked_ids(rows, table.rows(), "gradient rows");
  EMBEDKIT_CHECK(values.ndim() == 2 && static_cast<std::size_t>(values.shape(0)) == ids.size() &&
                     static_cast<std::size_t>(values.shape(1)) == table.dim(),
                 ArgumentError, "gradient values must have shape (len(rows), dim)");
  const std::span<const float> flat(values.data(), ids.size() * table.dim());
  if (std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<>()) == ids.end()) {
    SparseGradient g(ids, table.dim());
    std::copy(flat.begin(), flat.end(), g.value(0).data());
    return g;
  }
  // Rows in any order, repeated or not (as PyTorch's uncoalesced gradients): summed per row by
  // the layer's own backward, over a view of the table it never writes.
  const Embedding lookup(
      EmbeddingTable::over_storage(table.data(), table.rows(), table.dim(), std::make_shared<int>(0)));
  SparseGradient g;
  lookup.backward(ids, flat, g);
  return g;
}

// An optimizer and the lock that lets several Python threads step it (its state is set up by
// the first step and changed by every step, with the GIL released).
struct PyOptimizer {
  explicit PyOptimizer(std::unique_ptr<SparseOptimizer> optimizer) : impl(std::move(optimizer)) {}
  virtual ~PyOptimizer() = default;
  std::unique_ptr<SparseOptimizer> impl;
  std::mutex mutex;
};
struct PySgd : PyOptimizer {
  using PyOptimizer::PyOptimizer;
};
struct PyAdagrad : PyOptimizer {
  using PyOptimizer::PyOptimizer;
};
struct PyAdam : PyOptimizer {
  using PyOptimizer::PyOptimizer;
};

}  // namespace

void bind_layer(py::module_& m) {
  py::class_<EmbeddingBag, std::shared_ptr<EmbeddingBag>>(
      m, "EmbeddingBag", "Sums, means or maxes of embedding rows per bag (torch.nn.EmbeddingBag's semantics).")
      .def(py::init([](std::size_t rows, std::size_t dim, const std::string& mode, std::optional<TokenId> padding_idx,
                       bool include_last_offset, const std::optional<FloatArray>& weight, std::uint64_t seed) {
             EMBEDKIT_CHECK(!padding_idx || *padding_idx < rows, ArgumentError, "padding_idx must be < num_embeddings");
             return std::make_shared<EmbeddingBag>(initial_table(rows, dim, weight, seed),
                                                   EmbeddingBagOptions{.mode = parse_mode(mode),
                                                                       .padding_idx = padding_idx,
                                                                       .include_last_offset = include_last_offset});
           }),
           py::arg("num_embeddings"), py::arg("embedding_dim"), py::kw_only(), py::arg("mode") = "mean",
           py::arg("padding_idx") = py::none(), py::arg("include_last_offset") = false,
           py::arg("_weight") = py::none(), py::arg("seed") = 1)
      .def_property_readonly("weight",
                             [](const std::shared_ptr<EmbeddingBag>& self) {
                               EmbeddingTable& t = self->table();
                               return table_view(t.data(), t.rows(), t.dim(), t.stride(), py::cast(self), true);
                             })
      .def_property_readonly("mode", [](const EmbeddingBag& b) {
        return b.options().mode == BagMode::sum ? "sum" : b.options().mode == BagMode::mean ? "mean" : "max";
      })
      .def_property_readonly("padding_idx", [](const EmbeddingBag& b) { return b.options().padding_idx; })
      .def_property_readonly("include_last_offset", [](const EmbeddingBag& b) { return b.options().include_last_offset; })
      .def(
          "forward",
          [](const EmbeddingBag& bag, const IdArray& indices, const std::optional<IdArray>& offsets,
             const std::optional<FloatArray>& per_sample_weights, bool want_argmax) -> py::object {
            const Batch batch(bag, indices, offsets, per_sample_weights);
            BagForward f;
            std::size_t bags = 0;
            {
              const LibraryCall call;
              bags = bag.bag_count(batch.view());
              if (want_argmax) {
                bag.forward_for_training(batch.view(), f);
              } else {
                f.output = bag.forward(batch.view());
              }
            }
            py::array_t<float> out = to_array(f.output, bags, bag.dim());
            if (!want_argmax) return out;
            py::array_t<std::uint32_t> argmax(static_cast<py::ssize_t>(f.argmax.size()));
            std::copy(f.argmax.begin(), f.argmax.end(), argmax.mutable_data());
            return py::make_tuple(out, argmax);
          },
          py::arg("indices"), py::arg("offsets") = py::none(), py::arg("per_sample_weights") = py::none(),
          py::arg("want_argmax") = false,
          "The bags' outputs (bags x dim); with want_argmax, (outputs, argmax) for a max-mode backward.")
      .def(
          "backward",
          [](const EmbeddingBag& bag, const IdArray& indices, const std::optional<IdArray>& offsets,
             const FloatArray& grad_out, const std::optional<FloatArray>& per_sample_weights,
             const std::optional<py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>>& argmax) {
            const Batch batch(bag, indices, offsets, per_sample_weights);
            BagForward f;
            if (argmax) f.argmax.assign(argmax->data(), argmax->data() + argmax->size());
            SparseGradient g;
            {
              const LibraryCall call;
              bag.backward(batch.view(), {grad_out.data(), static_cast<std::size_t>(grad_out.size())}, f, g);
            }
            return gradient_arrays(g);
          },
          py::arg("indices"), py::arg("offsets"), py::arg("grad_out"), py::arg("per_sample_weights") = py::none(),
          py::arg("argmax") = py::none(),
          "The gradient of the weight: (rows, values), one entry per distinct row the batch touched.");

  py::class_<Embedding, std::shared_ptr<Embedding>>(m, "Embedding", "A lookup table (torch.nn.Embedding's semantics).")
      .def(py::init([](std::size_t rows, std::size_t dim, std::optional<TokenId> padding_idx,
                       std::optional<float> max_norm, bool scale_grad_by_freq, const std::optional<FloatArray>& weight,
                       std::uint64_t seed) {
             EMBEDKIT_CHECK(!padding_idx || *padding_idx < rows, ArgumentError, "padding_idx must be < num_embeddings");
             EmbeddingTable table = initial_table(rows, dim, weight, seed);
             if (padding_idx && !weight) std::fill(table.row(*padding_idx).begin(), table.row(*padding_idx).end(), 0.0F);
             return std::make_shared<Embedding>(std::move(table),
                                                EmbeddingOptions{.padding_idx = padding_idx,
                                                                 .max_norm = max_norm,
                                                                 .scale_grad_by_freq = scale_grad_by_freq});
           }),
           py::arg("num_embeddings"), py::arg("embedding_dim"), py::kw_only(), py::arg("padding_idx") = py::none(),
           py::arg("max_norm") = py::none(), py::arg("scale_grad_by_freq") = false, py::arg("_weight") = py::none(),
           py::arg("seed") = 1)
      .def_property_readonly("weight",
                             [](const std::shared_ptr<Embedding>& self) {
                               EmbeddingTable& t = self->table();
                               return table_view(t.data(), t.rows(), t.dim(), t.stride(), py::cast(self), true);
                             })
      .def(
          "forward",
          [](Embedding& e, const IdArray& ids) {
            const std::vector<TokenId> checked = checked_ids(ids, e.table().rows(), "Embedding");
            std::vector<py::ssize_t> shape(ids.shape(), ids.shape() + ids.ndim());
            shape.push_back(static_cast<py::ssize_t>(e.dim()));
            py::array_t<float> out(shape);
            {
              const LibraryCall call;
              e.forward(checked, {out.mutable_data(), checked.size() * e.dim()});
            }
            return out;
          },
          py::arg("ids"), "Rows of the ids (any shape; the output adds a last axis of dim).")
      .def(
          "backward",
          [](const Embedding& e, const IdArray& ids, const FloatArray& grad_out) {
            const std::vector<TokenId> checked = checked_ids(ids, e.table().rows(), "Embedding");
            SparseGradient g;
            {
              const LibraryCall call;
              e.backward(checked, {grad_out.data(), static_cast<std::size_t>(grad_out.size())}, g);
            }
            return gradient_arrays(g);
          },
          py::arg("ids"), py::arg("grad_out"));

  py::class_<PyOptimizer, std::shared_ptr<PyOptimizer>>(
      m, "SparseOptimizer", "Updates only the rows a gradient names (lazy state, as torch's sparse optimizers).")
      .def(
          "step",
          [](PyOptimizer& o, const std::shared_ptr<EmbeddingBag>& bag, const IdArray& rows, const FloatArray& values) {
            const SparseGradient g = gradient_from(rows, values, bag->table());
            const LibraryCall call;
            const std::lock_guard lock(o.mutex);
            o.impl->step(bag->table(), g);
          },
          py::arg("layer"), py::arg("rows"), py::arg("values"))
      .def(
          "step",
          [](PyOptimizer& o, const std::shared_ptr<Embedding>& e, const IdArray& rows, const FloatArray& values) {
            const SparseGradient g = gradient_from(rows, values, e->table());
            const LibraryCall call;
            const std::lock_guard lock(o.mutex);
            o.impl->step(e->table(), g);
          },
          py::arg("layer"), py::arg("rows"), py::arg("values"))
      .def(
          "step_bag",
          [](PyOptimizer& o, EmbeddingBag& bag, const IdArray& indices, const std::optional<IdArray>& offsets,
             const FloatArray& grad_out, const std::optional<FloatArray>& per_sample_weights,
             const std::optional<py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>>& argmax) {
            const Batch batch(bag, indices, offsets, per_sample_weights);
            BagForward f;
            if (argmax) f.argmax.assign(argmax->data(), argmax->data() + argmax->size());
            SparseGradient::Scratch scratch;
            const LibraryCall call;
            const std::lock_guard lock(o.mutex);
            o.impl->step(bag, batch.view(), {grad_out.data(), static_cast<std::size_t>(grad_out.size())}, f, scratch);
          },
          py::arg("bag"), py::arg("indices"), py::arg("offsets"), py::arg("grad_out"),
          py::arg("per_sample_weights") = py::none(), py::arg("argmax") = py::none(),
          "Backward and update fused: the bag's gradient goes straight into the rows it touched.")
      .def_property_readonly("steps", [](PyOptimizer& o) {
        const std::lock_guard lock(o.mutex);
        return o.impl->steps();
      });
  py::class_<PySgd, PyOptimizer, std::shared_ptr<PySgd>>(m, "SparseSGD")
      .def(py::init([](float lr, float weight_decay) {
             return std::make_shared<PySgd>(
                 std::make_unique<SparseSgd>(SgdOptions{.learning_rate = {.base = lr}, .weight_decay = weight_decay}));
           }),
           py::arg("lr"), py::kw_only(), py::arg("weight_decay") = 0.0F);
  py::class_<PyAdagrad, PyOptimizer, std::shared_ptr<PyAdagrad>>(m, "SparseAdagrad")
      .def(py::init([](float lr, float eps, float weight_decay, bool rowwise) {
             return std::make_shared<PyAdagrad>(std::make_unique<SparseAdagrad>(
                 AdagradOptions{.learning_rate = lr, .epsilon = eps, .weight_decay = weight_decay, .rowwise = rowwise}));
           }),
           py::arg("lr") = 0.01F, py::kw_only(), py::arg("eps") = 1e-10F, py::arg("weight_decay") = 0.0F,
           py::arg("rowwise") = false);
  py::class_<PyAdam, PyOptimizer, std::shared_ptr<PyAdam>>(m, "SparseAdam")
      .def(py::init([](float lr, std::pair<float, float> betas, float eps, float weight_decay) {
             return std::make_shared<PyAdam>(std::make_unique<SparseAdam>(AdamOptions{.learning_rate = lr,
                                                                                      .beta1 = betas.first,
                                                                                      .beta2 = betas.second,
                                                                                      .epsilon = eps,
                                                                                      .weight_decay = weight_decay}));
           }),
           py::arg("lr") = 1e-3F, py::kw_only(), py::arg("betas") = std::pair<float, float>{0.9F, 0.999F},
           py::arg("eps") = 1e-8F, py::arg("weight_decay") = 0.0F);
}

}  // namespace embedkit::python
