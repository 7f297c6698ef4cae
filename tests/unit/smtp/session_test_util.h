// tests/unit/smtp/session_test_util.h — a fake SessionEnv and helpers for Session tests.
// Routes by domain: "*@a.example" → "route-a", "*@a2.example" → "route-a", "*@b.example" →
// "route-b".
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "smtp/session.h"

namespace mailrelay::smtp {

// Readable gtest failure output for replies inside Actions.
inline void PrintTo(const Reply& r, std::ostream* os) { *os << "Reply{" << r.Render() << "}"; }

}  // namespace mailrelay::smtp

namespace mailrelay::smtp::testing {

class FakeEnv : public SessionEnv {
 public:
  std::optional<std::string> RouteFor(std::string_view address) const override {
    ++route_lookups;
    std::string a(address);
    for (char& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto ends_with = [&](std::string_view suffix) {
      return a.size() >= suffix.size() &&
             a.compare(a.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with("@a.example") || ends_with("@a2.example")) return "route-a";
    if (ends_with("@b.example")) return "route-b";
    if (a == "postmaster" || ends_with("@xn--bcher-kva.example") || ends_with("@bücher.example")) {
      return "route-a";
    }
    return std::nullopt;
  }
  std::time_t Now() const override { return 1700000000; }  // Tue, 14 Nov 2023 22:13:20 +0000
  std::string NewMessageId() override { return "MSG" + std::to_string(++ids); }

  mutable int route_lookups = 0;
  int ids = 0;
};

inline Limits DefaultLimits() { return Limits{}; }

inline SessionInfo Info(bool tls_available = true) {
  return SessionInfo{"mx.test", "192.0.2.7", tls_available};
}

inline const Reply* AsReply(const Action& a) { return std::get_if<Reply>(&a); }
inline const Deliver* AsDeliver(const Action& a) { return std::get_if<Deliver>(&a); }
inline bool IsClose(const Action& a) { return std::holds_alternative<Close>(a); }
inline bool IsStartTls(const Action& a) { return std::holds_alternative<StartTls>(a); }

// Returns the reply codes, with 0 for a Deliver, -1 for StartTls, -2 for Close.
inline std::vector<int> Codes(const std::vector<Action>& actions) {
  std::vector<int> out;
  for (const Action& a : actions) {
    if (const Reply* r = AsReply(a)) {
      out.push_back(r->code);
    } else if (AsDeliver(a)) {
      out.push_back(0);
    } else if (IsStartTls(a)) {
      out.push_back(-1);
    } else {
      out.push_back(-2);
    }
  }
  return out;
}

inline std::vector<const Deliver*> Deliveries(const std::vector<Action>& actions) {
  std::vector<const Deliver*> out;
  for (const Action& a : actions) {
    if (const Deliver* d = AsDeliver(a)) out.push_back(d);
  }
  return out;
}

MATCHER_P(ReplyIs, code, "is a Reply with code " + std::to_string(code)) {
  const Reply* r = std::get_if<Reply>(&arg);
  return r != nullptr && r->code == code;
}

MATCHER_P2(ReplyIs, code, enhanced,
           "is a Reply " + std::to_string(code) + " " + std::string(enhanced)) {
  const Reply* r = std::get_if<Reply>(&arg);
  return r != nullptr && r->code == code && r->enhanced == enhanced;
}

MATCHER(IsDeliverAction, "is a Deliver") { return std::holds_alternative<Deliver>(arg); }
MATCHER(IsCloseAction, "is a Close") { return std::holds_alternative<Close>(arg); }
MATCHER(IsStartTlsAction, "is a StartTls") { return std::holds_alternative<StartTls>(arg); }

// Appends the actions of `more` to `all`.
inline void Append(std::vector<Action>& all, std::vector<Action> more) {
  for (Action& a : more) all.push_back(std::move(a));
}

// A session plus its env, greeted, with a transcript renderer for comparisons.
struct Harness {
  explicit Harness(Limits limits = DefaultLimits(), SessionInfo info = Info())
      : session(limits, std::move(info), &env) {
    greeting = session.Greet();
  }

  std::vector<Action> Feed(std::string_view bytes) { return session.Feed(bytes); }

  // Feeds `input` in pieces of `chunk` bytes (0 = all at once), answering every Deliver
  // with 250 and every StartTls with a handshake, and returns everything that came out.
  std::vector<Action> Run(std::string_view input, size_t chunk = 0) {
    std::vector<Action> all;
    size_t answered = 0;
    size_t step = chunk == 0 ? std::max<size_t>(input.size(), 1) : chunk;
    for (size_t i = 0; i < input.size(); i += step) {
      Append(all, session.Feed(input.substr(i, step)));
      Settle(all, answered);
    }
    return all;
  }

  // Answers the Deliver and StartTls actions in all[answered..], including new ones.
  void Settle(std::vector<Action>& all, size_t& answered) {
    for (; answered < all.size(); ++answered) {
      if (AsDeliver(all[answered])) {
        Append(all, session.OnDeliveryReply(Reply{250, "2.0.0", "Ok: delivered"}));
      } else if (IsStartTls(all[answered])) {
        Append(all, session.OnTlsStarted("TLSv1.3"));
      }
    }
  }

  FakeEnv env;
  Session session;
  std::vector<Action> greeting;
};

// Renders actions into one comparable string: replies on the wire, deliveries by content.
inline std::string Transcript(const std::vector<Action>& actions) {
  std::string out;
  for (const Action& a : actions) {
    if (const Reply* r = AsReply(a)) {
      out += r->Render();
    } else if (const Deliver* d = AsDeliver(a)) {
      out += "[DELIVER " + d->id + " from=" + d->envelope.mail_from + " rcpts=";
      for (const std::string& r : d->envelope.recipients) out += r + ",";
      out += " message=" + d->message + "]\n";
    } else if (IsStartTls(a)) {
      out += "[STARTTLS]\n";
    } else {
      out += "[CLOSE]\n";
    }
  }
  return out;
}

inline constexpr std::string_view kEnvelope =
    "EHLO client.example\r\nMAIL FROM:<s@sender.example>\r\nRCPT TO:<r@a.example>\r\nDATA\r\n";

}  // namespace mailrelay::smtp::testing
