#include "auditlog/hasher.h"

#include <gtest/gtest.h>

#include "naive_tree.h"

namespace mailrelay::auditlog {
namespace {

using testing::CtVectors;
using testing::FromHex;

TEST(HasherTest, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(ToHex(EmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(EmptyRoot()), CtVectors().at("empty_root").get<std::string>());
}

TEST(HasherTest, LeafHashHasZeroPrefix) {
  // The CT tree's first leaf is empty data, so its hash is SHA-256(0x00) = the size-1 root.
  EXPECT_EQ(ToHex(HashLeaf("")), CtVectors().at("roots")[0].get<std::string>());
}

TEST(HasherTest, NodeHashHasOnePrefixAndOrder) {
  const auto roots = CtVectors().at("roots");
  const Hash l0 = HashLeaf("");
  const Hash l1 = HashLeaf(std::string(1, '\0'));
  EXPECT_EQ(HashChildren(l0, l1), FromHex(roots[1].get<std::string>()));
  EXPECT_NE(HashChildren(l1, l0), HashChildren(l0, l1));
}

TEST(HasherTest, LeafAndNodeDomainsDiffer) {
  // A 64-byte leaf equal to two concatenated hashes must not collide with their node.
  const Hash a = HashLeaf("a");
  const Hash b = HashLeaf("b");
  std::string both(reinterpret_cast<const char*>(a.data()), a.size());
  both.append(reinterpret_cast<const char*>(b.data()), b.size());
  EXPECT_NE(HashLeaf(both), HashChildren(a, b));
}

TEST(HasherTest, ToHexIsLowerCase) {
  Hash h{};
  h[0] = 0xAB;
  h[31] = 0x0F;
  EXPECT_EQ(ToHex(h), "ab" + std::string(60, '0') + "0f");
}

}  // namespace
}  // namespace mailrelay::auditlog
