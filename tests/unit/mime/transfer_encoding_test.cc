// tests/unit/mime/transfer_encoding_test.cc — base64, quoted-printable and uuencode.
#include "mime/transfer_encoding.h"

#include "gtest/gtest.h"

namespace mailrelay::mime {
namespace {

TEST(TransferEncodingTest, Base64DecodesAcrossLineBreaks) {
  EXPECT_EQ(DecodeBase64("SGVs\r\nbG8g\nd29y\r\nbGQ="), "Hello world");
}

TEST(TransferEncodingTest, Base64SkipsJunkAndToleratesMissingPadding) {
  EXPECT_EQ(DecodeBase64("SGV*sb!G8"), "Hello");
  EXPECT_EQ(DecodeBase64("SGVsbG8"), "Hello");
}

TEST(TransferEncodingTest, Base64DecodesConcatenatedPaddedBlocks) {
  EXPECT_EQ(DecodeBase64("QQ==QkM="), "ABC");
}

TEST(TransferEncodingTest, QuotedPrintableSoftBreaksAreRemoved) {
  EXPECT_EQ(DecodeQuotedPrintable("long=\r\nline=  \nend"), "longlineend");
}

TEST(TransferEncodingTest, QuotedPrintableDecodesHexInAnyCase) {
  EXPECT_EQ(DecodeQuotedPrintable("caf=C3=a9"), "caf\xC3\xA9");
}

TEST(TransferEncodingTest, QuotedPrintableKeepsMalformedEscapesLiterally) {
  EXPECT_EQ(DecodeQuotedPrintable("100=%\r\n=G1 a=\r\n"), "100=%\r\n=G1 a");
  EXPECT_EQ(DecodeQuotedPrintable("x=4"), "x=4");
}

TEST(TransferEncodingTest, QuotedPrintableDropsTransportTrailingBlanks) {
  EXPECT_EQ(DecodeQuotedPrintable("a  \r\nb=20\r\n"), "a\r\nb \r\n");
}

TEST(TransferEncodingTest, UuencodeDecodesFileAndName) {
  std::string name;
  // "Cat" uuencoded.
  EXPECT_EQ(DecodeUuencode("junk\nbegin 644 cat.txt\n#0V%T\n`\nend\n", &name), "Cat");
  EXPECT_EQ(name, "cat.txt");
}

TEST(TransferEncodingTest, DispatchByEncodingNameIgnoresCaseAndBlanks) {
  EXPECT_EQ(DecodeTransferEncoding("SGk=", " BASE64 "), "Hi");
  EXPECT_EQ(DecodeTransferEncoding("a=3Db", "Quoted-Printable"), "a=b");
  EXPECT_EQ(DecodeTransferEncoding("raw=3D", "8bit"), "raw=3D");
  EXPECT_EQ(DecodeTransferEncoding("raw", "x-unknown"), "raw");
  EXPECT_EQ(DecodeTransferEncoding("no begin line", "x-uuencode"), "no begin line");
}

TEST(TransferEncodingTest, EncodeBase64PadsAndRoundTrips) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  const std::string bytes("\x00\xFF\x10\x80", 4);
  EXPECT_EQ(DecodeBase64(EncodeBase64(bytes)), bytes);
}

}  // namespace
}  // namespace mailrelay::mime
