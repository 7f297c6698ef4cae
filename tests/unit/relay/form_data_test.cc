#include "relay/form_data.h"

#include <gtest/gtest.h>

namespace mailrelay::relay {
namespace {

TEST(FormDataTest, BuildsRfc7578Body) {
  FormData f("BOUND");
  f.AddField("envelope[to]", "a@x.test");
  f.AddFile("attachments[0]", "r\xc3\xa9sum\xc3\xa9.pdf", "application/pdf", "PDF");
  EXPECT_EQ(f.ContentType(), "multipart/form-data; boundary=BOUND");
  EXPECT_EQ(f.Finish(),
            "--BOUND\r\nContent-Disposition: form-data; name=\"envelope[to]\"\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\na@x.test\r\n"
            "--BOUND\r\nContent-Disposition: form-data; name=\"attachments[0]\"; "
            "filename=\"r\xc3\xa9sum\xc3\xa9.pdf\"\r\nContent-Type: application/pdf\r\n\r\nPDF\r\n"
            "--BOUND--\r\n");
}

TEST(FormDataTest, HostileFileNameCannotBreakTheHeader) {
  EXPECT_EQ(QuoteParam("a\"b\\c\r\nX-Evil: 1"), "\"a\\\"b\\\\cX-Evil: 1\"");
}

}  // namespace
}  // namespace mailrelay::relay
