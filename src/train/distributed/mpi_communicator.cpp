// The MPI Communicator: MPI_COMM_WORLD, initialised once (threads funnelled: only the thread that
// calls the collectives talks to MPI) and finalised at exit. Built only with MPI.
#include <mpi.h>

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <mutex>

#include "embedkit/core/error.h"
#include "embedkit/train/communicator.h"

namespace embedkit {

namespace {

// MPI counts are ints: larger buffers go in pieces of at most this many elements.
constexpr std::size_t kMaxPiece = std::size_t{1} << 30U;

void check(int status, const char* what) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, text, &length);
  throw Error(fmt::format("MPI {} failed: {}", what, std::string_view(text, static_cast<std::size_t>(length))),
              "a working MPI job");
}

template <class T>
void all_reduce(std::span<T> values, MPI_Datatype type, MPI_Op op) {
  for (std::size_t at = 0; at < values.size(); at += kMaxPiece) {
    const std::size_t count = std::min(kMaxPiece, values.size() - at);
    check(MPI_Allreduce(MPI_IN_PLACE, values.data() + at, static_cast<int>(count), type, op, MPI_COMM_WORLD),
          "all-reduce");
  }
}

class MpiWorld final : public Communicator {
 public:
  // `owns`: this object initialised MPI, so it finalises it (a host program that initialised MPI
  // itself finalises it itself).
  explicit MpiWorld(bool owns) : owns_(owns) {
    int size = 0, rank = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    size_ = static_cast<std::size_t>(size);
    rank_ = static_cast<std::size_t>(rank);
    MPI_Comm here = MPI_COMM_NULL;  // the processes that share this machine's memory
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &here) == MPI_SUCCESS) {
      int local = 0;
      MPI_Comm_size(here, &local);
      size_here_ = static_cast<std::size_t>(std::max(1, local));
      MPI_Comm_free(&here);
    }
  }
  ~MpiWorld() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owns_ && finalized == 0) MPI_Finalize();
  }
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  [[nodiscard]] std::size_t rank() const noexcept override { return rank_; }
  [[nodiscard]] std::size_t size() const noexcept override { return size_; }
  [[nodiscard]] std::size_t size_here() const noexcept override { return size_here_; }
  void sum(std::span<float> values) override { all_reduce(values, MPI_FLOAT, MPI_SUM); }
  void sum(std::span<double> values) override { all_reduce(values, MPI_DOUBLE, MPI_SUM); }
  void sum(std::span<std::uint64_t> values) override { all_reduce(values, MPI_UINT64_T, MPI_SUM); }
  void max(std::span<std::uint64_t> values) override { all_reduce(values, MPI_UINT64_T, MPI_MAX); }

  std::vector<std::string> gather_all(std::string_view mine) override {
    // Sizes first (64-bit), then the bytes in int-sized rounds: every rank sends a piece of at
    // most kMaxPiece bytes per round until the longest is done.
    std::vector<std::uint64_t> sizes(size_, 0);
    sizes[rank_] = mine.size();
    sum(sizes);
    std::vector<std::string> all(size_);
    for (std::size_t r = 0; r < size_; ++r) all[r].resize(sizes[r]);
    const std::uint64_t longest = *std::max_element(sizes.begin(), sizes.end());
    // Each round's pieces together stay within an int (MPI's counts and displacements).
    const std::uint64_t piece_bytes = std::max<std::uint64_t>(1, INT_MAX / size_);
    std::vector<int> counts(size_), displacements(size_);
    std::string round;
    for (std::uint64_t at = 0; at < longest; at += piece_bytes) {
      std::size_t total = 0;
      for (std::size_t r = 0; r < size_; ++r) {
        counts[r] = static_cast<int>(sizes[r] > at ? std::min<std::uint64_t>(piece_bytes, sizes[r] - at) : 0);
        displacements[r] = static_cast<int>(total);
        total += static_cast<std::size_t>(counts[r]);
      }
      round.resize(total);
      const std::string_view piece = mine.substr(std::min<std::size_t>(at, mine.size()), counts[rank_]);
      check(MPI_Allgatherv(piece.data(), counts[rank_], MPI_BYTE, round.data(), counts.data(), displacements.data(),
                           MPI_BYTE, MPI_COMM_WORLD),
            "all-gather");
      for (std::size_t r = 0; r < size_; ++r) {
        if (counts[r] > 0) std::copy_n(round.data() + displacements[r], counts[r], all[r].data() + at);
      }
    }
    return all;
  }

  [[noreturn]] void abort(std::string_view message) override {
    std::fprintf(stderr, "embedkit: rank %zu: %.*s\n", rank_, static_cast<int>(message.size()), message.data());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::_Exit(1);  // (MPI_Abort does not return)
  }

 private:
  bool owns_;
  std::size_t rank_ = 0, size_ = 1, size_here_ = 1;
};

}  // namespace

bool mpi_built() noexcept { return true; }

std::shared_ptr<Communicator> mpi_world() {
  if (!launched_by_mpirun()) return nullptr;
  static std::mutex mutex;
  static std::weak_ptr<Communicator> existing;
  const std::lock_guard lock(mutex);
  if (auto world = existing.lock()) return world;
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  EMBEDKIT_CHECK(finalized == 0, ArgumentError,
                 "MPI was finalised in this process (the last mpi_world() released): it cannot start again");
  int provided = 0;
  if (initialized == 0) {
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "initialisation");
  } else {
    MPI_Query_thread(&provided);  // a host program initialised it
  }
  EMBEDKIT_CHECK(provided >= MPI_THREAD_FUNNELED, ArgumentError,
                 "MPI gives this process no thread support (MPI_THREAD_SINGLE); embedkit trains with threads and "
                 "calls MPI from one of them (MPI_THREAD_FUNNELED)");
  auto world = std::make_shared<MpiWorld>(initialized == 0);
  existing = world;
  return world;
}

}  // namespace embedkit
