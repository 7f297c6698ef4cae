// server/service.cc — start-up order (bind, drop root, then keys and data; API first, so the
// quickstart sink is up before mail arrives), the banner, signal wait and the orderly stop.
#include "server/service.h"

#include <Poco/Net/IPAddress.h>
#include <Poco/Net/SSLManager.h>
#include <signal.h>

#include <cstdio>
#include <iostream>

#include "api/access_recorder.h"
#include "api/quickstart_tokens.h"
#include "auditlog/audit_log.h"
#include "common/config_retention.h"
#include "common/log.h"
#include "common/policy_set.h"
#include "compliance/compliance_service.h"
#include "relay/http_client.h"
#include "relay/route_table.h"
#include "server/api_server.h"
#include "server/delivery_pipeline.h"
#include "server/metrics.h"
#include "server/privileges.h"
#include "server/smtp_listener.h"
#include "server/sweeper.h"
#include "server/vault_open.h"

namespace mailrelay::server {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUnavailable = 69;
constexpr int kExitOsError = 71;
constexpr int kExitConfig = 78;
constexpr double kShutdownGraceS = 40;

// True for a listen host only this machine can reach (127.0.0.0/8, ::1, localhost).
bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  Poco::Net::IPAddress ip;
  return Poco::Net::IPAddress::tryParse(host, ip) && ip.isLoopback();
}

void PrintBanner(const Config& config, uint16_t smtp_port, uint16_t api_port) {
  std::cerr << "mailrelay serving\n"
            << "  SMTP  " << config.smtp.listen.host << ":" << smtp_port
            << (config.smtp.tls ? "  (STARTTLS offered)" : "  (no STARTTLS: no smtp.tls in config)")
            << "\n  API   " << (config.api.tls ? "https://" : "http://") << config.api.listen.host
            << ":" << api_port << "  (/healthz, /metrics)\n"
            << "  routes:\n";
  for (const auto& r : config.routes) {
    std::cerr << "    " << r.id << ": ";
    for (size_t i = 0; i < r.match.size(); ++i) std::cerr << (i ? ", " : "") << r.match[i];
    std::cerr << " -> "
              << (config.quickstart ? "built-in development sink (prints each delivery to stdout)"
                                    : "endpoint of route " + r.id)
              << "\n";
  }
  if (config.quickstart) {
    std::cerr << "  quickstart defaults (no --config). Try:\n"
              << "    swaks --server 127.0.0.1:" << smtp_port << " --to you@example.test\n";
  }
  std::cerr << "  Ctrl-C stops (sessions in flight finish or get 421).\n" << std::flush;
}

// The API's access recorder on the audit log: one records.read entry per API call that read
// personal data (actor = the token, what, the parameters, how many records), durable before
// the response goes out.
class AuditAccessRecorder final : public api::AccessRecorder {
 public:
  explicit AuditAccessRecorder(auditlog::AuditLog& log) : log_(log) {}
  Status Record(const api::AccessEvent& e) override {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [name, value] : e.params) params[name] = value;
    auto r = log_.Append({"api:token-" + std::to_string(e.token_id),
                          "records.read",
                          {{"what", e.action},
                           {"records", e.record_ids.size()},
                           {"filters", params},
                           {"role", e.role},
                           {"via", "api"}}});
    return r.status();
  }

 private:
  auditlog::AuditLog& log_;
};

// Appends the run's first audit entry: the digests of the config and policy files (never
// their contents), the regions and the route count — no personal data.
Status RecordServiceStart(auditlog::AuditLog& audit, const Config& config,
                          const std::vector<std::string>& regions) {
  MR_ASSIGN_OR_RETURN(
      nlohmann::json details,
      auditlog::StartupDigests(config.quickstart ? "" : config.source, config.policy_dir));
  details["config"] = config.quickstart ? "quickstart" : "file";
  details["regions"] = regions;
  details["routes"] = config.routes.size();
  return audit.Append({"system", "service.start", std::move(details)}).status();
}

