// bench_fast_sink — a minimal, fast HTTP/1.1 keep-alive endpoint for the throughput benchmark.
//
// Answers every request with "200 OK" (body "ok"), counts the requests and their body bytes,
// and on SIGTERM/SIGINT — or after --idle-timeout seconds without any traffic once something
// was received — prints the counts as one JSON object on stdout and exits 0.
//
//   bench_fast_sink [--listen 127.0.0.1:0] [--port-file FILE] [--idle-timeout SECONDS]
//
// With port 0 the kernel picks a free port; the chosen port is written to --port-file (and to
// stderr) once the socket listens, so a driver script never races for a port.
// GET /stats answers the current counts as JSON (that request is not counted).
//
// One thread, epoll, non-blocking sockets. Requests are parsed properly: keep-alive and
// pipelined requests on one connection, Content-Length bodies, chunked bodies (with
// trailers), "Expect: 100-continue" and "Connection: close". A malformed request is counted
// as "bad", answered 400 and the connection closed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

struct Counters {
  uint64_t requests = 0;    // POST/PUT requests answered 200 (what the benchmark compares)
  uint64_t other = 0;       // other methods answered 200 (not counted as deliveries)
  uint64_t body_bytes = 0;  // decoded body bytes of counted requests
  uint64_t connections = 0;
  uint64_t bad = 0;  // malformed requests (answered 400, connection closed)
};

Counters g_counters;

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::string_view kOk =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
constexpr std::string_view kBad =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IContains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (IEquals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

bool ParseHex(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 15) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

std::string StatsJson() {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"requests\":%llu,\"other_requests\":%llu,\"body_bytes\":%llu,"
                "\"connections\":%llu,\"bad\":%llu}",
                static_cast<unsigned long long>(g_counters.requests),
                static_cast<unsigned long long>(g_counters.other),
                static_cast<unsigned long long>(g_counters.body_bytes),
                static_cast<unsigned long long>(g_counters.connections),
                static_cast<unsigned long long>(g_counters.bad));
  return buf;
}

// One HTTP/1.1 server connection: a byte buffer in, a byte buffer out.
class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  ~Connection() { ::close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  bool epollout = false;  // EPOLLOUT currently registered
  bool wants_write() const { return out_off_ < out_.size(); }

  // Reads what is available and answers every complete request. False: close the connection.
  bool OnReadable() {
    char buf[64 * 1024];
    for (;;) {
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
        if (static_cast<size_t>(n) < sizeof buf) break;
        continue;
      }
      if (n == 0) {
        peer_closed_ = true;
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return false;
    }
    if (!Parse()) {
      Flush();  // best effort: the 400
      return false;
    }
    if (!Flush()) return false;
    if (peer_closed_ && !wants_write()) return false;
    if (close_after_flush_ && !wants_write()) return false;
    return true;
  }

