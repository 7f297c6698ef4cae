// server/api_server.cc — request routing for the API. The development sink prints what it
// receives to stdout: it exists so a new user sees a delivery without writing a receiver.
#include "server/api_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <functional>
#include <iostream>
#include <mutex>

namespace mailrelay::server {
namespace {

using Poco::Net::HTTPRequestHandler;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr size_t kMaxSinkBody = 64u << 20;

void Reply(HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
           const std::string& content_type, const std::string& body) {
  response.setStatus(status);
  response.setContentType(content_type);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

class FunctionHandler : public HTTPRequestHandler {
 public:
  explicit FunctionHandler(std::function<void(HTTPServerRequest&, HTTPServerResponse&)> fn)
      : fn_(std::move(fn)) {}
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    try {
      fn_(request, response);
    } catch (const std::exception&) {
      if (!response.sent()) {
        Reply(response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "application/json",
              R"({"error":"internal error"})");
      }
    }
  }

 private:
  std::function<void(HTTPServerRequest&, HTTPServerResponse&)> fn_;
};

void DevSink(HTTPServerRequest& request, HTTPServerResponse& response) {
  static std::mutex print_mu;
  std::string body;
  char buf[16384];
  std::istream& in = request.stream();
  while (in && body.size() <= kMaxSinkBody) {
    in.read(buf, sizeof buf);
    body.append(buf, static_cast<size_t>(in.gcount()));
  }
  {
    std::lock_guard lock(print_mu);
    std::cout << "── dev sink: delivery " << request.get("X-Mailrelay-Message-Id", "?") << " ("
              << body.size() << " bytes, " << request.getContentType() << ") ──\n"
              << body << "\n"
              << std::flush;
  }
  Reply(response, HTTPResponse::HTTP_OK, "text/plain", "ok\n");
}

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(const ApiConfig& config, Metrics& metrics) : config_(config), metrics_(metrics) {}

  HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override {
    const std::string path = request.getURI().substr(0, request.getURI().find('?'));
    const std::string& method = request.getMethod();
    if (path == "/healthz" && method == "GET") {
      return new FunctionHandler([](auto&, auto& response) {
        Reply(response, HTTPResponse::HTTP_OK, "application/json", R"({"status":"ok"})");
      });
    }
    if (path == "/metrics" && method == "GET") {
      Metrics& metrics = metrics_;
      return new FunctionHandler([&metrics](auto&, auto& response) {
        Reply(response, HTTPResponse::HTTP_OK, "text/plain; version=0.0.4", metrics.Render());
      });
    }
    if (path == "/dev/sink" && method == "POST" && config_.dev_sink) {
      return new FunctionHandler(&DevSink);
    }
    return new FunctionHandler([](auto&, auto& response) {
      Reply(response, HTTPResponse::HTTP_NOT_FOUND, "application/json",
            R"({"error":"no such endpoint"})");
    });
  }

 private:
  ApiConfig config_;
  Metrics& metrics_;
};

}  // namespace

ApiServer::ApiServer(const ApiConfig& config, Metrics& metrics)
    : config_(config), metrics_(metrics) {}

ApiServer::~ApiServer() { Stop(); }

Status ApiServer::Start() {
  try {
    Poco::Net::ServerSocket socket;
    // SO_REUSEADDR for quick restarts, never SO_REUSEPORT: a second instance must fail to bind.
    socket.bind(Poco::Net::SocketAddress(config_.listen.host, config_.listen.port), true, false);
    socket.listen(256);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(static_cast<int>(config_.threads));
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(10000);
    params->setKeepAliveTimeout(Poco::Timespan(15, 0));
    pool_ = std::make_unique<Poco::ThreadPool>(1, static_cast<int>(config_.threads) + 1, 60);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(config_, metrics_), *pool_,
                                                      socket, params);
    server_->start();
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("cannot listen for the API on " + config_.listen.ToString() +
                               ": " + e.displayText());
  }
  return Status::Ok();
}

void ApiServer::Stop() {
  if (server_) {
    server_->stopAll(true);
    server_.reset();
    pool_->joinAll();
  }
}

uint16_t ApiServer::port() const { return server_ ? server_->port() : 0; }

}  // namespace mailrelay::server
