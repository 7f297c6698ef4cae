// Signed documents, the export bundle and the erasure receipt (compliance/signed_document.h,
// export_bundle.h, erasure_receipt.h, subject_records.h).
#include <gtest/gtest.h>
#include <sodium.h>

#include "../keyring/memory_key_store.h"
#include "compliance/erasure_receipt.h"
#include "compliance/export_bundle.h"
#include "compliance/signed_document.h"
#include "compliance/subject_records.h"
#include "keyring/signing_key.h"

namespace mailrelay::compliance {
namespace {

class DocumentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto master = keyring::MasterKey::FromHex(std::string(64, 'a'), "test");
    ASSERT_TRUE(master.ok()) << master.status().ToString();
    auto global = keyring::KeySet::Derive(*master, keyring::kGlobalScope);
    ASSERT_TRUE(global.ok());
    global_ = std::move(*global);
    auto key = keyring::SigningKey::Load(*global_, store_, true, keyring::kPurposeDocumentSigning);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    key_ = std::move(*key);
    std::copy(key_->PublicKey().begin(), key_->PublicKey().end(), pub_.begin());
  }
  keyring::MemoryKeyStore store_;
  std::unique_ptr<keyring::KeySet> global_;
  std::unique_ptr<keyring::SigningKey> key_;
  PublicKey pub_{};
};

vault::MetadataRecord Rec(const std::string& region, const std::string& from,
                          const std::string& to) {
  vault::MetadataRecord r;
  r.id = "r" + region + from;
  r.region = region;
  r.sender = from;
  r.recipient = to;
  r.subject = "Grüße \xff";  // invalid UTF-8 is replaced, never breaks signing
  r.received_at_ms = 1'780'000'000'000;
  return r;
}

TEST_F(DocumentsTest, SignedDocumentVerifiesAndDetectsTampering) {
  nlohmann::json doc = {{"format", "t"}, {"n", 1}, {"text", "ünïcode"}};
  auto env = SignDocument(doc, *key_);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_TRUE(VerifySignedDocument(*env, pub_).ok());
  EXPECT_EQ((*env)["signature"]["key_id"], KeyId(pub_));

  nlohmann::json tampered = *env;
  tampered["document"]["n"] = 2;
  EXPECT_EQ(VerifySignedDocument(tampered, pub_).code(), StatusCode::kUnauthenticated);

  PublicKey other{};
  other[0] = 1;
  EXPECT_EQ(VerifySignedDocument(*env, other).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifySignedDocument(nlohmann::json{{"document", 1}}, pub_).code(),
            StatusCode::kInvalidArgument);
  // Key order and whitespace in transit do not matter: the signature covers canonical bytes.
  auto reparsed = nlohmann::json::parse(env->dump(4));
  EXPECT_TRUE(VerifySignedDocument(reparsed, pub_).ok());
}

TEST_F(DocumentsTest, TheAuditSigningKeyIsADifferentKey) {
  auto audit = keyring::SigningKey::Load(*global_, store_, true, keyring::kPurposeAuditSigning);
  ASSERT_TRUE(audit.ok());
  EXPECT_NE((*audit)->PublicKey(), key_->PublicKey());
  EXPECT_EQ(keyring::SigningKey::Load(*global_, store_, true, "field").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(DocumentsTest, ExportBundleHasRolesCountsAndInformation) {
  ExportInput in;
  in.normalized_address = "me@example.com";
  in.subject_index = "idx";
  in.generated_at_ms = 0;
  in.regions = {"us", "eu", "ap"};
  in.records = {Rec("eu", "Me@Example.com", "x@example.org"),
                Rec("us", "y@example.org", "me@example.com"),
                Rec("us", "me@example.com", "<ME@example.com>")};
  in.information = {{"purposes", {"delivery"}}};
  nlohmann::json b = BuildExportBundle(in);
  EXPECT_EQ(b["format"], kExportFormat);
  EXPECT_EQ(b["records"].size(), 3u);
  EXPECT_EQ(b["records"][0]["role"], "sender");
  EXPECT_EQ(b["records"][1]["role"], "recipient");
  EXPECT_EQ(b["records"][2]["role"], "sender_and_recipient");
  EXPECT_EQ(b["counts"]["by_region"]["us"], 2);
  EXPECT_EQ(b["counts"]["by_region"]["ap"], 0);
  EXPECT_EQ(b["counts"]["by_role"]["sender"], 2);
  EXPECT_EQ(b["counts"]["by_role"]["recipient"], 2);
  EXPECT_EQ(b["information"]["purposes"][0], "delivery");
  EXPECT_EQ(b["records"][0]["received_at"], "2026-05-28T20:26:40.000Z");
  auto env = SignDocument(b, *key_);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_NE((*env)["document"]["records"][0]["subject"].get<std::string>().find("\xEF\xBF\xBD"),
            std::string::npos);
}

TEST_F(DocumentsTest, ErasureReceiptNamesTheSubjectOnlyByIndex) {
  ErasureFacts f;
  f.receipt_id = "rid";
  f.subject_index = "abcdef";
  f.actor = "cli:ann";
  f.reason = "Art. 17 request 42";
  f.records_by_region = {{"us", 2}, {"eu", 3}, {"ap", 0}};
  f.audit_index = 9;
  f.audit_tree_size = 10;
  f.audit_log_origin = "mailrelay.audit/x";
  nlohmann::json r = BuildErasureReceipt(f);
  EXPECT_EQ(r["records_erased"]["total"], 5);
  EXPECT_EQ(r["records_erased"]["by_region"]["eu"], 3);
  EXPECT_EQ(r["audit_entry"]["index"], 9);
  EXPECT_EQ(r["subject_index"], "abcdef");
  EXPECT_EQ(r.dump().find('@'), std::string::npos);
}

}  // namespace
}  // namespace mailrelay::compliance
