// server/smtp_connection.cc — the per-connection loop. Reads in 1 s slices so timeouts and
// shutdown are noticed without a timer thread; one catch-all so no exception ends the server.
#include "server/smtp_connection.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Timespan.h>

#include <chrono>
#include <ctime>
#include <deque>

#include "common/ids.h"
#include "common/log.h"
#include "server/tls_context.h"

namespace mailrelay::server {
namespace {

class Env : public smtp::SessionEnv {
 public:
  explicit Env(const relay::RouteTable& routes) : routes_(routes) {}
  std::optional<std::string> RouteFor(std::string_view address) const override {
    const RouteConfig* route = routes_.Match(address);
    if (route == nullptr) return std::nullopt;
    return route->id;
  }
  std::time_t Now() const override { return std::time(nullptr); }
  std::string NewMessageId() override { return NewSortableId(); }

 private:
  const relay::RouteTable& routes_;
};

smtp::Limits ToSessionLimits(const SmtpLimitsConfig& c) {
  smtp::Limits l;
  l.max_command_line = c.max_command_line;
  l.max_text_line = c.max_text_line;
  l.max_recipients = c.max_recipients;
  l.max_message_bytes = c.max_message_bytes;
  l.max_errors = c.max_errors;
  return l;
}

constexpr double kShutdownGraceForDataS = 30;

}  // namespace

SmtpConnection::SmtpConnection(const Poco::Net::StreamSocket& socket, SmtpShared& shared,
                               std::string ip)
    : TCPServerConnection(socket), shared_(shared), ip_(std::move(ip)), io_(socket) {
  ++shared_.metrics->smtp_sessions_active;
}

SmtpConnection::~SmtpConnection() {
  // The slot first: once /metrics shows a session gone, its address may connect again.
  shared_.limiter->Release(ip_);
  --shared_.metrics->smtp_sessions_active;
}

void SmtpConnection::Send(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    int n = io_.sendBytes(bytes.data() + off, static_cast<int>(bytes.size() - off));
    if (n <= 0) throw Poco::Net::ConnectionResetException("short write");
    off += static_cast<size_t>(n);
  }
}

bool SmtpConnection::Perform(smtp::Session& session, std::vector<smtp::Action> first) {
  std::deque<smtp::Action> queue(std::make_move_iterator(first.begin()),
                                 std::make_move_iterator(first.end()));
  bool open = true;
  auto enqueue = [&](std::vector<smtp::Action> more) {
    for (auto& a : more) queue.push_back(std::move(a));
  };
  while (!queue.empty()) {
    smtp::Action action = std::move(queue.front());
    queue.pop_front();
    if (auto* reply = std::get_if<smtp::Reply>(&action)) {
      out_ += reply->Render();
    } else if (auto* deliver = std::get_if<smtp::Deliver>(&action)) {
      // Replies for pipelined commands before the data go out now: delivery may take long.
      if (!out_.empty()) Send(out_), out_.clear();
      smtp::Reply result = shared_.pipeline->Deliver(*deliver);
      enqueue(session.OnDeliveryReply(result));
    } else if (std::holds_alternative<smtp::StartTls>(action)) {
      Send(out_), out_.clear();
      Poco::Net::SecureStreamSocket tls = Poco::Net::SecureStreamSocket::attach(io_, shared_.tls);
      tls.completeHandshake();
      io_ = tls;
      enqueue(session.OnTlsStarted(LastHandshakeProtocol()));
    } else if (std::holds_alternative<smtp::Close>(action)) {
      open = false;
    }
  }
  if (!out_.empty()) Send(out_), out_.clear();
  return open && !session.closed();
}

void SmtpConnection::run() {
  ++shared_.metrics->smtp_connections;
  Env env(*shared_.routes);
  smtp::SessionInfo info;
  info.server_hostname = shared_.config->hostname;
  info.remote_ip = ip_;
  info.tls_available = !shared_.tls.isNull();
  smtp::Session session(ToSessionLimits(shared_.config->limits), info, &env);
  const auto& limits = shared_.config->limits;
  try {
    io_.setNoDelay(true);
    io_.setReceiveTimeout(Poco::Timespan(1, 0));
    io_.setSendTimeout(Poco::Timespan(static_cast<long>(limits.command_timeout_s), 0));
    if (!Perform(session, session.Greet())) return;
    std::vector<char> buffer(64 * 1024);
    double idle_s = 0;
    double shutdown_s = 0;
    while (true) {
      if (shared_.shutting_down.load()) {
        bool busy = session.in_data() || session.awaiting_delivery();
        if (!busy || shutdown_s >= kShutdownGraceForDataS) {
          Perform(session, session.OnShutdown());
          return;
        }
      }
      int n = 0;
      try {
        n = io_.receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
      } catch (const Poco::TimeoutException&) {
        idle_s += 1;
        if (shared_.shutting_down.load()) shutdown_s += 1;
        double limit = session.in_data() ? limits.data_timeout_s : limits.command_timeout_s;
        if (idle_s >= limit) {
          Perform(session, session.OnTimeout());
          log::Info("smtp.timeout").Num("idle_s", static_cast<int64_t>(idle_s)).Emit();
          return;
        }
        continue;
      }
      if (n <= 0) return;  // peer closed
      idle_s = 0;
      if (!Perform(session,
                   session.Feed(std::string_view(buffer.data(), static_cast<size_t>(n))))) {
        return;
      }
    }
  } catch (const Poco::Exception& e) {
    log::Debug("smtp.connection_error").Emit();
  } catch (const std::exception&) {
    log::Warn("smtp.connection_exception").Emit();
  }
}

Poco::Net::TCPServerConnection* SmtpConnectionFactory::createConnection(
    const Poco::Net::StreamSocket& socket) {
  return new SmtpConnection(socket, shared_, shared_.TakePeer(socket.impl()->sockfd()));
}

}  // namespace mailrelay::server
