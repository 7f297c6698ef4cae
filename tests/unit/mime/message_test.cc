// tests/unit/mime/message_test.cc — Parse(): decoded headers, Find, limits.
#include "mime/message.h"

#include "gtest/gtest.h"

namespace mailrelay::mime {
namespace {

TEST(MessageTest, HeadersAreKeptInOrderDecodedAndRaw) {
  StatusOr<Message> m = Parse(
      "Received: a\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n folded\r\nReceived: b\r\n\r\nhi\r\n");
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->headers.size(), 3u);
  EXPECT_EQ(m->headers[1].value, "caf\xC3\xA9 folded");
  EXPECT_EQ(m->headers[1].raw_value, "=?utf-8?q?caf=C3=A9?= folded");
  EXPECT_EQ(m->headers[2].value, "b");
  EXPECT_EQ(m->plain, "hi\n");
}

TEST(MessageTest, FindIsCaseInsensitiveAndReturnsFirst) {
  StatusOr<Message> m = Parse("message-id: <1@x>\nMessage-ID: <2@x>\n\n");
  ASSERT_TRUE(m.ok());
  ASSERT_NE(m->Find("Message-ID"), nullptr);
  EXPECT_EQ(m->Find("MESSAGE-ID")->value, "<1@x>");
  EXPECT_EQ(m->Find("Subject"), nullptr);
}

TEST(MessageTest, EmptyInputIsAnEmptyMessage) {
  StatusOr<Message> m = Parse("");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->headers.empty());
  EXPECT_TRUE(m->plain.empty());
}

TEST(MessageTest, OversizedHeaderBlockFailsNamingTheLimit) {
  Limits limits;
  limits.max_header_bytes = 64;
  StatusOr<Message> m = Parse("X: " + std::string(100, 'x') + "\n\nbody", limits);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(m.status().message().find("max_header_bytes"), std::string::npos);
}

TEST(MessageTest, ParseAddressListOnRawValueKeepsEncodedCommaInName) {
  StatusOr<Message> m = Parse("From: =?utf-8?q?Doe=2C_J?= <j@x>\n\n");
  ASSERT_TRUE(m.ok());
  const std::vector<Address> from = ParseAddressList(m->Find("From")->raw_value);
  ASSERT_EQ(from.size(), 1u);
  EXPECT_EQ(from[0].name, "Doe, J");
}

}  // namespace
}  // namespace mailrelay::mime
