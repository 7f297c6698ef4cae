// tests/unit/smtp/session_data_test.cc — DATA through the Session: end of data, smuggling,
// dot-unstuffing, and the line / size limits answered once after the final dot.
#include "session_test_util.h"

namespace mailrelay::smtp {
namespace {

using testing::Codes;
using testing::Deliveries;
using ::testing::ElementsAre;
using testing::Harness;
using ::testing::IsEmpty;
using testing::kEnvelope;
using testing::ReplyIs;

// The body a Deliver carries after our Received header.
std::string Body(const Deliver& d) {
  size_t end = d.message.find("+0000\r\n");
  return end == std::string::npos ? "<no received>" : d.message.substr(end + 7);
}

TEST(SessionDataTest, OversizeMessageIsRejectedOnlyAfterFinalDot) {
  Limits l;
  l.max_message_bytes = 10;
  Harness h(l);
  h.Feed(kEnvelope);
  EXPECT_THAT(h.Feed("0123456789abcdef\r\n"), IsEmpty());
  EXPECT_TRUE(h.session.in_data());
  EXPECT_THAT(h.Feed(".\r\n"), ElementsAre(ReplyIs(552, "5.3.4")));
  EXPECT_FALSE(h.session.in_data());
}

TEST(SessionDataTest, TransactionIsResetAfterRejectedData) {
  Limits l;
  l.max_message_bytes = 10;
  Harness h(l);
  h.Feed(kEnvelope);
  EXPECT_THAT(h.Feed("0123456789abcdef\r\n.\r\nDATA\r\nRCPT TO:<r@a.example>\r\n"),
              ElementsAre(ReplyIs(552), ReplyIs(503), ReplyIs(503)));
}

TEST(SessionDataTest, MessageOfExactlyMaxBytesIsDelivered) {
  Limits l;
  l.max_message_bytes = 10;
  Harness h(l);
  h.Feed(kEnvelope);
  std::vector<Action> a = h.Feed("01234567\r\n.\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(0));
  EXPECT_EQ(Body(std::get<Deliver>(a[0])), "01234567\r\n");
}

TEST(SessionDataTest, DotStuffedLinesAreUnstuffed) {
  Harness h;
  h.Feed(kEnvelope);
  std::vector<Action> a = h.Feed("..\r\n..x\r\n.\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(0));
  EXPECT_EQ(Body(std::get<Deliver>(a[0])), ".\r\n.x\r\n");
}

TEST(SessionDataTest, CommandsAfterFinalDotWaitForDeliveryReply) {
  Harness h;
  h.Feed(kEnvelope);
  std::vector<Action> a = h.Feed("x\r\n.\r\nNOOP\r\nQUIT\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(0));
  EXPECT_GT(h.session.buffered_bytes(), 0u);
  EXPECT_THAT(
      h.session.OnDeliveryReply(Reply{451, "4.4.1", "try later"}),
      ElementsAre(ReplyIs(451, "4.4.1"), ReplyIs(250), ReplyIs(221), testing::IsCloseAction()));
}

TEST(SessionDataTest, LongLineIsRejectedOnceAfterFinalDot) {
  Limits l;
  l.max_text_line = 20;
  Harness h(l);
  h.Feed(kEnvelope);
  EXPECT_THAT(h.Feed(std::string(100, 'x') + "\r\n" + std::string(100, 'y') + "\r\n"), IsEmpty());
  EXPECT_THAT(h.Feed(".\r\n"), ElementsAre(ReplyIs(500, "5.6.0")));
}

TEST(SessionDataTest, DataErrorsDoNotCountAsProtocolErrors) {
  Limits l;
  l.max_errors = 1;
  Harness h(l);
  h.Feed(kEnvelope);
  EXPECT_THAT(h.Feed("a\nb\r\n.\r\nNOOP\r\n"), ElementsAre(ReplyIs(550), ReplyIs(250)));
  EXPECT_FALSE(h.session.closed());
}

// Each smuggling variant must neither end the data early nor create a second message: the
// whole input yields exactly one rejection and no Deliver.
class SessionSmugglingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SessionSmugglingTest, NeverTwoMessagesOneRejectionAtTheRealEnd) {
  std::string smuggled =
      "MAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@a.example>\r\nDATA\r\n"
      "From: ceo@a.example\r\n\r\nforged\r\n";
  std::string input =
      std::string(kEnvelope) + "Subject: ok\r\n\r\nhello" + GetParam() + smuggled + ".\r\nNOOP\r\n";
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{7}}) {
    Harness h;
    std::vector<Action> a = h.Run(input, chunk);
    EXPECT_THAT(Deliveries(a), IsEmpty()) << "chunk " << chunk;
    EXPECT_THAT(Codes(a), ElementsAre(250, 250, 250, 354, 550, 250)) << "chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, SessionSmugglingTest,
                         ::testing::Values("\n.\n", "\r\n.\n", "\n.\r\n", "\r.\r", "\r\n.\r",
                                           "\r.\r\n", "\n.\r", "\r\n.\rX\r\n", "\r\n\n.\n"));

TEST(SessionDataTest, CleanSmugglingLookalikeInsideProperLinesIsContent) {
  // "\r\n..\r\n" is a stuffed dot line, not an end: the text after it is one message.
  Harness h;
  std::vector<Action> a =
      h.Run(std::string(kEnvelope) + "a\r\n..\r\nMAIL FROM:<e@x.example>\r\n.\r\n");
  std::vector<const Deliver*> d = Deliveries(a);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(Body(*d[0]), "a\r\n.\r\nMAIL FROM:<e@x.example>\r\n");
}

TEST(SessionDataTest, EndlessDataLineKeepsMemoryBounded) {
  Limits l;
  l.max_message_bytes = 1 << 20;
  Harness h(l);
  h.Feed(kEnvelope);
  std::string chunk(1 << 16, 'z');
  for (int i = 0; i < 100; ++i) ASSERT_THAT(h.Feed(chunk), IsEmpty());
  EXPECT_EQ(h.session.buffered_bytes(), 0u);
  EXPECT_THAT(h.Feed("\r\n.\r\n"), ElementsAre(ReplyIs(500, "5.6.0")));
}

}  // namespace
}  // namespace mailrelay::smtp
