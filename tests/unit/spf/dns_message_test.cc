// tests/unit/spf/dns_message_test.cc — the wire codec against hand-built replies, good and
// hostile: every malformed reply must be a DataLoss, never a crash or a wrong answer.
#include "spf/dns_message.h"

#include <gtest/gtest.h>

#include <string>

#include "spf/dns_name.h"

namespace mailrelay::spf {
namespace {

constexpr uint16_t kId = 0x1234;

std::string U16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }

std::string Name(std::string_view n) { return *EncodeName(n); }

std::string Header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an) {
  return U16(id) + U16(flags) + U16(qd) + U16(an) + U16(0) + U16(0);
}

std::string Question(std::string_view name, RrType t) {
  return Name(name) + U16(static_cast<uint16_t>(t)) + U16(1);
}

std::string Rr(const std::string& owner, RrType t, const std::string& rdata) {
  return owner + U16(static_cast<uint16_t>(t)) + U16(1) + U16(0) + U16(300) +
         U16(static_cast<uint16_t>(rdata.size())) + rdata;
}

// A reply to (kId, name, type) with the given answer records.
std::string Reply(std::string_view name, RrType t, const std::vector<std::string>& answers,
                  uint16_t flags = 0x8180) {
  std::string m = Header(kId, flags, 1, static_cast<uint16_t>(answers.size())) + Question(name, t);
  for (const auto& a : answers) m += a;
  return m;
}

const std::string kQname = std::string("\xc0\x0c", 2);  // pointer to the question name

TEST(DnsMessageTest, QueryHasIdRdOneQuestionAndClassIn) {
  auto q = BuildQuery(0xbeef, "Example.COM.", RrType::kTxt);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, Header(0xbeef, 0x0100, 1, 0) + Question("Example.COM", RrType::kTxt));
}

TEST(DnsMessageTest, QueryForAnImpossibleNameIsRefused) {
  EXPECT_FALSE(BuildQuery(1, "a..b", RrType::kA).ok());
  EXPECT_FALSE(BuildQuery(1, std::string(64, 'a') + ".com", RrType::kA).ok());
  std::string long_name;
  for (int i = 0; i < 60; ++i) long_name += "abcd.";
  long_name += "com";
  EXPECT_FALSE(BuildQuery(1, long_name, RrType::kA).ok());
  EXPECT_FALSE(BuildQuery(1, "", RrType::kA).ok());
}

TEST(DnsMessageTest, TxtStringsOfOneRecordAreConcatenated) {
  std::string rdata = std::string("\x06v=spf1", 7) + std::string("\x0a ip4:1.2.3", 11);
  auto r = ParseResponse(Reply("ex.com", RrType::kTxt, {Rr(kQname, RrType::kTxt, rdata)}), kId,
                         "ex.com", RrType::kTxt);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto answers = AnswersFor(*r, "EX.com.", RrType::kTxt);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0]->data, "v=spf1 ip4:1.2.3");
}

TEST(DnsMessageTest, ParsesAAaaaAndCompressedMx) {
  std::string a = Rr(kQname, RrType::kA, std::string("\xc0\x00\x02\x01", 4));
  std::string aaaa = Rr(kQname, RrType::kAaaa, std::string(16, '\x20'));
  // "mail" + pointer back to the question name: mail.ex.com
  std::string mx = Rr(kQname, RrType::kMx, U16(10) + std::string("\x04mail\xc0\x0c", 7));
  auto r = ParseResponse(Reply("ex.com", RrType::kMx, {a, aaaa, mx}), kId, "ex.com", RrType::kMx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->answers.size(), 3u);
  EXPECT_EQ(r->answers[0].data, std::string("\xc0\x00\x02\x01", 4));
  EXPECT_EQ(r->answers[1].data.size(), 16u);
  auto mxs = AnswersFor(*r, "ex.com", RrType::kMx);
  ASSERT_EQ(mxs.size(), 1u);
  EXPECT_EQ(mxs[0]->data, "mail.ex.com");
}

