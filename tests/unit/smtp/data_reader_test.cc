// tests/unit/smtp/data_reader_test.cc — DATA content: the end marker, dot-unstuffing,
// smuggling variants and the line / size limits.
#include "smtp/data_reader.h"

#include <gtest/gtest.h>

namespace mailrelay::smtp {
namespace {

struct Result {
  bool done;
  size_t used;
  std::optional<Reply> rejection;
  std::string message;
};

Result Read(std::string_view in, Limits limits = Limits{}) {
  DataReader r(limits);
  size_t used = r.Consume(in);
  Result out{r.done(), used, r.rejection(), ""};
  out.message = r.TakeMessage();
  return out;
}

TEST(DataReaderTest, EndsAtCrLfDotCrLfAndLeavesTheRest) {
  Result r = Read("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.used, 23u);
  EXPECT_FALSE(r.rejection);
  EXPECT_EQ(r.message, "Subject: x\r\n\r\nbody\r\n");
}

TEST(DataReaderTest, EmptyMessageIsJustTheDot) {
  Result r = Read(".\r\n");
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.message, "");
}

TEST(DataReaderTest, LeadingDotsAreUnstuffed) {
  Result r = Read("..hidden\r\n...\r\n.x\r\na.b\r\n.\r\n");
  EXPECT_TRUE(r.done);
  EXPECT_FALSE(r.rejection);
  EXPECT_EQ(r.message, ".hidden\r\n..\r\nx\r\na.b\r\n");
}

TEST(DataReaderTest, StuffedDotLineIsNotTheEnd) {
  Result r = Read("..\r\nmore\r\n");
  EXPECT_FALSE(r.done);
}

TEST(DataReaderTest, ByteByByteEqualsAllAtOnce) {
  std::string in = "a\r\n..b\r\n\r\nc\r\n.\r\n";
  DataReader r(Limits{});
  for (char c : in) r.Consume(std::string_view(&c, 1));
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.TakeMessage(), Read(in).message);
}

TEST(DataReaderTest, ConsumeAfterDoneUsesNothing) {
  DataReader r(Limits{});
  r.Consume(".\r\n");
  EXPECT_EQ(r.Consume("MAIL"), 0u);
}

// Every sequence some MTA might read as "end of data" but RFC 5321 does not.
class SmugglingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SmugglingTest, FakeEndNeverEndsDataAndMessageIsRejectedAtRealEnd) {
  std::string in = "Subject: a\r\n\r\nbody" + GetParam() +
                   "MAIL FROM:<evil@x.example>\r\nRCPT TO:<v@a.example>\r\nDATA\r\nforged\r\n";
  DataReader r(Limits{});
  EXPECT_EQ(r.Consume(in), in.size());
  EXPECT_FALSE(r.done()) << "fake end accepted";
  r.Consume(".\r\n");
  ASSERT_TRUE(r.done());
  ASSERT_TRUE(r.rejection());
  EXPECT_EQ(r.rejection()->code, 550);
  EXPECT_EQ(r.rejection()->enhanced, "5.6.11");
  EXPECT_EQ(r.TakeMessage(), "");
}

INSTANTIATE_TEST_SUITE_P(Variants, SmugglingTest,
                         ::testing::Values("\n.\n", "\r\n.\n", "\n.\r\n", "\r.\r", "\r\n.\r",
                                           "\r.\r\n", "\n.\r", "\r\n.\rX\r\n", "\r\n\n.\n\r\n"));

TEST(DataReaderTest, BareLfAloneIsRejected) {
  Result r = Read("a\nb\r\n.\r\n");
  EXPECT_TRUE(r.done);
  ASSERT_TRUE(r.rejection);
  EXPECT_EQ(r.rejection->code, 550);
}

TEST(DataReaderTest, BareCrAloneIsRejected) {
  Result r = Read("a\rb\r\n.\r\n");
  EXPECT_TRUE(r.done);
  ASSERT_TRUE(r.rejection);
  EXPECT_EQ(r.rejection->enhanced, "5.6.11");
}

