// tests/fuzz/dns_response_fuzz.cc — libFuzzer target: ParseResponse and AnswersFor on arbitrary
// bytes must not crash, hang or read out of bounds, and what they accept must be consistent.
// Seed with any captured DNS replies (the question is taken from the input itself).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "spf/dns_message.h"
#include "spf/dns_name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mailrelay::spf;
  const std::string_view wire(reinterpret_cast<const char*>(data), size);
  // Ask about the question the input carries, so the fuzzer reaches the answer section.
  std::string name = "example.com";
  if (auto q = ReadName(wire, 12); q.ok() && !q->name.empty()) name = q->name;
  const uint16_t id = size >= 2 ? static_cast<uint16_t>((data[0] << 8) | data[1]) : 0;
  for (RrType type : {RrType::kTxt, RrType::kA, RrType::kAaaa, RrType::kMx}) {
    auto r = ParseResponse(wire, id, name, type);
    if (!r.ok()) continue;
    for (const ResourceRecord* rr : AnswersFor(*r, name, type)) {
      if (type == RrType::kA && rr->data.size() != 4) std::abort();
      if (type == RrType::kAaaa && rr->data.size() != 16) std::abort();
      if (type == RrType::kMx && rr->data.size() > kMaxNameWireBytes) std::abort();
    }
  }
  return 0;
}
