// mime/charset.cc — iconv-based charset → UTF-8 conversion with byte-level error recovery.
// iconv is used one conversion at a time (no shared state), so this is thread-safe.
#include "mime/charset.h"

#include <iconv.h>

#include <cerrno>
#include <string>

#include "common/ascii.h"
#include "mime/utf8.h"

namespace mailrelay::mime {
namespace {

// Returns the iconv name to decode `label` with, "" for "UTF-8 else windows-1252".
std::string IconvName(std::string_view label) {
  std::string l = AsciiLowercase(label);
  // Trim whitespace and quotes left over from sloppy parameters.
  while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '"')) l.pop_back();
  size_t start = 0;
  while (start < l.size() && (l[start] == ' ' || l[start] == '\t' || l[start] == '"')) ++start;
  l.erase(0, start);
  // A declared UTF-8 is trusted (bad bytes become U+FFFD); no label or a label that
  // cannot be right for 8-bit bytes gets the UTF-8-else-windows-1252 guess.
  if (l == "utf-8" || l == "utf8" || l == "x-utf8") return "UTF-8";
  if (l.empty() || l == "us-ascii" || l == "ascii" || l == "unknown-8bit" || l == "x-unknown" ||
      l == "default" || l == "charset") {
    return "";
  }
  // Decode with the superset that senders labelled with the subset actually use (this is
  // also what the WHATWG Encoding standard does for the web).
  if (l == "iso-8859-1" || l == "latin1" || l == "iso8859-1" || l == "iso_8859-1" || l == "l1" ||
      l == "cp1252") {
    return "WINDOWS-1252";
  }
  if (l == "iso-8859-9" || l == "latin5") return "WINDOWS-1254";
  if (l == "iso-8859-11" || l == "tis-620") return "CP874";
  if (l == "shift_jis" || l == "shift-jis" || l == "sjis" || l == "x-sjis" || l == "ms_kanji" ||
      l == "windows-31j" || l == "cp932") {
    return "CP932";
  }
  if (l == "euc-kr" || l == "ks_c_5601-1987" || l == "ks_c_5601" || l == "ksc5601" ||
      l == "cp949" || l == "windows-949") {
    return "CP949";
  }
  if (l == "gb2312" || l == "gbk" || l == "x-gbk" || l == "cp936" || l == "euc-cn" ||
      l == "gb_2312-80" || l == "chinese") {
    return "GB18030";
  }
  if (l == "big5" || l == "x-big5" || l == "cn-big5" || l == "big-5") return "BIG5-HKSCS";
  if (l == "iso-2022-jp") return "ISO-2022-JP-3";  // superset that still accepts plain JIS
  return l;
}

// Returns true when iconv knows `name`.
bool CanOpen(const std::string& name) {
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  iconv_close(cd);
  return true;
}

// Converts with iconv; an invalid byte becomes U+FFFD and conversion resumes after it.
std::string Convert(std::string_view bytes, const std::string& from) {
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return SanitizeUtf8(bytes);
  std::string out;
  out.reserve(bytes.size() * 2 + 16);
  char buffer[4096];
  char* in = const_cast<char*>(bytes.data());  // iconv's API is not const-correct
  size_t in_left = bytes.size();
  while (in_left > 0) {
    char* dst = buffer;
    size_t dst_left = sizeof(buffer);
    const size_t rc = iconv(cd, &in, &in_left, &dst, &dst_left);
    out.append(buffer, static_cast<size_t>(dst - buffer));
    if (rc != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) continue;
    // EILSEQ (invalid byte) or EINVAL (truncated sequence at the end): skip one byte.
    out += kReplacementChar;
    ++in;
    --in_left;
    if (errno != EILSEQ && errno != EINVAL) break;
  }
  // Flush the shift state of stateful encodings (ISO-2022-JP).
  char* dst = buffer;
  size_t dst_left = sizeof(buffer);
  iconv(cd, nullptr, nullptr, &dst, &dst_left);
  out.append(buffer, static_cast<size_t>(dst - buffer));
  iconv_close(cd);
  // iconv's output is UTF-8 by construction, but re-check so the guarantee is local.
  return IsValidUtf8(out) ? out : SanitizeUtf8(out);
}

}  // namespace

std::string ToUtf8(std::string_view bytes, std::string_view charset) {
  std::string name = IconvName(charset);
  if (!name.empty() && !CanOpen(name)) name.clear();
  if (name == "UTF-8") return SanitizeUtf8(bytes);
  if (name.empty()) {
    if (IsValidUtf8(bytes)) return std::string(bytes);
    return Convert(bytes, "WINDOWS-1252");
  }
  return Convert(bytes, name);
}

bool IsKnownCharset(std::string_view charset) {
  const std::string name = IconvName(charset);
  return name.empty() || CanOpen(name);
}

}  // namespace mailrelay::mime
