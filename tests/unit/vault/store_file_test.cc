#include "vault/store_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "keyring/key_set.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using testing::SampleRecord;

class StoreFileTest : public testing::VaultFixture {
 protected:
  // A closed vault whose eu file holds `n` records (several pages), WAL checkpointed away.
  void MakeVault(int n = 300) {
    auto v = MustOpen();
    std::vector<MetadataRecord> rs;
    for (int i = 0; i < n; ++i) rs.push_back(SampleRecord("eu", i, 1000 + i));
    ASSERT_TRUE(v->Commit(rs).ok());
  }
  std::unique_ptr<keyring::KeySet> Keys(const std::string& scope) {
    auto master = keyring::MasterKey::Load(KeyPath());
    EXPECT_TRUE(master.ok());
    auto keys = keyring::KeySet::Derive(*master, scope);
    EXPECT_TRUE(keys.ok());
    return std::move(keys).value();
  }
  void Overwrite(const std::string& path, std::streamoff offset, const std::string& bytes) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(offset);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
};

TEST_F(StoreFileTest, FileOnDiskIsNotAPlainSqliteDatabase) {
  MakeVault(1);
  std::string head = testing::ReadAll(RegionFile("eu")).substr(0, 16);
  EXPECT_NE(head, std::string("SQLite format 3\0", 16));
}

TEST_F(StoreFileTest, OpeningWithoutTheKeyCannotRead) {
  MakeVault(5);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(RegionFile("eu").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, "SELECT count(*) FROM records", nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_NOTADB) << (err ? err : "");
  sqlite3_free(err);
  // Not even the schema is visible.
  rc = sqlite3_exec(db, "SELECT name FROM sqlite_master", nullptr, nullptr, nullptr);
  EXPECT_EQ(rc, SQLITE_NOTADB);
  sqlite3_close(db);
}

TEST_F(StoreFileTest, EveryConnectionGetsWalFullSyncSecureDeleteAnd4kPages) {
  MakeVault(1);
  auto keys = Keys("eu");
  auto db = OpenConnection(RegionFile("eu"), *keys);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(*(*db)->QueryText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(*(*db)->QueryInt("PRAGMA synchronous"), 2);    // FULL
  EXPECT_EQ(*(*db)->QueryInt("PRAGMA secure_delete"), 1);  // ON
  EXPECT_EQ(*(*db)->QueryInt("PRAGMA auto_vacuum"), 2);    // INCREMENTAL, set before tables
  EXPECT_EQ(*(*db)->QueryInt("PRAGMA cipher_page_size"), 4096);
}

// Owner-only, even under a permissive umask: the database file and the -wal and -shm SQLite
// creates beside it with the same mode.
TEST_F(StoreFileTest, NewFilesAreReadableByTheOwnerOnly) {
  const mode_t old_umask = ::umask(0);
  auto v = MustOpen();
  ::umask(old_umask);
  ASSERT_NE(v, nullptr);
  ASSERT_TRUE(v->Commit({SampleRecord("eu", 1, 1000)}).ok());
  for (const std::string& path : {RegionFile("eu"), RegionFile("eu") + "-wal",
                                  RegionFile("eu") + "-shm", DataDir() + "/control.db"}) {
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << path;
  }
}

TEST_F(StoreFileTest, CreateIsRefusedWithoutCreateIfMissing) {
  auto keys = Keys("eu");
  std::filesystem::create_directories(DataDir());
  auto db = OpenStoreFile(RegionFile("eu"), *keys, FileKind::kRegion, false);
  EXPECT_EQ(db.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(RegionFile("eu")));
}

TEST_F(StoreFileTest, FileOfAnotherRegionIsRefusedAsWrongKey) {
  MakeVault(1);
  std::filesystem::copy_file(RegionFile("us"), RegionFile("eu"),
                             std::filesystem::copy_options::overwrite_existing);
  auto v = Vault::Open(Options(false));
  EXPECT_EQ(v.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(v.status().message(), HasSubstr(RegionFile("eu")));
}

TEST_F(StoreFileTest, OverwrittenHeaderIsDataLossNotWrongKey) {
  MakeVault();
  Overwrite(RegionFile("eu"), 20, std::string(64, 'X'));
  auto v = Vault::Open(Options(false));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(v.status().message(), HasSubstr("vault file " + RegionFile("eu") + " is corrupt"));
  EXPECT_THAT(v.status().message(), HasSubstr("key check passed"));
}

TEST_F(StoreFileTest, TruncatedFileIsDataLoss) {
  MakeVault();
  std::filesystem::resize_file(RegionFile("eu"), 100);
  auto v = Vault::Open(Options(false));
  EXPECT_EQ(v.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(v.status().message(), HasSubstr(RegionFile("eu")));
}

TEST_F(StoreFileTest, EmptyFileIsDataLossNotANewVault) {
  MakeVault(1);
  std::filesystem::resize_file(RegionFile("eu"), 0);
  auto v = Vault::Open(Options(false));
  EXPECT_EQ(v.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(v.status().message(), HasSubstr("is empty"));
}

TEST_F(StoreFileTest, DamagedPageInTheMiddleIsDataLoss) {
  MakeVault();
  auto size = std::filesystem::file_size(RegionFile("eu"));
  ASSERT_GT(size, 8u * 4096);
  Overwrite(RegionFile("eu"), static_cast<std::streamoff>(size / 2), std::string(200, '\x5a'));
  auto v = Vault::Open(Options(false));
  if (!v.ok()) {
    EXPECT_EQ(v.status().code(), StatusCode::kDataLoss);
    return;
  }
  Status check = (*v)->Verify();
  EXPECT_EQ(check.code(), StatusCode::kDataLoss);
  EXPECT_THAT(check.message(), HasSubstr(RegionFile("eu")));
}

TEST_F(StoreFileTest, IntactVaultVerifies) {
  MakeVault();
  auto v = MustOpen(false);
  EXPECT_TRUE(v->Verify().ok());
}

TEST_F(StoreFileTest, UnreadableFileWithoutKeyCheckFileSaysBothCauses) {
  MakeVault();
  std::filesystem::remove(KeyCheckPath(RegionFile("eu")));
  Overwrite(RegionFile("eu"), 20, std::string(64, 'X'));
  auto v = Vault::Open(Options(false));
  EXPECT_EQ(v.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(v.status().message(),
              HasSubstr("either the master key is wrong or the file is corrupt"));
}

TEST_F(StoreFileTest, LostKeyCheckFileIsRewrittenWhenTheKeyOpensTheFile) {
  MakeVault(1);
  std::filesystem::remove(KeyCheckPath(RegionFile("eu")));
  ASSERT_NE(MustOpen(false), nullptr);
  EXPECT_TRUE(std::filesystem::exists(KeyCheckPath(RegionFile("eu"))));
}

TEST_F(StoreFileTest, ARandomFileIsNotMistakenForAVault) {
  std::filesystem::create_directories(DataDir());
  std::ofstream(RegionFile("eu")) << std::string(8192, 'r');
  auto keys = Keys("eu");
  auto db = OpenStoreFile(RegionFile("eu"), *keys, FileKind::kRegion, true);
  EXPECT_THAT(db.status().code(), AnyOf(StatusCode::kDataLoss, StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace mailrelay::vault
