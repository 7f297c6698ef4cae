// mime/body_selection.cc — walks the MIME tree choosing bodies and collecting attachments.
// The walk is as deep as the tree, which ParseMimeTree bounded by Limits::max_depth.
#include "mime/body_selection.h"

#include <cstring>
#include <string>
#include <vector>

#include "common/ascii.h"
#include "mime/charset.h"
#include "mime/flowed.h"
#include "mime/transfer_encoding.h"

namespace mailrelay::mime {
namespace {

struct Collected {
  std::vector<std::string> plain;
  std::vector<std::string> html;
  std::vector<Attachment> attachments;
};

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string FieldValue(const Part& part, std::string_view name) {
  const RawHeaderField* f = FindField(part.headers, name);
  return f != nullptr ? f->value : std::string();
}

// "<id@host>" → "id@host".
std::string ContentId(const Part& part) {
  std::string id = Trim(FieldValue(part, "Content-ID"));
  if (!id.empty() && id.front() == '<') id.erase(0, 1);
  if (!id.empty() && id.back() == '>') id.pop_back();
  return Trim(id);
}

std::string CrlfToLf(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  // Copies the runs between CRs whole (memchr), dropping each CR that precedes an LF.
  size_t from = 0;
  while (from < s.size()) {
    const void* cr = std::memchr(s.data() + from, '\r', s.size() - from);
    const size_t at = cr ? static_cast<size_t>(static_cast<const char*>(cr) - s.data()) : s.size();
    out.append(s.data() + from, at - from);
    if (at == s.size()) break;
    if (at + 1 >= s.size() || s[at + 1] != '\n') out += '\r';  // a lone CR is kept
    from = at + 1;
  }
  return out;
}

// An HTML part without a charset parameter usually declares it in a <meta> tag.
std::string SniffHtmlCharset(std::string_view bytes) {
  const std::string head = AsciiLowercase(bytes.substr(0, 4096));
  size_t at = head.find("charset=");
  if (at == std::string::npos) return {};
  at += 8;
  while (at < head.size() && (head[at] == '"' || head[at] == '\'' || head[at] == ' ')) ++at;
  std::string name;
  while (at < head.size() && (isalnum(static_cast<unsigned char>(head[at])) || head[at] == '-' ||
                              head[at] == '_' || head[at] == ':')) {
    name += head[at++];
  }
  return name;
}

class Selector {
 public:
  void Walk(const Part& part, Collected& out, bool related_resource) {
    if (part.multipart) {
      const std::string& subtype = part.content_type.subtype;
      if (subtype == "alternative") return WalkAlternative(part, out, related_resource);
      if (subtype == "related") return WalkRelated(part, out);
      for (const Part& child : part.children) Walk(child, out, related_resource);
      return;
    }
    WalkLeaf(part, out, related_resource);
  }

 private:
  void WalkAlternative(const Part& part, Collected& out, bool related_resource) {
    std::vector<Collected> options(part.children.size());
    for (size_t i = 0; i < part.children.size(); ++i) {
      Walk(part.children[i], options[i], related_resource);
    }
    const Collected* plain = nullptr;
    const Collected* html = nullptr;
    for (const Collected& c : options) {
      if (!c.plain.empty()) plain = &c;
      if (!c.html.empty()) html = &c;
    }
    if (plain != nullptr)
      out.plain.insert(out.plain.end(), plain->plain.begin(), plain->plain.end());
    if (html != nullptr) out.html.insert(out.html.end(), html->html.begin(), html->html.end());
    for (Collected& c : options) {
      for (Attachment& a : c.attachments) out.attachments.push_back(std::move(a));
    }
  }

  void WalkRelated(const Part& part, Collected& out) {
    size_t root = 0;
    std::string start = Trim(part.content_type.raw.Param("start"));
    if (!start.empty() && start.front() == '<') start.erase(0, 1);
    if (!start.empty() && start.back() == '>') start.pop_back();
    for (size_t i = 0; !start.empty() && i < part.children.size(); ++i) {
      if (ContentId(part.children[i]) == start) root = i;
    }
    for (size_t i = 0; i < part.children.size(); ++i) {
      Walk(part.children[i], out, /*related_resource=*/i != root);
    }
  }

  void WalkLeaf(const Part& part, Collected& out, bool related_resource) {
    const ParameterizedValue disposition =
        ParseParameterizedValue(FieldValue(part, "Content-Disposition"));
    std::string file_name = disposition.Param("filename");
    if (file_name.empty()) file_name = part.content_type.raw.Param("name");
    const std::string mime_type = part.content_type.MimeType();
    const std::string encoding = FieldValue(part, "Content-Transfer-Encoding");

    const bool is_plain = mime_type == "text/plain";
    const bool is_html = mime_type == "text/html";
    if ((is_plain || is_html) && !related_resource && disposition.value != "attachment") {
      const bool has_body = is_plain ? !out.plain.empty() : !out.html.empty();
      const bool named = !file_name.empty();
      if (!named || (disposition.value == "inline" && !has_body)) {
        std::string text = DecodeText(part, encoding, is_html);
        (is_plain ? out.plain : out.html).push_back(std::move(text));
        return;
      }
    }

    Attachment a;
    std::string uu_name;
    const std::string e = AsciiLowercase(Trim(encoding));
    if ((e == "x-uuencode" || e == "uuencode" || e == "x-uue") && HasUuencodeBegin(part.body)) {
      a.content = DecodeUuencode(part.body, &uu_name);
    } else {
      a.content = DecodeTransferEncoding(part.body, encoding);
    }
    a.file_name = !file_name.empty() ? file_name : ToUtf8(uu_name, "");
    a.content_type = mime_type;
    a.content_id = ToUtf8(ContentId(part), "");
    if (disposition.value == "inline" || disposition.value == "attachment") {
      a.disposition = disposition.value;
    } else {
      a.disposition = related_resource || !a.content_id.empty() ? "inline" : "attachment";
    }
    out.attachments.push_back(std::move(a));
  }

  static std::string DecodeText(const Part& part, const std::string& encoding, bool html) {
    const std::string bytes = DecodeTransferEncoding(part.body, encoding);
    std::string charset = part.content_type.raw.Param("charset");
    if (charset.empty() && html) charset = SniffHtmlCharset(bytes);
    std::string text = CrlfToLf(ToUtf8(bytes, charset));
    if (!html && AsciiLowercase(part.content_type.raw.Param("format")) == "flowed") {
      text = DecodeFlowed(text, AsciiLowercase(part.content_type.raw.Param("delsp")) == "yes");
    }
    return text;
  }
};

std::string Join(const std::vector<std::string>& pieces) {
  std::string s;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) s += '\n';
    s += pieces[i];
  }
  return s;
}

}  // namespace

void SelectBodies(const Part& root, Message* message) {
  Collected c;
  Selector().Walk(root, c, false);
  message->plain = Join(c.plain);
  message->html = Join(c.html);
  message->attachments = std::move(c.attachments);
}

}  // namespace mailrelay::mime
