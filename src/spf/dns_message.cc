// spf/dns_message.cc — every length in a reply is checked before it is used: a reply is
// attacker-controlled (anyone can answer a UDP query that is not matched carefully).
#include "spf/dns_message.h"

#include "spf/dns_name.h"

namespace mailrelay::spf {
namespace {

constexpr size_t kHeaderBytes = 12;
constexpr size_t kMinRecordBytes = 11;  // root owner name + type, class, ttl, rdlength
constexpr uint16_t kClassIn = 1;
constexpr int kMaxCnameChain = 8;

uint16_t U16(std::string_view m, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(m[at]) << 8) |
                               static_cast<uint8_t>(m[at + 1]));
}

void PutU16(std::string& out, uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xff);
}

// Returns the character-strings of a TXT rdata joined, or DataLoss when one overruns it.
StatusOr<std::string> JoinTxt(std::string_view rdata) {
  std::string text;
  size_t pos = 0;
  while (pos < rdata.size()) {
    const size_t len = static_cast<uint8_t>(rdata[pos]);
    if (pos + 1 + len > rdata.size()) {
      return Status::DataLoss("TXT record string runs past its record");
    }
    text.append(rdata.substr(pos + 1, len));
    pos += 1 + len;
  }
  return text;
}

}  // namespace

StatusOr<std::string> BuildQuery(uint16_t id, std::string_view name, RrType type) {
  MR_ASSIGN_OR_RETURN(std::string qname, EncodeName(name));
  std::string out;
  PutU16(out, id);
  PutU16(out, 0x0100);  // RD
  PutU16(out, 1);       // QDCOUNT
  PutU16(out, 0);
  PutU16(out, 0);
  PutU16(out, 0);
  out += qname;
  PutU16(out, static_cast<uint16_t>(type));
  PutU16(out, kClassIn);
  return out;
}

StatusOr<DnsResponse> ParseResponse(std::string_view wire, uint16_t id, std::string_view name,
                                    RrType type) {
  if (wire.size() < kHeaderBytes) return Status::DataLoss("DNS reply shorter than its header");
  DnsResponse r;
  r.id = U16(wire, 0);
  if (r.id != id) return Status::DataLoss("DNS reply id does not match the query");
  const uint16_t flags = U16(wire, 2);
  if ((flags & 0x8000) == 0) return Status::DataLoss("DNS message is a query, not a reply");
  if (((flags >> 11) & 0xf) != 0) return Status::DataLoss("DNS reply has an unexpected opcode");
  r.truncated = (flags & 0x0200) != 0;
  r.rcode = static_cast<uint8_t>(flags & 0xf);
  const uint16_t qdcount = U16(wire, 4);
  const uint16_t ancount = U16(wire, 6);

  size_t pos = kHeaderBytes;
  // A reply to our query repeats our one question; anything else answers someone else.
  if (qdcount != 1) {
    if (r.truncated && qdcount == 0) return r;
    return Status::DataLoss("DNS reply does not carry exactly one question");
  }
  MR_ASSIGN_OR_RETURN(WireName q, ReadName(wire, pos));
  pos = q.next;
  if (pos + 4 > wire.size()) return Status::DataLoss("DNS reply question is truncated");
  if (!SameName(q.name, name) || U16(wire, pos) != static_cast<uint16_t>(type) ||
      U16(wire, pos + 2) != kClassIn) {
    return Status::DataLoss("DNS reply answers a different question");
  }
  pos += 4;
  if (r.truncated) return r;
  if (static_cast<size_t>(ancount) * kMinRecordBytes > wire.size() - pos) {
    return Status::DataLoss("DNS reply claims more answers than it holds");
  }
  r.answers.reserve(ancount);
  for (uint16_t i = 0; i < ancount; ++i) {
    MR_ASSIGN_OR_RETURN(WireName owner, ReadName(wire, pos));
    pos = owner.next;
    if (pos + 10 > wire.size()) return Status::DataLoss("DNS record header is truncated");
    const uint16_t rtype = U16(wire, pos);
    const uint16_t rclass = U16(wire, pos + 2);
    const size_t rdlength = U16(wire, pos + 8);
    pos += 10;
    if (rdlength > wire.size() - pos) return Status::DataLoss("DNS record data is truncated");
    const std::string_view rdata = wire.substr(pos, rdlength);
    const size_t rdata_at = pos;
    pos += rdlength;
    if (rclass != kClassIn) continue;
    ResourceRecord rr{std::move(owner.name), rtype, {}};
    switch (static_cast<RrType>(rtype)) {
      case RrType::kA:
        if (rdlength != 4) return Status::DataLoss("A record is not 4 bytes");
        rr.data = std::string(rdata);
        break;
      case RrType::kAaaa:
        if (rdlength != 16) return Status::DataLoss("AAAA record is not 16 bytes");
        rr.data = std::string(rdata);
        break;
      case RrType::kTxt: {
        MR_ASSIGN_OR_RETURN(rr.data, JoinTxt(rdata));
        break;
      }
      case RrType::kMx:
      case RrType::kCname: {
        const size_t skip = rtype == static_cast<uint16_t>(RrType::kMx) ? 2 : 0;
        if (rdlength < skip + 1) return Status::DataLoss("MX or CNAME record is too short");
        // The target may be compressed against the whole message, but must end inside rdata.
        MR_ASSIGN_OR_RETURN(WireName target, ReadName(wire.substr(0, pos), rdata_at + skip));
        if (target.next != pos) return Status::DataLoss("MX or CNAME record has trailing bytes");
        rr.data = std::move(target.name);
        break;
      }
      default:
        continue;
    }
    r.answers.push_back(std::move(rr));
  }
  return r;
}

std::vector<const ResourceRecord*> AnswersFor(const DnsResponse& response, std::string_view name,
                                              RrType type) {
  std::vector<const ResourceRecord*> out;
  std::string current(name);
  for (int hop = 0; hop <= kMaxCnameChain; ++hop) {
    const ResourceRecord* alias = nullptr;
    for (const ResourceRecord& rr : response.answers) {
      if (!SameName(rr.owner, current)) continue;
      if (rr.type == static_cast<uint16_t>(type)) out.push_back(&rr);
      if (rr.type == static_cast<uint16_t>(RrType::kCname)) alias = &rr;
    }
    if (!out.empty() || alias == nullptr) break;
    current = alias->data;
  }
  return out;
}

}  // namespace mailrelay::spf
