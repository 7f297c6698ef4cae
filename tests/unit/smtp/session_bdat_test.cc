// tests/unit/smtp/session_bdat_test.cc — CHUNKING / BDAT (RFC 3030): exact octet counts,
// no dot processing, size limits, sequencing, and DATA/BDAT mixing.
#include "session_test_util.h"

namespace mailrelay::smtp {
namespace {

using testing::Codes;
using ::testing::ElementsAre;
using testing::Harness;
using ::testing::IsEmpty;
using testing::ReplyIs;

constexpr std::string_view kTxn = "EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@a.example>\r\n";

std::string Body(const Deliver& d) {
  size_t end = d.message.find("+0000\r\n");
  return end == std::string::npos ? "<no received>" : d.message.substr(end + 7);
}

TEST(SessionBdatTest, ChunksAreConcatenatedWithoutDotProcessing) {
  Harness h;
  h.Feed(kTxn);
  EXPECT_THAT(h.Feed("BDAT 9\r\n.\r\n..\nx\r\n"), ElementsAre(ReplyIs(250, "2.0.0")));
  std::vector<Action> a = h.Feed("BDAT 3 LAST\r\nend");
  ASSERT_THAT(Codes(a), ElementsAre(0));
  EXPECT_EQ(Body(std::get<Deliver>(a[0])), ".\r\n..\nx\r\nend");
}

TEST(SessionBdatTest, ChunkIsReadByCountAcrossFeeds) {
  Harness h;
  h.Feed(kTxn);
  EXPECT_THAT(h.Feed("BDAT 10 LAST\r\nabc"), IsEmpty());
  EXPECT_TRUE(h.session.in_data());
  EXPECT_THAT(h.Feed("defg"), IsEmpty());
  std::vector<Action> a = h.Feed("hijNOOP\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(0));
  EXPECT_EQ(Body(std::get<Deliver>(a[0])), "abcdefghij");
  EXPECT_THAT(h.session.OnDeliveryReply(Reply{250, "2.0.0", "ok"}),
              ElementsAre(ReplyIs(250), ReplyIs(250)));
}

TEST(SessionBdatTest, EmptyLastChunkDelivers) {
  Harness h;
  h.Feed(kTxn);
  EXPECT_THAT(Codes(h.Feed("BDAT 2\r\nabBDAT 0 LAST\r\n")), ElementsAre(250, 0));
}

TEST(SessionBdatTest, OversizeChunkIs552AndItsOctetsAreSkipped) {
  Limits l;
  l.max_message_bytes = 10;
  Harness h(l);
  h.Feed(kTxn);
  EXPECT_THAT(h.Feed("BDAT 6\r\n123456BDAT 6\r\nQUIT\r\nBDAT 1 LAST\r\nxNOOP\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(552, "5.3.4"), ReplyIs(552, "5.3.4"),
                          ReplyIs(250, "2.0.0")));
  EXPECT_FALSE(h.session.closed());
  // The failed transaction ended with LAST.
  EXPECT_THAT(h.Feed("RCPT TO:<r@a.example>\r\n"), ElementsAre(ReplyIs(503)));
}

TEST(SessionBdatTest, BdatWithoutTransactionIs503ButChunkIsStillSkipped) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nBDAT 6 LAST\r\nQUIT\r\nNOOP\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(503, "5.5.1"), ReplyIs(250)));
}

TEST(SessionBdatTest, BdatWithoutRecipientsIs554) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nMAIL FROM:<s@x.example>\r\nBDAT 1\r\nx"),
              ElementsAre(ReplyIs(250), ReplyIs(250), ReplyIs(554, "5.5.1")));
}

TEST(SessionBdatTest, BadBdatSyntaxIs501AndNothingIsSkipped) {
  Harness h;
  h.Feed(kTxn);
  EXPECT_THAT(h.Feed("BDAT ten\r\nNOOP\r\n"), ElementsAre(ReplyIs(501, "5.5.4"), ReplyIs(250)));
}

TEST(SessionBdatTest, DataAfterBdatIs503) {
  Harness h;
  h.Feed(kTxn);
  EXPECT_THAT(h.Feed("BDAT 1\r\nxDATA\r\n"), ElementsAre(ReplyIs(250), ReplyIs(503, "5.5.1")));
  EXPECT_FALSE(h.session.in_data());
}

TEST(SessionBdatTest, MailAndRcptAreRefusedBetweenChunksAndRsetEndsTheTransaction) {
  Harness h;
  h.Feed(kTxn);
  EXPECT_THAT(h.Feed("BDAT 1\r\nxRCPT TO:<q@a.example>\r\nMAIL FROM:<s@x.example>\r\nRSET\r\n"
                     "MAIL FROM:<s@x.example>\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(503), ReplyIs(503), ReplyIs(250), ReplyIs(250)));
}

TEST(SessionBdatTest, BareLfInsideChunkIsFine) {
  Harness h;
  h.Feed(kTxn);
  std::vector<Action> a = h.Feed("BDAT 5 LAST\r\na\n.\nb");
  ASSERT_THAT(Codes(a), ElementsAre(0));
  EXPECT_EQ(Body(std::get<Deliver>(a[0])), "a\n.\nb");
}

TEST(SessionBdatTest, BdatAfterCompletedDataStartsNothing) {
  Harness h;
  h.Feed(testing::kEnvelope);
  h.Feed("x\r\n.\r\n");
  EXPECT_THAT(h.session.OnDeliveryReply(Reply{250, "2.0.0", "ok"}), ElementsAre(ReplyIs(250)));
  EXPECT_THAT(h.Feed("BDAT 1 LAST\r\nx"), ElementsAre(ReplyIs(503, "5.5.1")));
}

}  // namespace
}  // namespace mailrelay::smtp
