#include "vault/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "keyring/key_set.h"
#include "vault/store_file.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SchemaTest : public testing::VaultFixture {
 protected:
  std::unique_ptr<Db> Connect(const std::string& region) {
    auto master = keyring::MasterKey::Load(KeyPath());
    keys_ = std::move(keyring::KeySet::Derive(*master, region)).value();
    auto db = OpenConnection(RegionFile(region), *keys_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return std::move(db).value();
  }
  std::unique_ptr<keyring::KeySet> keys_;
};

TEST_F(SchemaTest, NewFileIsAtTheLatestVersionWithItsScope) {
  ASSERT_NE(MustOpen(), nullptr);
  auto db = Connect("eu");
  EXPECT_EQ(*db->QueryInt("SELECT version FROM schema_version"),
            LatestSchemaVersion(FileKind::kRegion));
  EXPECT_EQ(*db->QueryText("SELECT value FROM meta WHERE name = 'scope'"), "eu");
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM schema_version"), 1);
}

TEST_F(SchemaTest, ReopeningDoesNotMigrateAgain) {
  ASSERT_NE(MustOpen(), nullptr);
  ASSERT_NE(MustOpen(false), nullptr);
  auto db = Connect("eu");
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM sqlite_master WHERE name = 'records'"), 1);
}

TEST_F(SchemaTest, FileFromANewerMailrelayIsRefused) {
  ASSERT_NE(MustOpen(), nullptr);
  ASSERT_TRUE(Connect("eu")->Exec("UPDATE schema_version SET version = 99").ok());
  auto v = Vault::Open(Options(false));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(v.status().message(), HasSubstr("schema version 99"));
  EXPECT_THAT(v.status().message(), HasSubstr("upgrade mailrelay"));
}

TEST_F(SchemaTest, LookupsUseTheBlindIndexIndexes) {
  ASSERT_NE(MustOpen(), nullptr);
  auto db = Connect("eu");
  auto plan = db->Prepare("EXPLAIN QUERY PLAN SELECT id FROM records WHERE sender_index = ?1");
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(*plan->Step());
  EXPECT_THAT(plan->Text(3), HasSubstr("records_by_sender"));
}

// Each index serves a query (docs/vault.md "Schema"): these plans must not fall back to a scan
// of the table or to a temporary sort.
TEST_F(SchemaTest, EveryQueryUsesItsIndex) {
  ASSERT_NE(MustOpen(), nullptr);
  auto db = Connect("eu");
  auto plan_of = [&](const std::string& sql) {
    auto plan = db->Prepare("EXPLAIN QUERY PLAN " + sql);
    EXPECT_TRUE(plan.ok()) << sql;
    std::string out;
    while (*plan->Step()) out += plan->Text(3) + "; ";
    return out;
  };
  std::string newest = plan_of(
      "SELECT id FROM records WHERE smtp_code BETWEEN 200 AND 299 AND received_at_ms >= 5 AND "
      "(received_at_ms < 9 OR (received_at_ms = 9 AND id < 'x')) "
      "ORDER BY received_at_ms DESC, id DESC LIMIT 51");
  EXPECT_THAT(newest, HasSubstr("records_by_time"));
  EXPECT_THAT(newest, Not(HasSubstr("TEMP B-TREE")));
  std::string by_route = plan_of(
      "SELECT id FROM records WHERE 1 AND route = 'r' AND smtp_code BETWEEN 500 AND 599 AND "
      "received_at_ms >= 5 AND (received_at_ms < 9 OR (received_at_ms = 9 AND id < 'x')) "
      "ORDER BY received_at_ms DESC, id DESC LIMIT 51");
  EXPECT_THAT(by_route, HasSubstr("records_by_route"));
  EXPECT_THAT(by_route, Not(HasSubstr("TEMP B-TREE")));
  EXPECT_THAT(plan_of("SELECT id FROM records WHERE recipient_index = x'0102030405060708'"),
              HasSubstr("records_by_recipient"));
  EXPECT_THAT(plan_of("SELECT id FROM records WHERE next_expiry_ms <= 100 ORDER BY next_expiry_ms"),
              HasSubstr("records_by_expiry"));
}

// A control.db made before v2 (tokens and lea_cases created on first use, or not at all)
// migrates to v2 on the next open, and a table that existed keeps its rows.
class ControlSchemaTest : public testing::VaultFixture {
 protected:
  std::unique_ptr<Db> ConnectControl() {
    auto master = keyring::MasterKey::Load(KeyPath());
    keys_ = std::move(keyring::KeySet::Derive(*master, keyring::kGlobalScope)).value();
    auto db = OpenConnection(DataDir() + "/" + kControlFileName, *keys_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return std::move(db).value();
  }
  int64_t Tables(Db& db) {
    return *db.QueryInt(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('tokens', "
        "'lea_cases')");
  }
  std::unique_ptr<keyring::KeySet> keys_;
};

TEST_F(ControlSchemaTest, NewControlFileIsAtVersionTwoWithBothTables) {
  ASSERT_NE(MustOpen(), nullptr);
  auto db = ConnectControl();
  EXPECT_EQ(LatestSchemaVersion(FileKind::kControl), 2);
  EXPECT_EQ(*db->QueryInt("SELECT version FROM schema_version"), 2);
  EXPECT_EQ(Tables(*db), 2);
}

TEST_F(ControlSchemaTest, VersionOneFileWithoutTheTablesMigratesToTwo) {
  ASSERT_NE(MustOpen(), nullptr);
  {
    auto db = ConnectControl();
    ASSERT_TRUE(db->Exec("DROP TABLE tokens; DROP TABLE lea_cases; "
                         "UPDATE schema_version SET version = 1")
                    .ok());
    ASSERT_EQ(Tables(*db), 0);
  }
  ASSERT_NE(MustOpen(false), nullptr);
  auto db = ConnectControl();
  EXPECT_EQ(*db->QueryInt("SELECT version FROM schema_version"), 2);
  EXPECT_EQ(Tables(*db), 2);
}

TEST_F(ControlSchemaTest, VersionOneFileThatGotTheTablesOnFirstUseKeepsTheirRows) {
  ASSERT_NE(MustOpen(), nullptr);
  {
    auto db = ConnectControl();
    ASSERT_TRUE(db->Exec("INSERT INTO tokens (hash, role, name, created_at_ms) "
                         "VALUES (x'00', 'admin', 'ci', 1); "
                         "INSERT INTO lea_cases VALUES ('case-1', 1, x'00'); "
                         "UPDATE schema_version SET version = 1")
                    .ok());
  }
  ASSERT_NE(MustOpen(false), nullptr);
  auto db = ConnectControl();
  EXPECT_EQ(*db->QueryInt("SELECT version FROM schema_version"), 2);
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM tokens"), 1);
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM lea_cases"), 1);
}

}  // namespace
}  // namespace mailrelay::vault