TEST(DataReaderTest, CrCrLfIsABareCr) {
  Result r = Read("a\r\r\n.\r\n");
  EXPECT_TRUE(r.done);
  ASSERT_TRUE(r.rejection);
  EXPECT_EQ(r.rejection->code, 550);
}

TEST(DataReaderTest, LineOfExactlyMaxTextLineIsAccepted) {
  Limits l;
  l.max_text_line = 10;
  Result ok = Read("12345678\r\n.\r\n", l);  // 10 octets with CRLF
  EXPECT_FALSE(ok.rejection);
  Result bad = Read("123456789\r\n.\r\n", l);
  ASSERT_TRUE(bad.rejection);
  EXPECT_EQ(bad.rejection->code, 500);
  EXPECT_EQ(bad.rejection->enhanced, "5.6.0");
}

TEST(DataReaderTest, StuffedDotDoesNotCountTowardLineLength) {
  Limits l;
  l.max_text_line = 10;
  EXPECT_FALSE(Read("..2345678\r\n.\r\n", l).rejection);
}

TEST(DataReaderTest, EndlessLineIsNotBufferedAndIsRejectedAtEnd) {
  Limits l;
  l.max_text_line = 100;
  DataReader r(l);
  std::string chunk(1 << 16, 'x');
  for (int i = 0; i < 64; ++i) r.Consume(chunk);
  EXPECT_FALSE(r.done());
  EXPECT_EQ(r.size(), 64u << 16);
  r.Consume("\r\n.\r\n");
  ASSERT_TRUE(r.done());
  ASSERT_TRUE(r.rejection());
  EXPECT_EQ(r.rejection()->code, 500);
  EXPECT_EQ(r.TakeMessage(), "");
}

TEST(DataReaderTest, MessageAtLimitIsAcceptedOneMoreOctetIsNot) {
  Limits l;
  l.max_message_bytes = 10;
  EXPECT_FALSE(Read("12345678\r\n.\r\n", l).rejection);
  Result big = Read("123456789\r\n.\r\n", l);
  ASSERT_TRUE(big.rejection);
  EXPECT_EQ(big.rejection->code, 552);
  EXPECT_EQ(big.rejection->enhanced, "5.3.4");
  EXPECT_EQ(big.message, "");
}

TEST(DataReaderTest, FirstErrorFoundWins) {
  Limits l;
  l.max_message_bytes = 5;
  Result r = Read("abcdefgh\r\nx\ny\r\n.\r\n", l);
  ASSERT_TRUE(r.rejection);
  EXPECT_EQ(r.rejection->code, 552);
}

TEST(DataReaderTest, ErrorChoiceDoesNotDependOnHowInputIsSplit) {
  Limits l;
  l.max_text_line = 8;
  l.max_message_bytes = 12;
  // Line limit crossed at octet 9 of line 2 = octet 15 overall; size at octet 13.
  for (std::string in :
       {std::string("abcd\r\n0123456789\r\n.\r\n"), std::string("abcdefghijklmnop\r\n.\r\n"),
        std::string("ab\r\ncd\r\nef\r\ngh\r\n0123456789\r\n.\r\n")}) {
    Result whole = Read(in, l);
    DataReader r(l);
    for (char c : in) r.Consume(std::string_view(&c, 1));
    ASSERT_TRUE(whole.rejection);
    ASSERT_TRUE(r.rejection());
    EXPECT_EQ(r.rejection()->code, whole.rejection->code) << in;
  }
  EXPECT_EQ(Read("abcd\r\n0123456789\r\n.\r\n", l).rejection->code, 552);
  EXPECT_EQ(Read("abcdefghijklmnop\r\n.\r\n", l).rejection->code, 500);
}

}  // namespace
}  // namespace mailrelay::smtp
