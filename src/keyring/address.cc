// keyring/address.cc — address normalisation for blind indexes and audit pseudonyms.
#include "keyring/address.h"

#include "common/ascii.h"

namespace mailrelay::keyring {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string NormalizeAddress(std::string_view address) {
  std::string_view s = Trim(address);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = Trim(s.substr(1, s.size() - 2));
  return AsciiLowercase(s);
}

}  // namespace mailrelay::keyring
