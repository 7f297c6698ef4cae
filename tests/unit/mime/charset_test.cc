// tests/unit/mime/charset_test.cc — charset → UTF-8 conversion through iconv.
#include "mime/charset.h"

#include "gtest/gtest.h"
#include "mime/utf8.h"

namespace mailrelay::mime {
namespace {

TEST(CharsetTest, Latin1IsDecodedAsWindows1252) {
  EXPECT_EQ(ToUtf8("caf\xE9", "ISO-8859-1"), "caf\xC3\xA9");
  // 0x80 is a C1 control in ISO-8859-1 but the euro sign in what senders really mean.
  EXPECT_EQ(ToUtf8("\x80", "iso-8859-1"), "\xE2\x82\xAC");
}

TEST(CharsetTest, Latin9HasTheEuroSign) {
  EXPECT_EQ(ToUtf8("\xA4", "iso-8859-15"), "\xE2\x82\xAC");
}

TEST(CharsetTest, Koi8rDecodes) { EXPECT_EQ(ToUtf8("\xF0\xD2\xC9", "koi8-r"), "При"); }

TEST(CharsetTest, Iso2022JpDecodes) {
  EXPECT_EQ(ToUtf8("\x1B$B$3$s$K$A$O\x1B(B", "ISO-2022-JP"), "こんにちは");
}

TEST(CharsetTest, ShiftJisDecodes) { EXPECT_EQ(ToUtf8("\x93\xFA\x96\x7B", "Shift_JIS"), "日本"); }

TEST(CharsetTest, EucKrDecodes) { EXPECT_EQ(ToUtf8("\xC7\xD1\xB1\xDB", "euc-kr"), "한글"); }

TEST(CharsetTest, Gb2312UsesGb18030Superset) {
  EXPECT_EQ(ToUtf8("\xD6\xD0\xCE\xC4", "gb2312"), "中文");
}

TEST(CharsetTest, Big5Decodes) { EXPECT_EQ(ToUtf8("\xA4\xA4\xA4\xE5", "big5"), "中文"); }

TEST(CharsetTest, MissingCharsetIsUtf8WhenValid) {
  EXPECT_EQ(ToUtf8("caf\xC3\xA9", ""), "caf\xC3\xA9");
}

TEST(CharsetTest, MissingOrUnknownCharsetFallsBackToWindows1252) {
  EXPECT_EQ(ToUtf8("caf\xE9", ""), "caf\xC3\xA9");
  EXPECT_EQ(ToUtf8("caf\xE9", "x-no-such-charset"), "caf\xC3\xA9");
  EXPECT_EQ(ToUtf8("caf\xE9", "us-ascii"), "caf\xC3\xA9");
  EXPECT_FALSE(IsKnownCharset("x-no-such-charset"));
}

TEST(CharsetTest, DeclaredUtf8KeepsValidTextAndReplacesBadBytes) {
  EXPECT_EQ(ToUtf8("\xC3\xA9\xFF", "UTF-8"), "\xC3\xA9\xEF\xBF\xBD");
}

TEST(CharsetTest, UndecodableBytesBecomeReplacementAndConversionResumes) {
  // 0x81 is unassigned in windows-1252.
  EXPECT_EQ(ToUtf8("a\x81"
                   "b",
                   "windows-1252"),
            "a\xEF\xBF\xBD"
            "b");
  const std::string out = ToUtf8("\x93", "shift_jis");  // truncated double-byte char
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_NE(out.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(CharsetTest, LabelCaseAndQuotesDoNotMatter) {
  EXPECT_EQ(ToUtf8("\xE9", "\"Windows-1252\""), "\xC3\xA9");
}

}  // namespace
}  // namespace mailrelay::mime
