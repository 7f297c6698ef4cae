// relay/form_data.cc — multipart/form-data assembly.
#include "relay/form_data.h"

namespace mailrelay::relay {

std::string QuoteParam(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

FormData::FormData(std::string boundary) : boundary_(std::move(boundary)) {}

void FormData::Head(std::string_view name) {
  body_ += "--";
  body_ += boundary_;
  body_ += "\r\nContent-Disposition: form-data; name=";
  body_ += QuoteParam(name);
}

void FormData::AddField(std::string_view name, std::string_view value) {
  Head(name);
  body_ += "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  body_ += value;
  body_ += "\r\n";
}

void FormData::AddFile(std::string_view name, std::string_view file_name,
                       std::string_view content_type, std::string_view content) {
  Head(name);
  body_ += "; filename=";
  body_ += QuoteParam(file_name);
  body_ += "\r\nContent-Type: ";
  for (char c : content_type) {
    if (c != '\r' && c != '\n') body_ += c;
  }
  body_ += "\r\n\r\n";
  body_ += content;
  body_ += "\r\n";
}

std::string FormData::Finish() {
  body_ += "--";
  body_ += boundary_;
  body_ += "--\r\n";
  return std::move(body_);
}

std::string FormData::ContentType() const { return "multipart/form-data; boundary=" + boundary_; }

}  // namespace mailrelay::relay
