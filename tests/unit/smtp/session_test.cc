// tests/unit/smtp/session_test.cc — Session command handling: every command and reply code,
// sequencing, routing, and the Deliver it produces.
#include "smtp/session.h"

#include "session_test_util.h"

namespace mailrelay::smtp {
namespace {

using testing::Codes;
using ::testing::ElementsAre;
using testing::Harness;
using testing::IsCloseAction;
using testing::IsDeliverAction;
using ::testing::IsEmpty;
using testing::kEnvelope;
using testing::ReplyIs;

const Reply& R(const Action& a) { return std::get<Reply>(a); }

TEST(SessionTest, GreetingIs220WithHostAndNoEnhancedCode) {
  Harness h;
  ASSERT_EQ(h.greeting.size(), 1u);
  EXPECT_EQ(R(h.greeting[0]).Render(), "220 mx.test ESMTP mailrelay\r\n");
}

TEST(SessionTest, EhloAdvertisesAllExtensionsInOrder) {
  Limits l;
  l.max_message_bytes = 1000;
  Harness h(l);
  std::vector<Action> a = h.Feed("EHLO client.example\r\n");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(R(a[0]).Render(),
            "250-mx.test greets client.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n"
            "250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n"
            "250 STARTTLS\r\n");
}

TEST(SessionTest, EhloOmitsStartTlsWhenTlsUnavailable) {
  Harness h(Limits{}, testing::Info(/*tls_available=*/false));
  std::string text = R(h.Feed("EHLO c.example\r\n")[0]).text;
  EXPECT_EQ(text.find("STARTTLS"), std::string::npos);
  EXPECT_NE(text.find("CHUNKING"), std::string::npos);
}

TEST(SessionTest, HeloGivesPlain250) {
  Harness h;
  std::vector<Action> a = h.Feed("HELO c.example\r\n");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(R(a[0]).Render(), "250 mx.test\r\n");
}

TEST(SessionTest, HeloAndEhloNeedAnArgument) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO\r\nHELO\r\nEHLO a b\r\n"),
              ElementsAre(ReplyIs(501, "5.5.4"), ReplyIs(501, "5.5.4"), ReplyIs(501, "5.5.4")));
}

TEST(SessionTest, CommandsAreCaseInsensitive) {
  Harness h;
  EXPECT_THAT(h.Feed("ehlo c.example\r\nmail from:<s@x.example>\r\nrcpt to:<r@a.example>\r\n"
                     "NoOp\r\nrset\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(250, "2.1.0"), ReplyIs(250, "2.1.5"),
                          ReplyIs(250, "2.0.0"), ReplyIs(250, "2.0.0")));
}

TEST(SessionTest, FullTransactionDeliversEnvelopeAndMessage) {
  Harness h;
  std::vector<Action> a = h.Feed(std::string(kEnvelope) + "Subject: hi\r\n\r\nbody\r\n.\r\n");
  EXPECT_THAT(Codes(a), ElementsAre(250, 250, 250, 354, 0));
  EXPECT_THAT(R(a[3]).Render(), "354 End data with <CR><LF>.<CR><LF>\r\n");
  const Deliver& d = std::get<Deliver>(a[4]);
  EXPECT_EQ(d.id, "MSG1");
  EXPECT_EQ(d.envelope.helo, "client.example");
  EXPECT_EQ(d.envelope.mail_from, "s@sender.example");
  EXPECT_THAT(d.envelope.recipients, ElementsAre("r@a.example"));
  EXPECT_EQ(d.envelope.route_id, "route-a");
  EXPECT_EQ(d.envelope.remote_ip, "192.0.2.7");
  EXPECT_FALSE(d.envelope.tls);
  EXPECT_EQ(d.envelope.tls_cipher, "");
  EXPECT_EQ(d.message,
            "Received: from client.example ([192.0.2.7])\r\n"
            "\tby mx.test (mailrelay) with ESMTP id MSG1\r\n"
            "\tfor <r@a.example>; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
            "Subject: hi\r\n\r\nbody\r\n");
  EXPECT_TRUE(h.session.awaiting_delivery());
  EXPECT_THAT(h.session.OnDeliveryReply(Reply{250, "2.0.0", "Ok: delivered as MSG1"}),
              ElementsAre(ReplyIs(250, "2.0.0")));
  EXPECT_FALSE(h.session.awaiting_delivery());
}

