#include "vault/cursor.h"

#include <gtest/gtest.h>

#include <vector>

namespace mailrelay::vault {
namespace {

TEST(CursorTest, RoundTrips) {
  CursorPosition p{1'700'000'000'123, "01HZX3K5W6ABCDEFGHJKMNPQRS"};
  auto back = DecodeCursor(EncodeCursor(p));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->received_at_ms, p.received_at_ms);
  EXPECT_EQ(back->id, p.id);
}

TEST(CursorTest, IsUrlSafe) {
  std::string c = EncodeCursor({-5, "a_b-c"});
  EXPECT_EQ(c.find_first_of("+/=&?# "), std::string::npos) << c;
}

TEST(CursorTest, GarbageIsInvalidArgument) {
  for (const std::string& bad :
       std::vector<std::string>{"", "!!!", "djE6", /* "v1:" */ "djE6MTIz" /* "v1:123" */,
                                "djI6MTIzOmFiYw" /* "v2:123:abc" */, "djE6eDphYmM" /* "v1:x:abc" */,
                                "djE6MTIzOmEnYg" /* "v1:123:a'b" */, std::string(300, 'A')}) {
    auto p = DecodeCursor(bad);
    EXPECT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace mailrelay::vault
