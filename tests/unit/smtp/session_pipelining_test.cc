// tests/unit/smtp/session_pipelining_test.cc — PIPELINING (RFC 2920): many commands per
// Feed, any split of the input gives the same transcript, delivery pauses processing.
#include "session_test_util.h"

namespace mailrelay::smtp {
namespace {

using testing::Codes;
using ::testing::ElementsAre;
using testing::Harness;
using ::testing::IsEmpty;
using testing::ReplyIs;
using testing::Transcript;

// Two transactions, BDAT, errors, dot-stuffing and a reject — everything but STARTTLS.
const std::string kScript =
    "EHLO client.example\r\n"
    "MAIL FROM:<s@x.example> SIZE=50\r\n"
    "RCPT TO:<r@a.example>\r\n"
    "RCPT TO:<r@b.example>\r\n"
    "RCPT TO:<nobody@nowhere.example>\r\n"
    "DATA\r\n"
    "Subject: one\r\n\r\n..stuffed\r\nline\r\n.\r\n"
    "NOOP\r\n"
    "FOO\r\n"
    "MAIL FROM:<>\r\n"
    "RCPT TO:<r@b.example>\r\n"
    "BDAT 12\r\n"
    "Subject: 2\r\n"
    "BDAT 6 LAST\r\n"
    "\r\nbody"
    "MAIL FROM:<s@x.example>\r\n"
    "RCPT TO:<r@a.example>\r\n"
    "DATA\r\n"
    "bare\nlf\r\n.\r\n"
    "VRFY r\r\n"
    "QUIT\r\n";

TEST(SessionPipeliningTest, AllRepliesComeBackInOrderFromOneFeed) {
  Harness h;
  std::vector<Action> a = h.Run(kScript);
  EXPECT_THAT(Codes(a), ElementsAre(250, 250, 250, 452, 550, 354, 0, 250, 250, 500, 250, 250, 250,
                                    0, 250, 250, 250, 354, 550, 252, 221, -2));
}

TEST(SessionPipeliningTest, ByteByByteFeedGivesTheSameTranscript) {
  Harness whole;
  std::string expected = Transcript(whole.Run(kScript));
  Harness bytes;
  EXPECT_EQ(Transcript(bytes.Run(kScript, 1)), expected);
}

TEST(SessionPipeliningTest, EverySplitPointGivesTheSameTranscript) {
  Harness whole;
  std::string expected = Transcript(whole.Run(kScript));
  for (size_t cut = 1; cut < kScript.size(); ++cut) {
    Harness h;
    std::vector<Action> a = h.Run(kScript.substr(0, cut));
    size_t answered = a.size();
    testing::Append(a, h.session.Feed(std::string_view(kScript).substr(cut)));
    h.Settle(a, answered);
    ASSERT_EQ(Transcript(a), expected) << "split at " << cut;
  }
}

TEST(SessionPipeliningTest, OddChunkSizesGiveTheSameTranscript) {
  Harness whole;
  std::string expected = Transcript(whole.Run(kScript));
  for (size_t chunk : {2, 3, 5, 13, 64}) {
    Harness h;
    EXPECT_EQ(Transcript(h.Run(kScript, chunk)), expected) << "chunk " << chunk;
  }
}

TEST(SessionPipeliningTest, InputDuringDeliveryIsHeldThenAnsweredAfterTheDeliveryReply) {
  Harness h;
  std::vector<Action> a = h.Feed(std::string(testing::kEnvelope) + "x\r\n.\r\nNOOP\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(250, 250, 250, 354, 0));
  EXPECT_TRUE(h.session.awaiting_delivery());
  EXPECT_THAT(h.Feed("RSET\r\n"), IsEmpty());
  EXPECT_THAT(h.session.OnDeliveryReply(Reply{554, "5.7.1", "rejected by endpoint"}),
              ElementsAre(ReplyIs(554, "5.7.1"), ReplyIs(250), ReplyIs(250)));
  EXPECT_EQ(h.session.buffered_bytes(), 0u);
}

TEST(SessionPipeliningTest, NeverTwoDeliversWithoutAReply) {
  Harness h;
  std::string two = std::string(testing::kEnvelope) + "1\r\n.\r\n" +
                    "MAIL FROM:<s@x.example>\r\nRCPT TO:<r@a.example>\r\nDATA\r\n2\r\n.\r\n";
  std::vector<Action> a = h.Feed(two);
  EXPECT_EQ(testing::Deliveries(a).size(), 1u);
  std::vector<Action> b = h.session.OnDeliveryReply(Reply{250, "2.0.0", "ok"});
  EXPECT_THAT(Codes(b), ElementsAre(250, 250, 250, 354, 0));
}

}  // namespace
}  // namespace mailrelay::smtp
