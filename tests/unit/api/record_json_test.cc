#include "api/record_json.h"

#include <gtest/gtest.h>

namespace mailrelay::api {
namespace {

TEST(RecordJsonTest, PageShape) {
  vault::MessagePage page;
  vault::MetadataRecord r;
  r.id = "r1";
  r.message_id_ref = "m1";
  r.smtp_code = 250;
  r.sender = "a@x.test";
  r.subject = "hi";
  page.records.push_back(r);
  nlohmann::json j = MessagePageJson(page);
  ASSERT_EQ(j["messages"].size(), 1u);
  EXPECT_EQ(j["messages"][0]["id"], "r1");
  EXPECT_EQ(j["messages"][0]["message"], "m1");
  EXPECT_EQ(j["messages"][0]["smtp_code"], 250);
  EXPECT_EQ(j["messages"][0]["sender"], "a@x.test");
  EXPECT_EQ(j["messages"][0]["subject"], "hi");
  EXPECT_TRUE(j["next_cursor"].is_null());
  page.next_cursor = "c";
  EXPECT_EQ(MessagePageJson(page)["next_cursor"], "c");
  EXPECT_EQ(RecordJson(r).size(), 17u);
}

}  // namespace
}  // namespace mailrelay::api
