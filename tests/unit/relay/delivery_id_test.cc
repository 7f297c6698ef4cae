#include "relay/delivery_id.h"

#include <gtest/gtest.h>

namespace mailrelay::relay {
namespace {

TEST(DeliveryIdTest, SameInputsSameIdAndRecipientOrderDoesNotMatter) {
  std::string a = DeliveryId("msg", "r1", {"a@x", "b@x"});
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, DeliveryId("msg", "r1", {"b@x", "a@x"}));
}

TEST(DeliveryIdTest, AnyInputChangesTheId) {
  std::string a = DeliveryId("msg", "r1", {"a@x"});
  EXPECT_NE(a, DeliveryId("msg2", "r1", {"a@x"}));
  EXPECT_NE(a, DeliveryId("msg", "r2", {"a@x"}));
  EXPECT_NE(a, DeliveryId("msg", "r1", {"b@x"}));
  // Length prefixes keep part boundaries apart.
  EXPECT_NE(DeliveryId("ab", "c", {}), DeliveryId("a", "bc", {}));
}

TEST(DeliveryIdTest, StripFirstHeaderFieldRemovesFoldedReceived) {
  std::string m =
      "Received: from x\r\n\tby y with ESMTP id 1\r\n\tfor <a@b>; date\r\nSubject: s\r\n\r\nbody";
  EXPECT_EQ(StripFirstHeaderField(m), "Subject: s\r\n\r\nbody");
  EXPECT_EQ(StripFirstHeaderField("Received: x\r\n\r\nbody"), "\r\nbody");
  EXPECT_EQ(StripFirstHeaderField("no newline"), "");
}

}  // namespace
}  // namespace mailrelay::relay