  // Writes pending output. False: a write error (close the connection).
  bool Flush() {
    while (out_off_ < out_.size()) {
      ssize_t n = ::send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
      if (n > 0) {
        out_off_ += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      return false;
    }
    out_.clear();
    out_off_ = 0;
    return true;
  }

  bool done_after_flush() const { return (close_after_flush_ || peer_closed_) && !wants_write(); }

 private:
  enum class State { kHeaders, kBody, kChunkSize, kChunkData, kChunkDataCrlf, kTrailers };

  // Consumes complete requests from in_. False: malformed input (a 400 has been queued).
  bool Parse() {
    size_t pos = 0;
    bool ok = true;
    while (!close_after_flush_) {
      if (state_ == State::kHeaders) {
        size_t end = in_.find("\r\n\r\n", pos);
        if (end == std::string::npos) {
          if (in_.size() - pos > kMaxHeaderBytes) ok = false;
          break;
        }
        if (!ParseHeaders(std::string_view(in_).substr(pos, end - pos))) {
          ok = false;
          break;
        }
        pos = end + 4;
        if (expect_continue_) out_.append(kContinue);
        if (chunked_) {
          state_ = State::kChunkSize;
        } else if (remaining_ > 0) {
          state_ = State::kBody;
        } else {
          Complete();
        }
      } else if (state_ == State::kBody) {
        size_t take = std::min<uint64_t>(remaining_, in_.size() - pos);
        pos += take;
        remaining_ -= take;
        body_ += take;
        if (remaining_ > 0) break;
        Complete();
      } else if (state_ == State::kChunkSize) {
        size_t eol = in_.find("\r\n", pos);
        if (eol == std::string::npos) {
          if (in_.size() - pos > 1024) ok = false;
          break;
        }
        std::string_view line = std::string_view(in_).substr(pos, eol - pos);
        size_t semi = line.find(';');
        if (semi != std::string_view::npos) line = line.substr(0, semi);
        uint64_t size = 0;
        if (!ParseHex(Trim(line), &size)) {
          ok = false;
          break;
        }
        pos = eol + 2;
        remaining_ = size;
        state_ = size == 0 ? State::kTrailers : State::kChunkData;
      } else if (state_ == State::kChunkData) {
        size_t take = std::min<uint64_t>(remaining_, in_.size() - pos);
        pos += take;
        remaining_ -= take;
        body_ += take;
        if (remaining_ > 0) break;
        state_ = State::kChunkDataCrlf;
      } else if (state_ == State::kChunkDataCrlf) {
        if (in_.size() - pos < 2) break;
        if (in_.compare(pos, 2, "\r\n") != 0) {
          ok = false;
          break;
        }
        pos += 2;
        state_ = State::kChunkSize;
      } else {  // kTrailers: lines until an empty one
        size_t eol = in_.find("\r\n", pos);
        if (eol == std::string::npos) {
          if (in_.size() - pos > kMaxHeaderBytes) ok = false;
          break;
        }
        bool empty = eol == pos;
        pos = eol + 2;
        if (empty) Complete();
      }
    }
    in_.erase(0, pos);
    if (!ok) {
      ++g_counters.bad;
      out_.append(kBad);
      close_after_flush_ = true;
    }
    return ok;
  }

  bool ParseHeaders(std::string_view head) {
    size_t eol = head.find("\r\n");
    std::string_view request_line = head.substr(0, eol);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) return false;
    std::string_view method = request_line.substr(0, sp1);
    std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = request_line.substr(sp2 + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
    counted_ = method == "POST" || method == "PUT";
    stats_request_ = method == "GET" && target == "/stats";
    bool keep_alive = version == "HTTP/1.1";
    chunked_ = false;
    expect_continue_ = false;
    remaining_ = 0;
    body_ = 0;
    bool have_length = false;
    size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      if (next == std::string_view::npos) next = head.size();
      std::string_view line = head.substr(pos, next - pos);
      pos = next + 2;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return false;
      std::string_view name = line.substr(0, colon);
      std::string_view value = Trim(line.substr(colon + 1));
      if (IEquals(name, "content-length")) {
        uint64_t v = 0;
        if (!ParseDecimal(value, &v)) return false;
        if (have_length && v != remaining_) return false;
        have_length = true;
        remaining_ = v;
      } else if (IEquals(name, "transfer-encoding")) {
        if (!IContains(value, "chunked")) return false;
        chunked_ = true;
      } else if (IEquals(name, "connection")) {
        if (IContains(value, "close")) keep_alive = false;
        if (IContains(value, "keep-alive")) keep_alive = true;
      } else if (IEquals(name, "expect")) {
        if (IEquals(value, "100-continue")) expect_continue_ = true;
      }
    }
    if (chunked_ && have_length) return false;  // RFC 9112 6.3: reject, smuggling hazard
    if (chunked_) remaining_ = 0;
    close_when_complete_ = !keep_alive;
    return true;
  }

  void Complete() {
    if (stats_request_) {
      std::string body = StatsJson();
      out_.append("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ");
      out_.append(std::to_string(body.size()));
      out_.append("\r\n\r\n");
      out_.append(body);
    } else {
      if (counted_) {
        ++g_counters.requests;
        g_counters.body_bytes += body_;
      } else {
        ++g_counters.other;
      }
      out_.append(kOk);
    }
    state_ = State::kHeaders;
    if (close_when_complete_) close_after_flush_ = true;
  }

