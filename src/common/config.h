// common/config.h — the one configuration file every mailrelay command takes (--config),
// validated against schemas/config.schema.json; and the quickstart defaults.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/retention.h"
#include "common/status.h"

namespace mailrelay {

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
  std::string ToString() const;  // "host:port", IPv6 hosts in brackets
};

struct SmtpLimitsConfig {
  size_t max_command_line = 512;
  size_t max_text_line = 1000;
  size_t max_message_bytes = 25u << 20;
  size_t max_recipients = 100;
  size_t max_errors = 10;
  double command_timeout_s = 300;  // RFC 5321 4.5.3.2.7
  double data_timeout_s = 600;
  size_t max_connections = 512;
  size_t max_connections_per_ip = 64;
};

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};

struct SmtpConfig {
  ListenAddress listen{"127.0.0.1", 2525};
  std::string hostname = "localhost";
  std::optional<TlsFiles> tls;
  size_t threads = 0;  // 0: max_connections
  SmtpLimitsConfig limits;
};

struct ApiConfig {
  ListenAddress listen{"127.0.0.1", 8025};
  std::optional<TlsFiles> tls;  // set: HTTPS only
  size_t threads = 8;
  bool dev_sink = false;
};

enum class PayloadFormat { kJson, kMultipart, kRaw };

struct RouteConfig {
  std::string id;
  std::string account;
  std::vector<std::string> match;
  std::string target;
  PayloadFormat format = PayloadFormat::kJson;
  std::string region;  // resolved: the config's default_region when the route names none
  std::string secret;  // "" = unsigned
  int timeout_ms = 30000;
};

// The config's own lifetimes (`retention.default`, `retention.regions.<id>`): they may only
// shorten what policy/retention.json keeps (common/config_retention.h). 0 / absent: not set.
struct ConfigRetention {
  Lifetimes defaults;
  std::map<std::string, Lifetimes, std::less<>> regions;
};

// RFC 7208 checks of the sender's domain (docs/spf.md). Off by default: a check waits on DNS.
struct SpfConfig {
  bool enabled = false;
  std::string nameserver;  // "ip" or "ip:port" ([v6]:port); "" = first of /etc/resolv.conf
  int timeout_ms = 3000;   // all DNS of one check; past it the result is temperror
};

struct Config {
  std::string source;  // file path, or "<quickstart>"
  bool quickstart = false;
  std::string data_dir = "./var";
  std::string master_key_file;  // default: <data_dir>/master.key; $MAILRELAY_MASTER_KEY wins
  // How often `serve` sweeps expired records (docs/retention.md); at most a day, so a record
  // outlives its lifetime by less than that.
  int sweep_interval_s = 600;
  // New records go to expiry partitions of this many days, removed whole by the sweep, their
  // expiries rounded down to a partition's end (common/retention.h); 0: off.
  int partition_days = 0;
  ConfigRetention retention;
  std::string policy_dir;
  std::string default_region = "us";
  std::string log_level = "info";
  // `serve` started as root drops to this user after binding its ports (docs/operations.md);
  // "" = stay as the starting user.
  std::string service_user;
  SmtpConfig smtp;
  ApiConfig api;
  std::vector<RouteConfig> routes;
  SpfConfig spf;
};

// Returns the config in `path`, or InvalidArgument naming the file, the JSON Pointer of the
// bad value and what is wrong. Relative paths inside are resolved against the file's directory.
StatusOr<Config> LoadConfigFile(const std::string& path);

// Returns the config in `doc`; `source` names it in error messages; `base_dir` resolves paths.
StatusOr<Config> ConfigFromJson(const nlohmann::json& doc, const std::string& source,
                                const std::string& base_dir);

// The quickstart defaults: data in ./var, SMTP 127.0.0.1:2525, API 127.0.0.1:8025,
// *@example.test routed to the built-in development sink, and SPF checks on.
Config QuickstartConfig();

StatusOr<ListenAddress> ParseListenAddress(std::string_view text);

// Returns a nameserver address: an IPv4 or IPv6 literal with an optional port ("192.0.2.53",
// "192.0.2.53:5353", "::1", "[::1]:5353"; port 53 when absent), or InvalidArgument.
StatusOr<ListenAddress> ParseNameserverAddress(std::string_view text);

}  // namespace mailrelay
