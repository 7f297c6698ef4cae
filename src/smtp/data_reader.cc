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
  // Whichever limit the run crosses first is the error, exactly as if the bytes had come
  // one at a time, so the reply never depends on how the input was split.
  size_t line_room = max_line_ > line_len_ ? max_line_ - line_len_ : 0;
  size_t size_room = max_bytes_ > size_ ? max_bytes_ - size_ : 0;
  size_ += s.size();
  line_len_ += s.size();
  if (error_ == Error::kNone) {
    bool line_over = s.size() > line_room;
    bool size_over = s.size() > size_room;
    if (line_over && (!size_over || line_room <= size_room)) {
      Fail(Error::kLineTooLong);
    } else if (size_over) {
      Fail(Error::kTooBig);
    }
  }
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
      case Pos::kInLine: {
        // Fast path: take the whole run of ordinary octets up to the next CR or LF.
        size_t end = i - 1;
        while (end < bytes.size() && bytes[end] != '\r' && bytes[end] != '\n') ++end;
        if (end > i - 1) {
          Emit(bytes.substr(i - 1, end - (i - 1)));
          i = end;
        } else {
          InLine(c);
        }
        break;
      }
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
