#include "relay/webhook_signature.h"

#include <gtest/gtest.h>

namespace mailrelay::relay {
namespace {

TEST(WebhookSignatureTest, MatchesKnownHmacSha256) {
  // HMAC-SHA256(key="key", "1700000000.The quick brown fox"), computed with Python's hmac.
  EXPECT_EQ(SignWebhook("key", 1700000000, "The quick brown fox"),
            "t=1700000000,v1=94a2d29c55d07d9333ce48f2c48db8237d363908152c26bf57af92cd850f9901");
}

TEST(WebhookSignatureTest, VerifiesItsOwnSignature) {
  std::string header = SignWebhook("secret-secret-16", 1000, "{\"a\":1}");
  EXPECT_TRUE(VerifyWebhookSignature("secret-secret-16", header, "{\"a\":1}", 1010));
}

TEST(WebhookSignatureTest, RejectsTamperingStalenessAndWrongKey) {
  std::string header = SignWebhook("secret-secret-16", 1000, "body");
  EXPECT_FALSE(VerifyWebhookSignature("secret-secret-16", header, "body!", 1000));
  EXPECT_FALSE(VerifyWebhookSignature("other-secret-016", header, "body", 1000));
  EXPECT_FALSE(VerifyWebhookSignature("secret-secret-16", header, "body", 1000 + 301));
  EXPECT_FALSE(VerifyWebhookSignature("secret-secret-16", "t=1000,v1=zz", "body", 1000));
  EXPECT_FALSE(VerifyWebhookSignature("secret-secret-16", "v1=00", "body", 1000));
}

}  // namespace
}  // namespace mailrelay::relay
