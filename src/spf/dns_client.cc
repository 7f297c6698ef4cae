// spf/dns_client.cc — plain POSIX sockets with poll(): every wait is bounded by the caller's
// deadline, which a blocking library resolver (getaddrinfo, res_query) cannot promise.
#include "spf/dns_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/config.h"

namespace mailrelay::spf {
namespace {

constexpr size_t kMaxUdpReply = 4096;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int RemainingMs(DnsClient::Clock::time_point until) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(until - DnsClient::Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Waits until `fd` is ready for `events` or `until` passes; false on timeout or error.
bool WaitFor(int fd, short events, DnsClient::Clock::time_point until) {
  while (true) {
    const int ms = RemainingMs(until);
    if (ms == 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, ms);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

uint16_t RandomId() {
  uint16_t id = 0;
  if (::getrandom(&id, sizeof id, 0) != sizeof id) {
    // getrandom on 2 bytes does not fail after boot; the clock is a last resort.
    id = static_cast<uint16_t>(DnsClient::Clock::now().time_since_epoch().count());
  }
  return id;
}

StatusOr<Fd> Connected(const Nameserver& server, int type) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  const bool v6 = server.ip.find(':') != std::string::npos;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(server.port);
    if (::inet_pton(AF_INET6, server.ip.c_str(), &a->sin6_addr) != 1) {
      return Status::InvalidArgument("nameserver address is not an IP address");
    }
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(server.port);
    if (::inet_pton(AF_INET, server.ip.c_str(), &a->sin_addr) != 1) {
      return Status::InvalidArgument("nameserver address is not an IP address");
    }
    len = sizeof(sockaddr_in);
  }
  Fd fd(::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 && errno != EINPROGRESS) {
    return Status::Unavailable(std::string("connect to nameserver: ") + std::strerror(errno));
  }
  return StatusOr<Fd>(std::move(fd));
}

// Sends all of `data` on a connected TCP socket before `until`.
bool SendAll(int fd, std::string_view data, DnsClient::Clock::time_point until) {
  size_t off = 0;
  while (off < data.size()) {
    if (!WaitFor(fd, POLLOUT, until)) return false;
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads exactly `n` bytes from a TCP socket before `until`.
bool RecvExactly(int fd, std::string& out, size_t n, DnsClient::Clock::time_point until) {
  out.resize(n);
  size_t off = 0;
  while (off < n) {
    if (!WaitFor(fd, POLLIN, until)) return false;
    const ssize_t got = ::recv(fd, out.data() + off, n - off, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) return false;
    off += static_cast<size_t>(got);
  }
  return true;
}

// One UDP exchange. Ignores datagrams that are not the answer (a spoofing attempt or a late
// reply to an earlier try) and keeps waiting until `until`.
StatusOr<DnsResponse> UdpTry(const Nameserver& server, std::string_view name, RrType type,
                             DnsClient::Clock::time_point until) {
  const uint16_t id = RandomId();
  MR_ASSIGN_OR_RETURN(std::string query, BuildQuery(id, name, type));
  MR_ASSIGN_OR_RETURN(Fd fd, Connected(server, SOCK_DGRAM));
  if (::send(fd.get(), query.data(), query.size(), MSG_NOSIGNAL) < 0) {
    return Status::Unavailable(std::string("send to nameserver: ") + std::strerror(errno));
  }
  std::string buf(kMaxUdpReply, '\0');
  while (WaitFor(fd.get(), POLLIN, until)) {
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) {
      // ECONNREFUSED: nothing listens there; the next try or the deadline decides.
      return Status::Unavailable(std::string("receive from nameserver: ") + std::strerror(errno));
    }
    StatusOr<DnsResponse> r =
        ParseResponse(std::string_view(buf.data(), static_cast<size_t>(n)), id, name, type);
    if (r.ok()) return r;
  }
  return Status::DeadlineExceeded("the nameserver did not answer in time");
}

StatusOr<DnsResponse> TcpQuery(const Nameserver& server, std::string_view name, RrType type,
                               DnsClient::Clock::time_point until) {
  const uint16_t id = RandomId();
  MR_ASSIGN_OR_RETURN(std::string query, BuildQuery(id, name, type));
  MR_ASSIGN_OR_RETURN(Fd fd, Connected(server, SOCK_STREAM));
  std::string framed;
  framed += static_cast<char>(query.size() >> 8);
  framed += static_cast<char>(query.size() & 0xff);
  framed += query;
  if (!SendAll(fd.get(), framed, until)) {
    return Status::DeadlineExceeded("could not send the query to the nameserver over TCP");
  }
  std::string len;
  if (!RecvExactly(fd.get(), len, 2, until)) {
    return Status::DeadlineExceeded("the nameserver did not answer over TCP in time");
  }
  const size_t n = (static_cast<uint8_t>(len[0]) << 8) | static_cast<uint8_t>(len[1]);
  std::string reply;
  if (!RecvExactly(fd.get(), reply, n, until)) {
    return Status::DeadlineExceeded("the nameserver's TCP answer was cut short");
  }
  return ParseResponse(reply, id, name, type);
}

}  // namespace

StatusOr<Nameserver> ParseNameserver(std::string_view text) {
  MR_ASSIGN_OR_RETURN(ListenAddress a, ParseNameserverAddress(text));
  return Nameserver{a.host, a.port};
}

Nameserver SystemNameserver(const std::string& resolv_conf) {
  std::ifstream in(resolv_conf);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (!(words >> key >> value) || key != "nameserver") continue;
    // resolv.conf may carry a zone index ("fe80::1%eth0"), which we cannot connect to as is.
    StatusOr<Nameserver> ns =
        ParseNameserver(value.find(':') != std::string::npos ? "[" + value + "]" : value);
    if (ns.ok()) return *ns;
  }
  return Nameserver{"127.0.0.1", 53};
}

DnsClient::DnsClient(Nameserver server, std::chrono::milliseconds per_try_timeout)
    : server_(std::move(server)), per_try_timeout_(per_try_timeout) {}

StatusOr<DnsResponse> DnsClient::Query(std::string_view name, RrType type,
                                       Clock::time_point deadline) const {
  Status last = Status::DeadlineExceeded("the SPF check ran out of time");
  for (int attempt = 0; attempt < 2; ++attempt) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline) break;
    const Clock::time_point until = std::min(deadline, now + per_try_timeout_);
    StatusOr<DnsResponse> r = UdpTry(server_, name, type, until);
    if (r.ok()) {
      if (!r->truncated) return r;
      return TcpQuery(server_, name, type, deadline);
    }
    last = r.status();
    if (last.code() == StatusCode::kInvalidArgument) break;  // the name itself is bad
  }
  return last;
}

}  // namespace mailrelay::spf
