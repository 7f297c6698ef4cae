// RaiseOpenFileLimit (server/privileges.h): serve's soft limit on open files goes up to the
// hard limit, since every vault file and expiry partition holds several descriptors.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "server/privileges.h"

namespace mailrelay::server {
namespace {

TEST(OpenFileLimitTest, RaisesTheSoftLimitToTheHardOne) {
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max < 128) GTEST_SKIP() << "hard limit too low to lower the soft one";
  struct rlimit lowered = saved;
  lowered.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);

  auto raised = RaiseOpenFileLimit();
  struct rlimit now {};
  ::getrlimit(RLIMIT_NOFILE, &now);
  ::setrlimit(RLIMIT_NOFILE, &saved);
  ASSERT_TRUE(raised.ok()) << raised.status().ToString();
  EXPECT_EQ(*raised, static_cast<uint64_t>(saved.rlim_max));
  EXPECT_EQ(now.rlim_cur, saved.rlim_max);
}

}  // namespace
}  // namespace mailrelay::server
