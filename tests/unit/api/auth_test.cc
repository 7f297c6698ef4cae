#include "api/auth.h"

#include <gtest/gtest.h>

namespace mailrelay::api {
namespace {

TEST(BearerTokenTest, AcceptsBearerSchemeCaseInsensitively) {
  EXPECT_EQ(BearerToken("Bearer mr_1_abc"), "mr_1_abc");
  EXPECT_EQ(BearerToken("bearer mr_1_abc"), "mr_1_abc");
  EXPECT_EQ(BearerToken("BEARER   mr_1_abc  "), "mr_1_abc");
}

TEST(BearerTokenTest, RejectsOtherSchemesAndEmptyTokens) {
  EXPECT_FALSE(BearerToken(""));
  EXPECT_FALSE(BearerToken("Bearer"));
  EXPECT_FALSE(BearerToken("Bearer "));
  EXPECT_FALSE(BearerToken("Basic dXNlcjpwYXNz"));
  EXPECT_FALSE(BearerToken("Bearermr_1_abc"));
  EXPECT_FALSE(BearerToken("Bearer a b"));
  EXPECT_FALSE(BearerToken("mr_1_abc"));
}

}  // namespace
}  // namespace mailrelay::api
