// common/log.h — JSON-lines event log that cannot carry personal data.
// Only literals, typed ids and numbers go in; nothing free-form from a message ever can.
//
//   log::Info("smtp.session.closed").Id("session", sid).Num("messages", n).Emit();
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailrelay::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// A compile-time string: only string literals convert to it, so message data cannot.
class Literal {
 public:
  template <size_t N>
  consteval Literal(const char (&text)[N]) : text_(text, N - 1) {}
  std::string_view view() const { return text_; }

 private:
  std::string_view text_;
};

// An identifier the system generated itself (session or message id) or an operator's route or
// account id. Only [A-Za-z0-9_-] is written; anything else (an '@', a dot, a space) is
// replaced by "<redacted>", so an address, IP or subject line cannot slip through as an id.
struct Id {
  explicit Id(std::string_view v) : value(v) {}
  std::string_view value;
};

class Event {
 public:
  Event(Level level, Literal name);
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event();  // emits if Emit() was not called

  Event& Num(Literal key, int64_t value);
  Event& Dbl(Literal key, double value);
  Event& Bool(Literal key, bool value);
  Event& Text(Literal key, Literal value);
  Event& Ident(Literal key, Id value);
  void Emit();

 private:
  void Key(Literal key);
  std::string line_;
  bool emitted_ = false;
};

inline Event Debug(Literal name) { return Event(Level::kDebug, name); }
inline Event Info(Literal name) { return Event(Level::kInfo, name); }
inline Event Warn(Literal name) { return Event(Level::kWarn, name); }
inline Event Error(Literal name) { return Event(Level::kError, name); }

// Global settings; set once at start-up.
void SetMinLevel(Level level);
// Where lines go: stderr by default. A test may capture them.
void SetSink(void (*sink)(std::string_view line));

}  // namespace mailrelay::log
