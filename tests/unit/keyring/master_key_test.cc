#include "keyring/master_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "keyring/key_set.h"
#include "temp_dir.h"

namespace mailrelay::keyring {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kHexKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

class MasterKeyTest : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv(kMasterKeyEnv); }
  void TearDown() override { ::unsetenv(kMasterKeyEnv); }
  void Write(const std::string& path, const std::string& text, mode_t mode) {
    std::ofstream(path) << text;
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
  }
  // Two keys are the same when they derive the same check value.
  static std::string Fingerprint(const MasterKey& key) {
    auto set = KeySet::Derive(key, "eu");
    return set.ok() ? (*set)->KeyCheckValue() : "";
  }
  mailrelay::testing::TempDir dir_;
};

TEST_F(MasterKeyTest, CreatedFileHasMode0600AndLoads) {
  std::string path = dir_.File("master.key");
  ASSERT_TRUE(CreateMasterKeyFile(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 65);  // 64 hex digits + newline
  auto key = MasterKey::Load(path);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
}

TEST_F(MasterKeyTest, TwoCreatedKeysDiffer) {
  ASSERT_TRUE(CreateMasterKeyFile(dir_.File("a.key")).ok());
  ASSERT_TRUE(CreateMasterKeyFile(dir_.File("b.key")).ok());
  auto a = MasterKey::Load(dir_.File("a.key"));
  auto b = MasterKey::Load(dir_.File("b.key"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(Fingerprint(*a), Fingerprint(*b));
}

TEST_F(MasterKeyTest, CreateRefusesToOverwriteAnExistingFile) {
  std::string path = dir_.File("master.key");
  Write(path, std::string(kHexKey) + "\n", 0600);
  Status s = CreateMasterKeyFile(path);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(s.message(), HasSubstr(path));
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, kHexKey);
}

TEST_F(MasterKeyTest, GroupReadableFileIsRefusedWithChmodHint) {
  std::string path = dir_.File("master.key");
  Write(path, kHexKey, 0644);
  auto key = MasterKey::Load(path);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(key.status().message(), HasSubstr("master key file " + path + " has mode 0644"));
  EXPECT_THAT(key.status().message(), HasSubstr("chmod 600"));
}

TEST_F(MasterKeyTest, GroupWritableOnlyFileIsAlsoRefused) {
  std::string path = dir_.File("master.key");
  Write(path, kHexKey, 0620);
  EXPECT_EQ(MasterKey::Load(path).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(MasterKeyTest, MissingFileIsNotFoundAndNamesKeysInit) {
  std::string path = dir_.File("nope.key");
  auto key = MasterKey::Load(path);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(key.status().message(), HasSubstr("master key file " + path + " missing"));
  EXPECT_THAT(key.status().message(), HasSubstr("mailrelay keys init"));
}

TEST_F(MasterKeyTest, SymlinkIsRefused) {
  std::string real = dir_.File("real.key"), link = dir_.File("link.key");
  Write(real, kHexKey, 0600);
  ASSERT_EQ(::symlink(real.c_str(), link.c_str()), 0);
  EXPECT_EQ(MasterKey::Load(link).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(MasterKeyTest, FileWithSurroundingWhitespaceLoads) {
  std::string path = dir_.File("master.key");
  Write(path, std::string("  ") + kHexKey + "\r\n", 0600);
  EXPECT_TRUE(MasterKey::Load(path).ok());
}

struct MalformedCase {
  const char* name;
  std::string text;
};

class MalformedKeyTest : public MasterKeyTest,
                         public ::testing::WithParamInterface<MalformedCase> {};

TEST_P(MalformedKeyTest, IsRefusedWithoutEchoingTheKey) {
  std::string path = dir_.File("master.key");
  Write(path, GetParam().text, 0600);
  auto key = MasterKey::Load(path);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(key.status().message(), HasSubstr("master key file " + path + " is malformed"));
  if (GetParam().text.size() > 8) {
    EXPECT_THAT(key.status().message(), Not(HasSubstr(GetParam().text.substr(0, 8))));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedKeyTest,
    ::testing::Values(MalformedCase{"Empty", ""},
                      MalformedCase{"TooShort", std::string(kHexKey).substr(2)},
                      MalformedCase{"TooLong", std::string(kHexKey) + "00"},
                      MalformedCase{"NotHex", "zz" + std::string(kHexKey).substr(2)},
                      MalformedCase{"InnerSpace", std::string(kHexKey).substr(0, 32) + " " +
                                                      std::string(kHexKey).substr(33)},
                      MalformedCase{"Huge", std::string(4096, 'a')}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

TEST_F(MasterKeyTest, EnvironmentOverridesTheFile) {
  std::string path = dir_.File("master.key");
  ASSERT_TRUE(CreateMasterKeyFile(path).ok());
  auto from_file = MasterKey::Load(path);
  ASSERT_TRUE(from_file.ok());
  ::setenv(kMasterKeyEnv, kHexKey, 1);
  auto from_env = MasterKey::Load(path);
  ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
  auto direct = MasterKey::FromHex(kHexKey, "test");
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(Fingerprint(*from_env), Fingerprint(*direct));
  EXPECT_NE(Fingerprint(*from_env), Fingerprint(*from_file));
}

TEST_F(MasterKeyTest, EnvironmentWorksWithoutAnyFile) {
  ::setenv(kMasterKeyEnv, kHexKey, 1);
  EXPECT_TRUE(MasterKey::Load(dir_.File("absent.key")).ok());
}

TEST_F(MasterKeyTest, MalformedEnvironmentKeyIsRefusedAndNamed) {
  ::setenv(kMasterKeyEnv, "deadbeef", 1);
  auto key = MasterKey::Load(dir_.File("absent.key"));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(key.status().message(), HasSubstr("MAILRELAY_MASTER_KEY is malformed"));
  EXPECT_THAT(key.status().message(), Not(HasSubstr("deadbeef")));
}

}  // namespace
}  // namespace mailrelay::keyring