// Switches to service.user when started as root (see privileges.h); returns kExitOk to go on,
// else the exit code after saying why on stderr.
int DropPrivileges(const Config& config) {
  auto identity = BecomeServiceUser(config.service_user, config.source);
  if (!identity.ok()) {
    std::cerr << "mailrelay: " << identity.status().message() << "\n";
    return identity.status().code() == StatusCode::kInvalidArgument ? kExitConfig : kExitOsError;
  }
  switch (identity->change) {
    case ServiceIdentity::Change::kSwitched:
      // The kernel set the dumpable flag back to fs.suid_dumpable with the uid change.
      if (Status s = KeepKeysOutOfCoreDumps(); !s.ok()) {
        std::cerr << "mailrelay: " << s.message() << "\n";
        return kExitOsError;
      }
      log::Info("service.user_switched").Num("uid", identity->uid).Num("gid", identity->gid).Emit();
      break;
    case ServiceIdentity::Change::kStayingRoot:
      // Not refused: the quickstart and containers run as root; the operator is told instead.
      log::Warn("service.running_as_root")
          .Text("hint",
                "set service.user in the config: serve binds its ports as root, then runs as "
                "that user (docs/operations.md, Running as a service)")
          .Emit();
      break;
    case ServiceIdentity::Change::kAlreadyUser:
      break;
  }
  return kExitOk;
}

}  // namespace

