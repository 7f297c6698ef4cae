// tests/unit/smtp/command_test.cc — command splitting and MAIL/RCPT/BDAT argument grammar.
#include "smtp/command.h"

#include <gtest/gtest.h>

#include <limits>

namespace mailrelay::smtp {
namespace {

TEST(CommandTest, VerbIsUpperCasedAndArgsTrimmed) {
  CommandLine c = SplitCommand("mAiL   FROM:<a@b.example>  \t");
  EXPECT_EQ(c.verb, "MAIL");
  EXPECT_EQ(c.args, "FROM:<a@b.example>");
}

TEST(CommandTest, EmptyLineHasEmptyVerb) { EXPECT_EQ(SplitCommand("").verb, ""); }

TEST(CommandTest, MailWithAllParameters) {
  ReplyOr<MailArgs> m = ParseMailArgs("from:<a@b.example> size=1234 body=8bitmime SMTPUTF8");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.value().from, "a@b.example");
  EXPECT_EQ(m.value().size, 1234u);
  EXPECT_TRUE(m.value().body_8bitmime);
  EXPECT_TRUE(m.value().smtputf8);
}

TEST(CommandTest, MailAcceptsBlankAfterColonAndNullSender) {
  ReplyOr<MailArgs> m = ParseMailArgs("FROM: <>");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.value().from, "");
}

TEST(CommandTest, MailWithoutFromIsSyntaxError) {
  ReplyOr<MailArgs> m = ParseMailArgs("TO:<a@b.example>");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.reply().code, 501);
  EXPECT_EQ(m.reply().enhanced, "5.5.4");
}

TEST(CommandTest, MailWithBadAddressIs501BadSender) {
  ReplyOr<MailArgs> m = ParseMailArgs("FROM:a@b.example");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.reply().code, 501);
  EXPECT_EQ(m.reply().enhanced, "5.1.7");
}

TEST(CommandTest, UnknownMailParameterIs555) {
  ReplyOr<MailArgs> m = ParseMailArgs("FROM:<a@b.example> RET=HDRS");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.reply().code, 555);
  EXPECT_EQ(m.reply().enhanced, "5.5.4");
}

TEST(CommandTest, BadMailParameterValuesAre501) {
  for (std::string_view args :
       {"FROM:<a@b.example> SIZE=abc", "FROM:<a@b.example> SIZE=", "FROM:<a@b.example> SIZE",
        "FROM:<a@b.example> SIZE=1 SIZE=2", "FROM:<a@b.example> BODY=BINARYMIME",
        "FROM:<a@b.example> SMTPUTF8=yes", "FROM:<a@b.example> =x", "FROM:<a@b.example>junk",
        "FROM:<>>"}) {
    ReplyOr<MailArgs> m = ParseMailArgs(args);
    ASSERT_FALSE(m.ok()) << args;
    EXPECT_EQ(m.reply().code, 501) << args;
  }
}

TEST(CommandTest, HugeSizeSaturatesInsteadOfWrapping) {
  ReplyOr<MailArgs> m = ParseMailArgs("FROM:<a@b.example> SIZE=99999999999999999999999");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.value().size, std::numeric_limits<uint64_t>::max());
}

TEST(CommandTest, RcptParsesAndRejectsParameters) {
  ReplyOr<RcptArgs> r = ParseRcptArgs("To:<r@a.example>");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().to, "r@a.example");
  ReplyOr<RcptArgs> p = ParseRcptArgs("TO:<r@a.example> NOTIFY=NEVER");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.reply().code, 555);
}

TEST(CommandTest, RcptRejectsNullPathWithBadRecipientCode) {
  ReplyOr<RcptArgs> r = ParseRcptArgs("TO:<>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.reply().code, 501);
  EXPECT_EQ(r.reply().enhanced, "5.1.3");
}

TEST(CommandTest, RcptAcceptsBarePostmaster) {
  ReplyOr<RcptArgs> r = ParseRcptArgs("TO:<postmaster>");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().to, "postmaster");
}

TEST(CommandTest, BdatSizeAndLast) {
  ReplyOr<BdatArgs> a = ParseBdatArgs("42 last");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value().size, 42u);
  EXPECT_TRUE(a.value().last);
  ReplyOr<BdatArgs> b = ParseBdatArgs("0");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b.value().last);
}

TEST(CommandTest, BadBdatArgumentsAre501) {
  for (std::string_view args :
       {"", "x", "-1", "10 FIRST", "10 LAST x", "99999999999999999999999"}) {
    ReplyOr<BdatArgs> a = ParseBdatArgs(args);
    ASSERT_FALSE(a.ok()) << args;
    EXPECT_EQ(a.reply().code, 501) << args;
  }
}

TEST(CommandTest, SameMailboxIgnoresDomainCaseOnly) {
  EXPECT_TRUE(SameMailbox("u@A.example", "u@a.EXAMPLE"));
  EXPECT_FALSE(SameMailbox("U@a.example", "u@a.example"));
  EXPECT_TRUE(SameMailbox("Postmaster", "postmaster"));
  EXPECT_FALSE(SameMailbox("u@a.example", "u@b.example"));
}

}  // namespace
}  // namespace mailrelay::smtp
