// relay/http_client.cc — the Poco adapter: Poco exceptions become HttpOutcome kinds here.
#include "relay/http_client.h"

#include <Poco/Base64Encoder.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <sstream>

namespace mailrelay::relay {
namespace {

constexpr size_t kMaxIdlePerOrigin = 64;
constexpr size_t kMaxDrainBytes = 64 * 1024;  // beyond this the connection is not reused

std::string BasicAuth(const std::string& userinfo) {
  std::string decoded;
  Poco::URI::decode(userinfo, decoded);
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << decoded;
  encoder.close();
  return "Basic " + out.str();
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

struct Attempt {
  HttpOutcome outcome;
  std::string location;
  bool keep_alive = false;
};

}  // namespace

HttpClient::HttpClient() = default;
HttpClient::~HttpClient() = default;

HttpClient::SessionPtr HttpClient::Checkout(const std::string& origin, bool https,
                                            const std::string& host, uint16_t port, bool* reused) {
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find(origin);
    if (it != idle_.end() && !it->second.empty()) {
      SessionPtr s = std::move(it->second.back());
      it->second.pop_back();
      *reused = true;
      return s;
    }
  }
  *reused = false;
  SessionPtr s;
  if (https) {
    s = std::make_unique<Poco::Net::HTTPSClientSession>(host, port);
  } else {
    s = std::make_unique<Poco::Net::HTTPClientSession>(host, port);
  }
  s->setKeepAlive(true);
  return s;
}

void HttpClient::Checkin(const std::string& origin, SessionPtr session) {
  std::lock_guard lock(mu_);
  auto& pool = idle_[origin];
  if (pool.size() < kMaxIdlePerOrigin) pool.push_back(std::move(session));
}

HttpOutcome HttpClient::Post(const HttpPost& post) {
  Poco::URI uri;
  try {
    uri = Poco::URI(post.url);
  } catch (const Poco::Exception&) {
    return {HttpOutcome::Kind::kConnectFailed, 0, "", ""};
  }
  std::string userinfo = uri.getUserInfo();
  const Poco::Timespan timeout(static_cast<long>(post.timeout_ms / 1000),
                               static_cast<long>(post.timeout_ms % 1000) * 1000);

  for (int redirects = 0;; ++redirects) {
    const bool https = uri.getScheme() == "https";
    const std::string origin =
        uri.getScheme() + "://" + uri.getHost() + ":" + std::to_string(uri.getPort());
    std::string path = uri.getPathAndQuery();
    if (path.empty()) path = "/";

    Attempt attempt;
    // A pooled connection may have been closed by the endpoint while idle; such a failure
    // before any response byte is retried once on a fresh connection.
    for (int tries = 0; tries < 2; ++tries) {
      bool reused = false;
      SessionPtr session = Checkout(origin, https, uri.getHost(), uri.getPort(), &reused);
      session->setTimeout(timeout);
      if (reused && session->connected()) {
        // Poco applies a session's timeouts to its socket only when it connects; a pooled
        // connection opened for another route would otherwise keep that route's timeout.
        try {
          session->socket().setReceiveTimeout(timeout);
          session->socket().setSendTimeout(timeout);
        } catch (const Poco::Exception&) {
        }
      }
      bool sent = false;
      try {
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setHost(uri.getHost(), uri.getPort());
        request.setContentType(post.content_type);
        request.setContentLength(static_cast<std::streamsize>(post.body.size()));
        request.setKeepAlive(true);
        request.set("User-Agent", "mailrelay/0.1");
        if (!userinfo.empty()) request.set("Authorization", BasicAuth(userinfo));
        for (const auto& [name, value] : post.headers) request.set(name, value);
        std::ostream& out = session->sendRequest(request);
        out.write(post.body.data(), static_cast<std::streamsize>(post.body.size()));
        out.flush();
        Poco::Net::HTTPResponse response;
        std::istream& in = session->receiveResponse(response);
        sent = true;
        attempt.outcome.kind = HttpOutcome::Kind::kResponse;
        attempt.outcome.status = static_cast<int>(response.getStatus());
        attempt.outcome.content_type = response.getContentType();
        attempt.location = response.get("Location", "");
        char buf[4096];
        size_t drained = 0;
        while (in && drained <= kMaxDrainBytes) {
          in.read(buf, sizeof buf);
          std::streamsize n = in.gcount();
          if (n <= 0) break;
          size_t keep = std::min<size_t>(static_cast<size_t>(n),
                                         kMaxBodyExcerpt - std::min(kMaxBodyExcerpt, drained));
          attempt.outcome.body.append(buf, keep);
          drained += static_cast<size_t>(n);
        }
        attempt.keep_alive = response.getKeepAlive() && drained <= kMaxDrainBytes && in.eof();
        if (attempt.keep_alive) Checkin(origin, std::move(session));
        break;
      } catch (const Poco::TimeoutException&) {
        attempt.outcome = {HttpOutcome::Kind::kTimeout, 0, "", ""};
        break;  // a timed-out request is not retried: the endpoint may still be working on it
      } catch (const Poco::Net::SSLException&) {
        attempt.outcome = {HttpOutcome::Kind::kTlsFailed, 0, "", ""};
        break;
      } catch (const Poco::Net::ConnectionRefusedException&) {
        attempt.outcome = {HttpOutcome::Kind::kConnectFailed, 0, "", ""};
        if (!reused) break;
      } catch (const Poco::Net::HostNotFoundException&) {
        attempt.outcome = {HttpOutcome::Kind::kConnectFailed, 0, "", ""};
        break;
      } catch (const Poco::Net::NoAddressFoundException&) {
        attempt.outcome = {HttpOutcome::Kind::kConnectFailed, 0, "", ""};
        break;
      } catch (const Poco::Exception&) {
        if (reused && !sent) {
          attempt.outcome = {HttpOutcome::Kind::kConnectFailed, 0, "", ""};
          continue;  // stale pooled connection: one more try on a fresh one
        }
        attempt.outcome = {
            sent ? HttpOutcome::Kind::kProtocolError : HttpOutcome::Kind::kConnectFailed, 0, "",
            ""};
        break;
      } catch (const std::exception&) {
        attempt.outcome = {HttpOutcome::Kind::kProtocolError, 0, "", ""};
        break;
      }
    }

    if (attempt.outcome.kind != HttpOutcome::Kind::kResponse ||
        !IsRedirect(attempt.outcome.status) || attempt.location.empty()) {
      return attempt.outcome;
    }
    if (redirects == kMaxRedirects) {
      return {HttpOutcome::Kind::kTooManyRedirects, attempt.outcome.status, "", ""};
    }
    Poco::URI next;
    try {
      next = uri;
      next.resolve(attempt.location);
    } catch (const Poco::Exception&) {
      return {HttpOutcome::Kind::kProtocolError, attempt.outcome.status, "", ""};
    }
    if (next.getScheme() != "http" && next.getScheme() != "https") {
      return {HttpOutcome::Kind::kProtocolError, attempt.outcome.status, "", ""};
    }
    const bool same_origin = next.getHost() == uri.getHost() && next.getPort() == uri.getPort() &&
                             next.getScheme() == uri.getScheme();
    // Credentials go only to the origin they were given for; a Location may carry its own.
    if (!same_origin || !next.getUserInfo().empty()) userinfo = next.getUserInfo();
    uri = next;
  }
}

}  // namespace mailrelay::relay
