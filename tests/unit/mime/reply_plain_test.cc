// tests/unit/mime/reply_plain_test.cc — stripping quoted history and signatures.
#include "gtest/gtest.h"
#include "mime/message.h"

namespace mailrelay::mime {
namespace {

TEST(ReplyPlainTest, GmailAttributionAndQuoteAreRemoved) {
  EXPECT_EQ(ReplyPlain("Test Content\n\n> On 08 Jul 2020 at 10:00, a@b wrote:\n> \n> Old\n\n"),
            "Test Content\n");
  EXPECT_EQ(ReplyPlain("Thanks!\n\nOn Wed, Jul 8, 2020 at 10:00 AM Ann <a@b> wrote:\n> Old\n"),
            "Thanks!\n");
}

TEST(ReplyPlainTest, AttributionWrappedOverTwoLinesIsRemoved) {
  EXPECT_EQ(ReplyPlain("Yes.\n\nOn Wed, Jul 8, 2020 at 10:00 AM Somebody Long <a@b>\nwrote:\n"
                       "> Old\n"),
            "Yes.\n");
}

TEST(ReplyPlainTest, OutlookOriginalMessageBlockIsRemoved) {
  EXPECT_EQ(ReplyPlain("Agreed.\r\n\r\n-----Original Message-----\r\nFrom: A\r\nSent: x\r\n"),
            "Agreed.\n");
  EXPECT_EQ(ReplyPlain("Agreed.\n\nFrom: Ann <a@b>\nSent: Monday\nTo: Bob\nSubject: x\n\nold\n"),
            "Agreed.\n");
  EXPECT_EQ(ReplyPlain("Ok\n\n________________________________\nFrom: Ann\n"), "Ok\n");
}

TEST(ReplyPlainTest, SignatureIsRemoved) {
  EXPECT_EQ(ReplyPlain("See you.\n-- \nAnn\nACME Corp\n"), "See you.\n");
}

TEST(ReplyPlainTest, LocalisedAttributionIsRecognised) {
  EXPECT_EQ(ReplyPlain("Merci\n\nLe 8 juil. 2020 à 10:00, Ann <a@b> a écrit :\n> Old\n"),
            "Merci\n");
}

TEST(ReplyPlainTest, InlineReplyKeepsUnquotedLines) {
  EXPECT_EQ(ReplyPlain("> question one\nanswer one\n> question two\nanswer two\n"),
            "answer one\nanswer two\n");
}

TEST(ReplyPlainTest, TextWithoutHistoryIsUnchangedApartFromTrailingBlankLines) {
  EXPECT_EQ(ReplyPlain("Just a note.\nSecond line.\n\n\n"), "Just a note.\nSecond line.\n");
  EXPECT_EQ(ReplyPlain(""), "");
}

TEST(ReplyPlainTest, MentionOfWroteMidTextIsNotHistory) {
  EXPECT_EQ(ReplyPlain("This is what I wrote:\nthe plan\n"), "This is what I wrote:\nthe plan\n");
}

}  // namespace
}  // namespace mailrelay::mime