TEST(DnsMessageTest, CnameChainInAnswersIsFollowed) {
  // ex.com CNAME alias.ex.com; alias.ex.com TXT "v=spf1 -all"
  std::string cname = Rr(kQname, RrType::kCname,
                         std::string("\x05"
                                     "alias\xc0\x0c",
                                     8));
  std::string txt = Rr(Name("alias.ex.com"), RrType::kTxt, std::string("\x0bv=spf1 -all", 12));
  auto r = ParseResponse(Reply("ex.com", RrType::kTxt, {cname, txt}), kId, "ex.com", RrType::kTxt);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto answers = AnswersFor(*r, "ex.com", RrType::kTxt);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0]->data, "v=spf1 -all");
}

TEST(DnsMessageTest, CnameLoopYieldsNothingInsteadOfHanging) {
  std::string c1 = Rr(Name("a.ex.com"), RrType::kCname, Name("b.ex.com"));
  std::string c2 = Rr(Name("b.ex.com"), RrType::kCname, Name("a.ex.com"));
  auto r = ParseResponse(Reply("a.ex.com", RrType::kA, {c1, c2}), kId, "a.ex.com", RrType::kA);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(AnswersFor(*r, "a.ex.com", RrType::kA).empty());
}

TEST(DnsMessageTest, RcodesAreReported) {
  auto nx = ParseResponse(Reply("ex.com", RrType::kTxt, {}, 0x8183), kId, "ex.com", RrType::kTxt);
  ASSERT_TRUE(nx.ok());
  EXPECT_EQ(nx->rcode, kRcodeNxDomain);
  auto sf = ParseResponse(Reply("ex.com", RrType::kTxt, {}, 0x8182), kId, "ex.com", RrType::kTxt);
  ASSERT_TRUE(sf.ok());
  EXPECT_EQ(sf->rcode, kRcodeServFail);
}

TEST(DnsMessageTest, TruncatedFlagIsReportedWithoutAnswers) {
  // TC set and the answer section cut off mid-record: the flag is what matters.
  std::string m = Reply("ex.com", RrType::kTxt, {}, 0x8380);
  m[7] = 3;  // ANCOUNT 3, none present
  auto r = ParseResponse(m, kId, "ex.com", RrType::kTxt);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->truncated);
  EXPECT_TRUE(r->answers.empty());
}

TEST(DnsMessageTest, WrongIdIsRejected) {
  auto r = ParseResponse(Reply("ex.com", RrType::kTxt, {}), kId + 1, "ex.com", RrType::kTxt);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
}

TEST(DnsMessageTest, WrongQuestionIsRejected) {
  EXPECT_FALSE(
      ParseResponse(Reply("other.com", RrType::kTxt, {}), kId, "ex.com", RrType::kTxt).ok());
  EXPECT_FALSE(ParseResponse(Reply("ex.com", RrType::kA, {}), kId, "ex.com", RrType::kTxt).ok());
  std::string two = Reply("ex.com", RrType::kTxt, {});
  two[5] = 2;
  EXPECT_FALSE(ParseResponse(two, kId, "ex.com", RrType::kTxt).ok());
}

TEST(DnsMessageTest, QueryInsteadOfReplyIsRejected) {
  auto r = ParseResponse(Reply("ex.com", RrType::kTxt, {}, 0x0100), kId, "ex.com", RrType::kTxt);
  EXPECT_FALSE(r.ok());
}

TEST(DnsMessageTest, EveryTruncationOfAGoodReplyIsRejected) {
  std::string good = Reply("ex.com", RrType::kMx,
                           {Rr(kQname, RrType::kMx, U16(10) + std::string("\x04mail\xc0\x0c", 7)),
                            Rr(kQname, RrType::kTxt,
                               std::string("\x03"
                                           "abc",
                                           4))});
  ASSERT_TRUE(ParseResponse(good, kId, "ex.com", RrType::kMx).ok());
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParseResponse(good.substr(0, n), kId, "ex.com", RrType::kMx).ok()) << n;
  }
}

TEST(DnsMessageTest, HugeAnswerCountIsRejectedBeforeParsing) {
  std::string m = Reply("ex.com", RrType::kTxt, {Rr(kQname, RrType::kTxt, "\x01x")});
  m[6] = '\xff';
  m[7] = '\xff';
  auto r = ParseResponse(m, kId, "ex.com", RrType::kTxt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("more answers"), std::string::npos);
}