TEST(SessionTest, ReceivedHasNoForClauseWithTwoRecipients) {
  Harness h;
  std::vector<Action> a = h.Feed(
      "EHLO c.example\r\nMAIL FROM:<>\r\nRCPT TO:<r@a.example>\r\nRCPT TO:<q@a2.example>\r\n"
      "DATA\r\nx\r\n.\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(250, 250, 250, 250, 354, 0));
  const Deliver& d = std::get<Deliver>(a[5]);
  EXPECT_EQ(d.envelope.mail_from, "");
  EXPECT_THAT(d.envelope.recipients, ElementsAre("r@a.example", "q@a2.example"));
  EXPECT_EQ(d.message.find("for <"), std::string::npos);
  EXPECT_NE(d.message.find("id MSG1\r\n\tTue, 14 Nov 2023"), std::string::npos);
}

TEST(SessionTest, HeloSessionIsRecordedAsSmtpInReceived) {
  Harness h;
  std::vector<Action> a = h.Feed(
      "HELO c.example\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@a.example>\r\nDATA\r\nx\r\n.\r\n");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_NE(std::get<Deliver>(a[4]).message.find(" with SMTP id "), std::string::npos);
}

TEST(SessionTest, MailBeforeHeloIsBadSequence) {
  Harness h;
  EXPECT_THAT(h.Feed("MAIL FROM:<s@x.example>\r\n"), ElementsAre(ReplyIs(503, "5.5.1")));
}

TEST(SessionTest, NestedMailIsBadSequence) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nMAIL FROM:<s@x.example>\r\nMAIL FROM:<s@x.example>\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(250), ReplyIs(503, "5.5.1")));
}

TEST(SessionTest, RcptBeforeMailIsBadSequence) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nRCPT TO:<r@a.example>\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(503, "5.5.1")));
}

TEST(SessionTest, DataWithoutMailIsBadSequence) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nDATA\r\n"), ElementsAre(ReplyIs(250), ReplyIs(503, "5.5.1")));
  EXPECT_FALSE(h.session.in_data());
}

TEST(SessionTest, DataWithoutAcceptedRecipientIs554) {
  Harness h;
  EXPECT_THAT(
      h.Feed("EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@nowhere.example>\r\nDATA\r\n"),
      ElementsAre(ReplyIs(250), ReplyIs(250), ReplyIs(550, "5.1.1"), ReplyIs(554, "5.5.1")));
  EXPECT_FALSE(h.session.in_data());
}

TEST(SessionTest, DataWithArgumentIsSyntaxError) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@a.example>\r\nDATA x\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(250), ReplyIs(250), ReplyIs(501, "5.5.4")));
}

TEST(SessionTest, RecipientWithoutRouteIs550) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@unrouted.example>\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(250), ReplyIs(550, "5.1.1")));
}

TEST(SessionTest, RecipientOnAnotherRouteIs452AndFirstRouteIsKept) {
  Harness h;
  std::vector<Action> a = h.Feed(
      "EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@a.example>\r\n"
      "RCPT TO:<r@b.example>\r\nRCPT TO:<q@a2.example>\r\nDATA\r\nx\r\n.\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(250, 250, 250, 452, 250, 354, 0));
  EXPECT_EQ(R(a[3]).enhanced, "4.5.3");
  const Deliver& d = std::get<Deliver>(a[6]);
  EXPECT_EQ(d.envelope.route_id, "route-a");
  EXPECT_THAT(d.envelope.recipients, ElementsAre("r@a.example", "q@a2.example"));
}

TEST(SessionTest, FirstRecipientDecidesTheRoute) {
  Harness h;
  std::vector<Action> a = h.Feed(
      "EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@b.example>\r\nRCPT TO:<r@a.example>\r\n");
  EXPECT_THAT(Codes(a), ElementsAre(250, 250, 250, 452));
}

TEST(SessionTest, DuplicateRecipientIsAcceptedButListedOnce) {
  Harness h;
  std::vector<Action> a = h.Feed(
      "EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@a.example>\r\n"
      "RCPT TO:<r@A.EXAMPLE>\r\nDATA\r\nx\r\n.\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(250, 250, 250, 250, 354, 0));
  EXPECT_THAT(std::get<Deliver>(a[5]).envelope.recipients, ElementsAre("r@a.example"));
}

TEST(SessionTest, PostmasterWithoutDomainIsRoutedLikeAnyAddress) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<Postmaster>\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(250), ReplyIs(250, "2.1.5")));
}

