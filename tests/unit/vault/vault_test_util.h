// tests/unit/vault/vault_test_util.h — temp dirs, master keys and sample records for vault tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../keyring/temp_dir.h"
#include "common/ids.h"
#include "keyring/master_key.h"
#include "vault/record.h"
#include "vault/vault.h"

namespace mailrelay::vault::testing {

// One temp-dir helper for all the unit tests that need files.
using TempDir = ::mailrelay::testing::TempDir;

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A data directory with a fresh master key; Options() opens (and by default creates) it.
class VaultFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(keyring::kMasterKeyEnv);
    ASSERT_TRUE(keyring::CreateMasterKeyFile(KeyPath()).ok());
  }
  void TearDown() override { ::unsetenv(keyring::kMasterKeyEnv); }
  std::string KeyPath() const { return dir_.File("master.key"); }
  std::string DataDir() const { return dir_.File("data"); }
  std::string RegionFile(const std::string& region) const {
    return DataDir() + "/" + RegionFileName(region);
  }
  VaultOptions Options(bool create = true) const {
    return VaultOptions{DataDir(), {"us", "eu", "ap"}, KeyPath(), create};
  }
  // Every record of `v` (up to 5,000), newest first, through the public read path.
  std::vector<MetadataRecord> All(Vault& v) {
    MessageQuery q;
    q.limit = 5000;
    auto page = v.ListMessages(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->records : std::vector<MetadataRecord>{};
  }
  std::unique_ptr<Vault> MustOpen(bool create = true) {
    auto v = Vault::Open(Options(create));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? std::move(v).value() : nullptr;
  }
  TempDir dir_;
};

// A record with every field set; `n` makes the personal fields distinct.
inline MetadataRecord SampleRecord(const std::string& region, int n, int64_t received_ms) {
  MetadataRecord r;
  r.id = NewSortableId(static_cast<uint64_t>(received_ms));
  r.message_id_ref = "msg" + std::to_string(n);
  r.received_at_ms = received_ms;
  r.expires_at_ms = received_ms + 30LL * 86400 * 1000;
  r.smtp_code = 250;
  r.http_status = 200;
  r.processing_ms = 12;
  r.size = 2048;
  r.account = "acct1";
  r.route = "support";
  r.region = region;
  r.sender_ip = "192.0.2." + std::to_string(n % 250);
  r.message_id = "<m" + std::to_string(n) + "@mta.example>";
  r.sender = "sender" + std::to_string(n) + "@example.org";
  r.recipient = "rcpt" + std::to_string(n) + "@example.com";
  r.subject = "Subject number " + std::to_string(n);
  r.server_response = "accepted " + std::to_string(n);
  return r;
}

}  // namespace mailrelay::vault::testing
