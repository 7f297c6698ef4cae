#include "server/connection_limiter.h"

#include <gtest/gtest.h>

namespace mailrelay::server {
namespace {

TEST(ConnectionLimiterTest, PerIpLimitRefusesOnlyThatIp) {
  ConnectionLimiter l(10, 2);
  EXPECT_TRUE(l.TryAcquire("1.1.1.1"));
  EXPECT_TRUE(l.TryAcquire("1.1.1.1"));
  EXPECT_FALSE(l.TryAcquire("1.1.1.1"));
  EXPECT_TRUE(l.TryAcquire("2.2.2.2"));
  EXPECT_EQ(l.active(), 3u);
}

TEST(ConnectionLimiterTest, TotalLimitRefusesEveryone) {
  ConnectionLimiter l(2, 5);
  EXPECT_TRUE(l.TryAcquire("a"));
  EXPECT_TRUE(l.TryAcquire("b"));
  EXPECT_FALSE(l.TryAcquire("c"));
}

TEST(ConnectionLimiterTest, ReleaseFreesTheSlot) {
  ConnectionLimiter l(1, 1);
  EXPECT_TRUE(l.TryAcquire("a"));
  EXPECT_FALSE(l.TryAcquire("a"));
  l.Release("a");
  EXPECT_EQ(l.active(), 0u);
  EXPECT_TRUE(l.TryAcquire("a"));
  l.Release("unknown");  // ignored, never underflows
  EXPECT_EQ(l.active(), 1u);
}

}  // namespace
}  // namespace mailrelay::server
