// smtp/reply_or.h — a parsed value, or the SMTP reply that rejects the input.
// Parsers return it so the rejection carries its exact code, e.g. 501 5.1.7.
//
//   ReplyOr<MailArgs> m = ParseMailArgs(args);
//   if (!m.ok()) return m.reply();
#pragma once

#include <utility>
#include <variant>

#include "smtp/reply.h"

namespace mailrelay::smtp {

template <typename T>
class ReplyOr {
 public:
  ReplyOr(T value) : v_(std::move(value)) {}
  ReplyOr(Reply reply) : v_(std::move(reply)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  // Requires ok().
  const T& value() const { return std::get<T>(v_); }
  T& value() { return std::get<T>(v_); }
  // Requires !ok().
  const Reply& reply() const { return std::get<Reply>(v_); }

 private:
  std::variant<T, Reply> v_;
};

}  // namespace mailrelay::smtp
