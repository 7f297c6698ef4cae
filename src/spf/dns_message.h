// spf/dns_message.h — DNS queries and responses on the wire (RFC 1035 §4) for the four record
// types SPF needs. Pure: the caller supplies the id and the bytes; no sockets here.
//
//   MR_ASSIGN_OR_RETURN(std::string q, BuildQuery(id, "example.com", RrType::kTxt));
//   MR_ASSIGN_OR_RETURN(DnsResponse r, ParseResponse(reply, id, "example.com", RrType::kTxt));
//   if (r.truncated) { ...retry over TCP... }
//   for (const ResourceRecord* rr : AnswersFor(r, "example.com", RrType::kTxt)) use(rr->text);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mailrelay::spf {

enum class RrType : uint16_t { kA = 1, kCname = 5, kMx = 15, kTxt = 16, kAaaa = 28 };

inline constexpr uint8_t kRcodeNoError = 0;
inline constexpr uint8_t kRcodeServFail = 2;
inline constexpr uint8_t kRcodeNxDomain = 3;

struct ResourceRecord {
  std::string owner;  // lower-case, no trailing dot
  uint16_t type = 0;
  // TXT: the record's character-strings concatenated (RFC 7208 §3.3); MX and CNAME: the
  // target name. A and AAAA: the 4 or 16 address bytes.
  std::string data;
};

struct DnsResponse {
  uint16_t id = 0;
  uint8_t rcode = 0;
  bool truncated = false;               // TC: the answers are not here; ask again over TCP
  std::vector<ResourceRecord> answers;  // records of other types are skipped
};

// Returns a standard query (RD set, one question, class IN) for `name`, or InvalidArgument
// when `name` cannot be a DNS name.
StatusOr<std::string> BuildQuery(uint16_t id, std::string_view name, RrType type);

// Returns the response in `wire` to the query (id, name, type), or DataLoss when it is not a
// well-formed response to exactly that question: short or truncated data, a wrong id or
// question, counts larger than the message can hold, bad names, or record data that does not
// fit its type. A TC response is returned without its answer section.
StatusOr<DnsResponse> ParseResponse(std::string_view wire, uint16_t id, std::string_view name,
                                    RrType type);

// Returns the answers of `type` for `name`, following CNAME records in the answer section (a
// chain of at most 8; a longer or looping chain yields what was found before it).
std::vector<const ResourceRecord*> AnswersFor(const DnsResponse& response, std::string_view name,
                                              RrType type);

}  // namespace mailrelay::spf