TEST(SessionTest, BadAddressSyntaxAnswersWithAddressCodes) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nMAIL FROM:s@x.example\r\nMAIL FROM:<s@x.example>\r\n"
                     "RCPT TO:<r@@a.example>\r\nRCPT TO:r@a.example\r\nRCPT <r@a.example>\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(501, "5.1.7"), ReplyIs(250), ReplyIs(501, "5.1.3"),
                          ReplyIs(501, "5.1.3"), ReplyIs(501, "5.5.4")));
}

TEST(SessionTest, UnknownMailAndRcptParametersAre555) {
  Harness h;
  EXPECT_THAT(
      h.Feed("EHLO c\r\nMAIL FROM:<s@x.example> AUTH=<>\r\nMAIL FROM:<s@x.example>\r\n"
             "RCPT TO:<r@a.example> ORCPT=rfc822;r@a.example\r\n"),
      ElementsAre(ReplyIs(250), ReplyIs(555, "5.5.4"), ReplyIs(250), ReplyIs(555, "5.5.4")));
}

TEST(SessionTest, DeclaredSizeOverLimitIs552) {
  Limits l;
  l.max_message_bytes = 100;
  Harness h(l);
  EXPECT_THAT(h.Feed("EHLO c\r\nMAIL FROM:<s@x.example> SIZE=101\r\nMAIL FROM:<s@x.example> "
                     "SIZE=100\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(552, "5.3.4"), ReplyIs(250, "2.1.0")));
}

TEST(SessionTest, NonAsciiSenderNeedsSmtputf8) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nMAIL FROM:<jörg@x.example>\r\n"
                     "MAIL FROM:<jörg@x.example> SMTPUTF8\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(553, "5.6.7"), ReplyIs(250, "2.1.0")));
}

TEST(SessionTest, NonAsciiRecipientNeedsSmtputf8Transaction) {
  Harness h;
  EXPECT_THAT(
      h.Feed("EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<jörg@bücher.example>\r\n"
             "RSET\r\nMAIL FROM:<s@x.example> SMTPUTF8\r\nRCPT TO:<jörg@bücher.example>\r\n"),
      ElementsAre(ReplyIs(250), ReplyIs(250), ReplyIs(553, "5.6.7"), ReplyIs(250), ReplyIs(250),
                  ReplyIs(250, "2.1.5")));
}

TEST(SessionTest, Smtputf8And8bitmimeAreCarriedIntoEnvelopeAndReceived) {
  Harness h;
  std::vector<Action> a = h.Feed(
      "EHLO c\r\nMAIL FROM:<s@x.example> SMTPUTF8 BODY=8BITMIME\r\n"
      "RCPT TO:<r@a.example>\r\nDATA\r\nx\r\n.\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(250, 250, 250, 354, 0));
  const Deliver& d = std::get<Deliver>(a[4]);
  EXPECT_TRUE(d.envelope.smtputf8);
  EXPECT_TRUE(d.envelope.body_8bitmime);
  EXPECT_NE(d.message.find(" with UTF8SMTP id "), std::string::npos);
}

TEST(SessionTest, RsetClearsTheTransaction) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@a.example>\r\nRSET\r\n"
                     "DATA\r\nRCPT TO:<r@a.example>\r\nMAIL FROM:<s@x.example>\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(250), ReplyIs(250), ReplyIs(250, "2.0.0"),
                          ReplyIs(503), ReplyIs(503), ReplyIs(250, "2.1.0")));
}

TEST(SessionTest, RsetWithArgumentIsSyntaxError) {
  Harness h;
  EXPECT_THAT(h.Feed("RSET now\r\n"), ElementsAre(ReplyIs(501, "5.5.4")));
}

