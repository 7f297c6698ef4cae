// server/api_server.cc — the API's socket, thread pool and start/stop; requests go to api/.
#include "server/api_server.h"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include "api/router.h"
#include "server/listen_socket.h"
#include "server/tls_context.h"
#include "vault/vault.h"

namespace mailrelay::server {

ApiServer::ApiServer(const ApiConfig& config, Metrics& metrics, vault::Vault* vault,
                     api::AccessRecorder* recorder, auditlog::AuditLog* audit,
                     compliance::ComplianceService* compliance)
    : config_(config),
      metrics_(metrics),
      vault_(vault),
      recorder_(recorder),
      audit_(audit),
      compliance_(compliance) {}

ApiServer::~ApiServer() { Stop(); }

StatusOr<Poco::Net::ServerSocket> ApiServer::Bind(const ApiConfig& config) {
  Poco::Net::Context::Ptr tls;
  if (config.tls) {
    MR_ASSIGN_OR_RETURN(tls, MakeServerTlsContext(*config.tls));
  }
  return BindListenSocket(config.listen, 256, "the API", tls);
}

Status ApiServer::Start(Poco::Net::ServerSocket socket) {
  try {
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(static_cast<int>(config_.threads));
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(10000);
    params->setKeepAliveTimeout(Poco::Timespan(15, 0));
    api::ApiContext ctx;
    ctx.vault = vault_;
    ctx.recorder = recorder_;
    ctx.audit = audit_;
    ctx.compliance = compliance_;
    ctx.dev_sink = config_.dev_sink;
    Metrics* metrics = &metrics_;
    vault::Vault* vault = vault_;
    ctx.metrics_text = [metrics, vault] {
      if (vault == nullptr) return metrics->Render();
      vault::Vault::CommitStats s = vault->commit_stats();
      return metrics->Render(VaultCommitCounts{s.transactions, s.batches});
    };
    pool_ = std::make_unique<Poco::ThreadPool>(1, static_cast<int>(config_.threads) + 1, 60);
    server_ = std::make_unique<Poco::Net::HTTPServer>(api::NewRequestHandlerFactory(ctx), *pool_,
                                                      socket, params);
    server_->start();
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("cannot listen for the API on " + config_.listen.ToString() + ": " +
                               e.displayText());
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
