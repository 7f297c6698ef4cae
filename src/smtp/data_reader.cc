// smtp/data_reader.cc — the byte-level DATA state machine.
// Bare CR and bare LF are content errors, never line ends: that is the SMTP smuggling
// defence (a "\n.\n" another server would take as the end can never end data here).
#include "smtp/data_reader.h"

namespace mailrelay::smtp {

DataReader::DataReader(const Limits& limits)
    : max_line_(limits.max_text_line), max_bytes_(limits.max_message_bytes) {}

void DataReader::Fail(Error e) {
  if (error_ != Error::kNone) return;
  error_ = e;
  // Nothing stored is ever used after an error; give the memory back now.
  std::string().swap(message_);
}

void DataReader::Emit(std::string_view s) {
  size_ += s.size();
  line_len_ += s.size();
  if (line_len_ > max_line_) Fail(Error::kLineTooLong);
  if (size_ > max_bytes_) Fail(Error::kTooBig);
  if (error_ == Error::kNone) message_.append(s);
}

void DataReader::InLine(char c) {
  switch (c) {
    case '\r':
      pos_ = Pos::kCr;
      return;
    case '\n':
      // Bare LF: an error, and deliberately NOT a line start, so a following "." is content.
      Fail(Error::kBareCrLf);
      Emit("\n");
      pos_ = Pos::kInLine;
      return;
    default:
      Emit(std::string_view(&c, 1));
      pos_ = Pos::kInLine;
  }
}

size_t DataReader::Consume(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && !done_) {
    char c = bytes[i++];
    switch (pos_) {
      case Pos::kLineStart:
        if (c == '.') {
          // Either the end or a stuffed dot; the next byte decides. The transparency dot
          // does not count toward the line length (RFC 5321 4.5.3.1.6).
          pos_ = Pos::kDot;
        } else {
          InLine(c);
        }
        break;
      case Pos::kDot:
        if (c == '\r') {
          pos_ = Pos::kDotCr;
        } else {
          InLine(c);  // RFC 5321 4.5.2: drop the leading dot, keep the rest of the line
        }
        break;
      case Pos::kDotCr:
        if (c == '\n') {
          done_ = true;
        } else {
          // ".\r" then not LF: the CR was bare, so this is not the end ("\r\n.\r" smuggling).
          Fail(Error::kBareCrLf);
          Emit("\r");
          InLine(c);
        }
        break;
      case Pos::kInLine:
        InLine(c);
        break;
      case Pos::kCr:
        if (c == '\n') {
          Emit("\r\n");
          line_len_ = 0;
          pos_ = Pos::kLineStart;
        } else {
          Fail(Error::kBareCrLf);
          Emit("\r");
          InLine(c);
        }
        break;
    }
  }
  return i;
}

std::optional<Reply> DataReader::rejection() const {
  switch (error_) {
    case Error::kNone:
      return std::nullopt;
    case Error::kBareCrLf:
      return Reply{550, "5.6.11", "Bare CR or LF in message content; use CRLF line ends"};
    case Error::kLineTooLong:
      return Reply{500, "5.6.0",
                   "Line too long: at most " + std::to_string(max_line_) +
                       " octets per line including CRLF"};
    case Error::kTooBig:
      return Reply{552, "5.3.4",
                   "Message size exceeds fixed limit of " + std::to_string(max_bytes_) + " octets"};
  }
  return std::nullopt;
}

}  // namespace mailrelay::smtp