int RunService(const Config& config) {
  // Block the stop signals in every thread; the main thread waits for them with sigwait.
  // SIGHUP too: its default action would kill the service mid-delivery, and log rotation
  // scripts send it out of habit; serve has no log file to reopen, so it is only logged.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Already non-dumpable: cli/main.cc does that for every command that loads the master key.

  // A policy file that breaks its schema or a commitment of another (a retention beyond the
  // DPA, a region it does not allow, …) never starts: exit 78 naming file, pointer and limit.
  auto policy = LoadPolicyInForce(config);
  if (!policy.ok()) {
    std::cerr << "mailrelay: " << policy.status().message() << "\n";
    return kExitConfig;
  }
  const RetentionPolicy* retention = &policy->retention_policy;

  // Both ports are bound (and the TLS key read) while still root, so ports below 1024 work;
  // the master key, vault and audit log are opened only after the switch to service.user, so
  // their files belong to, and are read by, the unprivileged user.
  Poco::Net::initializeSSL();
  auto api_socket = ApiServer::Bind(config.api);
  if (!api_socket.ok()) {
    std::cerr << "mailrelay: " << api_socket.status().message() << "\n";
    return api_socket.status().code() == StatusCode::kInvalidArgument ? kExitConfig
                                                                      : kExitUnavailable;
  }
  if (!config.api.tls && !IsLoopbackHost(config.api.listen.host)) {
    log::Warn("api.plaintext_listener")
        .Text("hint",
              "the API listens beyond loopback without TLS: bearer tokens and the records it "
              "returns cross the network in the clear; set api.tls or listen on 127.0.0.1")
        .Emit();
  }
  auto smtp_binding = SmtpListener::Bind(config.smtp);
  if (!smtp_binding.ok()) {
    std::cerr << "mailrelay: " << smtp_binding.status().message() << "\n";
    return smtp_binding.status().code() == StatusCode::kInvalidArgument ? kExitConfig
                                                                        : kExitUnavailable;
  }
  if (int code = DropPrivileges(config); code != kExitOk) return code;
  if (auto files = RaiseOpenFileLimit(); files.ok()) {
    log::Info("service.open_file_limit").Num("files", static_cast<int64_t>(*files)).Emit();
  } else {
    log::Warn("service.open_file_limit_unchanged")
        .Ident("status", log::Id(StatusCodeName(files.status().code())))
        .Emit();
  }

  auto vault = OpenVaultForService(config, *policy);
  if (!vault.ok()) {
    std::cerr << "mailrelay: " << vault.status().message() << "\n";
    return ExitCodeForVaultError(vault.status());
  }
  // The API reads control.db on every request (tokens, law-enforcement cases): open it now and
  // keep it open, so a disk that fills later cannot stop SQLite creating its -wal and -shm
  // files and lock every caller out.
  for (Status s : {(*vault)->Tokens().status(), (*vault)->LeaCases().status()}) {
    if (!s.ok()) {
      std::cerr << "mailrelay: " << s.message() << "\n";
      return ExitCodeForVaultError(s);
    }
  }
  // The audit log stays open for the whole run (API reads append to it).
  auto audit = auditlog::OpenLocalAuditLog(
      {config.data_dir, config.master_key_file, /*create_if_missing=*/config.quickstart});
  if (!audit.ok()) {
    std::cerr << "mailrelay: audit log: " << audit.status().message() << "\n";
    return ExitCodeForVaultError(audit.status());
  }
  if (Status s = RecordServiceStart(**audit, config, (*vault)->regions()); !s.ok()) {
    std::cerr << "mailrelay: audit log: " << s.message() << "\n";
    return ExitCodeForVaultError(s);
  }
  Metrics metrics;
  relay::RouteTable routes(config.routes);
  relay::HttpClient http;
  spf::SpfCheckerOptions spf_options;
  spf_options.enabled = config.spf.enabled;
  spf_options.timeout = std::chrono::milliseconds(config.spf.timeout_ms);
  if (config.spf.enabled) {
    // The config loader validated the address; resolv.conf is read once, at start-up.
    auto ns = config.spf.nameserver.empty() ? StatusOr<spf::Nameserver>(spf::SystemNameserver())
                                            : spf::ParseNameserver(config.spf.nameserver);
    if (!ns.ok()) {
      std::cerr << "mailrelay: " << config.source
                << ": at /spf/nameserver: " << ns.status().message() << "\n";
      return kExitConfig;
    }
    spf_options.nameserver = *ns;
  }
  const spf::SpfChecker spf_checker(spf_options);
  DeliveryPipeline pipeline(routes, http, **vault, metrics, mime::Limits{}, *retention,
                            spf_checker);

  auto compliance =
      compliance::ComplianceService::Create(**vault, **audit, Article15Information(*policy));
  if (!compliance.ok()) {
    std::cerr << "mailrelay: " << compliance.status().message() << "\n";
    return ExitCodeForVaultError(compliance.status());
  }
  AuditAccessRecorder recorder(**audit);
  ApiServer api(config.api, metrics, vault->get(), &recorder, audit->get(), compliance->get());
  if (Status s = api.Start(std::move(*api_socket)); !s.ok()) {
    std::cerr << "mailrelay: " << s.message() << "\n";
    return kExitUnavailable;
  }
  SmtpListener smtp(config.smtp, routes, pipeline, metrics);
  if (Status s = smtp.Start(std::move(*smtp_binding)); !s.ok()) {
    std::cerr << "mailrelay: " << s.message() << "\n";
    return s.code() == StatusCode::kInvalidArgument ? kExitConfig : kExitUnavailable;
  }
  Sweeper sweeper(**vault, **audit, std::chrono::seconds(config.sweep_interval_s), retention);
  sweeper.Start();
  PrintBanner(config, smtp.port(), api.port());
  if (config.quickstart) api::AnnounceQuickstartTokens(**vault, std::cerr);
  log::Info("service.started")
      .Num("smtp_port", smtp.port())
      .Num("api_port", api.port())
      .Num("routes", static_cast<int64_t>(config.routes.size()))
      .Emit();

  int signo = 0;
  while (sigwait(&stop_signals, &signo) == 0 && signo == SIGHUP) {
    log::Info("service.sighup_ignored").Emit();
  }
  log::Info("service.stopping").Num("signal", signo).Emit();
  sweeper.Stop();
  size_t left = smtp.Stop(kShutdownGraceS);
  if (left > 0) {
    log::Warn("service.sessions_abandoned").Num("sessions", static_cast<int64_t>(left)).Emit();
    std::fflush(nullptr);
    std::_Exit(kExitOk);
  }
  api.Stop();
  log::Info("service.stopped").Emit();
  return kExitOk;
}

}  // namespace mailrelay::server
