// server/smtp_listener.cc — TCPServer set-up, the accept-time limit filter, shutdown.
#include "server/smtp_listener.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerParams.h>
#include <Poco/ThreadPool.h>

#include <chrono>
#include <thread>

#include "common/log.h"
#include "server/listen_socket.h"
#include "server/smtp_connection.h"
#include "server/tls_context.h"

namespace mailrelay::server {
namespace {

// Runs on the acceptor thread: a refused client hears 421 before the close.
class LimitFilter : public Poco::Net::TCPServerConnectionFilter {
 public:
  LimitFilter(SmtpShared& shared, std::string hostname)
      : shared_(shared), hostname_(std::move(hostname)) {}

  bool accept(const Poco::Net::StreamSocket& socket) override {
    std::string ip;
    try {
      ip = socket.peerAddress().host().toString();
    } catch (const Poco::Exception&) {
      return false;  // already gone
    }
    if (!shared_.shutting_down.load() && shared_.limiter->TryAcquire(ip)) {
      shared_.RememberPeer(socket.impl()->sockfd(), ip);
      return true;
    }
    ++shared_.metrics->smtp_connections_refused;
    try {
      Poco::Net::StreamSocket s(socket);
      s.setSendTimeout(Poco::Timespan(1, 0));
      std::string reply = shared_.shutting_down.load()
                              ? "421 4.3.2 " + hostname_ + " Service shutting down\r\n"
                              : "421 4.7.0 " + hostname_ + " Too many connections, try later\r\n";
      s.sendBytes(reply.data(), static_cast<int>(reply.size()));
      s.shutdownSend();
    } catch (const Poco::Exception&) {
    }
    return false;
  }

 private:
  SmtpShared& shared_;
  std::string hostname_;
};

}  // namespace

void SmtpShared::RememberPeer(int fd, std::string ip) {
  std::lock_guard lock(peers_mu_);
  peers_[fd] = std::move(ip);
}

std::string SmtpShared::TakePeer(int fd) {
  std::lock_guard lock(peers_mu_);
  auto it = peers_.find(fd);
  if (it == peers_.end()) return {};
  std::string ip = std::move(it->second);
  peers_.erase(it);
  return ip;
}

SmtpListener::SmtpListener(const SmtpConfig& config, const relay::RouteTable& routes,
                           DeliveryPipeline& pipeline, Metrics& metrics)
    : config_(config),
      limiter_(config.limits.max_connections, config.limits.max_connections_per_ip) {
  shared_.config = &config_;
  shared_.routes = &routes;
  shared_.pipeline = &pipeline;
  shared_.metrics = &metrics;
  shared_.limiter = &limiter_;
}

SmtpListener::~SmtpListener() {
  if (server_) Stop(0);
}

StatusOr<SmtpBinding> SmtpListener::Bind(const SmtpConfig& config) {
  SmtpBinding binding;
  if (config.tls) {
    MR_ASSIGN_OR_RETURN(binding.tls, MakeServerTlsContext(*config.tls));
  }
  MR_ASSIGN_OR_RETURN(binding.socket, BindListenSocket(config.listen, 1024, "SMTP"));
  return binding;
}

Status SmtpListener::Start(SmtpBinding binding) {
  shared_.tls = binding.tls;
  const int threads =
      static_cast<int>(config_.threads ? config_.threads : config_.limits.max_connections);
  try {
    auto* params = new Poco::Net::TCPServerParams;
    params->setMaxThreads(threads);
    // The limiter bounds connections; the queue only holds those waiting for a thread.
    params->setMaxQueued(static_cast<int>(config_.limits.max_connections) + 16);
    params->setThreadIdleTime(Poco::Timespan(30, 0));
    pool_ = std::make_unique<Poco::ThreadPool>(2, threads + 2, 60);
    server_ = std::make_unique<Poco::Net::TCPServer>(new SmtpConnectionFactory(shared_), *pool_,
                                                     binding.socket, params);
    server_->setConnectionFilter(new LimitFilter(shared_, config_.hostname));
    server_->start();
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("cannot listen for SMTP on " + config_.listen.ToString() + ": " +
                               e.displayText());
  }
  return Status::Ok();
}

uint16_t SmtpListener::port() const { return server_ ? server_->port() : 0; }

size_t SmtpListener::Stop(double grace_s) {
  if (!server_) return 0;
  shared_.shutting_down = true;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(grace_s * 1000));
  while (limiter_.active() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  size_t left = limiter_.active();
  server_->stop();
  if (left > 0) {
    // Sessions still hold references into this listener; the caller exits the process.
    (void)server_.release();
    (void)pool_.release();
    return left;
  }
  pool_->joinAll();
  server_.reset();
  return 0;
}

}  // namespace mailrelay::server
