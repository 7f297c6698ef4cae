#include "auditlog/entry.h"

#include <gtest/gtest.h>

#include <vector>

namespace mailrelay::auditlog {
namespace {

Entry Sample() {
  return Entry{.index = 7,
               .time = "2024-05-01T12:00:00.123Z",
               .actor = "cli:alice",
               .action = "keys.rotate",
               .details = {{"version", 3}, {"region", "eu"}}};
}

TEST(EntryTest, EncodesSortedCompactJson) {
  StatusOr<std::string> s = EncodeEntry(Sample());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s,
            R"({"action":"keys.rotate","actor":"cli:alice","details":{"region":"eu","version":3},)"
            R"("index":7,"time":"2024-05-01T12:00:00.123Z"})");
}

TEST(EntryTest, RoundTrips) {
  const std::string stored = *EncodeEntry(Sample());
  StatusOr<Entry> e = DecodeEntry(stored);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->index, 7u);
  EXPECT_EQ(e->time, "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(e->actor, "cli:alice");
  EXPECT_EQ(e->action, "keys.rotate");
  EXPECT_EQ(e->details, Sample().details);
  EXPECT_EQ(*EncodeEntry(*e), stored);
}

TEST(EntryTest, Utf8StaysRawAndControlsAreEscaped) {
  Entry e = Sample();
  e.details = {{"note", "Zürich \xF0\x9F\x93\xA7 \"q\" \\ /\n\t\x01"}};
  const std::string s = *EncodeEntry(e);
  EXPECT_NE(s.find("Zürich \xF0\x9F\x93\xA7 \\\"q\\\" \\\\ /\\n\\t\\u0001"), std::string::npos)
      << s;
  EXPECT_TRUE(DecodeEntry(s).ok());
}

TEST(EntryTest, KeysSortByUtf8Bytes) {
  Entry e = Sample();
  e.details = {{"b", 1}, {"a", 2}, {"B", 3}, {"é", 4}, {"z", 5}};
  EXPECT_NE(EncodeEntry(e)->find(R"({"B":3,"a":2,"b":1,"z":5,"é":4})"), std::string::npos);
}

TEST(EntryTest, RejectsInvalidUtf8) {
  Entry e = Sample();
  e.actor = "bad \xC3";
  EXPECT_EQ(EncodeEntry(e).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(
      DecodeEntry(
          R"({"action":"a","actor":"x\xff","details":{},"index":0,"time":"2024-05-01T12:00:00Z"})")
          .ok());
}

TEST(EntryTest, RejectsFloatsAnywhere) {
  Entry e = Sample();
  e.details = {{"ratio", 0.5}};
  EXPECT_EQ(EncodeEntry(e).status().code(), StatusCode::kInvalidArgument);
  e.details = {{"list", {1, 2, {{"deep", 1.0}}}}};
  EXPECT_EQ(EncodeEntry(e).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(
      DecodeEntry(
          R"({"action":"a","actor":"x","details":{"n":1.0},"index":0,"time":"2024-05-01T12:00:00Z"})")
          .ok());
}

TEST(EntryTest, RejectsBadFields) {
  Entry e = Sample();
  e.time = "2024-05-01 12:00:00";
  EXPECT_FALSE(EncodeEntry(e).ok());
  e = Sample();
  e.action = "Keys Rotate";
  EXPECT_FALSE(EncodeEntry(e).ok());
  e = Sample();
  e.actor = "";
  EXPECT_FALSE(EncodeEntry(e).ok());
  e = Sample();
  e.details = nlohmann::json::array();
  EXPECT_FALSE(EncodeEntry(e).ok());
}

TEST(EntryTest, RejectsDeepNesting) {
  nlohmann::json deep = nlohmann::json::object();
  for (int i = 0; i < kMaxEntryDepth; ++i) deep = {{"x", deep}};
  Entry e = Sample();
  e.details = deep;
  EXPECT_FALSE(EncodeEntry(e).ok());
}

TEST(EntryTest, RejectsOversizedEntries) {
  Entry e = Sample();
  e.details = {{"blob", std::string(kMaxEntryBytes, 'x')}};
  EXPECT_EQ(EncodeEntry(e).status().code(), StatusCode::kResourceExhausted);
}

TEST(EntryTest, DecodeRejectsNonCanonicalSpellings) {
  const std::string good = *EncodeEntry(Sample());
  EXPECT_TRUE(DecodeEntry(good).ok());
  for (
      const std::string& bad : std::vector<std::string>{
          std::string(" ") + good,  // whitespace
          good + "\n",              // newline
          R"({"index":7,"action":"keys.rotate","actor":"cli:alice","details":{"region":"eu","version":3},"time":"2024-05-01T12:00:00.123Z"})",  // order
          R"({"action":"keys.rotate","actor":"cli:\u0061lice","details":{"region":"eu","version":3},"index":7,"time":"2024-05-01T12:00:00.123Z"})",  // escape
          R"({"action":"keys.rotate","actor":"cli:alice","details":{"region":"eu","version":3},"index":7,"index":7,"time":"2024-05-01T12:00:00.123Z"})",  // duplicate
      }) {
    EXPECT_FALSE(DecodeEntry(bad).ok()) << bad;
  }
}

TEST(EntryTest, DecodeRejectsUnknownAndMissingFields) {
  EXPECT_FALSE(
      DecodeEntry(
          R"({"action":"a","actor":"x","details":{},"extra":1,"index":0,"time":"2024-05-01T12:00:00Z"})")
          .ok());
  EXPECT_FALSE(
      DecodeEntry(R"({"action":"a","actor":"x","details":{},"time":"2024-05-01T12:00:00Z"})").ok());
  EXPECT_FALSE(
      DecodeEntry(
          R"({"action":"a","actor":"x","details":{},"index":-1,"time":"2024-05-01T12:00:00Z"})")
          .ok());
  EXPECT_FALSE(DecodeEntry("[]").ok());
  EXPECT_FALSE(DecodeEntry("").ok());
}

TEST(EntryTest, DecodeNamesTheFirstFailingCheck) {
  auto fault_of = [](std::string_view stored) {
    EntryFault f = EntryFault::kNone;
    (void)DecodeEntry(stored, &f).ok();
    return EntryFaultCode(f);
  };
  const std::string good = *EncodeEntry(Sample());
  EXPECT_EQ(fault_of(good), "");
  EXPECT_EQ(fault_of("{\"a\":\"\xff\"}"), "entry-invalid-utf8");
  EXPECT_EQ(fault_of("{\"a\":1,\"a\":1}"), "entry-invalid-json");  // duplicate key
  EXPECT_EQ(fault_of("{\"a\":1.5}"), "entry-invalid-json");
  EXPECT_EQ(fault_of("\xEF\xBB\xBF" + good), "entry-invalid-json");
  EXPECT_EQ(fault_of(std::string(40, '[') + std::string(40, ']')), "entry-invalid-json");
  EXPECT_EQ(fault_of("{\"b\":1, \"a\":2}"), "entry-not-canonical");
  EXPECT_EQ(fault_of("{\"a\":2,\"b\":1}"), "entry-bad-schema");
}

TEST(EntryTest, TimeFormat) {
  EXPECT_TRUE(CheckEntryTime("2024-05-01T12:00:00Z").ok());
  EXPECT_TRUE(CheckEntryTime("2024-05-01T12:00:00.1Z").ok());
  EXPECT_TRUE(CheckEntryTime("2024-05-01T12:00:00.123456789Z").ok());
  EXPECT_FALSE(CheckEntryTime("2024-05-01T12:00:00.Z").ok());
  EXPECT_FALSE(CheckEntryTime("2024-05-01T12:00:00.1234567890Z").ok());
  EXPECT_FALSE(CheckEntryTime("2024-05-01T12:00:00+00:00").ok());
  EXPECT_FALSE(CheckEntryTime("2024-05-01t12:00:00Z").ok());
}

}  // namespace
}  // namespace mailrelay::auditlog
