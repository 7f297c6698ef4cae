// api/quickstart_tokens.h — quickstart's "one token per role, printed once".
#pragma once

#include <ostream>

namespace mailrelay::vault {
class Vault;
}

namespace mailrelay::api {

// When the vault holds no API token yet: creates one per role (named "quickstart-<role>") and
// prints them to `out` — the only time they are shown. Otherwise says how many exist and how to
// create more. Problems are printed, never fatal (the relay runs without API tokens).
void AnnounceQuickstartTokens(vault::Vault& vault, std::ostream& out);

}  // namespace mailrelay::api
