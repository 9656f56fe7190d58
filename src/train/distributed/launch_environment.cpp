// What both builds share: recognising a process started by mpirun, and the world's stand-in when
// MPI is not built.
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "embedkit/core/error.h"
#include "embedkit/train/communicator.h"

namespace embedkit {

namespace {

// The job's size as the launcher set it (Open MPI, PMIx, MPICH's Hydra), or 0.
long launched_size() noexcept {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return std::strtol(value, nullptr, 10);
  }
  return 0;
}

}  // namespace

bool launched_by_mpirun() noexcept { return launched_size() > 0 || std::getenv("PMIX_RANK") != nullptr; }

#ifndef EMBEDKIT_WITH_MPI
bool mpi_built() noexcept { return false; }

std::shared_ptr<Communicator> mpi_world() {
  if (!launched_by_mpirun()) return nullptr;
  const long size = launched_size();
  EMBEDKIT_CHECK(size == 1, ArgumentError,
                 fmt::format("started by mpirun as one of {} processes, but this embedkit was built without MPI "
                             "(install libopenmpi-dev and rebuild): each process would train alone",
                             size > 0 ? std::to_string(size) : std::string("several")));
  return nullptr;
}
#endif

}  // namespace embedkit
