// mime/message.cc — Parse(): header decoding plus the MIME tree and body selection.
#include "mime/message.h"

#include "common/ascii.h"
#include "mime/body_selection.h"
#include "mime/encoded_word.h"
#include "mime/header_parser.h"
#include "mime/mime_tree.h"

namespace mailrelay::mime {

const HeaderField* Message::Find(std::string_view name) const {
  for (const HeaderField& h : headers) {
    if (AsciiEqualsIgnoreCase(h.name, name)) return &h;
  }
  return nullptr;
}

StatusOr<Message> Parse(std::string_view raw, const Limits& limits) {
  MR_ASSIGN_OR_RETURN(Part root, ParseMimeTree(raw, limits));
  Message message;
  message.headers.reserve(root.headers.size());
  for (const RawHeaderField& f : root.headers) {
    message.headers.push_back({DecodeHeaderText(f.name), DecodeHeaderText(f.value), f.value});
  }
  SelectBodies(root, &message);
  return message;
}

}  // namespace mailrelay::mime
