// tests/unit/mime/body_selection_test.cc — which parts become plain/html and which become
// attachments, and how they are decoded.
#include "mime/body_selection.h"

#include "gtest/gtest.h"

namespace mailrelay::mime {
namespace {

Message Select(std::string_view raw) {
  StatusOr<Part> root = ParseMimeTree(raw, Limits{});
  EXPECT_TRUE(root.ok());
  Message m;
  if (root.ok()) SelectBodies(*root, &m);
  return m;
}

TEST(BodySelectionTest, SinglePartPlainIsDecodedToUtf8WithLf) {
  const Message m = Select(
      "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: "
      "quoted-printable\r\n\r\ncaf=E9\r\nline 2\r\n");
  EXPECT_EQ(m.plain, "caf\xC3\xA9\nline 2\n");
  EXPECT_TRUE(m.html.empty());
}

TEST(BodySelectionTest, AlternativePrefersLastOfEachKind) {
  const Message m = Select(
      "Content-Type: multipart/alternative; boundary=b\n\n"
      "--b\nContent-Type: text/plain\n\nfirst\n"
      "--b\nContent-Type: text/plain\n\nsecond\n"
      "--b\nContent-Type: text/html\n\n<p>h</p>\n--b--\n");
  EXPECT_EQ(m.plain, "second");
  EXPECT_EQ(m.html, "<p>h</p>");
  EXPECT_TRUE(m.attachments.empty());
}

TEST(BodySelectionTest, NonTextAlternativeIsKeptAsAttachment) {
  const Message m = Select(
      "Content-Type: multipart/alternative; boundary=b\n\n"
      "--b\nContent-Type: text/plain\n\ninvite\n"
      "--b\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\n--b--\n");
  EXPECT_EQ(m.plain, "invite");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].content_type, "text/calendar");
  EXPECT_EQ(m.attachments[0].content, "BEGIN:VCALENDAR");
}

TEST(BodySelectionTest, RelatedResourcesAreInlineAttachmentsWithContentId) {
  const Message m = Select(
      "Content-Type: multipart/related; boundary=r\n\n"
      "--r\nContent-Type: text/html\n\n<img src=\"cid:logo@x\">\n"
      "--r\nContent-Type: image/png; name=logo.png\nContent-ID: <logo@x>\n"
      "Content-Transfer-Encoding: base64\n\niVBO\n--r--\n");
  EXPECT_EQ(m.html, "<img src=\"cid:logo@x\">");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].disposition, "inline");
  EXPECT_EQ(m.attachments[0].content_id, "logo@x");
  EXPECT_EQ(m.attachments[0].file_name, "logo.png");
  EXPECT_EQ(m.attachments[0].content, std::string("\x89PN", 3));
}

TEST(BodySelectionTest, MixedJoinsInlineTextPartsAndKeepsFilesAsAttachments) {
  const Message m = Select(
      "Content-Type: multipart/mixed; boundary=m\n\n"
      "--m\nContent-Type: text/plain\n\none\n"
      "--m\nContent-Type: application/pdf\nContent-Disposition: attachment; "
      "filename=\"a.pdf\"\n\n%PDF\n"
      "--m\nContent-Type: text/plain\nContent-Disposition: inline\n\ntwo\n"
      "--m\nContent-Type: text/plain\nContent-Disposition: attachment; filename=n.txt\n\nnote\n"
      "--m--\n");
  EXPECT_EQ(m.plain, "one\ntwo");
  ASSERT_EQ(m.attachments.size(), 2u);
  EXPECT_EQ(m.attachments[0].file_name, "a.pdf");
  EXPECT_EQ(m.attachments[0].disposition, "attachment");
  EXPECT_EQ(m.attachments[1].file_name, "n.txt");
  EXPECT_EQ(m.attachments[1].content, "note");
}

TEST(BodySelectionTest, NamedTextPartWithoutDispositionIsAnAttachment) {
  const Message m = Select(
      "Content-Type: multipart/mixed; boundary=m\n\n--m\n\nbody\n"
      "--m\nContent-Type: text/plain; name=\"log.txt\"\n\nlog\n--m--\n");
  EXPECT_EQ(m.plain, "body");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].file_name, "log.txt");
}

TEST(BodySelectionTest, MessageRfc822IsAnAttachmentWithTheInnerMessage) {
  const Message m = Select(
      "Content-Type: multipart/mixed; boundary=m\n\n--m\n\nsee below\n"
      "--m\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n--m--\n");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].content_type, "message/rfc822");
  EXPECT_EQ(m.attachments[0].file_name, "");
  EXPECT_EQ(m.attachments[0].content, "Subject: inner\n\ninner body");
}

TEST(BodySelectionTest, Rfc2231FileNameIsDecoded) {
  const Message m = Select(
      "Content-Type: application/octet-stream\nContent-Disposition: attachment;\n"
      " filename*0*=UTF-8''%E3%81%82; filename*1*=.bin\n\nx");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].file_name, "あ.bin");
}

TEST(BodySelectionTest, UuencodedAttachmentIsDecodedAndNamedFromBeginLine) {
  const Message m = Select(
      "Content-Type: application/octet-stream\nContent-Transfer-Encoding: x-uuencode\n\n"
      "begin 644 cat.txt\n#0V%T\n`\nend\n");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].content, "Cat");
  EXPECT_EQ(m.attachments[0].file_name, "cat.txt");
}

TEST(BodySelectionTest, FormatFlowedIsUnwrapped) {
  const Message m = Select("Content-Type: text/plain; format=flowed\n\nThis is \nflowed.\n");
  EXPECT_EQ(m.plain, "This is flowed.\n");
}

TEST(BodySelectionTest, HtmlCharsetIsSniffedFromMetaWhenMissing) {
  const Message m =
      Select("Content-Type: text/html\n\n<meta charset=\"koi8-r\"><p>\xF0\xD2\xC9</p>");
  EXPECT_EQ(m.html, "<meta charset=\"koi8-r\"><p>При</p>");
}

TEST(BodySelectionTest, UnknownCharsetPartIsKeptAndValid) {
  const Message m = Select("Content-Type: text/plain; charset=x-nonsense\n\ncaf\xE9");
  EXPECT_EQ(m.plain, "caf\xC3\xA9");
}

}  // namespace
}  // namespace mailrelay::mime
