// tests/unit/smtp/reply_test.cc — Reply::Render wire format (RFC 5321 4.2, RFC 2034).
#include "smtp/reply.h"

#include <gtest/gtest.h>

namespace mailrelay::smtp {
namespace {

TEST(ReplyTest, SingleLineHasCodeEnhancedAndText) {
  EXPECT_EQ(Reply({250, "2.0.0", "Ok"}).Render(), "250 2.0.0 Ok\r\n");
}

TEST(ReplyTest, MissingEnhancedCodeIsLeftOut) {
  EXPECT_EQ(Reply({220, "", "mx.test ESMTP mailrelay"}).Render(),
            "220 mx.test ESMTP mailrelay\r\n");
}

TEST(ReplyTest, MultiLineUsesDashOnAllButLastLine) {
  EXPECT_EQ(Reply({250, "", "mx.test\nPIPELINING\nSIZE 10"}).Render(),
            "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 10\r\n");
}

TEST(ReplyTest, MultiLineRepeatsEnhancedCodeOnEveryLine) {
  EXPECT_EQ(Reply({554, "5.7.1", "no\nreally"}).Render(), "554-5.7.1 no\r\n554 5.7.1 really\r\n");
}

TEST(ReplyTest, CarriageReturnsInTextCannotInjectLines) {
  EXPECT_EQ(Reply({250, "2.0.0", "a\rb"}).Render(), "250 2.0.0 ab\r\n");
}

TEST(ReplyTest, EmptyTextRendersBareCode) { EXPECT_EQ(Reply({250, "", ""}).Render(), "250\r\n"); }

TEST(ReplyTest, InvalidCodeIsClampedToThreeDigits) {
  EXPECT_EQ(Reply({7, "", "x"}).Render(), "451 x\r\n");
}

}  // namespace
}  // namespace mailrelay::smtp
