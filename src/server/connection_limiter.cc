// server/connection_limiter.cc — the counting; entries vanish when an IP's count drops to 0,
// so the map stays as small as the set of connected clients.
#include "server/connection_limiter.h"

namespace mailrelay::server {

ConnectionLimiter::ConnectionLimiter(size_t max_total, size_t max_per_ip)
    : max_total_(max_total), max_per_ip_(max_per_ip) {}

bool ConnectionLimiter::TryAcquire(const std::string& ip) {
  std::lock_guard lock(mu_);
  if (total_ >= max_total_) return false;
  size_t& count = per_ip_[ip];
  if (count >= max_per_ip_) {
    if (count == 0) per_ip_.erase(ip);
    return false;
  }
  ++count;
  ++total_;
  return true;
}

void ConnectionLimiter::Release(const std::string& ip) {
  std::lock_guard lock(mu_);
  auto it = per_ip_.find(ip);
  if (it == per_ip_.end()) return;
  if (--it->second == 0) per_ip_.erase(it);
  --total_;
}

size_t ConnectionLimiter::active() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace mailrelay::server
