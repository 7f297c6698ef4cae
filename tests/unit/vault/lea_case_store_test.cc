// The law-enforcement case store in control.db (vault/lea_case_store.h): sealed at rest,
// insert rolled back when its audit hook fails, updates atomic, refusals change nothing.
#include "vault/lea_case_store.h"

#include <gtest/gtest.h>

#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

class LeaCaseStoreTest : public testing::VaultFixture {};

TEST_F(LeaCaseStoreTest, InsertGetListUpdate) {
  auto v = MustOpen();
  auto cases = v->LeaCases();
  ASSERT_TRUE(cases.ok()) << cases.status().ToString();
  ASSERT_TRUE((*cases)->Insert("lea_1", 10, "first body", [] { return Status::Ok(); }).ok());
  ASSERT_TRUE((*cases)->Insert("lea_2", 20, "second body", [] { return Status::Ok(); }).ok());
  auto got = (*cases)->Get("lea_1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "first body");
  auto all = (*cases)->List();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<std::string>{"first body", "second body"}));
  ASSERT_TRUE(
      (*cases)
          ->Update("lea_2",
                   [](const std::string& old) -> StatusOr<std::string> { return old + " changed"; })
          .ok());
  EXPECT_EQ(*(*cases)->Get("lea_2"), "second body changed");
}

TEST_F(LeaCaseStoreTest, FailedHookRollsBackTheInsert) {
  auto v = MustOpen();
  auto cases = v->LeaCases();
  ASSERT_TRUE(cases.ok());
  Status s = (*cases)->Insert("lea_x", 1, "body", [] { return Status::Unavailable("log down"); });
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ((*cases)->Get("lea_x").status().code(), StatusCode::kNotFound);
}

TEST_F(LeaCaseStoreTest, DuplicateIdsAndUnknownIdsAreErrors) {
  auto v = MustOpen();
  auto cases = v->LeaCases();
  ASSERT_TRUE(cases.ok());
  ASSERT_TRUE((*cases)->Insert("lea_1", 1, "a", [] { return Status::Ok(); }).ok());
  EXPECT_EQ((*cases)->Insert("lea_1", 1, "b", [] { return Status::Ok(); }).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ((*cases)->Get("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*cases)->Get("../etc").status().code(), StatusCode::kNotFound);
  auto refuse = [](const std::string&) -> StatusOr<std::string> {
    return Status::FailedPrecondition("not now");
  };
  EXPECT_EQ((*cases)->Update("lea_1", refuse).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*(*cases)->Get("lea_1"), "a");
}

TEST_F(LeaCaseStoreTest, BodiesAreSealedAtRestAndReadableByAnotherProcess) {
  {
    auto v = MustOpen();
    auto cases = v->LeaCases();
    ASSERT_TRUE(cases.ok());
    ASSERT_TRUE(
        (*cases)
            ->Insert("lea_1", 1, "subject canary.lea@example.org", [] { return Status::Ok(); })
            .ok());
  }
  for (const char* suffix : {"", "-wal"}) {
    std::string bytes = testing::ReadAll(DataDir() + "/control.db" + suffix);
    EXPECT_EQ(bytes.find("canary.lea"), std::string::npos) << suffix;
  }
  auto v = MustOpen(false);
  auto cases = v->LeaCases();
  ASSERT_TRUE(cases.ok());
  EXPECT_EQ(*(*cases)->Get("lea_1"), "subject canary.lea@example.org");
}

}  // namespace
}  // namespace mailrelay::vault
