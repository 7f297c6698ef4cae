// tests/unit/mime/utf8_test.cc — UTF-8 validation and U+FFFD repair.
#include "mime/utf8.h"

#include "gtest/gtest.h"

namespace mailrelay::mime {
namespace {

TEST(Utf8Test, AsciiAndMultibyteAreValid) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST(Utf8Test, OverlongsSurrogatesAndOutOfRangeAreInvalid) {
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
}

TEST(Utf8Test, SanitizeReplacesEachMaximalBadSubpart) {
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  // A truncated 3-byte sequence is one replacement, not two.
  EXPECT_EQ(SanitizeUtf8("\xE2\x82"
                         "x"),
            "\xEF\xBF\xBD"
            "x");
  EXPECT_EQ(SanitizeUtf8("\xC3\xA9"), "\xC3\xA9");
}

TEST(Utf8Test, AppendUtf8EncodesAndRejectsSurrogates) {
  std::string s;
  AppendUtf8(s, U'\u00E9');
  AppendUtf8(s, 0x1F600);
  AppendUtf8(s, 0xD800);
  EXPECT_EQ(s, "\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBD");
}

}  // namespace
}  // namespace mailrelay::mime
