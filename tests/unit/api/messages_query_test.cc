#include "api/messages_query.h"

#include <gtest/gtest.h>

namespace mailrelay::api {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(MessagesQueryTest, EmptyIsTheDefaultQuery) {
  auto q = ParseMessagesQuery({});
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->route);
  EXPECT_EQ(q->status, vault::MessageStatus::kAny);
  EXPECT_FALSE(q->since_ms);
  EXPECT_EQ(q->limit, vault::kDefaultPageSize);
  EXPECT_EQ(q->cursor, "");
}

TEST(MessagesQueryTest, ParsesEveryParameter) {
  auto q = ParseMessagesQuery({{"route", "ok"},
                               {"status", "rejected"},
                               {"since", "2026-11-28T10:00:00Z"},
                               {"limit", "20"},
                               {"cursor", "abc"}});
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->route, "ok");
  EXPECT_EQ(q->status, vault::MessageStatus::kRejected);
  EXPECT_EQ(q->since_ms, int64_t{1795860000000});
  EXPECT_EQ(q->limit, 20u);
  EXPECT_EQ(q->cursor, "abc");
  auto ms = ParseMessagesQuery({{"since", "1700000000000"}});
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->since_ms, int64_t{1700000000000});
}

TEST(MessagesQueryTest, BadParametersAreNamed) {
  const std::vector<std::pair<Params, std::string>> cases = {
      {{{"limit", "0"}}, "limit"},
      {{{"limit", "1001"}}, "limit"},
      {{{"limit", "ten"}}, "limit"},
      {{{"limit", ""}}, "limit"},
      {{{"status", "bounced"}}, "status"},
      {{{"since", "yesterday"}}, "since"},
      {{{"since", "2026-11-28T10:00:00+01:00"}}, "since"},
      {{{"route", ""}}, "route"},
      {{{"cursor", ""}}, "cursor"},
      {{{"limit", "5"}, {"limit", "6"}}, "limit"},
      {{{"colour", "red"}}, "colour"},
  };
  for (const auto& [params, name] : cases) {
    auto q = ParseMessagesQuery(params);
    ASSERT_FALSE(q.ok()) << name;
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(q.status().message().find(name), std::string::npos) << q.status().message();
  }
}

}  // namespace
}  // namespace mailrelay::api