  int fd_;
  std::string in_;
  std::string out_;
  size_t out_off_ = 0;
  State state_ = State::kHeaders;
  uint64_t remaining_ = 0;
  uint64_t body_ = 0;
  bool chunked_ = false;
  bool expect_continue_ = false;
  bool counted_ = false;
  bool stats_request_ = false;
  bool close_when_complete_ = false;
  bool close_after_flush_ = false;
  bool peer_closed_ = false;
};

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "bench_fast_sink: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: bench_fast_sink [--listen HOST:PORT] [--port-file FILE] "
               "[--idle-timeout SECONDS]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  std::string port_file;
  double idle_timeout_s = 0;  // 0: wait for a signal
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) Usage();
    if (arg == "--listen") {
      listen = argv[++i];
    } else if (arg == "--port-file") {
      port_file = argv[++i];
    } else if (arg == "--idle-timeout") {
      idle_timeout_s = std::atof(argv[++i]);
    } else {
      Usage();
    }
  }
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) Usage();
  std::string host = listen.substr(0, colon);
  int port = std::atoi(listen.c_str() + colon + 1);

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) < 0) Die("sigprocmask");
  int sfd = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) Die("signalfd");
  ::signal(SIGPIPE, SIG_IGN);

  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0) Die("socket");
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "bench_fast_sink: not an IPv4 address: %s\n", host.c_str());
    return 2;
  }
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) Die("bind");
  if (::listen(lfd, 4096) < 0) Die("listen");
  socklen_t alen = sizeof addr;
  if (::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen) < 0) Die("getsockname");
  int bound_port = ntohs(addr.sin_port);
  if (!port_file.empty()) {
    std::string tmp = port_file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) Die("port file");
    std::fprintf(f, "%d\n", bound_port);
    std::fclose(f);
    if (::rename(tmp.c_str(), port_file.c_str()) < 0) Die("rename port file");
  }
  std::fprintf(stderr, "bench_fast_sink: listening on %s:%d\n", host.c_str(), bound_port);

  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) Die("epoll_create1");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  if (::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) Die("epoll_ctl listen");
  ev.data.fd = sfd;
  if (::epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0) Die("epoll_ctl signalfd");

  std::unordered_map<int, std::unique_ptr<Connection>> conns;
  auto close_conn = [&](int fd) {
    ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    conns.erase(fd);
  };
  auto update_interest = [&](Connection& c) {
    if (c.wants_write() == c.epollout) return;
    c.epollout = c.wants_write();
    epoll_event e{};
    e.events = EPOLLIN | EPOLLRDHUP | (c.wants_write() ? EPOLLOUT : 0u);
    e.data.fd = c.fd();
    ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd(), &e);
  };

  using Clock = std::chrono::steady_clock;
  auto last_activity = Clock::now();
  bool seen_traffic = false;
  epoll_event events[256];
  for (;;) {
    int timeout_ms = -1;
    if (idle_timeout_s > 0 && seen_traffic) {
      auto idle = std::chrono::duration<double>(Clock::now() - last_activity).count();
      if (idle >= idle_timeout_s) break;
      timeout_ms = static_cast<int>((idle_timeout_s - idle) * 1000) + 1;
    }
    int n = ::epoll_wait(ep, events, 256, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      Die("epoll_wait");
    }
    if (n > 0) {
      last_activity = Clock::now();
    }
    bool stop = false;
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == sfd) {
        signalfd_siginfo si;
        while (::read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) stop = true;
        continue;
      }
      if (fd == lfd) {
        for (;;) {
          int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) break;
          ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event e{};
          e.events = EPOLLIN | EPOLLRDHUP;
          e.data.fd = cfd;
          if (::epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &e) < 0) {
            ::close(cfd);
            continue;
          }
          conns.emplace(cfd, std::make_unique<Connection>(cfd));
          ++g_counters.connections;
          seen_traffic = true;
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      Connection& c = *it->second;
      bool keep = true;
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        keep = c.OnReadable();
      }
      if (keep && (events[i].events & EPOLLOUT)) {
        keep = c.Flush() && !c.done_after_flush();
      }
      if (!keep) {
        close_conn(fd);
      } else {
        update_interest(c);
      }
    }
    if (stop) break;
  }
  std::printf("%s\n", StatsJson().c_str());
  std::fflush(stdout);
  return 0;
}
