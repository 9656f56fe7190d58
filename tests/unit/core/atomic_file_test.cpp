#include "embedkit/core/atomic_file.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <thread>
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

TEST(AtomicFileWriter, DeviceTargetsAreWrittenInPlaceNeverReplaced) {
  // /dev/null stays the character device it is (as root, replacing it would break the system).
  struct stat before {};
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  {
    AtomicFileWriter out("/dev/null");
    out.write("discarded");
    out.commit();
  }
  struct stat after {};
  ASSERT_EQ(::stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(before.st_ino, after.st_ino);
  // /dev/full says "no space" at commit, as a full disk would.
  if (::access("/dev/full", W_OK) == 0) {
    AtomicFileWriter full("/dev/full");
    full.write("x");
    try {
      full.commit();
      ADD_FAILURE() << "writing /dev/full succeeded";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
    }
  }
}

TEST(AtomicFileWriter, StandardOutputIsWrittenInPlaceEvenAsAPipe) {
  for (const std::string path : {"-", "/dev/stdout"}) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const int saved = ::dup(STDOUT_FILENO);
    std::fflush(stdout);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[1]);
    {
      AtomicFileWriter out(path);
      out.write("to the pipe");
      out.commit();
    }
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
    char buffer[64] = {};
    const ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer - 1);
    ::close(pipe_fds[0]);
    EXPECT_EQ(std::string(buffer, got > 0 ? static_cast<std::size_t>(got) : 0), "to the pipe") << path;
  }
}

TEST(AtomicFileWriter, FifoTargetIsWrittenInPlace) {
  ScratchDir dir;
  const std::string fifo = (dir.path() / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = read_file(fifo); });
  {
    AtomicFileWriter out(fifo);
    out.write("through the pipe");
    out.commit();
  }
  reader.join();
  EXPECT_EQ(received, "through the pipe");
  struct stat info {};
  ASSERT_EQ(::lstat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
}

TEST(AtomicFileWriter, SymlinksAreFollowedAndKept) {
  ScratchDir dir;
  const std::string real = dir.write("real.txt", "old");
  const std::string link = (dir.path() / "link.txt").string();
  ASSERT_EQ(::symlink("real.txt", link.c_str()), 0);
  AtomicFileWriter out(link);
  out.write("new");
  out.commit();
  EXPECT_EQ(read_file(real), "new");
  struct stat info {};
  ASSERT_EQ(::lstat(link.c_str(), &info), 0);
  EXPECT_TRUE(S_ISLNK(info.st_mode)) << "the link must stay a link";
  EXPECT_EQ(count_files(dir.path()), 2U);
  // A link to nothing is refused (as cp refuses to write through a dangling link).
  const std::string dangling = (dir.path() / "dangling.txt").string();
  ASSERT_EQ(::symlink("missing/nowhere.txt", dangling.c_str()), 0);
  EXPECT_THROW(AtomicFileWriter{dangling}, IoError);
  EXPECT_THROW(AtomicFileWriter{dir.path().string()}, IoError) << "a directory is never a target";
}

TEST(AtomicFileWriter, ReplacementKeepsThePermissions) {
  ScratchDir dir;
  const std::string target = dir.write("secret.txt", "old");
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  AtomicFileWriter out(target);
  out.write("new");
  out.commit();
  struct stat info {};
  ASSERT_EQ(::stat(target.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600U);
}

TEST(AtomicFileWriter, SignalsRemoveTemporaryFiles) {
  ScratchDir dir;
  const std::string target = (dir.path() / "big.bin").string();
  for (const int signal_number : {SIGINT, SIGTERM}) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      remove_temporary_files_on_signals();
      AtomicFileWriter out(target);
      out.write(std::string(1 << 16, 'x'));
      ::raise(signal_number);
      ::_exit(0);  // not reached: the signal ends the process
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal_number) << "the signal still ends the process";
    EXPECT_EQ(count_files(dir.path()), 0U) << "signal " << signal_number << " left a temporary file";
  }
}

}  // namespace
}  // namespace embedkit
