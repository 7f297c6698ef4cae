// tests/unit/mime/date_test.cc — RFC 5322 date-time parsing and ISO formatting.
#include "mime/date.h"

#include "gtest/gtest.h"

namespace mailrelay::mime {
namespace {

std::string Iso(std::string_view v) {
  const std::optional<int64_t> t = ParseDate(v);
  return t ? FormatIsoUtc(*t) : "null";
}

TEST(DateTest, Rfc5322DateWithNumericZone) {
  EXPECT_EQ(Iso("Wed, 08 Jul 2020 10:44:51 +0100"), "2020-07-08T09:44:51.000Z");
  EXPECT_EQ(Iso("Fri, 21 Nov 1997 09:55:06 -0600"), "1997-11-21T15:55:06.000Z");
}

TEST(DateTest, HalfHourZoneAndCommentAreHandled) {
  EXPECT_EQ(Iso("Thu, 13 Feb 1969 23:32:54 -0330 (Newfoundland Time)"), "1969-02-14T03:02:54.000Z");
}

TEST(DateTest, TwoAndThreeDigitYearsFollowRfc5322) {
  EXPECT_EQ(Iso("21 Nov 97 09:55:06 GMT"), "1997-11-21T09:55:06.000Z");
  EXPECT_EQ(Iso("1 Jan 03 00:00 UT"), "2003-01-01T00:00:00.000Z");
  EXPECT_EQ(Iso("1 Jan 103 00:00:00 +0000"), "2003-01-01T00:00:00.000Z");
}

TEST(DateTest, NamedUsZonesAndAsctimeOrder) {
  EXPECT_EQ(Iso("Mon, 1 Jan 2001 00:00:00 EST"), "2001-01-01T05:00:00.000Z");
  EXPECT_EQ(Iso("Sat Dec 20 12:00:00 1997"), "1997-12-20T12:00:00.000Z");
}

TEST(DateTest, GarbageIsNullopt) {
  EXPECT_EQ(Iso("Malformed Date."), "null");
  EXPECT_EQ(Iso(""), "null");
  EXPECT_EQ(Iso("1 Jan 2001 25:00:00"), "null");
}

}  // namespace
}  // namespace mailrelay::mime
