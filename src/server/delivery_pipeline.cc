// server/delivery_pipeline.cc — wires relay/ pieces for one message; logs ids and codes only.
#include "server/delivery_pipeline.h"

#include <chrono>
#include <ctime>

#include "common/log.h"
#include "relay/delivery_id.h"
#include "relay/outcome.h"
#include "relay/payload.h"
#include "relay/webhook_signature.h"

namespace mailrelay::server {

DeliveryPipeline::DeliveryPipeline(const relay::RouteTable& routes, relay::HttpClient& http,
                                   Metrics& metrics, mime::Limits mime_limits)
    : routes_(routes), http_(http), metrics_(metrics), mime_limits_(mime_limits) {}

smtp::Reply DeliveryPipeline::Deliver(const smtp::Deliver& message) {
  const auto started = std::chrono::steady_clock::now();
  const smtp::Envelope& env = message.envelope;
  const RouteConfig* route = routes_.Find(env.route_id);
  if (route == nullptr) {  // routes are fixed for the process; the session checked RCPT
    log::Error("relay.route_missing").Ident("message", log::Id(message.id)).Emit();
    return {451, "4.3.0", "Routing changed during the transaction; try again later"};
  }

  relay::PayloadEnvelope penv;
  penv.to = env.recipients.empty() ? std::string() : env.recipients.front();
  penv.from = env.mail_from;
  penv.recipients = env.recipients;
  penv.helo_domain = env.helo;
  penv.remote_ip = env.remote_ip;
  penv.tls = env.tls;
  penv.tls_cipher = env.tls_cipher;

  smtp::Reply reply;
  int http_status = 0;
  auto payload = relay::BuildPayload(
      route->format, message.message, penv, mime_limits_,
      route->format == PayloadFormat::kJson ? std::string() : relay::NewBoundary());
  if (!payload.ok()) {
    // Only a MIME limit fails the parse; the same message would fail again, so bounce.
    reply = {554, "5.6.0", "Message structure exceeds this server's limits"};
  } else {
    relay::HttpPost post;
    post.url = route->target;
    post.content_type = payload->content_type;
    post.timeout_ms = route->timeout_ms;
    post.headers.emplace_back(
        "X-Mailrelay-Delivery-Id",
        relay::DeliveryId(relay::StripFirstHeaderField(message.message), route->id,
                          env.recipients));
    post.headers.emplace_back("X-Mailrelay-Message-Id", message.id);
    if (!route->secret.empty()) {
      post.headers.emplace_back(
          "X-Mailrelay-Signature",
          relay::SignWebhook(route->secret, static_cast<int64_t>(std::time(nullptr)),
                             payload->body));
    }
    post.body = std::move(payload->body);
    relay::HttpOutcome outcome = http_.Post(post);
    http_status = outcome.status;
    reply = relay::MapOutcome(outcome, message.id);
  }

  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  metrics_.delivery_ms_total += static_cast<uint64_t>(ms);
  if (reply.code < 300) {
    ++metrics_.messages_accepted;
  } else if (reply.code < 500) {
    ++metrics_.messages_deferred;
  } else {
    ++metrics_.messages_bounced;
  }
  log::Info("relay.delivery")
      .Ident("message", log::Id(message.id))
      .Ident("route", log::Id(route->id))
      .Num("http_status", http_status)
      .Num("smtp_code", reply.code)
      .Num("recipients", static_cast<int64_t>(env.recipients.size()))
      .Num("bytes", static_cast<int64_t>(message.message.size()))
      .Num("ms", ms)
      .Emit();
  return reply;
}

}  // namespace mailrelay::server
