// tests/unit/relay/json_payload_test.cc — the JSON webhook payload has CloudMailin's shape
// (reference/cloudmailin-json-normalized.json) and passes schemas/webhook.schema.json.
#include "relay/json_payload.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/json_schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mime/message.h"

namespace mailrelay::relay {
namespace {

using nlohmann::json;

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

json Reference() {
  return json::parse(ReadFile(std::filesystem::path(MAILRELAY_SHARED_DIR) / "reference" /
                              "cloudmailin-json-normalized.json"));
}

std::shared_ptr<const JsonSchema> Schema() {
  auto schema = JsonSchema::Compile(json::parse(
      ReadFile(std::filesystem::path(MAILRELAY_SOURCE_DIR) / "schemas" / "webhook.schema.json")));
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
  return schema.ok() ? *schema : nullptr;
}

PayloadEnvelope Envelope() {
  PayloadEnvelope e;
  e.to = "postman@cloudmailin.net";
  e.from = "from+test@cloudmailin.net";
  e.recipients = {"postman@cloudmailin.net"};
  e.helo_domain = "cloudmailin.net";
  e.remote_ip = "172.20.0.18";
  e.tls = true;
  e.tls_cipher = "TLSv1.3";
  return e;
}

// A message shaped like the one behind the reference payload.
constexpr std::string_view kMessage =
    "Received: by mail-qv1-f65.google.com with SMTP id p7so20148692qvl.4\r\n"
    "        for <postman@cloudmailin.net>; Wed, 08 Jul 2020 02:45:03 -0700\r\n"
    "Received: by localhost\r\n"
    "Date: Wed, 08 Jul 2020 10:44:51 +0100\r\n"
    "From: Steve Smith <test@example.com>\r\n"
    "To: postman@cloudmailin.net\r\n"
    "Message-ID: <CALazKR8Zr8Lsv@mail.gmail.com>\r\n"
    "Subject: =?UTF-8?Q?Test_Email_=E2=9C=93?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: multipart/alternative; boundary=\"b2\"\r\n"
    "\r\n"
    "--b2\r\n"
    "Content-Type: text/plain; charset=\"UTF-8\"\r\n"
    "\r\n"
    "Test Content\r\n"
    "\r\n"
    "> On 08 Jul 2020 at 10:00, example@cloudmailin.net wrote:\r\n"
    "> Example message\r\n"
    "--b2\r\n"
    "Content-Type: text/html; charset=\"UTF-8\"\r\n"
    "\r\n"
    "<div dir=\"ltr\">Test Content</div>\r\n"
    "--b2--\r\n"
    "--b1\r\n"
    "Content-Type: image/png; name=\"pixel.png\"\r\n"
    "Content-Disposition: attachment; filename=\"pixel.png\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-ID: <f_kcd6ejvs1>\r\n"
    "\r\n"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP0rdr1HwAFHwKCk87e6gAAAABJRU5E\r\n"
    "rkJggg==\r\n"
    "--b1--\r\n";

json Payload() {
  StatusOr<mime::Message> m = mime::Parse(kMessage);
  EXPECT_TRUE(m.ok());
  return BuildJsonPayload(*m, Envelope());
}

TEST(JsonPayloadTest, HasTheReferenceTopLevelFields) {
  const json p = Payload();
  for (const char* key : {"envelope", "headers", "plain", "html", "reply_plain", "attachments"}) {
    EXPECT_TRUE(p.contains(key)) << key;
    EXPECT_TRUE(Reference().contains(key)) << key;
  }
}

TEST(JsonPayloadTest, EnvelopeMatchesReferenceShape) {
  const json env = Payload()["envelope"];
  const json ref = Reference()["envelope"];
  for (const char* key :
       {"to", "from", "recipients", "helo_domain", "remote_ip", "tls", "tls_cipher", "spf"}) {
    ASSERT_TRUE(env.contains(key)) << key;
    EXPECT_EQ(env[key].type(), ref[key].type()) << key;
  }
  EXPECT_EQ(env["to"], ref["to"]);
  EXPECT_EQ(env["recipients"], ref["recipients"]);
  EXPECT_EQ(env["tls"], true);
  EXPECT_EQ(env["tls_cipher"], "TLSv1.3");
  EXPECT_EQ(env["spf"], json({{"result", "none"}, {"domain", ""}}));
}

TEST(JsonPayloadTest, HeaderNamesAreLowerCasedWithUnderscores) {
  const json h = Payload()["headers"];
  EXPECT_EQ(h["message_id"], "<CALazKR8Zr8Lsv@mail.gmail.com>");
  EXPECT_EQ(h["mime_version"], "1.0");
  EXPECT_FALSE(h.contains("Message-ID"));
  EXPECT_EQ(NormalizeHeaderName("X-GM-Message-State"), "x_gm_message_state");
}

TEST(JsonPayloadTest, RepeatedHeaderIsArrayInMessageOrder) {
  const json h = Payload()["headers"];
  ASSERT_TRUE(h["received"].is_array());
  ASSERT_EQ(h["received"].size(), 2u);
  EXPECT_EQ(h["received"][1], "by localhost");
  EXPECT_EQ(h["received"][0],
            "by mail-qv1-f65.google.com with SMTP id p7so20148692qvl.4        for "
            "<postman@cloudmailin.net>; Wed, 08 Jul 2020 02:45:03 -0700");
  EXPECT_TRUE(h["subject"].is_string());
}

TEST(JsonPayloadTest, HeaderValuesAreDecoded) {
  EXPECT_EQ(Payload()["headers"]["subject"], "Test Email \xE2\x9C\x93");
}

TEST(JsonPayloadTest, BodiesAndReplyPlainMatchReference) {
  const json p = Payload();
  EXPECT_EQ(p["plain"],
            "Test Content\n\n> On 08 Jul 2020 at 10:00, example@cloudmailin.net wrote:\n> "
            "Example message");
  EXPECT_EQ(p["html"], "<div dir=\"ltr\">Test Content</div>");
  EXPECT_EQ(p["reply_plain"], Reference()["reply_plain"]);
}

TEST(JsonPayloadTest, AttachmentSizeIsDecimalStringAndContentBase64) {
  const json a = Payload()["attachments"];
  ASSERT_EQ(a.size(), 1u);
  const json ref = Reference()["attachments"][0];
  EXPECT_TRUE(a[0]["size"].is_string());
  EXPECT_EQ(a[0]["size"], "70");
  EXPECT_EQ(a[0]["content"], ref["content"]);
  EXPECT_EQ(a[0]["file_name"], ref["file_name"]);
  EXPECT_EQ(a[0]["content_type"], ref["content_type"]);
  EXPECT_EQ(a[0]["disposition"], ref["disposition"]);
  EXPECT_EQ(a[0]["content_id"], ref["content_id"]);
}

TEST(JsonPayloadTest, NoAttachmentsIsEmptyArrayAndMissingBodiesAreNull) {
  StatusOr<mime::Message> m = mime::Parse("Subject: x\r\n\r\n");
  ASSERT_TRUE(m.ok());
  const json p = BuildJsonPayload(*m, PayloadEnvelope{});
  EXPECT_TRUE(p["attachments"].is_array());
  EXPECT_TRUE(p["attachments"].empty());
  EXPECT_TRUE(p["plain"].is_null());
  EXPECT_TRUE(p["html"].is_null());
  EXPECT_TRUE(p["reply_plain"].is_null());
  EXPECT_EQ(p["envelope"]["spf"]["result"], "none");
}

TEST(JsonPayloadTest, InvalidUtf8AnywhereIsRepairedSoDumpDoesNotThrow) {
  mime::Message m;
  m.headers.push_back({"X-Bad\xFF", "caf\xE9", "caf\xE9"});
  m.plain = "a\xC3";
  m.html = "\xED\xA0\x80";  // an encoded surrogate
  m.attachments.push_back(
      {"\xFF.bin", "application/octet-stream", "attachment", "id\xFE", std::string("\x00\xFF", 2)});
  PayloadEnvelope e;
  e.from = "\xC0\xAF@x";
  const json p = BuildJsonPayload(m, e);
  std::string text;
  EXPECT_NO_THROW(text = p.dump());
  EXPECT_EQ(p["plain"], "a\xEF\xBF\xBD");
  EXPECT_EQ(p["attachments"][0]["content"], "AP8=");
  EXPECT_EQ(p["attachments"][0]["size"], "2");
}

TEST(JsonPayloadTest, PayloadValidatesAgainstSchema) {
  auto schema = Schema();
  ASSERT_NE(schema, nullptr);
  EXPECT_TRUE(schema->Validate(Payload(), "payload").ok())
      << schema->Validate(Payload(), "payload").ToString();
  StatusOr<mime::Message> empty = mime::Parse("\r\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(schema->Validate(BuildJsonPayload(*empty, {}), "empty").ok());
}

TEST(JsonPayloadTest, CloudMailinReferenceValidatesAgainstSchema) {
  auto schema = Schema();
  ASSERT_NE(schema, nullptr);
  const Status s = schema->Validate(Reference(), "reference");
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(JsonPayloadTest, SchemaRejectsNumericSize) {
  auto schema = Schema();
  ASSERT_NE(schema, nullptr);
  json p = Payload();
  p["attachments"][0]["size"] = 70;
  EXPECT_FALSE(schema->Validate(p, "payload").ok());
}

}  // namespace
}  // namespace mailrelay::relay

namespace mailrelay::relay {
namespace {

// The relay posts RenderJsonPayload's text; it must say exactly what BuildJsonPayload says.
TEST(RenderJsonPayloadTest, EqualsTheDomPayloadAndValidatesForEveryCorpusMessage) {
  auto schema = Schema();
  ASSERT_NE(schema, nullptr);
  PayloadEnvelope e;
  e.to = "b@x.test";
  e.from = "a\"quote@x.test";
  e.recipients = {"b@x.test", "c@x.test"};
  e.tls = true;
  e.tls_cipher = "TLSv1.3";
  size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(MAILRELAY_SHARED_DIR) / "corpus")) {
    if (entry.path().extension() != ".eml") continue;
    StatusOr<mime::Message> m = mime::Parse(ReadFile(entry.path()));
    ASSERT_TRUE(m.ok()) << entry.path();
    const std::string text = RenderJsonPayload(*m, e);
    json parsed;
    ASSERT_NO_THROW(parsed = json::parse(text)) << entry.path();
    EXPECT_EQ(parsed, BuildJsonPayload(*m, e)) << entry.path();
    EXPECT_EQ(text, BuildJsonPayload(*m, e).dump()) << entry.path();
    Status valid = schema->Validate(parsed, entry.path().filename().string());
    EXPECT_TRUE(valid.ok()) << valid.ToString();
    ++compared;
  }
  EXPECT_GT(compared, 40u);
}

TEST(RenderJsonPayloadTest, RepairsInvalidUtf8AndEscapesControls) {
  mime::Message m;
  m.headers.push_back({"X-Bad\xFF", "caf\xE9\x01\"\\", "caf\xE9"});
  m.plain = "a\xC3\ttab\r\n";
  PayloadEnvelope e;
  e.from = "\xC0\xAF@x";
  const std::string text = RenderJsonPayload(m, e);
  json parsed = json::parse(text);
  EXPECT_EQ(parsed["plain"], "a\xEF\xBF\xBD\ttab\r\n");
  EXPECT_EQ(parsed, BuildJsonPayload(m, e));
}

}  // namespace
}  // namespace mailrelay::relay
