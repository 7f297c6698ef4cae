// common/config.cc — reading, schema validation and the semantic checks a schema cannot
// express (unique route ids, readable TLS files).
#include "common/config.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "common/embedded_schemas.h"
#include "common/json_schema.h"

namespace mailrelay {
namespace {

const JsonSchema& ConfigSchema() {
  static const std::shared_ptr<const JsonSchema> schema = [] {
    auto compiled = JsonSchema::Compile(nlohmann::json::parse(ConfigSchemaText()));
    // The embedded schema is part of the build; failing here is a build defect.
    if (!compiled.ok()) std::abort();
    return *compiled;
  }();
  return *schema;
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

std::string DirName(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::string ListenAddress::ToString() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

StatusOr<ListenAddress> ParseListenAddress(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    return Status::InvalidArgument("listen address \"" + std::string(text) +
                                   "\" must be HOST:PORT");
  }
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned long port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9')
      return Status::InvalidArgument("bad port in \"" + std::string(text) + "\"");
    port = port * 10 + static_cast<unsigned long>(c - '0');
    if (port > 65535) break;
  }
  if (port == 0 || port > 65535) {
    return Status::InvalidArgument("port in \"" + std::string(text) + "\" must be 1..65535");
  }
  return ListenAddress{host, static_cast<uint16_t>(port)};
}

StatusOr<ListenAddress> ParseNameserverAddress(std::string_view text) {
  std::string_view host = text;
  std::string_view port;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || (close + 1 < text.size() && text[close + 1] != ':')) {
      return Status::InvalidArgument("nameserver \"" + std::string(text) +
                                     "\" must be IP, IP:PORT or [IPv6]:PORT");
    }
    host = text.substr(1, close - 1);
    has_port = close + 1 < text.size();
    if (has_port) port = text.substr(close + 2);
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const size_t colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    has_port = true;
  }
  const std::string h(host);
  unsigned char buf[16];
  if (::inet_pton(AF_INET, h.c_str(), buf) != 1 && ::inet_pton(AF_INET6, h.c_str(), buf) != 1) {
    return Status::InvalidArgument("nameserver \"" + std::string(text) +
                                   "\" is not an IP address (a host name would itself need a "
                                   "nameserver)");
  }
  ListenAddress a{h, 53};
  if (has_port) {
    unsigned long p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535) {
        p = 0;
        break;
      }
      p = p * 10 + static_cast<unsigned long>(c - '0');
    }
    if (p == 0 || p > 65535) {
      return Status::InvalidArgument("nameserver \"" + std::string(text) +
                                     "\" has a port outside 1..65535");
    }
    a.port = static_cast<uint16_t>(p);
  }
  return a;
}

