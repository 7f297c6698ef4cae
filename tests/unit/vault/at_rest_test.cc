// At rest: personal data never appears in any byte of the vault's files or in the log.
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "common/log.h"
#include "vault/vault.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using testing::SampleRecord;

std::mutex g_log_mu;
std::string* g_log = nullptr;
void CaptureLog(std::string_view line) {
  std::lock_guard lock(g_log_mu);
  g_log->append(line);
}

class AtRestTest : public testing::VaultFixture {
 protected:
  void SetUp() override {
    VaultFixture::SetUp();
    g_log = &log_;
    log::SetSink(&CaptureLog);
    log::SetMinLevel(log::Level::kDebug);
  }
  void TearDown() override {
    log::SetSink(nullptr);
    log::SetMinLevel(log::Level::kInfo);
    VaultFixture::TearDown();
  }
  // Every distinctive string that is found in any file of the data directory.
  std::vector<std::string> Leaks() {
    std::vector<std::string> leaks;
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(DataDir())) {
      std::string bytes = testing::ReadAll(entry.path().string());
      ++files;
      for (const std::string& s : secrets_) {
        if (bytes.find(s) != std::string::npos)
          leaks.push_back(entry.path().filename().string() + ": " + s);
      }
    }
    EXPECT_GE(files, 8u);  // 4 databases + their key-check files (+ -wal/-shm while open)
    return leaks;
  }
  std::vector<MetadataRecord> Distinctive() {
    std::vector<MetadataRecord> rs;
    for (int i = 0; i < 50; ++i) {
      MetadataRecord r = SampleRecord(i % 2 ? "eu" : "us", i, 1000 + i);
      r.sender = "zebra.unicorn" + std::to_string(i) + "@distinctive-sender.example";
      r.recipient = "Quokka.Recipient" + std::to_string(i) + "@distinctive-rcpt.example";
      r.subject = "Xylophone quarterly memo " + std::to_string(i);
      r.sender_ip = "203.0.113." + std::to_string(100 + i);
      r.message_id = "<distinct-msgid-" + std::to_string(i) + "@mta.example>";
      r.server_response = "Endpoint said: hippopotamus " + std::to_string(i);
      rs.push_back(r);
    }
    for (const auto& r : rs) {
      for (const std::string* s :
           {&r.sender, &r.recipient, &r.subject, &r.sender_ip, &r.message_id, &r.server_response}) {
        secrets_.push_back(*s);
      }
    }
    for (std::string s : {"zebra.unicorn", "distinctive-sender", "distinctive-rcpt", "Quokka",
                          "quokka", "Xylophone", "hippopotamus", "distinct-msgid", "203.0.113."}) {
      secrets_.push_back(s);
    }
    return rs;
  }
  std::vector<std::string> secrets_;
  std::string log_;
};

TEST_F(AtRestTest, NoPersonalStringIsInAnyVaultFileWhileOpenOrAfterClose) {
  auto records = Distinctive();
  auto v = MustOpen();
  ASSERT_TRUE(v->Commit(records).ok());
  // While open: the WAL and shared-memory files hold the recent writes.
  ASSERT_TRUE(std::filesystem::exists(RegionFile("eu") + "-wal"));
  EXPECT_EQ(Leaks(), std::vector<std::string>{});
  // Reads decrypt in memory only.
  ASSERT_EQ(v->FindBySubject("zebra.unicorn3@distinctive-sender.example")->size(), 1u);
  ASSERT_EQ(v->ListMessages({})->records.size(), 50u);
  v.reset();
  EXPECT_EQ(Leaks(), std::vector<std::string>{});
}

TEST_F(AtRestTest, LogsCarryNoPersonalData) {
  auto records = Distinctive();
  {
    auto v = MustOpen();
    ASSERT_TRUE(v->Commit(records).ok());
    ASSERT_EQ(v->FindBySubject("quokka.recipient4@distinctive-rcpt.example")->size(), 1u);
    MetadataRecord dup = records[0];
    EXPECT_FALSE(v->Commit({dup}).ok());  // a failure path logs too
  }
  ASSERT_FALSE(log_.empty());  // the capture works: the vault does log
  for (const std::string& s : secrets_) EXPECT_EQ(log_.find(s), std::string::npos) << s;
}

TEST_F(AtRestTest, TheSearchWouldFindAPlaintextLeak) {
  // Guard against a vacuous pass: a plaintext file in the directory is reported.
  auto records = Distinctive();
  ASSERT_NE(MustOpen(), nullptr);
  std::ofstream(DataDir() + "/leak.txt") << records[0].subject;
  EXPECT_FALSE(Leaks().empty());
}

}  // namespace
}  // namespace mailrelay::vault
