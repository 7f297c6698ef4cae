#include "common/ascii.h"

#include <gtest/gtest.h>

#include <string>

namespace mailrelay {
namespace {

TEST(AsciiTest, LowerMapsOnlyUpperCaseLetters) {
  EXPECT_EQ(AsciiLower('A'), 'a');
  EXPECT_EQ(AsciiLower('M'), 'm');
  EXPECT_EQ(AsciiLower('Z'), 'z');
  EXPECT_EQ(AsciiLower('a'), 'a');
  EXPECT_EQ(AsciiLower('z'), 'z');
  EXPECT_EQ(AsciiLower('0'), '0');
  EXPECT_EQ(AsciiLower('9'), '9');
  // The neighbours of 'A'..'Z' stay put.
  EXPECT_EQ(AsciiLower('@'), '@');
  EXPECT_EQ(AsciiLower('['), '[');
  EXPECT_EQ(AsciiLower('`'), '`');
  EXPECT_EQ(AsciiLower('{'), '{');
  EXPECT_EQ(AsciiLower('\0'), '\0');
}

TEST(AsciiTest, LowerLeavesEveryByteOutsideAToZUnchanged) {
  for (int i = 0; i < 256; ++i) {
    const char c = static_cast<char>(i);
    if (i >= 'A' && i <= 'Z') {
      EXPECT_EQ(AsciiLower(c), static_cast<char>(i + 32)) << i;
    } else {
      EXPECT_EQ(AsciiLower(c), c) << i;
    }
  }
}

TEST(AsciiTest, LowercaseString) {
  EXPECT_EQ(AsciiLowercase("Content-Type"), "content-type");
  EXPECT_EQ(AsciiLowercase("ISO-8859-1"), "iso-8859-1");
  EXPECT_EQ(AsciiLowercase("already lower 123"), "already lower 123");
  EXPECT_EQ(AsciiLowercase("!#$%&'*+-/=?^_`{|}~ @[]"), "!#$%&'*+-/=?^_`{|}~ @[]");
  EXPECT_EQ(AsciiLowercase(""), "");
}

TEST(AsciiTest, LowercaseLeavesNonAsciiBytes) {
  EXPECT_EQ(AsciiLowercase("\xC3\x84"), "\xC3\x84");  // "Ä" in UTF-8 stays
  EXPECT_EQ(AsciiLowercase("\xC3\x84X\xFF"), "\xC3\x84x\xFF");
  const std::string with_nul("A\0B", 3);
  EXPECT_EQ(AsciiLowercase(with_nul), std::string("a\0b", 3));
}

TEST(AsciiTest, EqualsIgnoreCase) {
  EXPECT_TRUE(AsciiEqualsIgnoreCase("", ""));
  EXPECT_TRUE(AsciiEqualsIgnoreCase("Subject", "sUBJECT"));
  EXPECT_TRUE(AsciiEqualsIgnoreCase("IPv6:", "ipv6:"));
  EXPECT_TRUE(AsciiEqualsIgnoreCase("\xC3\x84", "\xC3\x84"));
  EXPECT_FALSE(AsciiEqualsIgnoreCase("Subject", "Subjec"));
  EXPECT_FALSE(AsciiEqualsIgnoreCase("", "a"));
  EXPECT_FALSE(AsciiEqualsIgnoreCase("a-b", "a_b"));
  // Only 'A'..'Z' fold: '@' is not '`', '[' is not '{', and "Ä" is not "ä".
  EXPECT_FALSE(AsciiEqualsIgnoreCase("@", "`"));
  EXPECT_FALSE(AsciiEqualsIgnoreCase("[", "{"));
  EXPECT_FALSE(AsciiEqualsIgnoreCase("\xC3\x84", "\xC3\xA4"));
}

}  // namespace
}  // namespace mailrelay
