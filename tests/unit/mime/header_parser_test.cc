// tests/unit/mime/header_parser_test.cc — header block splitting and unfolding.
#include "mime/header_parser.h"

#include "gtest/gtest.h"

namespace mailrelay::mime {
namespace {

HeaderBlock MustParse(std::string_view text, size_t max = 1 << 20) {
  StatusOr<HeaderBlock> b = ParseHeaderBlock(text, max);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? *b : HeaderBlock{};
}

TEST(HeaderParserTest, SplitsFieldsAndFindsBody) {
  const std::string_view text = "From: a@b\r\nSubject: hi\r\n\r\nbody";
  const HeaderBlock b = MustParse(text);
  ASSERT_EQ(b.fields.size(), 2u);
  EXPECT_EQ(b.fields[1].name, "Subject");
  EXPECT_EQ(b.fields[1].value, "hi");
  EXPECT_EQ(text.substr(b.body_offset), "body");
}

TEST(HeaderParserTest, UnfoldingRemovesOnlyTheLineBreak) {
  const HeaderBlock b = MustParse("Subject: one\r\n  two\r\n\tthree\r\n\r\n");
  EXPECT_EQ(b.fields[0].value, "one  two\tthree");
}

TEST(HeaderParserTest, BareLfLineEndsWork) {
  const std::string_view text = "A: 1\nB: 2\n\nbody\n";
  const HeaderBlock b = MustParse(text);
  ASSERT_EQ(b.fields.size(), 2u);
  EXPECT_EQ(text.substr(b.body_offset), "body\n");
}

TEST(HeaderParserTest, MboxFromLineIsSkipped) {
  const HeaderBlock b = MustParse("From MAILER-DAEMON Fri Jul  8 12:08:34 2011\nTo: x@y\n\n");
  ASSERT_EQ(b.fields.size(), 1u);
  EXPECT_EQ(b.fields[0].name, "To");
}

TEST(HeaderParserTest, ObsoleteBlankBeforeColonIsAccepted) {
  const HeaderBlock b = MustParse("Subject \t: hi\r\n\r\n");
  ASSERT_EQ(b.fields.size(), 1u);
  EXPECT_EQ(b.fields[0].name, "Subject");
  EXPECT_EQ(b.fields[0].value, "hi");
}

TEST(HeaderParserTest, UnindentedParameterLineContinuesPreviousField) {
  const HeaderBlock b = MustParse("Content-Type: application/zip;\nname=\"a.zip\"\nX: y\n\n");
  ASSERT_EQ(b.fields.size(), 2u);
  EXPECT_EQ(b.fields[0].value, "application/zip; name=\"a.zip\"");
}

TEST(HeaderParserTest, TextLineWithoutBlankSeparatorStartsTheBody) {
  const std::string_view text = "Subject: x\ncounter to RFC 5322, no blank line\n";
  const HeaderBlock b = MustParse(text);
  ASSERT_EQ(b.fields.size(), 1u);
  EXPECT_EQ(text.substr(b.body_offset), "counter to RFC 5322, no blank line\n");
}

TEST(HeaderParserTest, NoHeadersAtAllMeansBodyStartsAtZero) {
  const HeaderBlock b = MustParse("just text\n");
  EXPECT_TRUE(b.fields.empty());
  EXPECT_EQ(b.body_offset, 0u);
}

TEST(HeaderParserTest, HeaderBlockOverLimitIsResourceExhausted) {
  const std::string text = "X: " + std::string(200, 'a') + "\r\n\r\n";
  StatusOr<HeaderBlock> b = ParseHeaderBlock(text, 100);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(b.status().message().find("max_header_bytes"), std::string::npos);
}

TEST(HeaderParserTest, FindFieldIsCaseInsensitiveAndFirstWins) {
  const HeaderBlock b = MustParse("subject: one\nSUBJECT: two\n\n");
  ASSERT_NE(FindField(b.fields, "Subject"), nullptr);
  EXPECT_EQ(FindField(b.fields, "Subject")->value, "one");
  EXPECT_EQ(FindField(b.fields, "Missing"), nullptr);
}

}  // namespace
}  // namespace mailrelay::mime
