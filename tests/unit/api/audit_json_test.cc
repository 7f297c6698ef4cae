// Unit tests for api/audit_json: the auditor endpoints' query parsing and proof JSON encoder.
#include "api/audit_json.h"

#include <gtest/gtest.h>

#include "auditlog/base64.h"
#include "auditlog/hasher.h"
#include "auditlog/memory_tree.h"
#include "auditlog/proof.h"
#include "auditlog/verify.h"

namespace mailrelay::api {
namespace {

using auditlog::Hash;

Hash Filled(uint8_t b) {
  Hash h;
  h.fill(b);
  return h;
}

Hash Decode(const nlohmann::json& j) {
  auto bytes = auditlog::Base64Decode(j.get<std::string>());
  EXPECT_TRUE(bytes.has_value());
  Hash h{};
  EXPECT_EQ(bytes->size(), h.size());
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

std::vector<Hash> DecodeAll(const nlohmann::json& list) {
  std::vector<Hash> out;
  for (const auto& j : list) out.push_back(Decode(j));
  return out;
}

TEST(AuditJsonTest, InclusionShapeAndBase64) {
  auditlog::InclusionAnswer a;
  a.index = 2;
  a.size = 5;
  a.leaf_hash = Filled(0);
  a.proof = {Filled(0xff), Filled(0x01)};
  nlohmann::json j = InclusionProofJson(a);
  EXPECT_EQ(j.dump(), R"({"index":2,"leaf_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",)"
                      R"("proof":["//////////////////////////////////////////8=",)"
                      R"("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="],"size":5})");
  EXPECT_FALSE(j.contains("checkpoint"));
  a.checkpoint = "origin\n5\nroot\n\n— sig\n";
  j = InclusionProofJson(a);
  EXPECT_EQ(j["checkpoint"], *a.checkpoint);
  EXPECT_EQ(j, a.ToJson());  // the same bytes as `mailrelay audit prove`
}

TEST(AuditJsonTest, ConsistencyShape) {
  auditlog::ConsistencyAnswer a;
  a.size1 = 0;
  a.size2 = 3;
  nlohmann::json j = ConsistencyProofJson(a);
  EXPECT_EQ(j.dump(), R"({"proof":[],"size1":0,"size2":3})");
  a.checkpoint1 = "c1";
  a.checkpoint2 = "c2";
  a.proof = {Filled(7)};
  j = ConsistencyProofJson(a);
  EXPECT_EQ(j["checkpoint1"], "c1");
  EXPECT_EQ(j["checkpoint2"], "c2");
  EXPECT_EQ(Decode(j["proof"][0]), Filled(7));
  EXPECT_EQ(j, a.ToJson());
}

// Every encoded proof, decoded again, verifies against the tree's roots (RFC 9162 §2.1.3/4).
TEST(AuditJsonTest, EncodedProofsVerify) {
  auditlog::MemoryTree tree;
  std::vector<Hash> roots = {tree.Root()};
  for (int i = 0; i < 13; ++i) {
    tree.Append(auditlog::HashLeaf("entry " + std::to_string(i)));
    roots.push_back(tree.Root());
  }
  for (uint64_t size = 1; size <= 13; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      auditlog::InclusionAnswer a;
      a.index = index;
      a.size = size;
      a.leaf_hash = auditlog::HashLeaf("entry " + std::to_string(index));
      auto proof = auditlog::InclusionProof(tree, index, size);
      ASSERT_TRUE(proof.ok());
      a.proof = *proof;
      nlohmann::json j = nlohmann::json::parse(InclusionProofJson(a).dump());
      std::vector<Hash> p = DecodeAll(j["proof"]);
      EXPECT_TRUE(
          auditlog::VerifyInclusion(j["index"], j["size"], Decode(j["leaf_hash"]), p, roots[size])
              .ok())
          << index << "/" << size;
    }
    for (uint64_t old = 0; old <= size; ++old) {
      auditlog::ConsistencyAnswer a;
      a.size1 = old;
      a.size2 = size;
      auto proof = auditlog::ConsistencyProof(tree, old, size);
      ASSERT_TRUE(proof.ok());
      a.proof = *proof;
      nlohmann::json j = nlohmann::json::parse(ConsistencyProofJson(a).dump());
      std::vector<Hash> p = DecodeAll(j["proof"]);
      EXPECT_TRUE(
          auditlog::VerifyConsistency(j["size1"], j["size2"], p, roots[old], roots[size]).ok())
          << old << "→" << size;
    }
  }
}

TEST(AuditJsonTest, EntriesKeepStoredBytes) {
  std::vector<std::string> stored = {R"({"action":"a","index":4})", R"({"action":"é","index":5})"};
  nlohmann::json j = AuditEntriesJson(4, 10, stored);
  EXPECT_EQ(j["from"], 4);
  EXPECT_EQ(j["size"], 10);
  ASSERT_EQ(j["entries"].size(), 2u);
  EXPECT_EQ(j["entries"][0]["index"], 4);
  EXPECT_EQ(j["entries"][1]["entry"].get<std::string>(), stored[1]);
  EXPECT_EQ(j["next_from"], 6);
  EXPECT_TRUE(AuditEntriesJson(8, 10, {"x", "y"})["next_from"].is_null());
  EXPECT_TRUE(AuditEntriesJson(0, 0, {})["entries"].empty());
}

void ExpectBad(const Status& s, const std::string& param) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind(param + ":", 0), 0u) << s.message();
}

