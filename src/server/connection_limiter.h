// server/connection_limiter.h — counts SMTP connections in total and per client IP, so a
// connection over either limit is refused at accept. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

namespace mailrelay::server {

class ConnectionLimiter {
 public:
  ConnectionLimiter(size_t max_total, size_t max_per_ip);

  // Returns true and counts the connection when both limits allow one more.
  bool TryAcquire(const std::string& ip);
  // Uncounts a connection TryAcquire admitted.
  void Release(const std::string& ip);
  size_t active() const;

 private:
  const size_t max_total_;
  const size_t max_per_ip_;
  mutable std::mutex mu_;
  size_t total_ = 0;
  std::unordered_map<std::string, size_t> per_ip_;
};

}  // namespace mailrelay::server
