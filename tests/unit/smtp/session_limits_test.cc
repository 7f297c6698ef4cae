// tests/unit/smtp/session_limits_test.cc — command line length, recipients and error limits.
#include "session_test_util.h"

namespace mailrelay::smtp {
namespace {

using testing::Codes;
using ::testing::ElementsAre;
using testing::Harness;
using testing::IsCloseAction;
using ::testing::IsEmpty;
using testing::ReplyIs;

TEST(SessionLimitsTest, CommandLineOfExactlyMaxIsAccepted) {
  Limits l;
  l.max_command_line = 20;
  Harness h(l);
  // "NOOP " + 13 + CRLF = 20 octets.
  EXPECT_THAT(h.Feed("NOOP " + std::string(13, 'x') + "\r\n"), ElementsAre(ReplyIs(250)));
  EXPECT_THAT(h.Feed("NOOP " + std::string(14, 'x') + "\r\n"), ElementsAre(ReplyIs(500, "5.5.2")));
}

TEST(SessionLimitsTest, OverlongLineIsAnsweredOnceAndItsRestDiscarded) {
  Limits l;
  l.max_command_line = 64;
  Harness h(l);
  // The tail looks like a command; it must not run.
  std::string line = std::string(100, 'x') + "QUIT\r\nNOOP\r\n";
  EXPECT_THAT(h.Feed(line), ElementsAre(ReplyIs(500, "5.5.2"), ReplyIs(250)));
  EXPECT_EQ(std::get<Reply>(h.Feed("XX" + std::string(70, 'a') + "\r\n")[0]).text, "Line too long");
}

TEST(SessionLimitsTest, OverlongLineFedByteByByteGivesTheSameSingleReply) {
  Limits l;
  l.max_command_line = 64;
  Harness h(l);
  std::string line = std::string(100, 'x') + "QUIT\r\nNOOP\r\n";
  std::vector<Action> a = h.Run(line, 1);
  EXPECT_THAT(a, ElementsAre(ReplyIs(500, "5.5.2"), ReplyIs(250)));
}

TEST(SessionLimitsTest, EndlessCommandLineIsNotBuffered) {
  Harness h;
  std::string junk(1 << 16, 'j');
  EXPECT_THAT(h.Feed(junk), ElementsAre(ReplyIs(500, "5.5.2")));
  for (int i = 0; i < 50; ++i) ASSERT_THAT(h.Feed(junk), IsEmpty());
  EXPECT_EQ(h.session.buffered_bytes(), 0u);
  EXPECT_THAT(h.Feed("\r\nNOOP\r\n"), ElementsAre(ReplyIs(250)));
}

TEST(SessionLimitsTest, PartialCommandIsBufferedUpToTheLimitOnly) {
  Harness h;
  EXPECT_THAT(h.Feed(std::string(511, 'n')), IsEmpty());
  EXPECT_EQ(h.session.buffered_bytes(), 511u);
  EXPECT_THAT(h.Feed("n"), ElementsAre(ReplyIs(500, "5.5.2")));
  EXPECT_EQ(h.session.buffered_bytes(), 0u);
}

TEST(SessionLimitsTest, TooManyRecipientsIs452) {
  Limits l;
  l.max_recipients = 2;
  Harness h(l);
  std::vector<Action> a = h.Feed(
      "EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<a@a.example>\r\n"
      "RCPT TO:<b@a.example>\r\nRCPT TO:<c@a.example>\r\nRCPT TO:<a@a.example>\r\n"
      "DATA\r\nx\r\n.\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(250, 250, 250, 250, 452, 250, 354, 0));
  EXPECT_EQ(std::get<Reply>(a[4]).enhanced, "4.5.3");
  EXPECT_EQ(std::get<Deliver>(a[7]).envelope.recipients.size(), 2u);
}

TEST(SessionLimitsTest, MaxErrorsCloseWith421) {
  Limits l;
  l.max_errors = 3;
  Harness h(l);
  std::vector<Action> a = h.Feed("FOO\r\nBAR\r\nNOOP\r\nBAZ\r\nNOOP\r\n");
  ASSERT_THAT(a, ElementsAre(ReplyIs(500), ReplyIs(500), ReplyIs(250), ReplyIs(500),
                             ReplyIs(421, "4.7.0"), IsCloseAction()));
  EXPECT_EQ(std::get<Reply>(a[4]).text, "mx.test Too many errors, closing connection");
  EXPECT_TRUE(h.session.closed());
}

TEST(SessionLimitsTest, SequenceSyntaxAndLineErrorsAllCount) {
  Limits l;
  l.max_errors = 4;
  Harness h(l);
  std::vector<Action> a =
      h.Feed("DATA\r\nEHLO\r\nMAIL FROM:<a@b.example> X=1\r\n" + std::string(600, 'x') + "\r\n");
  EXPECT_THAT(Codes(a), ElementsAre(503, 501, 503, 500, 421, -2));
}

TEST(SessionLimitsTest, PolicyRejectionsDoNotCount) {
  Limits l;
  l.max_errors = 1;
  Harness h(l);
  std::vector<Action> a = h.Feed(
      "EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@none.example>\r\nRCPT "
      "TO:<r@none.example>\r\n"
      "EXPN x\r\nVRFY x\r\nNOOP\r\n");
  EXPECT_THAT(Codes(a), ElementsAre(250, 250, 550, 550, 502, 252, 250));
}

}  // namespace
}  // namespace mailrelay::smtp