TEST(SessionTest, EhloAgainResetsTheTransaction) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nMAIL FROM:<s@x.example>\r\nEHLO c\r\nRCPT TO:<r@a.example>\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(250), ReplyIs(250), ReplyIs(503)));
}

TEST(SessionTest, VrfyIs252AndExpnIs502) {
  Harness h;
  EXPECT_THAT(h.Feed("VRFY r@a.example\r\nEXPN list\r\nVRFY\r\n"),
              ElementsAre(ReplyIs(252, "2.5.2"), ReplyIs(502, "5.5.1"), ReplyIs(501, "5.5.4")));
}

TEST(SessionTest, HelpIs214AndNoopIs250) {
  Harness h;
  EXPECT_THAT(h.Feed("HELP\r\nNOOP anything\r\n"),
              ElementsAre(ReplyIs(214, "2.0.0"), ReplyIs(250, "2.0.0")));
}

TEST(SessionTest, QuitReplies221ThenClosesAndIgnoresTheRest) {
  Harness h;
  EXPECT_THAT(h.Feed("QUIT\r\nNOOP\r\n"), ElementsAre(ReplyIs(221, "2.0.0"), IsCloseAction()));
  EXPECT_TRUE(h.session.closed());
  EXPECT_THAT(h.Feed("NOOP\r\n"), IsEmpty());
  EXPECT_THAT(h.session.OnTimeout(), IsEmpty());
}

TEST(SessionTest, UnknownCommandIs500) {
  Harness h;
  EXPECT_THAT(h.Feed("FOO bar\r\n\r\n"), ElementsAre(ReplyIs(500, "5.5.2"), ReplyIs(500, "5.5.2")));
}

TEST(SessionTest, BareLfTerminatesCommandLines) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\nNOOP\n"), ElementsAre(ReplyIs(250), ReplyIs(250, "2.0.0")));
}

TEST(SessionTest, BareCrOrNulInsideCommandIsRejected) {
  Harness h;
  EXPECT_THAT(h.Feed(std::string("NO\rOP\r\nNO\0OP\r\n", 14)),
              ElementsAre(ReplyIs(500, "5.5.2"), ReplyIs(500, "5.5.2")));
}

TEST(SessionTest, TimeoutIs421AndClose) {
  Harness h;
  std::vector<Action> a = h.session.OnTimeout();
  ASSERT_THAT(a, ElementsAre(ReplyIs(421, "4.4.2"), IsCloseAction()));
  EXPECT_EQ(R(a[0]).text, "mx.test Timeout, closing connection");
  EXPECT_TRUE(h.session.closed());
}

TEST(SessionTest, ShutdownIs421AndCloseEvenMidData) {
  Harness h;
  h.Feed(std::string(kEnvelope) + "partial");
  ASSERT_TRUE(h.session.in_data());
  std::vector<Action> a = h.session.OnShutdown();
  ASSERT_THAT(a, ElementsAre(ReplyIs(421, "4.3.2"), IsCloseAction()));
  EXPECT_EQ(R(a[0]).text, "mx.test Service shutting down");
  EXPECT_THAT(h.Feed("\r\n.\r\n"), IsEmpty());
}

TEST(SessionTest, DeliveryReplyIsIgnoredWhenNothingIsPending) {
  Harness h;
  EXPECT_THAT(h.session.OnDeliveryReply(Reply{250, "2.0.0", "Ok"}), IsEmpty());
}

TEST(SessionTest, MessageIdsAreFreshPerDelivery) {
  Harness h;
  std::vector<Action> a = h.Run(std::string(kEnvelope) + "x\r\n.\r\n" +
                                "MAIL FROM:<s@x.example>\r\nRCPT TO:<r@a.example>\r\nDATA\r\n"
                                "y\r\n.\r\n");
  std::vector<const Deliver*> d = testing::Deliveries(a);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0]->id, "MSG1");
  EXPECT_EQ(d[1]->id, "MSG2");
  EXPECT_THAT(a, ::testing::Contains(IsDeliverAction()));
}

}  // namespace
}  // namespace mailrelay::smtp