StatusOr<Config> ConfigFromJson(const nlohmann::json& doc, const std::string& source,
                                const std::string& base_dir) {
  MR_RETURN_IF_ERROR(ConfigSchema().Validate(doc, source));
  Config c;
  c.source = source;
  c.data_dir = Resolve(base_dir, doc.value("data_dir", std::string("./var")));
  c.policy_dir = Resolve(base_dir, doc.value("policy_dir", std::string("policy")));
  c.master_key_file = doc.contains("master_key_file")
                          ? Resolve(base_dir, doc["master_key_file"].get<std::string>())
                          : c.data_dir + "/master.key";
  c.default_region = doc.value("default_region", std::string("us"));
  c.log_level = doc.value("log_level", std::string("info"));

  auto at = [&](const std::string& pointer, const Status& s) {
    return Status::InvalidArgument(source + ": at " + pointer + ": " + s.message());
  };
  // A TLS object at `pointer` whose two files this process can read.
  auto ReadableTlsFiles = [&](const nlohmann::json& tls,
                              const std::string& pointer) -> StatusOr<TlsFiles> {
    TlsFiles files{Resolve(base_dir, tls["cert_file"].get<std::string>()),
                   Resolve(base_dir, tls["key_file"].get<std::string>())};
    for (const auto& [name, path] :
         {std::pair{"cert_file", files.cert_file}, std::pair{"key_file", files.key_file}}) {
      if (::access(path.c_str(), R_OK) != 0) {
        return Status::InvalidArgument(source + ": at " + pointer + "/" + name +
                                       ": cannot read \"" + path + "\"");
      }
    }
    return files;
  };

  if (doc.contains("smtp")) {
    const auto& s = doc["smtp"];
    if (s.contains("listen")) {
      auto addr = ParseListenAddress(s["listen"].get<std::string>());
      if (!addr.ok()) return at("/smtp/listen", addr.status());
      c.smtp.listen = *addr;
    }
    c.smtp.hostname = s.value("hostname", c.smtp.hostname);
    c.smtp.threads = s.value("threads", c.smtp.threads);
    if (s.contains("tls")) {
      MR_ASSIGN_OR_RETURN(c.smtp.tls, ReadableTlsFiles(s["tls"], "/smtp/tls"));
    }
    if (s.contains("limits")) {
      const auto& l = s["limits"];
      auto& o = c.smtp.limits;
      o.max_command_line = l.value("max_command_line", o.max_command_line);
      o.max_text_line = l.value("max_text_line", o.max_text_line);
      o.max_message_bytes = l.value("max_message_bytes", o.max_message_bytes);
      o.max_recipients = l.value("max_recipients", o.max_recipients);
      o.max_errors = l.value("max_errors", o.max_errors);
      o.command_timeout_s = l.value("command_timeout_s", o.command_timeout_s);
      o.data_timeout_s = l.value("data_timeout_s", o.data_timeout_s);
      o.max_connections = l.value("max_connections", o.max_connections);
      o.max_connections_per_ip = l.value("max_connections_per_ip", o.max_connections_per_ip);
    }
  }
  if (doc.contains("api")) {
    const auto& a = doc["api"];
    if (a.contains("listen")) {
      auto addr = ParseListenAddress(a["listen"].get<std::string>());
      if (!addr.ok()) return at("/api/listen", addr.status());
      c.api.listen = *addr;
    }
    if (a.contains("tls")) {
      MR_ASSIGN_OR_RETURN(c.api.tls, ReadableTlsFiles(a["tls"], "/api/tls"));
    }
    c.api.threads = a.value("threads", c.api.threads);
    c.api.dev_sink = a.value("dev_sink", false);
  }
  if (doc.contains("service")) {
    c.service_user = doc["service"].value("user", c.service_user);
  }
  if (doc.contains("retention")) {
    const auto& r = doc["retention"];
    c.sweep_interval_s = r.value("sweep_interval_s", c.sweep_interval_s);
    c.partition_days = r.value("partition_days", c.partition_days);
    if (r.contains("default")) c.retention.defaults = LifetimesFromJson(r["default"]);
    if (r.contains("regions")) {
      for (const auto& [region, entry] : r["regions"].items()) {
        c.retention.regions[region] = LifetimesFromJson(entry);
      }
    }
  }
  if (doc.contains("spf")) {
    const auto& s = doc["spf"];
    c.spf.enabled = s.value("enabled", c.spf.enabled);
    c.spf.timeout_ms = s.value("timeout_ms", c.spf.timeout_ms);
    if (s.contains("nameserver")) {
      auto ns = ParseNameserverAddress(s["nameserver"].get<std::string>());
      if (!ns.ok()) return at("/spf/nameserver", ns.status());
      c.spf.nameserver = s["nameserver"].get<std::string>();
    }
  }
  std::set<std::string> ids;
  const auto routes = doc.value("routes", nlohmann::json::array());
  for (size_t i = 0; i < routes.size(); ++i) {
    const auto& r = routes[i];
    RouteConfig route;
    route.id = r["id"].get<std::string>();
    if (!ids.insert(route.id).second) {
      return Status::InvalidArgument(source + ": at /routes/" + std::to_string(i) +
                                     "/id: route id \"" + route.id +
                                     "\" is used twice; ids must be unique");
    }
    route.account = r.value("account", route.id);
    route.match = r["match"].get<std::vector<std::string>>();
    route.target = r["target"].get<std::string>();
    std::string format = r.value("format", std::string("json"));
    route.format = format == "multipart" ? PayloadFormat::kMultipart
                   : format == "raw"     ? PayloadFormat::kRaw
                                         : PayloadFormat::kJson;
    route.region = r.value("region", c.default_region);
    route.secret = r.value("secret", std::string());
    route.timeout_ms = r.value("timeout_ms", route.timeout_ms);
    c.routes.push_back(std::move(route));
  }
  return c;
}

StatusOr<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("config file \"" + path +
                            "\" cannot be opened: " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based offset of the error; tell line and column, which editors show.
    const std::string s = text.str();
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < s.size(); ++i) {
      if (s[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Status::InvalidArgument(path + ": line " + std::to_string(line) + ", column " +
                                   std::to_string(col) + ": not valid JSON");
  }
  return ConfigFromJson(doc, path, DirName(path));
}

Config QuickstartConfig() {
  Config c;
  c.source = "<quickstart>";
  c.quickstart = true;
  c.data_dir = "./var";
  c.master_key_file = "./var/master.key";
  c.smtp.hostname = "localhost";
  c.api.dev_sink = true;
  c.spf.enabled = true;  // the system's nameserver, so the dev sink shows real results
  RouteConfig sink;
  sink.id = "dev-sink";
  sink.account = "dev";
  sink.match = {"*@example.test"};
  sink.target = "http://" + c.api.listen.ToString() + "/dev/sink";
  sink.region = c.default_region;
  c.routes.push_back(sink);
  return c;
}

}  // namespace mailrelay
