// The processes of one training job, and what they say to each other (part of embedkit::train).
//
//   // under `mpirun -np 4 ./my_trainer`:
//   auto world = embedkit::mpi_world();          // nullptr when not launched by mpirun; keep it
//   embedkit::WordVectorOptions options;
//   options.communicator = world.get();          // each process trains its share of the corpus
//   auto wv = embedkit::train_word_vectors("corpus.txt", options);
//   if (!world || world->rank() == 0) embedkit::save_vectors(wv, "vectors.ekv", {});
//
// A Communicator is the few collectives distributed training needs: element-wise sums (all-
// reduce, in place), a maximum, and every process's bytes to every process (all-gather). The MPI
// one is built when CMake finds MPI (EMBEDKIT_WITH_MPI, default AUTO); without it mpi_world()
// throws when a job has more than one process, so a binary never silently trains N copies.
// Every collective must be called by every process of the job, in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace embedkit {

class Communicator {
 public:
  virtual ~Communicator() = default;
  [[nodiscard]] virtual std::size_t rank() const noexcept = 0;  ///< this process, 0..size()-1
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;  ///< processes in the job
  /// Processes of the job on this machine (this one included): they share its cores.
  [[nodiscard]] virtual std::size_t size_here() const noexcept = 0;
  /// In place: every process ends with the element-wise sum over all processes.
  virtual void sum(std::span<float> values) = 0;
  virtual void sum(std::span<double> values) = 0;
  virtual void sum(std::span<std::uint64_t> values) = 0;
  /// In place: the element-wise maximum over all processes.
  virtual void max(std::span<std::uint64_t> values) = 0;
  /// Every process's `mine`, in rank order, on every process.
  [[nodiscard]] virtual std::vector<std::string> gather_all(std::string_view mine) = 0;
  /// Ends the whole job at once (every process exits with status 1) after printing
  /// "embedkit: rank R: message" on standard error: for an error one process cannot recover
  /// from while the others wait in a collective.
  [[noreturn]] virtual void abort(std::string_view message) = 0;
};

/// Whether this build has MPI (CMake found it).
[[nodiscard]] bool mpi_built() noexcept;

/// Whether the process was started by mpirun / mpiexec (Open MPI, MPICH or PMIx environment).
[[nodiscard]] bool launched_by_mpirun() noexcept;

/// The job's processes, initialising MPI (threads: funnelled) on the first call unless the
/// program did, and finalising it (when it initialised it) once the last pointer to it is
/// released: keep one for the job's whole life, since MPI cannot start again in a process.
/// nullptr when the process was not launched by mpirun. ArgumentError when it was, with more
/// than one process (or an unknown number), and this build has no MPI.
[[nodiscard]] std::shared_ptr<Communicator> mpi_world();

}  // namespace embedkit
