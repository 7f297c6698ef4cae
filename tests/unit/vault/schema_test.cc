#include "vault/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

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
  // The EXPLAIN QUERY PLAN details of `sql`, joined with "; ".
  static std::string QueryPlan(Db& db, const std::string& sql) {
    auto plan = db.Prepare("EXPLAIN QUERY PLAN " + sql);
    EXPECT_TRUE(plan.ok()) << sql;
    std::string out;
    while (plan.ok() && *plan->Step()) out += plan->Text(3) + "; ";
    return out;
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

// Schema v3: a lookup seeks the blind-index table day by day, and finding the next day is a
// seek too (never a scan of the table or a sort); only the small tail is read whole.
TEST_F(SchemaTest, LookupsSeekTheBlindIndexDayByDay) {
  ASSERT_NE(MustOpen(), nullptr);
  auto db = Connect("eu");
  auto plan_of = [&](const std::string& sql) { return QueryPlan(*db, sql); };
  EXPECT_THAT(plan_of("SELECT seq FROM blind_index WHERE day = 5 AND term = x'0102030405060708'"),
              HasSubstr("SEARCH TABLE blind_index USING PRIMARY KEY (day=? AND term=?)"));
  std::string next_day = plan_of("SELECT day FROM blind_index WHERE day > 5 ORDER BY day LIMIT 1");
  EXPECT_THAT(next_day, HasSubstr("SEARCH TABLE blind_index USING PRIMARY KEY (day>?)"));
  EXPECT_THAT(next_day, Not(HasSubstr("TEMP B-TREE")));
}

// Turns the eu file back into a file of schema `version` (1: blind indexes on the prefix alone,
// 2: led by the expiry day), as an older mailrelay left it.
void Downgrade(Db& db, int version) {
  const std::string lead = version == 1 ? "" : "expires_at_ms / 86400000, ";
  std::string sql =
      "DROP TRIGGER records_index_delete; "
      "DROP TRIGGER records_index_update; DROP TABLE blind_index; DROP TABLE index_tail; "
      "DROP TABLE index_sweep; "
      "CREATE INDEX records_by_sender ON records (" +
      lead +
      "sender_index) "
      "WHERE sender_index IS NOT NULL; "
      "CREATE INDEX records_by_recipient ON records (" +
      lead +
      "recipient_index) "
      "WHERE recipient_index IS NOT NULL; "
      "UPDATE schema_version SET version = " +
      std::to_string(version);
  ASSERT_TRUE(db.Exec(sql.c_str()).ok());
}

// A region file made by an older mailrelay gets the blind-index table on the next open, with an
// entry for each sender and recipient already there, and its records are still found.
TEST_F(SchemaTest, OlderRegionFilesMigrateTheirBlindIndexes) {
  for (int version : {1, 2}) {
    SCOPED_TRACE(version);
    std::filesystem::remove_all(DataDir());
    {
      auto v = MustOpen();
      ASSERT_NE(v, nullptr);
      MetadataRecord both = testing::SampleRecord("eu", 2, 1'700'000'000'000);
      both.recipient = both.sender;
      ASSERT_TRUE(v->Commit({testing::SampleRecord("eu", 1, 1'700'000'000'000), both}).ok());
    }
    Downgrade(*Connect("eu"), version);
    auto v = MustOpen(false);
    ASSERT_NE(v, nullptr);
    auto db = Connect("eu");
    EXPECT_EQ(*db->QueryInt("SELECT version FROM schema_version"),
              LatestSchemaVersion(FileKind::kRegion));
    EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM sqlite_master "
                            "WHERE name IN ('records_by_sender', 'records_by_recipient')"),
              0);
    EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM blind_index"), 3);  // 2 + 1 (sender = recipient)
    EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM index_tail"), 0);
    for (int n : {1, 2}) {
      auto found = v->FindBySubject(testing::SampleRecord("eu", n, 0).sender);
      ASSERT_TRUE(found.ok()) << found.status().ToString();
      EXPECT_EQ(found->size(), 1u);
    }
  }
}

