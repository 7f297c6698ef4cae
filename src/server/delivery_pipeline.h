// server/delivery_pipeline.h — one received message to one SMTP reply: build the route's
// payload (with the sender's SPF result), POST it, map the endpoint's answer, commit one metadata
// record per recipient to the vault, and only then answer. Thread-safe.
#pragma once

#include "common/config.h"
#include "common/retention.h"
#include "mime/message.h"
#include "relay/http_client.h"
#include "relay/route_table.h"
#include "server/metrics.h"
#include "smtp/session.h"
#include "spf/spf_checker.h"
#include "vault/vault.h"

namespace mailrelay::server {

class DeliveryPipeline {
 public:
  // All references must outlive the pipeline.
  DeliveryPipeline(const relay::RouteTable& routes, relay::HttpClient& http, vault::Vault& vault,
                   Metrics& metrics, mime::Limits mime_limits, const RetentionPolicy& retention,
                   const spf::SpfChecker& spf);

  // Returns the reply for the sender once the endpoint answered (or failed to).
  smtp::Reply Deliver(const smtp::Deliver& message);

 private:
  const relay::RouteTable& routes_;
  relay::HttpClient& http_;
  vault::Vault& vault_;
  Metrics& metrics_;
  mime::Limits mime_limits_;
  const RetentionPolicy& retention_;
  const spf::SpfChecker& spf_;
};

}  // namespace mailrelay::server
