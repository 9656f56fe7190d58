#include "embedkit/core/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "embedkit/core/error.h"
#include "test_files.h"

namespace embedkit {
namespace {

using testing::read_file;
using testing::ScratchDir;

std::size_t count_files(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(AtomicFileWriter, CommitReplacesTheTargetWhole) {
  ScratchDir dir;
  const std::string target = dir.write("out.txt", "old contents");
  {
    AtomicFileWriter out(target);
    out.write("new ");
    EXPECT_EQ(read_file(target), "old contents") << "target must not change before commit";
    out.write("contents");
    out.commit();
  }
  EXPECT_EQ(read_file(target), "new contents");
  EXPECT_EQ(count_files(dir.path()), 1U) << "no temporary file left behind";
}

TEST(AtomicFileWriter, AbandonedWriteLeavesTargetAndNoTemporary) {
  ScratchDir dir;
  const std::string target = dir.write("out.txt", "keep me");
  try {
    AtomicFileWriter out(target);
    out.write("half of it");
    throw std::runtime_error("simulated failure midway");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(read_file(target), "keep me");
  EXPECT_EQ(count_files(dir.path()), 1U);
}

TEST(AtomicFileWriter, UnwritableDirectoryIsAnIoErrorNamingThePath) {
  try {
    AtomicFileWriter out("/nonexistent-dir/x.txt");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.txt"), std::string::npos) << e.what();
  }
}

TEST(AtomicFileWriter, SecondCommitIsAnError) {
  ScratchDir dir;
  AtomicFileWriter out((dir.path() / "a").string());
  out.commit();
  EXPECT_THROW(out.commit(), IoError);
  EXPECT_THROW(out.write("x"), IoError);
}

}  // namespace
}  // namespace embedkit