// The day-led indexes still find every record of a subject, whatever day each one expires on,
// as sender and as recipient, each record once (also when it is both).
TEST_F(SchemaTest, FindsASubjectAcrossExpiryDays) {
  auto v = MustOpen();
  ASSERT_NE(v, nullptr);
  const int64_t t0 = 1'700'000'000'000, day = 86'400'000;
  std::vector<MetadataRecord> mine;
  for (int i = 0; i < 4; ++i) {
    MetadataRecord r = testing::SampleRecord("eu", 100 + i, t0 + i * 17 * day);
    if (i == 1) r.recipient = "subject@example.net";
    if (i != 1) r.sender = "subject@example.net";
    if (i == 3) r.recipient = "subject@example.net";
    ASSERT_TRUE(v->Commit({r}).ok());
    ASSERT_TRUE(v->Commit({testing::SampleRecord("eu", 200 + i, t0 + i * 17 * day)}).ok());
  }
  auto found = v->FindBySubject("Subject@Example.NET");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->size(), 4u);
}

// Each index serves a query (docs/vault.md "Schema"): these plans must not fall back to a scan
// of the table or to a temporary sort.
TEST_F(SchemaTest, EveryQueryUsesItsIndex) {
  ASSERT_NE(MustOpen(), nullptr);
  auto db = Connect("eu");
  auto plan_of = [&](const std::string& sql) { return QueryPlan(*db, sql); };
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
  EXPECT_THAT(plan_of("SELECT id FROM records WHERE next_expiry_ms <= 100 ORDER BY next_expiry_ms"),
              HasSubstr("records_by_expiry"));
}

// A control.db made before v2 (tokens and lea_cases created on first use, or not at all)
// migrates to the latest version on the next open, and a table that existed keeps its rows;
// v3 gives every token an expiry column, NULL (no expiry) for those made before.
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

TEST_F(ControlSchemaTest, NewControlFileIsAtVersionThreeWithBothTables) {
  ASSERT_NE(MustOpen(), nullptr);
  auto db = ConnectControl();
  EXPECT_EQ(LatestSchemaVersion(FileKind::kControl), 3);
  EXPECT_EQ(*db->QueryInt("SELECT version FROM schema_version"), 3);
  EXPECT_EQ(Tables(*db), 2);
}

TEST_F(ControlSchemaTest, VersionOneFileWithoutTheTablesMigratesToThree) {
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
  EXPECT_EQ(*db->QueryInt("SELECT version FROM schema_version"), 3);
  EXPECT_EQ(Tables(*db), 2);
}

TEST_F(ControlSchemaTest, VersionOneFileThatGotTheTablesOnFirstUseKeepsTheirRows) {
  ASSERT_NE(MustOpen(), nullptr);
  {
    auto db = ConnectControl();
    // The tokens table as a binary before v3 made it: no expiry column.
    ASSERT_TRUE(db->Exec("DROP TABLE tokens; CREATE TABLE tokens (id INTEGER PRIMARY KEY "
                         "AUTOINCREMENT, hash BLOB NOT NULL, role TEXT NOT NULL, name TEXT NOT "
                         "NULL, created_at_ms INTEGER NOT NULL, revoked_at_ms INTEGER)")
                    .ok());
    ASSERT_TRUE(db->Exec("INSERT INTO tokens (hash, role, name, created_at_ms) "
                         "VALUES (x'00', 'admin', 'ci', 1); "
                         "INSERT INTO lea_cases VALUES ('case-1', 1, x'00'); "
                         "UPDATE schema_version SET version = 1")
                    .ok());
  }
  ASSERT_NE(MustOpen(false), nullptr);
  auto db = ConnectControl();
  EXPECT_EQ(*db->QueryInt("SELECT version FROM schema_version"), 3);
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM tokens WHERE expires_at_ms IS NULL"), 1);
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM lea_cases"), 1);
}

}  // namespace
}  // namespace mailrelay::vault
