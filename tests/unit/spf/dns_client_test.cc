// tests/unit/spf/dns_client_test.cc — the client against an in-process nameserver on loopback:
// retry, spoofed replies ignored, TC → TCP, deadline; and nameserver address parsing.
#include "spf/dns_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

namespace mailrelay::spf {
namespace {

using namespace std::chrono_literals;

std::string U16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }

// Turns a query into a reply with one TXT answer `text` (flags as given).
std::string ReplyTo(const std::string& query, uint16_t flags, const std::string& text) {
  std::string r = query;
  r[2] = static_cast<char>(flags >> 8);
  r[3] = static_cast<char>(flags & 0xff);
  r[7] = 1;  // ANCOUNT
  std::string rdata = std::string(1, static_cast<char>(text.size())) + text;
  r += std::string("\xc0\x0c", 2) + U16(16) + U16(1) + U16(0) + U16(60) +
       U16(static_cast<uint16_t>(rdata.size())) + rdata;
  return r;
}

// A nameserver on 127.0.0.1 (UDP and TCP on one port) whose UDP behaviour is `on_udp`:
// given the query and the number of queries seen so far, it returns the datagrams to send.
class LoopbackServer {
 public:
  using UdpHandler = std::function<std::vector<std::string>(const std::string&, int)>;
  explicit LoopbackServer(UdpHandler on_udp) : on_udp_(std::move(on_udp)) {
    udp_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    tcp_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    int one = 1;
    ::setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    EXPECT_EQ(::bind(tcp_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ::listen(tcp_, 4);
    timeval tv{0, 100000};
    ::setsockopt(udp_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] { Loop(); });
    tcp_thread_ = std::thread([this] { TcpLoop(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    ::shutdown(tcp_, SHUT_RDWR);
    thread_.join();
    tcp_thread_.join();
    ::close(udp_);
    ::close(tcp_);
  }
  Nameserver address() const { return {"127.0.0.1", port_}; }
  int udp_queries() const { return udp_seen_; }
  int tcp_queries() const { return tcp_seen_; }

 private:
  void Loop() {
    char buf[512];
    while (!stop_) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(udp_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      for (const std::string& d : on_udp_(std::string(buf, static_cast<size_t>(n)), ++udp_seen_)) {
        ::sendto(udp_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
      }
    }
  }
  void TcpLoop() {
    while (!stop_) {
      int c = ::accept(tcp_, nullptr, nullptr);
      if (c < 0) return;
      ++tcp_seen_;
      char len[2];
      if (::recv(c, len, 2, MSG_WAITALL) == 2) {
        size_t n = (static_cast<uint8_t>(len[0]) << 8) | static_cast<uint8_t>(len[1]);
        std::string q(n, '\0');
        if (::recv(c, q.data(), n, MSG_WAITALL) == static_cast<ssize_t>(n)) {
          std::string r = ReplyTo(q, 0x8180, "v=spf1 over-tcp");
          std::string framed = U16(static_cast<uint16_t>(r.size())) + r;
          ::send(c, framed.data(), framed.size(), 0);
        }
      }
      ::close(c);
    }
  }

  UdpHandler on_udp_;
  int udp_ = -1;
  int tcp_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> udp_seen_{0};
  std::atomic<int> tcp_seen_{0};
  std::thread thread_;
  std::thread tcp_thread_;
};

DnsClient::Clock::time_point In(std::chrono::milliseconds d) { return DnsClient::Clock::now() + d; }

TEST(DnsClientTest, AnswersOverUdp) {
  LoopbackServer server([](const std::string& q, int) {
    return std::vector<std::string>{ReplyTo(q, 0x8180, "v=spf1 -all")};
  });
  DnsClient client(server.address(), 500ms);
  auto r = client.Query("ex.com", RrType::kTxt, In(2000ms));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->answers.size(), 1u);
  EXPECT_EQ(r->answers[0].data, "v=spf1 -all");
}

TEST(DnsClientTest, SpoofedReplyWithAnotherIdIsIgnored) {
  LoopbackServer server([](const std::string& q, int) {
    std::string spoof = ReplyTo(q, 0x8180, "v=spf1 +all");
    spoof[0] ^= 0x5a;
    return std::vector<std::string>{spoof, ReplyTo(q, 0x8180, "v=spf1 -all")};
  });
  DnsClient client(server.address(), 500ms);
  auto r = client.Query("ex.com", RrType::kTxt, In(2000ms));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->answers.at(0).data, "v=spf1 -all");
}

TEST(DnsClientTest, RetriesOnceAfterALostDatagram) {
  LoopbackServer server([](const std::string& q, int seen) {
    if (seen == 1) return std::vector<std::string>{};  // the first is lost
    return std::vector<std::string>{ReplyTo(q, 0x8180, "v=spf1 ~all")};
  });
  DnsClient client(server.address(), 200ms);
  auto r = client.Query("ex.com", RrType::kTxt, In(2000ms));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server.udp_queries(), 2);
}

TEST(DnsClientTest, TruncatedUdpAnswerIsAskedAgainOverTcp) {
  LoopbackServer server([](const std::string& q, int) {
    return std::vector<std::string>{ReplyTo(q, 0x8380, "cut")};
  });
  DnsClient client(server.address(), 500ms);
  auto r = client.Query("ex.com", RrType::kTxt, In(2000ms));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->answers.at(0).data, "v=spf1 over-tcp");
  EXPECT_EQ(server.tcp_queries(), 1);
}

TEST(DnsClientTest, SilentServerGivesDeadlineExceededWithinTheDeadline) {
  LoopbackServer server([](const std::string&, int) { return std::vector<std::string>{}; });
  DnsClient client(server.address(), 1000ms);
  const auto started = DnsClient::Clock::now();
  auto r = client.Query("ex.com", RrType::kTxt, In(300ms));
  const auto took = DnsClient::Clock::now() - started;
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 800ms);
}

TEST(DnsClientTest, ParsesNameserverForms) {
  auto a = ParseNameserver("192.0.2.53");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ip, "192.0.2.53");
  EXPECT_EQ(a->port, 53);
  auto b = ParseNameserver("127.0.0.1:5353");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->port, 5353);
  auto c = ParseNameserver("[::1]:5300");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->ip, "::1");
  EXPECT_EQ(c->port, 5300);
  auto d = ParseNameserver("2001:db8::53");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 53);
  for (const char* bad :
       {"dns.example", "127.0.0.1:0", "127.0.0.1:70000", "[::1", "1.2.3.4:", "[::1]x", ""}) {
    EXPECT_FALSE(ParseNameserver(bad).ok()) << bad;
  }
}

TEST(DnsClientTest, SystemNameserverIsTheFirstNameserverLine) {
  char path[] = "/tmp/mr-resolv-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    std::ofstream out(path);
    out << "# comment\nsearch example\nnameserver 2001:db8::53\nnameserver 192.0.2.1\n";
  }
  Nameserver ns = SystemNameserver(path);
  EXPECT_EQ(ns.ip, "2001:db8::53");
  EXPECT_EQ(ns.port, 53);
  std::remove(path);
  EXPECT_EQ(SystemNameserver("/nonexistent/resolv.conf").ip, "127.0.0.1");
}

}  // namespace
}  // namespace mailrelay::spf
