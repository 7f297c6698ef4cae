// tests/unit/mime/encoded_word_test.cc — RFC 2047 decoding of header text.
#include "mime/encoded_word.h"

#include "gtest/gtest.h"

namespace mailrelay::mime {
namespace {

TEST(EncodedWordTest, DecodesBAndQWords) {
  EXPECT_EQ(DecodeHeaderText("=?UTF-8?B?Y2Fmw6k=?="), "caf\xC3\xA9");
  EXPECT_EQ(DecodeHeaderText("=?iso-8859-1?q?caf=E9_au_lait?="), "caf\xC3\xA9 au lait");
}

TEST(EncodedWordTest, WhitespaceBetweenAdjacentWordsIsDropped) {
  EXPECT_EQ(DecodeHeaderText("=?utf-8?q?a?= \r\n =?utf-8?q?b?="), "ab");
}

TEST(EncodedWordTest, WhitespaceBetweenWordAndTextIsKept) {
  EXPECT_EQ(DecodeHeaderText("Re: =?utf-8?q?caf=C3=A9?= now"), "Re: caf\xC3\xA9 now");
}

TEST(EncodedWordTest, CharacterSplitAcrossWordsSurvives) {
  // "é" (C3 A9) split between two base64 words.
  EXPECT_EQ(DecodeHeaderText("=?UTF-8?B?ww==?= =?UTF-8?B?qQ==?="), "\xC3\xA9");
}

TEST(EncodedWordTest, MixedCharsetsDecodeEach) {
  EXPECT_EQ(DecodeHeaderText("=?iso-8859-1?q?=E9?= =?koi8-r?b?8A==?="), "\xC3\xA9П");
}

TEST(EncodedWordTest, Iso2022JpWordDecodes) {
  EXPECT_EQ(DecodeHeaderText("=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?="), "こんにちは");
}

TEST(EncodedWordTest, LanguageSuffixIsIgnored) {
  EXPECT_EQ(DecodeHeaderText("=?US-ASCII*EN?Q?Keith_Moore?="), "Keith Moore");
}

TEST(EncodedWordTest, BrokenWordsAreLeftReadable) {
  EXPECT_EQ(DecodeHeaderText("=?utf-8?x?abc?="), "=?utf-8?x?abc?=");
  EXPECT_EQ(DecodeHeaderText("=?utf-8?q?unterminated"), "=?utf-8?q?unterminated");
  EXPECT_EQ(DecodeHeaderText("=?utf-8?q?has space?="), "=?utf-8?q?has space?=");
}

TEST(EncodedWordTest, RawEightBitIsUtf8OrWindows1252) {
  EXPECT_EQ(DecodeHeaderText("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(DecodeHeaderText("Forma\xE7\xE3o"), "Forma\xC3\xA7\xC3\xA3o");
}

TEST(EncodedWordTest, QEncodingUnderscoreIsSpaceAndBadEscapeIsLiteral) {
  EXPECT_EQ(DecodeQEncoding("a_b=3Dc=ZZ"), "a b=c=ZZ");
}

}  // namespace
}  // namespace mailrelay::mime
