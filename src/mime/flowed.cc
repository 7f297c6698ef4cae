// mime/flowed.cc — RFC 3676 §4 decoding (quote depth, space-stuffing, soft breaks).
#include "mime/flowed.h"

#include <vector>

namespace mailrelay::mime {

std::string DecodeFlowed(std::string_view text, bool delsp) {
  std::string out;
  out.reserve(text.size());
  std::string paragraph;
  size_t paragraph_depth = 0;
  bool open = false;  // the previous line was flowed, so this one continues it
  const auto emit = [&] {
    if (paragraph_depth > 0) out.append(paragraph_depth, '>').append(" ");
    out += paragraph;
    out += '\n';
    paragraph.clear();
    open = false;
  };
  size_t i = 0;
  const bool ends_with_newline = !text.empty() && text.back() == '\n';
  while (i < text.size()) {
    size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(i, eol - i);
    i = eol + 1;
    size_t depth = 0;
    while (depth < line.size() && line[depth] == '>') ++depth;
    line.remove_prefix(depth);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);  // space-stuffing
    if (open && depth != paragraph_depth) emit();  // quote depth change ends a paragraph
    paragraph_depth = depth;
    const bool signature = line == "-- ";
    const bool flowed = !signature && !line.empty() && line.back() == ' ';
    if (flowed && delsp) line.remove_suffix(1);
    paragraph += line;
    if (flowed) {
      open = true;
    } else {
      emit();
    }
  }
  if (open) emit();
  if (!ends_with_newline && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace mailrelay::mime
