// mime/mime_tree.h — the MIME entity tree (RFC 2045/2046) of a raw message, before any
// body is decoded. Parts point into the raw text, which must outlive the tree.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "mime/header_parser.h"
#include "mime/message.h"
#include "mime/parameters.h"

namespace mailrelay::mime {

struct Part {
  std::vector<RawHeaderField> headers;
  ContentType content_type;
  std::string_view body;       // raw, still transfer-encoded
  std::vector<Part> children;  // multipart only
  bool multipart = false;      // true when children were split out of body
};

// Returns the entity tree of `raw`. Lenient: a multipart without a boundary parameter, or
// whose boundary never occurs, is kept as one text/plain leaf (its text is not lost); a
// missing close delimiter ends the part at the end of its parent; preamble and epilogue
// are ignored. Fails (kResourceExhausted) when a header block is over
// limits.max_header_bytes, the tree has more than limits.max_parts entities, or multiparts
// nest deeper than limits.max_depth. Recursion depth is bounded by max_depth.
StatusOr<Part> ParseMimeTree(std::string_view raw, const Limits& limits);

// Returns the parts of a multipart `body` delimited by `boundary` (without the leading
// "--"), or an empty vector when no delimiter line occurs.
std::vector<std::string_view> SplitMultipart(std::string_view body, std::string_view boundary);

}  // namespace mailrelay::mime
