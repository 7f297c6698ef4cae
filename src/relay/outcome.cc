// relay/outcome.cc — the HTTP outcome → SMTP reply mapping.
#include "relay/outcome.h"

#include "common/ascii.h"

namespace mailrelay::relay {
namespace {

bool IsTextPlain(std::string_view content_type) {
  std::string lower;
  for (char c : content_type.substr(0, content_type.find(';'))) {
    if (c != ' ' && c != '\t') lower += AsciiLower(c);
  }
  return lower == "text/plain";
}

}  // namespace

std::string SanitizeReplyText(std::string_view text) {
  auto eol = text.find_first_of("\r\n");
  if (eol != std::string_view::npos) text = text.substr(0, eol);
  std::string out;
  for (unsigned char c : text) {
    if (out.size() == 200) break;
    if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else if (c == '\t')
      out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  size_t lead = out.find_first_not_of(' ');
  return lead == std::string::npos ? std::string() : out.substr(lead);
}

smtp::Reply MapOutcome(const HttpOutcome& outcome, std::string_view mailrelay_id) {
  using Kind = HttpOutcome::Kind;
  switch (outcome.kind) {
    case Kind::kTimeout:
      return {451, "4.4.1", "Endpoint did not answer in time; try again later"};
    case Kind::kConnectFailed:
      return {451, "4.4.1", "Endpoint unreachable; try again later"};
    case Kind::kTlsFailed:
      return {451, "4.4.1", "TLS to endpoint failed; try again later"};
    case Kind::kTooManyRedirects:
      return {451, "4.3.0", "Endpoint redirected too often; try again later"};
    case Kind::kProtocolError:
      return {451, "4.3.0", "Endpoint answered with broken HTTP; try again later"};
    case Kind::kResponse:
      break;
  }
  const int status = outcome.status;
  if (status >= 200 && status < 300) {
    return {250, "2.0.0", "Ok: delivered as " + std::string(mailrelay_id)};
  }
  if (status >= 400 && status < 500 && status != 408 && status != 429) {
    std::string text;
    if (IsTextPlain(outcome.content_type)) text = SanitizeReplyText(outcome.body);
    if (text.empty())
      text = "Rejected by the recipient's endpoint (HTTP " + std::to_string(status) + ")";
    return {554, "5.7.1", text};
  }
  return {451, "4.3.0", "Endpoint answered HTTP " + std::to_string(status) + "; try again later"};
}

smtp::Reply VaultCommitFailedReply(StatusCode why) {
  if (why == StatusCode::kResourceExhausted) {
    return {451, "4.3.0", "Insufficient local storage for message metadata; try again later"};
  }
  return {451, "4.3.0", "Temporary local problem storing message metadata; try again later"};
}

}  // namespace mailrelay::relay
