// tests/fuzz/smtp_session_fuzz.cc — libFuzzer target driving smtp::Session like a listener.
// Checks invariants on every batch of actions: well-formed replies, at most one Deliver in
// flight, nothing after Close, bounded buffering.
//
// Input layout: [flags][k][k chunk-size bytes][SMTP byte stream]. The stream is fed in
// chunks whose sizes cycle through the chunk-size bytes, so one input also explores splits.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "smtp/session.h"

namespace {

using mailrelay::smtp::Action;
using mailrelay::smtp::Close;
using mailrelay::smtp::Deliver;
using mailrelay::smtp::Limits;
using mailrelay::smtp::Reply;
using mailrelay::smtp::Session;
using mailrelay::smtp::SessionEnv;
using mailrelay::smtp::SessionInfo;
using mailrelay::smtp::StartTls;

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

class Env : public SessionEnv {
 public:
  std::optional<std::string> RouteFor(std::string_view address) const override {
    if (address.empty()) return std::nullopt;
    // Route by the last character so both same-route and other-route cases happen.
    switch (address.back() % 3) {
      case 0:
        return "route-a";
      case 1:
        return "route-b";
      default:
        return std::nullopt;
    }
  }
  std::time_t Now() const override { return 1700000000; }
  std::string NewMessageId() override { return "id" + std::to_string(++ids_); }

 private:
  int ids_ = 0;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void CheckReply(const Reply& r) {
  FUZZ_CHECK(r.code >= 200 && r.code <= 599);
  if (!r.enhanced.empty()) FUZZ_CHECK(r.enhanced[0] - '0' == r.code / 100);
  std::string wire = r.Render();
  FUZZ_CHECK(wire.size() >= 5 && wire.compare(wire.size() - 2, 2, "\r\n") == 0);
  // Every line: three digits, then ' ' or '-' (or CRLF), and no stray CR/LF inside.
  size_t start = 0;
  while (start < wire.size()) {
    size_t end = wire.find("\r\n", start);
    FUZZ_CHECK(end != std::string::npos);
    std::string_view line(wire.data() + start, end - start);
    FUZZ_CHECK(line.size() >= 3 && IsDigit(line[0]) && IsDigit(line[1]) && IsDigit(line[2]));
    FUZZ_CHECK(line.find('\r') == std::string_view::npos);
    FUZZ_CHECK(line.find('\n') == std::string_view::npos);
    bool last = end + 2 == wire.size();
    if (line.size() > 3) FUZZ_CHECK(line[3] == (last ? ' ' : '-'));
    start = end + 2;
  }
}

struct Driver {
  Limits limits;
  Env env;
  Session session;
  bool awaiting = false;  // our own view: a Deliver is out and unanswered
  bool tls_pending = false;
  bool closed = false;

  Driver(const Limits& l, bool tls)
      : limits(l), session(l, SessionInfo{"mx.fuzz", "192.0.2.1", tls}, &env) {}

  void Check(const std::vector<Action>& actions) {
    if (closed) FUZZ_CHECK(actions.empty());
    for (size_t i = 0; i < actions.size(); ++i) {
      const Action& a = actions[i];
      bool last = i + 1 == actions.size();
      if (const Reply* r = std::get_if<Reply>(&a)) {
        CheckReply(*r);
      } else if (const Deliver* d = std::get_if<Deliver>(&a)) {
        FUZZ_CHECK(!awaiting);  // never two Delivers without a reply
        FUZZ_CHECK(last);       // processing stops at a Deliver
        FUZZ_CHECK(!d->envelope.recipients.empty());
        FUZZ_CHECK(d->envelope.recipients.size() <= limits.max_recipients);
        FUZZ_CHECK(d->message.size() <= limits.max_message_bytes + 4096);
        FUZZ_CHECK(d->message.rfind("Received: ", 0) == 0);
        awaiting = true;
      } else if (std::holds_alternative<StartTls>(a)) {
        FUZZ_CHECK(last);
        tls_pending = true;
      } else {
        FUZZ_CHECK(std::holds_alternative<Close>(a));
        FUZZ_CHECK(last);
        closed = true;
      }
    }
    FUZZ_CHECK(session.awaiting_delivery() == awaiting);
    FUZZ_CHECK(session.closed() == closed);
    // Bounded memory: outside a delivery, at most one partial command line is held.
    if (!awaiting) FUZZ_CHECK(session.buffered_bytes() < limits.max_command_line + 1);
    if (session.in_data()) FUZZ_CHECK(session.buffered_bytes() == 0);
  }

  void Settle(uint8_t flags) {
    if (awaiting) {
      awaiting = false;
      int code = (flags & 0x10) ? 451 : 250;
      Check(session.OnDeliveryReply(Reply{code, code == 250 ? "2.0.0" : "4.3.0", "done"}));
    }
    if (tls_pending) {
      tls_pending = false;
      std::vector<Action> a = session.OnTlsStarted("TLSv1.3");
      FUZZ_CHECK(a.empty());
      Check(a);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint8_t flags = data[0];
  size_t k = data[1] % 16;
  if (size < 2 + k) return 0;
  const uint8_t* chunks = data + 2;
  std::string_view stream(reinterpret_cast<const char*>(data + 2 + k), size - 2 - k);

  // Small limits so the fuzzer reaches every limit quickly.
  Limits limits;
  limits.max_command_line = 32 + (flags & 0x3) * 64;
  limits.max_text_line = 16 + ((flags >> 2) & 0x3) * 100;
  limits.max_recipients = 1 + ((flags >> 5) & 0x3);
  limits.max_message_bytes = 256 + ((flags >> 7) & 0x1) * 4096;
  limits.max_errors = 3 + (flags & 0x3);

  Driver d(limits, (flags & 0x40) != 0);
  d.Check(d.session.Greet());

  size_t pos = 0, n = 0;
  while (pos < stream.size() && !d.closed) {
    size_t len = k == 0 ? stream.size() : 1 + chunks[n++ % k];
    len = std::min(len, stream.size() - pos);
    // Now and then feed once more before answering a delivery, as a listener might.
    bool late = d.awaiting && (n % 5 == 0);
    d.Check(d.session.Feed(stream.substr(pos, len)));
    pos += len;
    if (!late) d.Settle(flags);
  }
  d.Settle(flags);
  if (!d.closed) {
    std::vector<Action> end = (flags & 0x8) ? d.session.OnShutdown() : d.session.OnTimeout();
    FUZZ_CHECK(end.size() == 2 && std::holds_alternative<Close>(end.back()));
    d.Check(end);
  }
  return 0;
}
