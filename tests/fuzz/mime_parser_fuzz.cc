// tests/fuzz/mime_parser_fuzz.cc — libFuzzer target: Parse and ReplyPlain on arbitrary bytes
// must not crash, hang, or hand out invalid UTF-8 text. Seed with shared/corpus/*.eml.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mime/message.h"
#include "mime/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  // Small limits so the fuzzer also explores the limit paths.
  mailrelay::mime::Limits limits;
  limits.max_header_bytes = 64 * 1024;
  limits.max_parts = 200;
  limits.max_depth = 16;
  mailrelay::StatusOr<mailrelay::mime::Message> m = mailrelay::mime::Parse(raw, limits);
  if (!m.ok()) return 0;
  const std::string reply = mailrelay::mime::ReplyPlain(m->plain);
  // The module promises valid UTF-8 text; a violation is a bug worth a crash report.
  if (!mailrelay::mime::IsValidUtf8(m->plain) || !mailrelay::mime::IsValidUtf8(m->html) ||
      !mailrelay::mime::IsValidUtf8(reply)) {
    std::abort();
  }
  for (const auto& h : m->headers) {
    if (!mailrelay::mime::IsValidUtf8(h.value)) std::abort();
    (void)mailrelay::mime::ParseAddressList(h.raw_value);
  }
  for (const auto& a : m->attachments) {
    if (!mailrelay::mime::IsValidUtf8(a.file_name)) std::abort();
  }
  (void)mailrelay::mime::ReplyPlain(raw);
  return 0;
}
