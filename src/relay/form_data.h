// relay/form_data.h — a multipart/form-data body builder (RFC 7578) for the `multipart` and
// `raw` webhook formats. Pure.
#pragma once

#include <string>
#include <string_view>

namespace mailrelay::relay {

class FormData {
 public:
  // `boundary` must not occur in any part; callers pass a random one.
  explicit FormData(std::string boundary);

  void AddField(std::string_view name, std::string_view value);
  void AddFile(std::string_view name, std::string_view file_name, std::string_view content_type,
               std::string_view content);
  // Returns the finished body; the builder is spent afterwards.
  std::string Finish();
  std::string ContentType() const;

 private:
  void Head(std::string_view name);
  std::string boundary_;
  std::string body_;
};

// Returns `value` quoted for a Content-Disposition parameter: '"' and '\\' escaped, CR/LF
// dropped (they would end the header).
std::string QuoteParam(std::string_view value);

}  // namespace mailrelay::relay
