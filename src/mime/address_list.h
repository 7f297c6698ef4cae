// mime/address_list.h — RFC 5322 §3.4 address lists (From, To, Cc, Reply-To, …).
// Lenient like a mail client; structured on the raw field so encoded commas stay names.
#pragma once

#include <string_view>
#include <vector>

#include "mime/message.h"

namespace mailrelay::mime {

// Declared in message.h (the module's public surface):
//   std::vector<Address> ParseAddressList(std::string_view header_value);
// Rules:
//  - display names may be atoms, quoted strings (with quoted-pairs) or RFC 2047 words,
//    decoded after the list is split, so "=?…?=" hiding a comma cannot split a name;
//  - a comment supplies the name when there is no phrase ("a@b (Ann)");
//  - groups ("Team: a@b, c@d;") are flattened to their members; empty groups vanish;
//  - quoted local parts ("\"a b\"@c") and obsolete routes ("<@r:a@b>") are accepted;
//  - a missing comma between mailboxes ("a <x@y> b <z@w>", "x@y z@w") starts a new one;
//  - non-ASCII (RFC 6532) names and addresses come back as UTF-8 unchanged (no punycode).

}  // namespace mailrelay::mime
