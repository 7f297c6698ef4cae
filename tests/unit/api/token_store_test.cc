// Tokens in control.db: format, keyed hash, lookup, revocation across vault instances (as
// between `serve` and `mailrelay tokens revoke`).
#include "vault/token_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include "keyring/master_key.h"
#include "vault/vault.h"

namespace mailrelay::vault {
namespace {

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "mailrelay-tokens-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    ::unsetenv(keyring::kMasterKeyEnv);
    ASSERT_TRUE(keyring::CreateMasterKeyFile(dir_ + "/master.key").ok());
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<Vault> Open(bool create = true) {
    auto v = Vault::Open(VaultOptions{dir_ + "/data", {"us", "eu"}, dir_ + "/master.key", create});
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? std::move(*v) : nullptr;
  }
  static TokenStore& Tokens(Vault& v) {
    auto t = v.Tokens();
    EXPECT_TRUE(t.ok()) << t.status().message();
    return **t;
  }
  std::string ReadControl() {
    std::string all;
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in(dir_ + "/data/control.db" + suffix, std::ios::binary);
      all += std::string(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }
  std::string dir_;
};

TEST(ParseTokenTest, AcceptsOnlyTheExactFormat) {
  const std::string secret(64, 'a');
  const std::string token = "mr_12_" + secret;
  auto p = ParseToken(token);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->id, 12u);
  EXPECT_EQ(p->secret, secret);
  EXPECT_FALSE(ParseToken("mr_0_" + secret));  // no id 0, no leading zeros
  EXPECT_FALSE(ParseToken("mr_012_" + secret));
  EXPECT_FALSE(ParseToken("mr__" + secret));
  EXPECT_FALSE(ParseToken("xx_12_" + secret));
  EXPECT_FALSE(ParseToken("mr_12_" + secret.substr(1)));      // short
  EXPECT_FALSE(ParseToken("mr_12_" + secret + "a"));          // long
  EXPECT_FALSE(ParseToken("mr_12_" + std::string(64, 'A')));  // upper-case hex
  EXPECT_FALSE(ParseToken("mr_12_" + std::string(63, 'a') + "g"));
  EXPECT_FALSE(ParseToken("mr_1234567890123456789_" + secret));  // 19 digits
  EXPECT_FALSE(ParseToken(""));
}

TEST(WipeStringTest, ZeroesAndEmpties) {
  std::string s = "secret";
  WipeString(s);
  EXPECT_TRUE(s.empty());
}

TEST_F(TokenStoreTest, CreateReturnsAWellFormedTokenThatAuthenticates) {
  auto v = Open();
  TokenStore& t = Tokens(*v);
  auto a = t.Create("admin", "ops");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_TRUE(std::regex_match(a->token, std::regex("mr_[1-9][0-9]*_[0-9a-f]{64}")));
  EXPECT_EQ(a->token.substr(0, 3 + std::to_string(a->info.id).size() + 1),
            "mr_" + std::to_string(a->info.id) + "_");
  auto who = t.Authenticate(a->token);
  ASSERT_TRUE(who.ok()) << who.status().message();
  EXPECT_EQ(who->id, a->info.id);
  EXPECT_EQ(who->role, "admin");
  EXPECT_EQ(who->name, "ops");
  EXPECT_FALSE(who->revoked_at_ms);

  auto b = t.Create("auditor", "kit");
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->info.id, b->info.id);
  EXPECT_NE(a->token.substr(a->token.rfind('_')), b->token.substr(b->token.rfind('_')));
}

