// mime/header_parser.cc — line-oriented header block parsing (RFC 5322 §2.2, §3.6 and
// the obsolete syntax of §4.5).
#include "mime/header_parser.h"

#include "common/ascii.h"

namespace mailrelay::mime {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Returns the field name when `line` is "name:value" with a field name (no blanks, controls
// or colon) optionally followed by blanks; "" otherwise.
std::string_view FieldName(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  std::string_view name = line.substr(0, colon);
  while (!name.empty() && IsBlank(name.back())) name.remove_suffix(1);
  if (name.empty()) return {};
  // RFC 5322 allows printable ASCII only; 8-bit bytes are tolerated (mailers emit them,
  // and treating such a line as the first body line would swallow the real headers).
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u == 127) return {};
  }
  return name;
}

// Returns true when `line` looks like a stray MIME parameter ("name=value…").
bool LooksLikeParameter(std::string_view line) {
  const size_t eq = line.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  for (size_t i = 0; i < eq; ++i) {
    const char c = line[i];
    if (c <= 32 || c >= 127 || c == ':' || c == ';') return false;
  }
  return true;
}

}  // namespace

const RawHeaderField* FindField(const std::vector<RawHeaderField>& fields, std::string_view name) {
  for (const RawHeaderField& f : fields) {
    if (AsciiEqualsIgnoreCase(f.name, name)) return &f;
  }
  return nullptr;
}

StatusOr<HeaderBlock> ParseHeaderBlock(std::string_view text, size_t max_bytes) {
  HeaderBlock block;
  size_t pos = 0;
  // An mbox separator ("From sender date") is not a header; skip it.
  if (text.substr(0, 5) == "From " && FieldName(text.substr(0, text.find('\n'))).empty()) {
    const size_t eol = text.find('\n');
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
  }
  const size_t start = pos;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    const size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    if (eol == std::string_view::npos) eol = text.size();
    if (next - start > max_bytes) {
      return Status::ResourceExhausted("header block exceeds max_header_bytes (" +
                                       std::to_string(max_bytes) + ")");
    }
    std::string_view line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {  // the blank line that ends the header block
      block.body_offset = next;
      break;
    }
    if (IsBlank(line.front())) {
      // Folded continuation: unfolding removes only the line break (RFC 5322 §2.2.3).
      if (!block.fields.empty()) block.fields.back().value += line;
      pos = next;
      continue;
    }
    const std::string_view name = FieldName(line);
    if (!name.empty()) {
      RawHeaderField field;
      field.name = std::string(name);
      field.value = std::string(TrimBlanks(line.substr(line.find(':') + 1)));
      block.fields.push_back(std::move(field));
      pos = next;
      continue;
    }
    // Not a field and not folded: either a continuation someone forgot to indent or the
    // first body line of a message missing its blank separator line.
    if (!block.fields.empty()) {
      std::string& prev = block.fields.back().value;
      // Look at the last non-blank character only (trimming from the front could make
      // long runs of blank continuation lines quadratic).
      size_t last = prev.size();
      while (last > 0 && (IsBlank(prev[last - 1]) || prev[last - 1] == '\r')) --last;
      const bool unfinished = last > 0 && (prev[last - 1] == ';' || prev[last - 1] == ',');
      if (unfinished || LooksLikeParameter(line)) {
        prev += ' ';
        prev += line;
        pos = next;
        continue;
      }
    }
    block.body_offset = pos;
    break;
  }
  if (pos >= text.size()) block.body_offset = text.size();
  for (RawHeaderField& f : block.fields) f.value = std::string(TrimBlanks(f.value));
  return block;
}

}  // namespace mailrelay::mime
