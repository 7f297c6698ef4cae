#include "auditlog/base64.h"

#include <gtest/gtest.h>

namespace mailrelay::auditlog {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), "foob");
}

TEST(Base64Test, DecodeIsStrict) {
  EXPECT_FALSE(Base64Decode("Zm9vYg").has_value());     // missing padding
  EXPECT_FALSE(Base64Decode("Zm9v Yg==").has_value());  // whitespace
  EXPECT_FALSE(Base64Decode("Zm9vYh==").has_value());   // non-zero unused bits
  EXPECT_FALSE(Base64Decode("Zm9v_-==").has_value());   // URL alphabet
  EXPECT_FALSE(Base64Decode("Zm9vYg==\n").has_value());
  EXPECT_FALSE(Base64Decode("Zg=a").has_value());
}

}  // namespace
}  // namespace mailrelay::auditlog
