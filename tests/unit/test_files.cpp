#include "test_files.h"

#include "embedkit/core/error.h"

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace embedkit::testing {

ScratchDir::ScratchDir() {
  std::random_device rd;
  const auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = base / ("embedkit-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a scratch directory");
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ScratchDir::write(std::string_view name, std::string_view contents) const {
  const auto file = path_ / name;
  std::ofstream out(file, std::ios::binary);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file.string();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::filesystem::path shared_data(std::string_view relative) {
  auto path = std::filesystem::path(EMBEDKIT_SHARED_DATA_DIR) / relative;
  return std::filesystem::exists(path) ? path : std::filesystem::path();
}

std::filesystem::path source_file(std::string_view relative) {
  return std::filesystem::path(EMBEDKIT_SOURCE_DIR) / relative;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace embedkit::testing
