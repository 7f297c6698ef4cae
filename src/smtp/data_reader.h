// smtp/data_reader.h — reads DATA content (RFC 5321 4.1.1.4) up to <CRLF>.<CRLF>.
// Pure, incremental, bounded memory; the only end of data is a line "." ended by CRLF.
//
//   DataReader r(limits);
//   size_t used = r.Consume(bytes);       // stops right after the final ".\r\n"
//   if (r.done() && !r.rejection()) Deliver(r.TakeMessage());
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/limits.h"
#include "smtp/reply.h"

namespace mailrelay::smtp {

// Not thread-safe. Errors are remembered and reported once, after the final dot
// (OpenSMTPD style), so the client is never answered mid-message.
class DataReader {
 public:
  explicit DataReader(const Limits& limits);

  // Consumes bytes and returns how many were used: all of them, or fewer when the final
  // ".\r\n" ends inside `bytes` (the rest belongs to the next command). No-op once done().
  size_t Consume(std::string_view bytes);

  bool done() const { return done_; }
  // Returns the reply rejecting the message, or nullopt. Meaningful once done():
  // 550 5.6.11 bare CR or LF, 500 5.6.0 line too long, 552 5.3.4 too big — the first found.
  std::optional<Reply> rejection() const;
  // Returns the dot-unstuffed content with CRLF line ends, without the final ".\r\n".
  // Empty once an error was found: storing stops at the first error.
  std::string TakeMessage() { return std::move(message_); }
  // Content octets seen so far (after unstuffing), counted even when no longer stored.
  size_t size() const { return size_; }

 private:
  enum class Pos { kLineStart, kDot, kDotCr, kInLine, kCr };
  enum class Error { kNone, kBareCrLf, kLineTooLong, kTooBig };

  void Fail(Error e);
  // Appends content bytes and applies the line-length and size limits.
  void Emit(std::string_view s);
  void InLine(char c);

  size_t max_line_;
  size_t max_bytes_;
  Pos pos_ = Pos::kLineStart;
  size_t line_len_ = 0;  // octets of the current line so far, stuffed dot excluded
  size_t size_ = 0;
  Error error_ = Error::kNone;
  bool done_ = false;
  std::string message_;
};

}  // namespace mailrelay::smtp
