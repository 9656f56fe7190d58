// The embedkit Python extension (_embedkit): see python/embedkit/__init__.py for the public API.
#include "bindings.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"

namespace embedkit::python {

namespace {

// The exception classes, created once when the module loads (interpreter lifetime).
PyObject* g_error = nullptr;
PyObject* g_format_error = nullptr;
PyObject* g_argument_error = nullptr;
PyObject* g_io_error = nullptr;

PyObject* new_exception(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  const std::string qualified = std::string("embedkit.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(type));
  return type;
}

}  // namespace

void bind_errors(py::module_& m) {
  g_error = new_exception(m, "Error", py::make_tuple(py::handle(PyExc_Exception)),
                          "Base of every error embedkit raises (besides KeyError for unknown words).");
  g_format_error = new_exception(m, "FormatError", py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError)),
                                 "An input's content is malformed; the message names the file, line or byte.");
  g_argument_error =
      new_exception(m, "ArgumentError", py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError)),
                    "An argument is outside what the call accepts (a bad option, size or id).");
  g_io_error = new_exception(m, "IoError", py::make_tuple(py::handle(g_error), py::handle(PyExc_OSError)),
                             "The operating system refused a file operation (open, read, write, rename).");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const FormatError& e) {
      PyErr_SetString(g_format_error, e.what());
    } catch (const ArgumentError& e) {
      PyErr_SetString(g_argument_error, e.what());
    } catch (const IoError& e) {
      PyErr_SetString(g_io_error, e.what());
    } catch (const Error& e) {
      PyErr_SetString(g_error, e.what());
    }
  });
}

void throw_unknown_word(std::string_view word) {
  throw py::key_error("Key '" + std::string(word) + "' not present");
}

std::vector<TokenId> checked_ids(const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& ids,
                                 std::size_t limit, const char* what) {
  std::vector<TokenId> out(static_cast<std::size_t>(ids.size()));
  const std::int64_t* data = ids.data();
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (data[i] < 0 || static_cast<std::uint64_t>(data[i]) >= limit) {
      throw py::index_error(std::string(what) + ": index " + std::to_string(data[i]) + " at position " +
                            std::to_string(i) + " is outside [0, " + std::to_string(limit) + ")");
    }
    out[i] = static_cast<TokenId>(data[i]);
  }
  return out;
}

py::array table_view(float* data, std::size_t rows, std::size_t dim, std::size_t stride, py::object owner,
                     bool writeable) {
  py::array view(py::dtype::of<float>(), {rows, dim},
                 {static_cast<py::ssize_t>(stride * sizeof(float)), static_cast<py::ssize_t>(sizeof(float))}, data,
                 owner);
  if (!writeable) view.attr("setflags")(py::arg("write") = false);
  return view;
}

py::array_t<float> to_array(std::span<const float> values, std::size_t rows, std::size_t dim) {
  py::array_t<float> out({rows, dim});
  if (!values.empty()) std::memcpy(out.mutable_data(), values.data(), rows * dim * sizeof(float));
  return out;
}

std::atomic<int> g_library_threads{0};  // 0 = not chosen yet

int library_threads() {
  int n = g_library_threads.load();
  if (n == 0) {
    const char* env = std::getenv("OMP_NUM_THREADS");
    n = env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : static_cast<int>(std::thread::hardware_concurrency());
    n = std::clamp(n, 1, static_cast<int>(kMaxThreads));
    g_library_threads.store(n);
  }
  return n;
}

LibraryCall::LibraryCall() : saved_threads_(num_threads()) { set_num_threads(library_threads()); }

LibraryCall::~LibraryCall() { set_num_threads(saved_threads_); }

bool InterruptWatch::poll() {
  const py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) {
    py::error_already_set raised;  // takes the exception a signal handler raised
    if (raised.matches(PyExc_KeyboardInterrupt)) {
      interrupted_ = true;  // raised again by the Python side, with the model so far
    } else if (!callback_error_) {
      callback_error_ = std::make_unique<py::error_already_set>(std::move(raised));  // e.g. a SIGALRM timeout
    }
  }
  return interrupted_ || callback_error_ != nullptr;
}

void InterruptWatch::call(const py::object& callback, const py::dict& info) {
  if (callback.is_none() || callback_error_) return;
  try {
    callback(info);
  } catch (py::error_already_set& e) {
    // Ctrl-C lands in whatever Python code runs: in a progress callback it is still a stop
    // request, which returns the model so far.
    if (e.matches(PyExc_KeyboardInterrupt)) {
      interrupted_ = true;
    } else {
      callback_error_ = std::make_unique<py::error_already_set>(std::move(e));
    }
  }
}

void InterruptWatch::rethrow_callback_error() {
  if (callback_error_) {
    auto error = std::move(callback_error_);
    throw std::move(*error);
  }
}

}  // namespace embedkit::python

PYBIND11_MODULE(_embedkit, m) {
  m.doc() = "embedkit's native core; use the `embedkit` package, which wraps it.";
  embedkit::python::bind_errors(m);
  m.def(
      "set_num_threads",
      [](int n) {
        EMBEDKIT_CHECK(n >= 1 && static_cast<std::size_t>(n) <= embedkit::kMaxThreads, embedkit::ArgumentError,
                       "the thread count must be from 1 to " + std::to_string(embedkit::kMaxThreads));
        embedkit::python::g_library_threads.store(n);
      },
      pybind11::arg("n"), "Threads of embedkit's parallel loops (searches, lookups, batched steps); training takes its own.");
  m.def("get_num_threads", &embedkit::python::library_threads);
  embedkit::python::bind_vectors(m);
  embedkit::python::bind_training(m);
  embedkit::python::bind_text(m);
  embedkit::python::bind_layer(m);
  embedkit::python::bind_classifier(m);
}
