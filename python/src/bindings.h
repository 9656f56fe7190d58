// Private to the Python module: what its translation units share. The module only translates:
// numpy views over the library's tables, the GIL released around the library's work, the
// library's errors as Python exceptions. Every loop it runs is the library's.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/io/word_vectors.h"
#include "embedkit/table/embedding_table.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit::python {

namespace py = pybind11;

/// Registers embedkit.Error and its kinds (FormatError is a ValueError, IoError an OSError, ...)
/// and the translator that raises them for the library's exceptions.
void bind_errors(py::module_& m);
void bind_vectors(py::module_& m);
void bind_training(py::module_& m);
void bind_text(py::module_& m);
void bind_layer(py::module_& m);
void bind_classifier(py::module_& m);

/// The Python object (embedkit._embedkit.Vectors) owning `wv`, and the vectors such an object holds.
py::object wrap_vectors(WordVectors wv);
const WordVectors& unwrap_vectors(py::handle vectors);

/// Raises KeyError as gensim does for a word the vectors do not have.
[[noreturn]] void throw_unknown_word(std::string_view word);

/// A C-contiguous float32 array, converted (copied) from anything array-like when it is not one.
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
/// The same for ids (int64, as PyTorch's), checked against [0, limit) and narrowed to TokenId.
std::vector<TokenId> checked_ids(const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& ids,
                                 std::size_t limit, const char* what);

/// A numpy array of `rows` x `dim` floats viewing `data` (row stride `stride` floats) without a
/// copy; `owner` keeps the memory alive as long as the array lives.
py::array table_view(float* data, std::size_t rows, std::size_t dim, std::size_t stride, py::object owner,
                     bool writeable);

/// A new numpy array holding a copy of `values` (rows x dim).
py::array_t<float> to_array(std::span<const float> values, std::size_t rows, std::size_t dim);

/// The threads the library's parallel loops use from Python: embedkit.set_num_threads(), by
/// default OMP_NUM_THREADS or every core. (Not the OpenMP setting of the calling thread, which
/// other modules change: importing torch sets it to torch's own count, often 1.)
int library_threads();

/// Around every call into the library: the GIL released, so other Python threads run, and the
/// calling thread's parallel loops set to library_threads() (restored afterwards).
class LibraryCall {
 public:
  LibraryCall();
  ~LibraryCall();
  LibraryCall(const LibraryCall&) = delete;
  LibraryCall& operator=(const LibraryCall&) = delete;

 private:
  py::gil_scoped_release release_;
  int saved_threads_;
};

/// Runs `poll` as the library's should_stop: takes the GIL, lets Python run its signal handlers,
/// and remembers a KeyboardInterrupt (or any exception a handler raised) instead of raising it
/// on a thread that cannot; the caller raises it after the library returned.
class InterruptWatch {
 public:
  bool poll();
  [[nodiscard]] bool interrupted() const noexcept { return interrupted_; }
  /// Calls `callback(info)` under the GIL; an exception it raises stops training and is kept.
  void call(const py::object& callback, const py::dict& info);
  /// Raises what a callback or a signal handler other than Ctrl-C's raised, if anything.
  void rethrow_callback_error();
  /// Runs the library's training call `train` with the GIL released. When Ctrl-C stopped it
  /// before it had a model (the library throws Error then), raises KeyboardInterrupt instead.
  template <class Train>
  auto run(Train&& train) {
    try {
      const LibraryCall call;
      return train();
    } catch (const Error&) {
      rethrow_callback_error();  // what stopped it, e.g. another signal handler's exception
      if (!interrupted_) throw;
      PyErr_SetString(PyExc_KeyboardInterrupt, "training stopped before any vector was learned");
      throw py::error_already_set();
    }
  }
  /// A library callback that hands each report, made a dict by to_dict, to `callback` under the
  /// GIL (nothing when callback is None). `callback` must outlive the returned function.
  template <class Report, class ToDict>
  std::function<void(const Report&)> report_to(const py::object& callback, ToDict to_dict) {
    if (callback.is_none()) return {};
    return [this, &callback, to_dict](const Report& r) {
      const py::gil_scoped_acquire gil;
      call(callback, to_dict(r));
    };
  }

 private:
  bool interrupted_ = false;
  std::unique_ptr<py::error_already_set> callback_error_;
};

}  // namespace embedkit::python
