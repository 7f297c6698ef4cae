// keyring/address.h — the one normalisation of an e-mail address that blind indexes and audit
// pseudonyms are computed over (docs/vault.md, "Address normalisation").
//
//   NormalizeAddress("  <Alice+News@Example.COM> ") == "alice+news@example.com"
#pragma once

#include <string>
#include <string_view>

namespace mailrelay::keyring {

// Returns `address` with surrounding ASCII whitespace trimmed, one pair of enclosing angle
// brackets removed (then trimmed again), and ASCII letters lower-cased in both the local part
// and the domain. Non-ASCII bytes (UTF-8 local parts, U-label domains) are kept as they are;
// "+tags" are kept. Returns "" for an address that is empty after trimming (the null sender).
std::string NormalizeAddress(std::string_view address);

}  // namespace mailrelay::keyring
