// common/policy_set.h: the four policy files loaded together — schema errors and cross-file
// commitments name the file, the JSON pointer and the limit.
#include "common/policy_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/embedded_policy.h"

namespace mailrelay {
namespace {

using ::testing::HasSubstr;

class PolicySetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "mailrelay-policyset-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  // Writes the built-in `name` changed by `edit`.
  template <typename F>
  void Edit(const std::string& name, std::string_view builtin, F edit) {
    nlohmann::json doc = nlohmann::json::parse(builtin);
    edit(doc);
    Write(name, doc.dump());
  }
  std::string Refusal() {
    auto p = LoadPolicySet(dir_);
    EXPECT_FALSE(p.ok());
    return p.ok() ? "" : p.status().message();
  }
  std::string dir_;
};

TEST_F(PolicySetTest, TheShippedFilesLoadAndAgree) {
  auto p = LoadPolicySet("");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->files.size(), 4u);
  EXPECT_EQ(p->files[0].name, "regions.json");
  EXPECT_TRUE(p->files[0].builtin);
  EXPECT_EQ(p->files[0].sha256.size(), 64u);
  EXPECT_EQ(p->region_ids, (std::vector<std::string>{"us", "eu", "ap"}));
  EXPECT_EQ(p->subprocessors["subprocessors"].size(), 3u);
  EXPECT_EQ(p->retention_policy.For("eu").field_days.at("subject"), 14);
}

TEST_F(PolicySetTest, AnEmptyDirectoryMeansTheBuiltInCopies) {
  auto p = LoadPolicySet(dir_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  for (const auto& f : p->files) EXPECT_TRUE(f.builtin) << f.name;
}

TEST_F(PolicySetTest, AFileInTheDirectoryWinsOverTheBuiltInCopy) {
  Write("retention.json", R"({"default": {"record_days": 6}})");
  auto p = LoadPolicySet(dir_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_FALSE(p->files[1].builtin);
  EXPECT_EQ(p->files[1].source, dir_ + "/retention.json");
  EXPECT_EQ(p->retention_policy.For("us").record_days, 6);
}

TEST_F(PolicySetTest, ASchemaViolationNamesFileAndPointer) {
  Edit("subprocessors.json", BuiltinSubprocessorsText(),
       [](nlohmann::json& d) { d["subprocessors"][1]["purpose"] = 5; });
  std::string m = Refusal();
  EXPECT_THAT(m, HasSubstr(dir_ + "/subprocessors.json: at /subprocessors/1/purpose"));
}

TEST_F(PolicySetTest, ARegionsSchemaViolationIsRefused) {
  Write("regions.json", R"({"regions": [{"id": "US", "name": "x", "location": "y"}]})");
  EXPECT_THAT(Refusal(), HasSubstr(dir_ + "/regions.json: at /regions/0/id"));
}

TEST_F(PolicySetTest, ADpaWithoutPurposesIsRefused) {
  Edit("dpa.json", BuiltinDpaText(), [](nlohmann::json& d) { d.erase("processing_purposes"); });
  EXPECT_THAT(Refusal(), HasSubstr(dir_ + "/dpa.json"));
}

TEST_F(PolicySetTest, RetentionBeyondTheDpaIsRefusedWithTheLimit) {
  Edit("retention.json", BuiltinRetentionText(),
       [](nlohmann::json& d) { d["regions"]["ap"]["record_days"] = 45; });
  std::string m = Refusal();
  EXPECT_THAT(m, HasSubstr(dir_ + "/retention.json: at /regions/ap/record_days"));
  EXPECT_THAT(m, HasSubstr("limit of 30 days"));
  EXPECT_THAT(m, HasSubstr("dpa.json> /max_lifetimes_days/record"));
}

TEST_F(PolicySetTest, ARegionTheDpaDoesNotAllowIsRefused) {
  Edit("regions.json", BuiltinRegionsText(), [](nlohmann::json& d) {
    d["regions"].push_back({{"id", "cn"}, {"name", "China"}, {"location", "Beijing"}});
  });
  std::string m = Refusal();
  EXPECT_THAT(m, HasSubstr(dir_ + "/regions.json: at /regions/3/id"));
  EXPECT_THAT(m, HasSubstr("\"cn\" is not allowed by the DPA"));
  EXPECT_THAT(m, HasSubstr("/allowed_regions"));
}

TEST_F(PolicySetTest, ARegionListedTwiceIsRefused) {
  Edit("regions.json", BuiltinRegionsText(),
       [](nlohmann::json& d) { d["regions"].push_back(d["regions"][0]); });
  EXPECT_THAT(Refusal(), HasSubstr("/regions/3/id: region \"us\" is listed twice"));
}

TEST_F(PolicySetTest, RetentionForAnUnknownRegionIsRefused) {
  // Allowed by the DPA but not one of regions.json's.
  Edit("regions.json", BuiltinRegionsText(), [](nlohmann::json& d) { d["regions"].erase(2); });
  std::string m = Refusal();
  EXPECT_THAT(m, HasSubstr("<built-in policy/retention.json>: at /regions/ap: region \"ap\""));
  EXPECT_THAT(m, HasSubstr(dir_ + "/regions.json /regions"));
}

TEST_F(PolicySetTest, ASubprocessorInAnUnknownRegionIsRefused) {
  Edit("subprocessors.json", BuiltinSubprocessorsText(),
       [](nlohmann::json& d) { d["subprocessors"][2]["locations"].push_back("mars"); });
  std::string m = Refusal();
  EXPECT_THAT(m, HasSubstr(dir_ + "/subprocessors.json: at /subprocessors/2/locations/2"));
  EXPECT_THAT(m, HasSubstr("\"mars\" is not a known region"));
  EXPECT_THAT(m, HasSubstr("regions.json> /regions"));
}

TEST_F(PolicySetTest, BrokenJsonNamesTheFile) {
  Write("dpa.json", "{");
  auto p = LoadPolicySet(dir_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr(dir_ + "/dpa.json: not valid JSON"));
}

}  // namespace
}  // namespace mailrelay
