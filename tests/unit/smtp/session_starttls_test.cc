// tests/unit/smtp/session_starttls_test.cc — STARTTLS (RFC 3207) and the plaintext
// command injection defence (CVE-2011-0411).
#include "session_test_util.h"

namespace mailrelay::smtp {
namespace {

using testing::Codes;
using ::testing::ElementsAre;
using testing::Harness;
using ::testing::IsEmpty;
using testing::IsStartTlsAction;
using testing::ReplyIs;

TEST(SessionStartTlsTest, StartTlsReplies220AndAsksForHandshake) {
  Harness h;
  std::vector<Action> a = h.Feed("EHLO c\r\nSTARTTLS\r\n");
  ASSERT_THAT(a, ElementsAre(ReplyIs(250), ReplyIs(220, "2.0.0"), IsStartTlsAction()));
  EXPECT_EQ(std::get<Reply>(a[1]).Render(), "220 2.0.0 Ready to start TLS\r\n");
}

TEST(SessionStartTlsTest, BytesPipelinedAfterStartTlsAreDiscarded) {
  Harness h;
  std::vector<Action> a =
      h.Feed("EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<r@a.example>\r\n");
  EXPECT_THAT(Codes(a), ElementsAre(250, 220, -1));
  EXPECT_EQ(h.session.buffered_bytes(), 0u);
  // Plaintext arriving before the handshake finished is dropped too.
  EXPECT_THAT(h.Feed("DATA\r\n"), IsEmpty());
  EXPECT_THAT(h.session.OnTlsStarted("TLSv1.3"), IsEmpty());
  // The injected MAIL did not survive: RCPT has no transaction, MAIL needs a new EHLO.
  EXPECT_THAT(h.Feed("RCPT TO:<r@a.example>\r\nMAIL FROM:<s@x.example>\r\n"),
              ElementsAre(ReplyIs(503), ReplyIs(503)));
}

TEST(SessionStartTlsTest, AfterHandshakeClientMustEhloAgainAndStartTlsIsNotOffered) {
  Harness h;
  h.Feed("EHLO c\r\nSTARTTLS\r\n");
  h.session.OnTlsStarted("TLSv1.3");
  std::vector<Action> a = h.Feed("EHLO c\r\nSTARTTLS\r\n");
  ASSERT_THAT(a, ElementsAre(ReplyIs(250), ReplyIs(503, "5.5.1")));
  EXPECT_EQ(std::get<Reply>(a[0]).text.find("STARTTLS"), std::string::npos);
}

TEST(SessionStartTlsTest, TransactionUnderTlsCarriesCipherAndEsmtps) {
  Harness h;
  h.Feed("EHLO c\r\nSTARTTLS\r\n");
  h.session.OnTlsStarted("TLSv1.3");
  std::vector<Action> a = h.Feed(std::string(testing::kEnvelope) + "x\r\n.\r\n");
  ASSERT_THAT(Codes(a), ElementsAre(250, 250, 250, 354, 0));
  const Deliver& d = std::get<Deliver>(a[4]);
  EXPECT_TRUE(d.envelope.tls);
  EXPECT_EQ(d.envelope.tls_cipher, "TLSv1.3");
  EXPECT_NE(d.message.find(" with ESMTPS id "), std::string::npos);
}

TEST(SessionStartTlsTest, StartTlsNotOfferedIs502) {
  Harness h(Limits{}, testing::Info(/*tls_available=*/false));
  EXPECT_THAT(h.Feed("EHLO c\r\nSTARTTLS\r\n"), ElementsAre(ReplyIs(250), ReplyIs(502, "5.5.1")));
}

TEST(SessionStartTlsTest, StartTlsWithArgumentIs501) {
  Harness h;
  EXPECT_THAT(h.Feed("EHLO c\r\nSTARTTLS now\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(501, "5.5.4")));
}

TEST(SessionStartTlsTest, StartTlsBeforeEhloIs503) {
  Harness h;
  EXPECT_THAT(h.Feed("STARTTLS\r\n"), ElementsAre(ReplyIs(503, "5.5.1")));
}

TEST(SessionStartTlsTest, StartTlsDropsAnOpenTransaction) {
  Harness h;
  h.Feed("EHLO c\r\nMAIL FROM:<s@x.example>\r\nSTARTTLS\r\n");
  h.session.OnTlsStarted("TLSv1.2");
  EXPECT_THAT(h.Feed("EHLO c\r\nRCPT TO:<r@a.example>\r\n"),
              ElementsAre(ReplyIs(250), ReplyIs(503)));
}

TEST(SessionStartTlsTest, TlsStartedWithoutStartTlsIsIgnored) {
  Harness h;
  h.Feed("EHLO c\r\n");
  EXPECT_THAT(h.session.OnTlsStarted("TLSv1.3"), IsEmpty());
  std::vector<Action> a = h.Feed("MAIL FROM:<s@x.example>\r\n");
  EXPECT_THAT(a, ElementsAre(ReplyIs(250)));  // still EHLO'd, not reset
}

}  // namespace
}  // namespace mailrelay::smtp
