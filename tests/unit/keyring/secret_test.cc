#include "keyring/secret.h"

#include <gtest/gtest.h>

#include <cstring>

namespace mailrelay::keyring {
namespace {

TEST(SecretBytesTest, AllocateReturnsZeroedBytesOfTheRequestedSize) {
  auto s = SecretBytes::Allocate(32);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->size(), 32u);
  for (size_t i = 0; i < s->size(); ++i) EXPECT_EQ(s->data()[i], 0);
}

TEST(SecretBytesTest, RandomKeysDiffer) {
  auto a = SecretBytes::Random(32);
  auto b = SecretBytes::Random(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->Equals(*b));
  EXPECT_TRUE(a->Equals(*a));
}

TEST(SecretBytesTest, MoveLeavesTheSourceEmpty) {
  auto a = SecretBytes::Random(16);
  ASSERT_TRUE(a.ok());
  SecretBytes moved = std::move(*a);
  EXPECT_EQ(moved.size(), 16u);
  EXPECT_TRUE(a->empty());  // NOLINT(bugprone-use-after-move): the claim under test
  EXPECT_EQ(a->data(), nullptr);
}

TEST(SecretBytesTest, TruncateWipesTheTail) {
  auto a = SecretBytes::Allocate(8);
  ASSERT_TRUE(a.ok());
  std::memset(a->data(), 0xAB, 8);
  a->Truncate(3);
  EXPECT_EQ(a->size(), 3u);
  EXPECT_EQ(a->data()[3], 0);
  EXPECT_EQ(a->data()[7], 0);
  EXPECT_EQ(a->data()[2], 0xAB);
}

TEST(SecretBytesTest, EqualsIsFalseForDifferentLengths) {
  auto a = SecretBytes::Allocate(8);
  auto b = SecretBytes::Allocate(9);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->Equals(*b));
}

}  // namespace
}  // namespace mailrelay::keyring
