#include "relay/outcome.h"

#include <gtest/gtest.h>

namespace mailrelay::relay {
namespace {

using Kind = HttpOutcome::Kind;

smtp::Reply For(int status, std::string ctype = "", std::string body = "") {
  return MapOutcome({Kind::kResponse, status, std::move(ctype), std::move(body)}, "01ID");
}

TEST(OutcomeTest, Any2xxIsDelivered) {
  for (int s : {200, 201, 202, 204, 299}) {
    smtp::Reply r = For(s);
    EXPECT_EQ(r.code, 250) << s;
    EXPECT_EQ(r.enhanced, "2.0.0");
    EXPECT_EQ(r.text, "Ok: delivered as 01ID");
  }
}

TEST(OutcomeTest, Plain4xxBouncesWithFirstLineOfTextPlainBody) {
  smtp::Reply r = For(422, "text/plain; charset=utf-8", "No such user\r\nsecond");
  EXPECT_EQ(r.code, 554);
  EXPECT_EQ(r.enhanced, "5.7.1");
  EXPECT_EQ(r.text, "No such user");
}

TEST(OutcomeTest, Non4xxTextIsNotEchoed) {
  smtp::Reply r = For(403, "text/html", "<b>forbidden</b>");
  EXPECT_EQ(r.code, 554);
  EXPECT_EQ(r.text.find('<'), std::string::npos);
  EXPECT_NE(r.text.find("403"), std::string::npos);
}

TEST(OutcomeTest, EmptyPlainBodyGetsFixedText) {
  EXPECT_EQ(For(404, "text/plain", "").code, 554);
  EXPECT_FALSE(For(404, "text/plain", "   ").text.empty());
}

TEST(OutcomeTest, TimeoutAndRateLimitAndServerErrorsDefer) {
  for (int s : {408, 429, 500, 502, 503, 504, 300, 302, 100, 600}) {
    smtp::Reply r = For(s);
    EXPECT_EQ(r.code, 451) << s;
    EXPECT_EQ(r.enhanced, "4.3.0") << s;
  }
}

TEST(OutcomeTest, TransportFailuresDeferWith441) {
  for (Kind k : {Kind::kTimeout, Kind::kConnectFailed, Kind::kTlsFailed}) {
    smtp::Reply r = MapOutcome({k, 0, "", ""}, "x");
    EXPECT_EQ(r.code, 451);
    EXPECT_EQ(r.enhanced, "4.4.1");
  }
  EXPECT_EQ(MapOutcome({Kind::kTooManyRedirects, 307, "", ""}, "x").enhanced, "4.3.0");
}

TEST(OutcomeTest, VaultCommitFailureDefersAndSaysWhenTheDiskIsFull) {
  for (StatusCode why : {StatusCode::kResourceExhausted, StatusCode::kUnavailable,
                         StatusCode::kDataLoss, StatusCode::kInternal}) {
    smtp::Reply r = VaultCommitFailedReply(why);
    EXPECT_EQ(r.code, 451);
    EXPECT_EQ(r.enhanced, "4.3.0");
    EXPECT_EQ(r.text.find("storage") != std::string::npos, why == StatusCode::kResourceExhausted)
        << r.text;
  }
}

TEST(OutcomeTest, ReplyTextIsSanitised) {
  EXPECT_EQ(SanitizeReplyText("bad\x01\x7f text\xc3\xa9 here"), "bad text here");
  EXPECT_EQ(SanitizeReplyText(std::string(500, 'a')).size(), 200u);
  EXPECT_EQ(SanitizeReplyText("line\rinjected: 250 ok"), "line");
  EXPECT_EQ(SanitizeReplyText("  padded\t "), "padded");
}

}  // namespace
}  // namespace mailrelay::relay
