#include "common/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mailrelay::log {
namespace {

std::vector<std::string>* g_lines = nullptr;
void Capture(std::string_view line) { g_lines->emplace_back(line); }

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_lines = &lines_;
    SetSink(&Capture);
  }
  void TearDown() override {
    SetSink(nullptr);
    SetMinLevel(Level::kInfo);
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, EventIsOneJsonLine) {
  Info("relay.delivery").Ident("message", Id("01ABC")).Num("smtp_code", 250).Emit();
  ASSERT_EQ(lines_.size(), 1u);
  ASSERT_EQ(lines_[0].back(), '\n');
  auto j = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(j["event"], "relay.delivery");
  EXPECT_EQ(j["message"], "01ABC");
  EXPECT_EQ(j["smtp_code"], 250);
  EXPECT_EQ(j["level"], "info");
}

TEST_F(LogTest, IdsThatLookLikeAddressesOrIpsAreRedacted) {
  Info("x").Ident("a", Id("alice@example.com")).Ident("b", Id("10.1.2.3")).Ident("c", Id("a b"));
  ASSERT_EQ(lines_.size(), 1u);  // the destructor emitted it
  EXPECT_THAT(lines_[0], ::testing::Not(::testing::HasSubstr("alice")));
  EXPECT_THAT(lines_[0], ::testing::Not(::testing::HasSubstr("10.1.2.3")));
  auto j = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(j["a"], "<redacted>");
  EXPECT_EQ(j["b"], "<redacted>");
  EXPECT_EQ(j["c"], "<redacted>");
}

TEST_F(LogTest, EventsBelowTheMinimumLevelAreDropped) {
  SetMinLevel(Level::kWarn);
  Info("quiet").Emit();
  Warn("loud").Emit();
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_THAT(lines_[0], ::testing::HasSubstr("loud"));
}

}  // namespace
}  // namespace mailrelay::log
