// tests/unit/mime/parameters_test.cc — Content-Type / Content-Disposition parameters
// including RFC 2231 continuations and charsets.
#include "mime/parameters.h"

#include "gtest/gtest.h"

namespace mailrelay::mime {
namespace {

TEST(ParametersTest, ParsesTypeAndQuotedParameters) {
  const ContentType ct = ParseContentType("Text/HTML; Charset=\"UTF-8\"; format=flowed");
  EXPECT_EQ(ct.MimeType(), "text/html");
  EXPECT_EQ(ct.raw.Param("charset"), "UTF-8");
  EXPECT_EQ(ct.raw.Param("format"), "flowed");
}

TEST(ParametersTest, MissingOrBrokenTypeFallsBackToDefaultButKeepsParameters) {
  EXPECT_EQ(ParseContentType("").MimeType(), "text/plain");
  const ContentType ct = ParseContentType("text; charset=koi8-r");
  EXPECT_EQ(ct.MimeType(), "text/plain");
  EXPECT_EQ(ct.raw.Param("charset"), "koi8-r");
  EXPECT_EQ(ParseContentType("", "message/rfc822").MimeType(), "message/rfc822");
}

TEST(ParametersTest, CommentsAreIgnored) {
  const ContentType ct = ParseContentType("text/plain (comment); charset=us-ascii (ascii)");
  EXPECT_EQ(ct.MimeType(), "text/plain");
  EXPECT_EQ(ct.raw.Param("charset"), "us-ascii");
}

TEST(ParametersTest, Rfc2231ExtendedValueIsDecodedWithItsCharset) {
  const ParameterizedValue v =
      ParseParameterizedValue("attachment; filename*=iso-8859-1'en'caf%E9.txt");
  EXPECT_EQ(v.value, "attachment");
  EXPECT_EQ(v.Param("filename"), "caf\xC3\xA9.txt");
}

TEST(ParametersTest, Rfc2231ContinuationsAreReassembledInOrder) {
  const ParameterizedValue v = ParseParameterizedValue(
      "attachment; filename*1*=%E3%81%84.txt; filename*0*=UTF-8''%E3%81%82");
  EXPECT_EQ(v.Param("filename"), "あい.txt");
}

TEST(ParametersTest, PlainContinuationsWithoutCharset) {
  const ParameterizedValue v =
      ParseParameterizedValue("inline; name*0=\"long \"; name*1=\"name.pdf\"");
  EXPECT_EQ(v.Param("name"), "long name.pdf");
}

TEST(ParametersTest, Rfc2047WordInQuotedValueIsDecoded) {
  const ParameterizedValue v =
      ParseParameterizedValue("attachment; filename=\"=?UTF-8?B?w6kucGRm?=\"");
  EXPECT_EQ(v.Param("filename"), "\xC3\xA9.pdf");
}

TEST(ParametersTest, ExtendedValueWinsOverPlainAndFirstDuplicateWins) {
  const ParameterizedValue v = ParseParameterizedValue(
      "attachment; filename=plain.txt; filename*=UTF-8''ext.txt; size=1; size=2");
  EXPECT_EQ(v.Param("filename"), "ext.txt");
  EXPECT_EQ(v.Param("size"), "1");
}

TEST(ParametersTest, SloppyValuesAreTolerated) {
  const ParameterizedValue v =
      ParseParameterizedValue("attachment;; filename=my file.pdf ; junk; x=\"unterminated");
  EXPECT_EQ(v.Param("filename"), "my file.pdf");
  EXPECT_EQ(v.Param("x"), "unterminated");
  EXPECT_FALSE(v.HasParam("junk"));
}

TEST(ParametersTest, BoundaryIsKeptVerbatim) {
  const ContentType ct = ParseContentType("multipart/mixed; boundary=\"=?x?q?y?=\"");
  EXPECT_EQ(ct.raw.Param("boundary"), "=?x?q?y?=");
}

TEST(ParametersTest, EscapedQuoteInQuotedValue) {
  EXPECT_EQ(ParseParameterizedValue("a; n=\"x\\\"y\"").Param("n"), "x\"y");
}

}  // namespace
}  // namespace mailrelay::mime
