// mime/mime_tree.cc — recursive-descent MIME structure parser; recursion is bounded by
// Limits::max_depth and work by Limits::max_parts.
#include "mime/mime_tree.h"

#include <string>

namespace mailrelay::mime {
namespace {

bool IsBlankLine(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

struct TreeBuilder {
  const Limits& limits;
  size_t parts = 0;

  StatusOr<Part> ParsePart(std::string_view text, std::string_view default_type, size_t depth) {
    if (++parts > limits.max_parts) {
      return Status::ResourceExhausted("message has more than max_parts (" +
                                       std::to_string(limits.max_parts) + ") MIME parts");
    }
    MR_ASSIGN_OR_RETURN(HeaderBlock block, ParseHeaderBlock(text, limits.max_header_bytes));
    Part part;
    part.body = text.substr(block.body_offset);
    part.headers = std::move(block.fields);
    const RawHeaderField* ct = FindField(part.headers, "Content-Type");
    part.content_type = ParseContentType(ct != nullptr ? ct->value : "", default_type);
    if (!part.content_type.IsMultipart()) return part;

    const std::string boundary = part.content_type.raw.Param("boundary");
    std::vector<std::string_view> pieces;
    if (!boundary.empty()) pieces = SplitMultipart(part.body, boundary);
    if (pieces.empty()) {
      // No usable structure: keep the text rather than dropping it (mailparser drops it).
      part.content_type.type = "text";
      part.content_type.subtype = "plain";
      return part;
    }
    if (depth + 1 > limits.max_depth) {
      return Status::ResourceExhausted("multipart nesting exceeds max_depth (" +
                                       std::to_string(limits.max_depth) + ")");
    }
    // RFC 2046 §5.1.5: in a digest the default part type is message/rfc822.
    const std::string_view child_default =
        part.content_type.subtype == "digest" ? "message/rfc822" : "text/plain";
    part.multipart = true;
    part.children.reserve(pieces.size());
    for (std::string_view piece : pieces) {
      MR_ASSIGN_OR_RETURN(Part child, ParsePart(piece, child_default, depth + 1));
      part.children.push_back(std::move(child));
    }
    return part;
  }
};

}  // namespace

std::vector<std::string_view> SplitMultipart(std::string_view body, std::string_view boundary) {
  std::vector<std::string_view> parts;
  const std::string delimiter = "--" + std::string(boundary);
  size_t search = 0;
  size_t part_start = std::string_view::npos;
  bool closed = false;
  while (search < body.size()) {
    const size_t at = body.find(delimiter, search);
    if (at == std::string_view::npos) break;
    if (at != 0 && body[at - 1] != '\n') {  // delimiters start a line
      search = at + 1;
      continue;
    }
    const size_t after = at + delimiter.size();
    const size_t eol = body.find('\n', after);
    const size_t line_end = eol == std::string_view::npos ? body.size() : eol;
    const bool close = body.substr(after, 2) == "--";
    // RFC 2046 allows only blanks after the boundary; anything else means a longer
    // boundary that merely starts with ours (nested parts often do that).
    if (!close && !IsBlankLine(body.substr(after, line_end - after))) {
      search = at + 1;
      continue;
    }
    if (part_start != std::string_view::npos) {
      // The line break before the delimiter belongs to the delimiter (RFC 2046 §5.1.1).
      size_t end = at;
      if (end > part_start && body[end - 1] == '\n') --end;
      if (end > part_start && body[end - 1] == '\r') --end;
      parts.push_back(body.substr(part_start, end - part_start));
    }
    if (close) {
      closed = true;
      break;
    }
    part_start = eol == std::string_view::npos ? body.size() : eol + 1;
    search = part_start;
  }
  // A missing close delimiter: the last part runs to the end of the parent.
  if (!closed && part_start != std::string_view::npos) {
    parts.push_back(body.substr(part_start));
  }
  return parts;
}

StatusOr<Part> ParseMimeTree(std::string_view raw, const Limits& limits) {
  TreeBuilder builder{limits};
  return builder.ParsePart(raw, "text/plain", 0);
}

}  // namespace mailrelay::mime
