#include "keyring/address.h"

#include <gtest/gtest.h>

namespace mailrelay::keyring {
namespace {

TEST(NormalizeAddressTest, LowerCasesLocalPartAndDomain) {
  EXPECT_EQ(NormalizeAddress("Alice.Smith@Example.COM"), "alice.smith@example.com");
}

TEST(NormalizeAddressTest, TrimsWhitespaceAndOneBracketPair) {
  EXPECT_EQ(NormalizeAddress("  <Bob@Example.org>\r\n"), "bob@example.org");
  EXPECT_EQ(NormalizeAddress("< bob@example.org >"), "bob@example.org");
}

TEST(NormalizeAddressTest, KeepsPlusTags) {
  EXPECT_EQ(NormalizeAddress("carol+News@example.net"), "carol+news@example.net");
  EXPECT_NE(NormalizeAddress("carol+news@example.net"), NormalizeAddress("carol@example.net"));
}

TEST(NormalizeAddressTest, LeavesNonAsciiBytesAlone) {
  // "Ünïcode" local part and a U-label domain: only the ASCII letters change case.
  EXPECT_EQ(NormalizeAddress("\xC3\x9Cser@B\xC3\xBC"
                             "cher.Example"),
            "\xC3\x9Cser@b\xC3\xBC"
            "cher.example");
}

TEST(NormalizeAddressTest, NullSenderIsEmpty) {
  EXPECT_EQ(NormalizeAddress("<>"), "");
  EXPECT_EQ(NormalizeAddress("   "), "");
}

}  // namespace
}  // namespace mailrelay::keyring
