// tests/unit/mime/address_list_test.cc — RFC 5322 address lists, including the sloppy ones.
#include "mime/address_list.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailrelay::mime {

bool operator==(const Address& a, const Address& b) {
  return a.name == b.name && a.address == b.address;
}
void PrintTo(const Address& a, std::ostream* os) {
  *os << "{" << a.name << ", " << a.address << "}";
}

namespace {

using ::testing::ElementsAre;
using A = Address;

TEST(AddressListTest, NameAddrAndBareAddrSpec) {
  EXPECT_THAT(ParseAddressList("Ann Example <ann@example.com>, bob@example.com"),
              ElementsAre(A{"Ann Example", "ann@example.com"}, A{"", "bob@example.com"}));
}

TEST(AddressListTest, QuotedDisplayNameMayContainCommas) {
  EXPECT_THAT(ParseAddressList("\"Doe, John\" <j@x.org>, \"A \\\"Q\\\"\" <q@x.org>"),
              ElementsAre(A{"Doe, John", "j@x.org"}, A{"A \"Q\"", "q@x.org"}));
}

TEST(AddressListTest, EncodedCommaInDisplayNameDoesNotSplit) {
  EXPECT_THAT(ParseAddressList("=?iso-8859-1?q?Doe=2C_J=F6rg?= <j@x.org>"),
              ElementsAre(A{"Doe, J\xC3\xB6rg", "j@x.org"}));
}

TEST(AddressListTest, CommentSuppliesNameWhenNoPhrase) {
  EXPECT_THAT(ParseAddressList("ann@example.com (Ann Example)"),
              ElementsAre(A{"Ann Example", "ann@example.com"}));
}

TEST(AddressListTest, GroupsAreFlattenedAndEmptyGroupsVanish) {
  EXPECT_THAT(ParseAddressList("A Group: a@x.org, B <b@x.org>; undisclosed-recipients:;, c@x.org"),
              ElementsAre(A{"", "a@x.org"}, A{"B", "b@x.org"}, A{"", "c@x.org"}));
}

TEST(AddressListTest, QuotedLocalPartIsKept) {
  EXPECT_THAT(ParseAddressList("\"john doe\"@example.com"),
              ElementsAre(A{"", "\"john doe\"@example.com"}));
}

TEST(AddressListTest, ObsoleteRouteIsDropped) {
  EXPECT_THAT(ParseAddressList("<@relay.org:ann@example.com>"),
              ElementsAre(A{"", "ann@example.com"}));
}

TEST(AddressListTest, MissingCommaBetweenMailboxesStartsANewOne) {
  EXPECT_THAT(ParseAddressList("Bob <bob@x> Bobby <bobby@x>"),
              ElementsAre(A{"Bob", "bob@x"}, A{"Bobby", "bobby@x"}));
  EXPECT_THAT(ParseAddressList("tim@x concierge@x"),
              ElementsAre(A{"", "tim@x"}, A{"", "concierge@x"}));
}

TEST(AddressListTest, Utf8NamesAndIdnAddressesPassThrough) {
  EXPECT_THAT(ParseAddressList("Jörg <jörg@bücher.example>"),
              ElementsAre(A{"Jörg", "jörg@bücher.example"}));
}

TEST(AddressListTest, EmptyAndJunkInputNeverFail) {
  EXPECT_TRUE(ParseAddressList("").empty());
  EXPECT_TRUE(ParseAddressList(" , ;").empty());
  EXPECT_THAT(ParseAddressList("<unterminated@x"), ElementsAre(A{"", "unterminated@x"}));
}

}  // namespace
}  // namespace mailrelay::mime
