#include "embedkit/core/error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace embedkit {
namespace {

int checked_divide(int a, int b) {
  EMBEDKIT_CHECK(b != 0, ArgumentError, "cannot divide " + std::to_string(a) + " by zero");
  return a / b;
}

TEST(Error, CheckThrowsTheRequestedKindWithMessageAndCondition) {
  EXPECT_EQ(checked_divide(6, 3), 2);
  try {
    (void)checked_divide(7, 0);
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_STREQ(e.what(), "cannot divide 7 by zero");
    EXPECT_EQ(e.condition(), "b != 0");
  }
}

TEST(Error, AllKindsShareTheBaseClass) {
  EXPECT_THROW(throw FormatError("f"), Error);
  EXPECT_THROW(throw ArgumentError("a"), Error);
  EXPECT_THROW(throw IoError("i"), Error);
  EXPECT_THROW(throw IoError("i"), std::runtime_error);
}

TEST(Error, WithErrnoAppendsTheSystemReason) {
  EXPECT_EQ(detail::with_errno("cannot open 'x'", ENOENT), "cannot open 'x': No such file or directory");
}

}  // namespace
}  // namespace embedkit
