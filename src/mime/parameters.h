// mime/parameters.h — "value; name=value; …" header fields: Content-Type and
// Content-Disposition (RFC 2045 §5.1, RFC 2183) with RFC 2231 extended parameters.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailrelay::mime {

struct ParameterizedValue {
  std::string value;  // the leading token, lower-cased, e.g. "multipart/mixed" or "inline"
  // Parameter names lower-cased, values decoded to UTF-8 (RFC 2231 charset'lang'%XX and
  // continuations reassembled; RFC 2047 words in quoted values decoded). First wins.
  std::vector<std::pair<std::string, std::string>> params;

  // Returns the parameter `name` (lower-case) or "" when absent.
  std::string Param(std::string_view name) const;
  bool HasParam(std::string_view name) const;
};

// Returns `field_value` split into its leading token and parameters. Lenient: unquoted
// values with blanks, unterminated quotes, stray semicolons and comments are tolerated.
ParameterizedValue ParseParameterizedValue(std::string_view field_value);

struct ContentType {
  std::string type = "text";      // lower-case
  std::string subtype = "plain";  // lower-case
  ParameterizedValue raw;         // raw.params holds charset, boundary, name, …

  std::string MimeType() const { return type + "/" + subtype; }
  bool IsMultipart() const { return type == "multipart"; }
};

// Returns the Content-Type in `field_value`; a missing or unparseable type yields
// `default_type` ("text/plain" normally, "message/rfc822" inside multipart/digest) while
// the parameters are still kept (RFC 2045 §5.2).
ContentType ParseContentType(std::string_view field_value,
                             std::string_view default_type = "text/plain");

}  // namespace mailrelay::mime
