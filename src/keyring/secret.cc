// keyring/secret.cc — guarded, locked, wiped key memory on top of libsodium.
#include "keyring/secret.h"

#include <sodium.h>

#include <atomic>
#include <utility>

#include "common/log.h"

namespace mailrelay::keyring {

Status EnsureSodium() {
  static const int rc = sodium_init();  // 0 = initialised now, 1 = already; -1 = failure
  if (rc < 0) return Status::Internal("libsodium could not be initialised");
  return Status::Ok();
}

SecretBytes::~SecretBytes() { Release(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void SecretBytes::Release() {
  if (data_ != nullptr) {
    sodium_memzero(data_, capacity_);
    sodium_free(data_);  // wipes again, unlocks, releases the guard pages
  }
  data_ = nullptr;
  size_ = capacity_ = 0;
}

StatusOr<SecretBytes> SecretBytes::Allocate(size_t size) {
  MR_RETURN_IF_ERROR(EnsureSodium());
  if (size == 0) size = 1;  // sodium_malloc(0) is legal but useless; keep data() non-null
  auto* p = static_cast<unsigned char*>(sodium_malloc(size));
  if (p == nullptr) return Status::ResourceExhausted("no memory left for key material");
  // sodium_malloc already tries to lock; locking again is harmless and lets us see failure.
  if (sodium_mlock(p, size) != 0) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true)) {
      log::Warn("keyring.mlock_failed").Text("hint", "raise RLIMIT_MEMLOCK (ulimit -l)").Emit();
    }
  }
  sodium_memzero(p, size);
  SecretBytes s;
  s.data_ = p;
  s.size_ = size;
  s.capacity_ = size;
  return s;
}

StatusOr<SecretBytes> SecretBytes::Random(size_t size) {
  MR_ASSIGN_OR_RETURN(SecretBytes s, Allocate(size));
  randombytes_buf(s.data(), s.size());
  return s;
}

void SecretBytes::Truncate(size_t size) {
  if (size >= size_) return;
  sodium_memzero(data_ + size, size_ - size);
  size_ = size;
}

bool SecretBytes::Equals(const SecretBytes& other) const {
  if (size_ != other.size_) return false;
  if (size_ == 0) return true;
  return sodium_memcmp(data_, other.data_, size_) == 0;
}

}  // namespace mailrelay::keyring