TEST(AuditJsonTest, EntriesQuery) {
  auto q = ParseAuditEntriesQuery({});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->from, 0u);
  EXPECT_EQ(q->limit, kAuditEntriesDefaultLimit);
  q = ParseAuditEntriesQuery({{"from", "7"}, {"limit", "1000"}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->from, 7u);
  EXPECT_EQ(q->limit, 1000u);
  ExpectBad(ParseAuditEntriesQuery({{"limit", "0"}}).status(), "limit");
  ExpectBad(ParseAuditEntriesQuery({{"limit", "1001"}}).status(), "limit");
  ExpectBad(ParseAuditEntriesQuery({{"from", "-1"}}).status(), "from");
  ExpectBad(ParseAuditEntriesQuery({{"from", ""}}).status(), "from");
  ExpectBad(ParseAuditEntriesQuery({{"from", "1x"}}).status(), "from");
  ExpectBad(ParseAuditEntriesQuery({{"from", "1234567890123456789"}}).status(), "from");
  ExpectBad(ParseAuditEntriesQuery({{"from", "1"}, {"from", "2"}}).status(), "from");
  ExpectBad(ParseAuditEntriesQuery({{"offset", "1"}}).status(), "offset");
}

TEST(AuditJsonTest, ProofQueries) {
  auto i = ParseInclusionQuery({{"index", "0"}});
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->index, 0u);
  EXPECT_EQ(i->size, 0u);
  i = ParseInclusionQuery({{"index", "3"}, {"size", "9"}});
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->size, 9u);
  ExpectBad(ParseInclusionQuery({}).status(), "index");
  ExpectBad(ParseInclusionQuery({{"index", "+1"}}).status(), "index");
  ExpectBad(ParseInclusionQuery({{"index", "1"}, {"size", "0"}}).status(), "size");
  ExpectBad(ParseInclusionQuery({{"index", "1"}, {"old", "0"}}).status(), "old");

  auto c = ParseConsistencyQuery({{"old", "0"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->old_size, 0u);
  EXPECT_EQ(c->size, 0u);
  c = ParseConsistencyQuery({{"old", "4"}, {"size", "6"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->old_size, 4u);
  EXPECT_EQ(c->size, 6u);
  ExpectBad(ParseConsistencyQuery({}).status(), "old");
  ExpectBad(ParseConsistencyQuery({{"old", "1.5"}}).status(), "old");
  ExpectBad(ParseConsistencyQuery({{"old", "1"}, {"size", "x"}}).status(), "size");
  ExpectBad(ParseConsistencyQuery({{"from", "1"}}).status(), "from");
}

}  // namespace
}  // namespace mailrelay::api
