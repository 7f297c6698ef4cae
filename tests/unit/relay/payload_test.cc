#include "relay/payload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailrelay::relay {
namespace {

using ::testing::HasSubstr;

constexpr char kMessage[] =
    "From: a@x.test\r\nTo: b@y.test\r\nSubject: Hi\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    "--b1\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
    "--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
    "filename=\"f.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nUERG\r\n--b1--\r\n";

PayloadEnvelope Env() {
  PayloadEnvelope e;
  e.to = "b@y.test";
  e.from = "a@x.test";
  e.recipients = {"b@y.test"};
  return e;
}

Payload Build(PayloadFormat format, std::string_view boundary) {
  auto parsed = mime::Parse(kMessage);
  EXPECT_TRUE(parsed.ok());
  return BuildPayload(format, kMessage, *parsed, Env(), boundary);
}

TEST(PayloadTest, JsonFormat) {
  auto p = Build(PayloadFormat::kJson, "B");
  EXPECT_EQ(p.content_type, "application/json");
  auto j = nlohmann::json::parse(p.body);
  EXPECT_EQ(j["headers"]["subject"], "Hi");
  EXPECT_EQ(j["attachments"][0]["file_name"], "f.pdf");
  EXPECT_EQ(j["attachments"][0]["content"], "UERG");
}

TEST(PayloadTest, MultipartFormatFlattensAndAttachesFiles) {
  auto p = Build(PayloadFormat::kMultipart, "BOUNDARY");
  EXPECT_EQ(p.content_type, "multipart/form-data; boundary=BOUNDARY");
  EXPECT_THAT(p.body, HasSubstr("name=\"envelope[recipients][0]\"\r\nContent-Type: text/plain; "
                                "charset=utf-8\r\n\r\nb@y.test\r\n"));
  EXPECT_THAT(p.body, HasSubstr("name=\"headers[subject]\""));
  EXPECT_THAT(p.body, HasSubstr("name=\"attachments[0]\"; filename=\"f.pdf\"\r\nContent-Type: "
                                "application/pdf\r\n\r\nPDF\r\n"));
}

TEST(PayloadTest, RawFormatCarriesTheUntouchedMessage) {
  auto p = Build(PayloadFormat::kRaw, "BOUNDARY");
  EXPECT_THAT(p.body, HasSubstr(std::string("\r\n\r\n") + kMessage + "\r\n--BOUNDARY--\r\n"));
  EXPECT_THAT(p.body, HasSubstr("name=\"envelope[to]\""));
}

TEST(PayloadTest, BoundariesAreRandom) {
  EXPECT_NE(NewBoundary(), NewBoundary());
  EXPECT_EQ(NewBoundary().size(), 10u + 36u);
}

}  // namespace
}  // namespace mailrelay::relay
