// Tests for server/policy_regions.h: the config may name only regions regions.json lists, and a
// vault file of a region the policy no longer lists is refused.
#include "server/policy_regions.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace mailrelay::server {
namespace {

PolicySet Policy(std::vector<std::string> ids) {
  PolicySet p;
  p.region_ids = std::move(ids);
  PolicyFile regions;
  regions.name = "regions.json";
  regions.source = "/etc/mailrelay/policy/regions.json";
  p.files.push_back(regions);
  return p;
}

Config ConfigWith(std::string default_region, std::vector<std::string> route_regions) {
  Config c;
  c.source = "/etc/mailrelay/mailrelay.json";
  c.default_region = std::move(default_region);
  for (std::string& r : route_regions) {
    RouteConfig route;
    route.region = std::move(r);
    c.routes.push_back(route);
  }
  return c;
}

TEST(PolicyRegionsTest, TheVaultsRegionsAreThePolicysInItsOrder) {
  auto regions = VaultRegionsFor(ConfigWith("eu", {"eu", "ca"}), Policy({"us", "ca", "eu"}));
  ASSERT_TRUE(regions.ok()) << regions.status().ToString();
  EXPECT_EQ(*regions, (std::vector<std::string>{"us", "ca", "eu"}));
}

TEST(PolicyRegionsTest, AnUnlistedDefaultRegionIsNamedWithItsPointer) {
  auto regions = VaultRegionsFor(ConfigWith("ca", {}), Policy({"us", "eu"}));
  ASSERT_EQ(regions.status().code(), StatusCode::kFailedPrecondition);
  const std::string m = regions.status().message();
  EXPECT_NE(m.find("/etc/mailrelay/mailrelay.json: at /default_region: region \"ca\""),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("/etc/mailrelay/policy/regions.json (listed: us, eu)"), std::string::npos) << m;
}

TEST(PolicyRegionsTest, AnUnlistedRouteRegionIsNamedWithItsPointer) {
  auto regions = VaultRegionsFor(ConfigWith("us", {"us", "eu", "ap"}), Policy({"us", "eu"}));
  ASSERT_EQ(regions.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(regions.status().message().find("at /routes/2/region: region \"ap\""),
            std::string::npos)
      << regions.status().message();
}

class RegionFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "policy-regions-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Touch(const std::string& name) { std::ofstream(dir_ + "/" + name) << "x"; }
  std::string dir_;
};

TEST_F(RegionFilesTest, FilesOfListedRegionsAndOtherFilesPass) {
  for (const char* f : {"vault-us.db", "vault-eu.db", "vault-eu.db-wal", "vault-eu.db.keycheck",
                        "control.db", "audit.db", "vault-.db", "vault-UPPER.db"}) {
    Touch(f);
  }
  EXPECT_TRUE(CheckNoUnlistedRegionFiles(dir_, Policy({"us", "eu"})).ok());
}

TEST_F(RegionFilesTest, AFileOfARegionNoLongerListedIsRefused) {
  Touch("vault-us.db");
  Touch("vault-ap.db");
  Status s = CheckNoUnlistedRegionFiles(dir_, Policy({"us", "eu"}));
  ASSERT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find(dir_ + "/vault-ap.db holds region \"ap\""), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("no longer lists (listed: us, eu)"), std::string::npos) << s.message();
}

TEST_F(RegionFilesTest, AMissingDataDirectoryHasNoFilesToRefuse) {
  EXPECT_TRUE(CheckNoUnlistedRegionFiles(dir_ + "/not-yet", Policy({"us"})).ok());
}

}  // namespace
}  // namespace mailrelay::server
