// relay/http_client.h — POSTs a webhook to a customer endpoint: keep-alive connections pooled
// per origin, the route's timeout, up to 3 redirects, basic auth from the URL. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "relay/outcome.h"

namespace Poco::Net {
class HTTPClientSession;
}

namespace mailrelay::relay {

struct HttpPost {
  std::string url;  // http(s)://[user:pass@]host[:port]/path[?query]
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int timeout_ms = 30000;
};

class HttpClient {
 public:
  static constexpr int kMaxRedirects = 3;

  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Returns the endpoint's answer. A redirect re-posts the same body to the new location;
  // one to another host drops the URL's credentials. Never throws.
  HttpOutcome Post(const HttpPost& post);

 private:
  using SessionPtr = std::unique_ptr<Poco::Net::HTTPClientSession>;
  SessionPtr Checkout(const std::string& origin, bool https, const std::string& host, uint16_t port,
                      bool* reused);
  void Checkin(const std::string& origin, SessionPtr session);

  std::mutex mu_;
  std::map<std::string, std::vector<SessionPtr>> idle_;  // origin → idle keep-alive sessions
};

}  // namespace mailrelay::relay