TEST(DnsMessageTest, PointerToItselfIsRejected) {
  // Owner name at offset 24 is a pointer to offset 24.
  std::string m = Reply("ex.com", RrType::kTxt, {});
  m[7] = 1;
  const size_t at = m.size();
  m += std::string{static_cast<char>(0xc0), static_cast<char>(at)};
  m += U16(16) + U16(1) + U16(0) + U16(0) + U16(2) + "\x01x";
  EXPECT_EQ(ParseResponse(m, kId, "ex.com", RrType::kTxt).status().code(), StatusCode::kDataLoss);
}

TEST(DnsMessageTest, ForwardPointerIsRejected) {
  std::string m =
      Reply("ex.com", RrType::kTxt, {Rr(std::string("\xc0\x30", 2), RrType::kTxt, "\x01x")});
  m += Name("later.com");
  auto r = ParseResponse(m, kId, "ex.com", RrType::kTxt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("backwards"), std::string::npos);
}

TEST(DnsMessageTest, PointerLoopThroughTwoLabelsIsRejected) {
  // At 12: "\x01a" then a pointer to 12 + 0 — i.e. back into its own run of labels.
  std::string m = Header(kId, 0x8180, 1, 0) +
                  std::string(
                      "\x01"
                      "a\xc0\x0c",
                      4) +
                  U16(16) + U16(1);
  EXPECT_EQ(ParseResponse(m, kId, "a", RrType::kTxt).status().code(), StatusCode::kDataLoss);
}

TEST(DnsMessageTest, ReservedLabelTypeIsRejected) {
  std::string m = Header(kId, 0x8180, 1, 0) + std::string(
                                                  "\x41"
                                                  "a",
                                                  2);
  EXPECT_FALSE(ParseResponse(m, kId, "a", RrType::kTxt).ok());
}

TEST(DnsMessageTest, TxtStringOverrunningItsRecordIsRejected) {
  auto r = ParseResponse(Reply("ex.com", RrType::kTxt,
                               {Rr(kQname, RrType::kTxt,
                                   "\x05"
                                   "ab")}),
                         kId, "ex.com", RrType::kTxt);
  EXPECT_FALSE(r.ok());
}

TEST(DnsMessageTest, AddressOfTheWrongSizeIsRejected) {
  EXPECT_FALSE(ParseResponse(Reply("ex.com", RrType::kA, {Rr(kQname, RrType::kA, "abc")}), kId,
                             "ex.com", RrType::kA)
                   .ok());
  EXPECT_FALSE(ParseResponse(Reply("ex.com", RrType::kAaaa, {Rr(kQname, RrType::kAaaa, "abcd")}),
                             kId, "ex.com", RrType::kAaaa)
                   .ok());
}

TEST(DnsMessageTest, MxNameRunningPastItsRecordIsRejected) {
  // rdlength says 4 but the name inside needs more.
  std::string rr = kQname + U16(15) + U16(1) + U16(0) + U16(0) + U16(4) + U16(10) + "\x04mail" +
                   std::string(1, '\0');
  EXPECT_FALSE(ParseResponse(Reply("ex.com", RrType::kMx, {rr}), kId, "ex.com", RrType::kMx).ok());
}

TEST(DnsMessageTest, LongPointerChainIsCut) {
  // The rdata of a record of an unknown type (skipped) holds 20 names, each a label plus a
  // pointer to the one before; the next record's owner points at the last: 21 jumps.
  std::string m = Header(kId, 0x8180, 1, 2) + Question("ex.com", RrType::kTxt);
  std::string chain;
  const size_t rdata_at = m.size() + 11;
  size_t prev = 12;
  for (int i = 0; i < 20; ++i) {
    const size_t at = rdata_at + chain.size();
    chain += std::string("\x01x", 2) +
             std::string{static_cast<char>(0xc0 | (prev >> 8)), static_cast<char>(prev & 0xff)};
    prev = at;
  }
  m += Rr(std::string(1, '\0'), static_cast<RrType>(99), chain);
  m += Rr(std::string{static_cast<char>(0xc0 | (prev >> 8)), static_cast<char>(prev & 0xff)},
          RrType::kTxt, "\x01x");
  auto r = ParseResponse(m, kId, "ex.com", RrType::kTxt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too many pointers"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace mailrelay::spf
