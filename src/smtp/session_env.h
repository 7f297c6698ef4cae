// smtp/session_env.h — what a Session needs from outside: routing, time, ids.
// An interface so tests pass a fake (LevelDB's Env idea); the session never does I/O itself.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace mailrelay::smtp {

class SessionEnv {
 public:
  virtual ~SessionEnv() = default;
  // Returns the id of the route accepting this recipient address, or nullopt when no
  // route does.
  virtual std::optional<std::string> RouteFor(std::string_view address) const = 0;
  // Returns the current time, for the Received header date.
  virtual std::time_t Now() const = 0;
  // Returns a fresh mailrelay message id, for the Received header and the reply.
  virtual std::string NewMessageId() = 0;
};

}  // namespace mailrelay::smtp
