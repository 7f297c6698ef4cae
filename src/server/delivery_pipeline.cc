// server/delivery_pipeline.cc — wires relay/ and vault/ for one message; logs ids and codes
// only. The message is parsed once: the payload and the record's subject share the parse.
#include "server/delivery_pipeline.h"

#include <chrono>
#include <ctime>

#include "common/ids.h"
#include "common/log.h"
#include "relay/delivery_id.h"
#include "relay/outcome.h"
#include "relay/payload.h"
#include "relay/webhook_signature.h"

namespace mailrelay::server {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string HeaderValue(const mime::Message& m, std::string_view name) {
  const mime::HeaderField* f = m.Find(name);
  return f ? f->value : std::string();
}

}  // namespace

DeliveryPipeline::DeliveryPipeline(const relay::RouteTable& routes, relay::HttpClient& http,
                                   vault::Vault& vault, Metrics& metrics, mime::Limits mime_limits,
                                   const RetentionPolicy& retention, const spf::SpfChecker& spf)
    : routes_(routes),
      http_(http),
      vault_(vault),
      metrics_(metrics),
      mime_limits_(mime_limits),
      retention_(retention),
      spf_(spf) {}

smtp::Reply DeliveryPipeline::Deliver(const smtp::Deliver& message) {
  const auto started = std::chrono::steady_clock::now();
  const int64_t received_ms = NowMs();
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
  // In the connection's own thread, like the POST: only this sender waits on DNS, and at most
  // spf.timeout_ms. Counted, never logged with the domain or address (privacy rule).
  const auto spf_started = std::chrono::steady_clock::now();
  const spf::SpfVerdict spf = spf_.Check(env.remote_ip, env.mail_from, env.helo);
  penv.spf_result = std::string(spf::ResultName(spf.result));
  penv.spf_domain = spf.domain;
  const int64_t spf_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - spf_started)
                             .count();
  if (spf_.enabled()) ++metrics_.spf_results[static_cast<size_t>(spf.result)];

  smtp::Reply reply;
  relay::HttpOutcome outcome;
  StatusOr<mime::Message> parsed = mime::Parse(message.message, mime_limits_);
  if (!parsed.ok() && route->format != PayloadFormat::kRaw) {
    // Only a MIME limit fails the parse; the same message would fail again, so bounce.
    reply = {554, "5.6.0", "Message structure exceeds this server's limits"};
  } else {
    const mime::Message empty;
    const mime::Message& m = parsed.ok() ? *parsed : empty;
    relay::Payload payload = relay::BuildPayload(
        route->format, message.message, m, penv,
        route->format == PayloadFormat::kJson ? std::string() : relay::NewBoundary());
    relay::HttpPost post;
    post.url = route->target;
    post.content_type = std::move(payload.content_type);
    post.timeout_ms = route->timeout_ms;
    post.headers.emplace_back("X-Mailrelay-Delivery-Id",
                              relay::DeliveryId(relay::StripFirstHeaderField(message.message),
                                                route->id, env.recipients));
    post.headers.emplace_back("X-Mailrelay-Message-Id", message.id);
    if (!route->secret.empty()) {
      post.headers.emplace_back(
          "X-Mailrelay-Signature",
          relay::SignWebhook(route->secret, static_cast<int64_t>(std::time(nullptr)),
                             payload.body));
    }
    post.body = std::move(payload.body);
    outcome = http_.Post(post);
    reply = relay::MapOutcome(outcome, message.id);
  }

  const int64_t processing_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count();
  // One record per recipient, committed before the sender hears the answer: a 250 is only
  // given for a message whose metadata is durable.
  std::vector<vault::MetadataRecord> records;
  records.reserve(env.recipients.size());
  const std::string subject = parsed.ok() ? HeaderValue(*parsed, "subject") : std::string();
  const std::string message_id_header =
      parsed.ok() ? HeaderValue(*parsed, "message-id") : std::string();
  // Expiry from the policy in force, stored with the record (docs/retention.md).
  const RecordExpiry expiry = retention_.ExpiryFor(route->region, received_ms);
  for (const std::string& recipient : env.recipients) {
    vault::MetadataRecord r;
    r.id = NewSortableId(static_cast<uint64_t>(received_ms));
    r.message_id_ref = message.id;
    r.received_at_ms = received_ms;
    r.expires_at_ms = expiry.record_ms;
    r.field_expires_at_ms = expiry.fields_ms;
    r.smtp_code = reply.code;
    r.http_status = outcome.status;
    r.processing_ms = processing_ms;
    r.size = static_cast<int64_t>(message.message.size());
    r.account = route->account;
    r.route = route->id;
    r.region = route->region;
    r.sender_ip = env.remote_ip;
    r.message_id = message_id_header;
    r.sender = env.mail_from;
    r.recipient = recipient;
    r.subject = subject;
    r.server_response = outcome.body;
    records.push_back(std::move(r));
  }
  const auto commit_started = std::chrono::steady_clock::now();
  Status committed = vault_.Commit(std::move(records));
  const int64_t commit_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - commit_started)
                                .count();
  metrics_.vault_commit_us_total += static_cast<uint64_t>(commit_us);
  if (!committed.ok()) {
    // The endpoint may have the message already; the sender's retry is deduplicated by
    // X-Mailrelay-Delivery-Id. Without the record we must not claim delivery.
    log::Error("vault.commit_failed")
        .Ident("message", log::Id(message.id))
        .Ident("status", log::Id(StatusCodeName(committed.code())))
        .Emit();
    reply = relay::VaultCommitFailedReply(committed.code());
  }

  metrics_.delivery_ms_total += static_cast<uint64_t>(processing_ms);
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
      .Num("http_status", outcome.status)
      .Num("smtp_code", reply.code)
      .Num("recipients", static_cast<int64_t>(env.recipients.size()))
      .Num("bytes", static_cast<int64_t>(message.message.size()))
      .Num("ms", processing_ms)
      .Num("vault_us", commit_us)
      .Num("spf_ms", spf_ms)
      .Num("spf_queries", spf.queries)
      .Emit();
  return reply;
}

}  // namespace mailrelay::server
