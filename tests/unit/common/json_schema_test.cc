#include "common/json_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailrelay {
namespace {

TEST(JsonSchemaTest, ContextBecomesJsonPointer) {
  EXPECT_EQ(ContextToJsonPointer({"<root>", "[routes]", "[0]", "[target]"}), "/routes/0/target");
  EXPECT_EQ(ContextToJsonPointer({"<root>"}), "/");
  EXPECT_EQ(ContextToJsonPointer({"<root>", "[a/b]", "[c~d]"}), "/a~1b/c~0d");
}

TEST(JsonSchemaTest, ValidatesAndNamesTheDeepestFailure) {
  auto schema = JsonSchema::Compile(nlohmann::json::parse(R"({
    "type": "object",
    "properties": {"items": {"type": "array", "items": {"type": "integer"}}}
  })"));
  ASSERT_TRUE(schema.ok());
  EXPECT_TRUE((*schema)->Validate({{"items", {1, 2}}}, "doc").ok());
  Status s = (*schema)->Validate({{"items", {1, "two"}}}, "doc");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::StartsWith("doc: at /items/1:"));
}

}  // namespace
}  // namespace mailrelay