TEST_F(TokenStoreTest, ATokenStopsAuthenticatingAtItsExpiry) {
  auto v = Open();
  TokenStore& t = Tokens(*v);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t expiry = now + 86'400'000;
  auto a = t.Create("admin", "temp", expiry);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->info.expires_at_ms, expiry);
  auto before = t.AuthenticateAt(a->token, expiry - 1);
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_EQ(before->expires_at_ms, expiry);
  auto at = t.AuthenticateAt(a->token, expiry);
  ASSERT_EQ(at.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(at.status().message(), "token expired");
  // A wrong secret still reads as unknown, expired or not: expiry is told only to the holder.
  std::string wrong = a->token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_EQ(t.AuthenticateAt(wrong, expiry).status().message(), "unknown token or wrong secret");
  // Listed with its expiry; a token without one never expires.
  auto listed = t.List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->back().expires_at_ms, expiry);
  auto forever = t.Create("admin", "forever");
  ASSERT_TRUE(forever.ok());
  EXPECT_FALSE(forever->info.expires_at_ms);
  EXPECT_TRUE(t.AuthenticateAt(forever->token, now + 3650LL * 86'400'000).ok());
  // An expiry that is not in the future makes no token.
  EXPECT_EQ(t.Create("admin", "late", now - 1).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TokenStoreTest, WrongSecretUnknownIdAndMalformedAreUnauthenticated) {
  auto v = Open();
  TokenStore& t = Tokens(*v);
  auto a = t.Create("compliance", "c");
  ASSERT_TRUE(a.ok());
  std::string wrong = a->token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  for (const std::string& bad : {wrong, std::string("mr_999_") + std::string(64, 'a'),
                                 std::string("nonsense"), std::string("")}) {
    auto r = t.Authenticate(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  }
  // Another token's secret under this id (the hash binds the id).
  auto b = t.Create("admin", "b");
  ASSERT_TRUE(b.ok());
  std::string swapped = "mr_" + std::to_string(a->info.id) + b->token.substr(b->token.rfind('_'));
  EXPECT_FALSE(t.Authenticate(swapped).ok());
}

TEST_F(TokenStoreTest, OnlyAKeyedHashIsStored) {
  std::string token;
  {
    auto v = Open();
    auto a = Tokens(*v).Create("admin", "ops");
    ASSERT_TRUE(a.ok());
    token = a->token;
  }
  std::string file = ReadControl();
  std::string secret = token.substr(token.rfind('_') + 1);
  EXPECT_EQ(file.find(secret), std::string::npos);
  EXPECT_EQ(file.find("ops"), std::string::npos);  // SQLCipher: not even the name is readable
}

TEST_F(TokenStoreTest, ListNeverShowsSecretsAndRevokeWorksAcrossInstances) {
  auto serve = Open();
  TokenStore& serving = Tokens(*serve);
  auto a = serving.Create("admin", "ops");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(serving.Authenticate(a->token).ok());

  // Another process (`mailrelay tokens revoke`) with its own vault instance.
  auto cli = Open(/*create=*/false);
  TokenStore& other = Tokens(*cli);
  auto listed = other.List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, a->info.id);
  EXPECT_EQ((*listed)[0].role, "admin");
  ASSERT_TRUE(other.Revoke(a->info.id).ok());

  auto after = serving.Authenticate(a->token);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(after.status().message().find("revoked"), std::string::npos);

  EXPECT_EQ(other.Revoke(a->info.id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(other.Revoke(4242).code(), StatusCode::kNotFound);
  auto listed2 = serving.List();
  ASSERT_TRUE(listed2.ok());
  EXPECT_TRUE((*listed2)[0].revoked_at_ms);

  // A token created by the other instance works in the serving one at once.
  auto c = other.Create("auditor", "late");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(serving.Authenticate(c->token).ok());
}

TEST_F(TokenStoreTest, TokensSurviveReopenAndIdsAreNotReused) {
  int64_t first_id = 0;
  std::string token;
  {
    auto v = Open();
    auto a = Tokens(*v).Create("admin", "ops");
    ASSERT_TRUE(a.ok());
    first_id = a->info.id;
    token = a->token;
  }
  auto v = Open(false);
  EXPECT_TRUE(Tokens(*v).Authenticate(token).ok());
  auto b = Tokens(*v).Create("admin", "ops2");
  ASSERT_TRUE(b.ok());
  EXPECT_GT(b->info.id, first_id);
}

TEST_F(TokenStoreTest, BadNamesAreRejected) {
  auto v = Open();
  TokenStore& t = Tokens(*v);
  EXPECT_EQ(t.Create("admin", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Create("admin", std::string(101, 'x')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Create("admin", "a\nb").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Create("", "x").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TokenStoreTest, AnotherMasterKeyCannotAuthenticate) {
  std::string token;
  {
    auto v = Open();
    auto a = Tokens(*v).Create("admin", "ops");
    ASSERT_TRUE(a.ok());
    token = a->token;
  }
  // Same token text against a fresh vault: unknown id there.
  std::filesystem::remove_all(dir_ + "/data");
  std::filesystem::remove(dir_ + "/master.key");
  ASSERT_TRUE(keyring::CreateMasterKeyFile(dir_ + "/master.key").ok());
  auto v = Open();
  auto a = Tokens(*v).Create("admin", "other");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(Tokens(*v).Authenticate(token).ok());
}

}  // namespace
}  // namespace mailrelay::vault
