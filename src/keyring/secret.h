// keyring/secret.h — SecretBytes: a move-only buffer for key material in guarded memory.
// Internal to keyring/: no other module ever holds one.
//
// The bytes live in sodium_malloc'd memory (guard pages, excluded from core dumps by
// MADV_DONTDUMP), locked with sodium_mlock so they are not swapped out, and wiped by
// sodium_free when the object dies. Locking is best effort: if RLIMIT_MEMLOCK is exhausted a
// warning is logged once and the key still works.
//
//   MR_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Random(32));
//   crypto_generichash(out, 16, in, n, key.data(), key.size());
#pragma once

#include <cstddef>

#include "common/status.h"

namespace mailrelay::keyring {

// Returns once libsodium is initialised (idempotent, thread-safe); kInternal if it cannot be.
Status EnsureSodium();

class SecretBytes {
 public:
  SecretBytes() = default;
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // Returns `size` zeroed bytes of guarded memory; kResourceExhausted if none is left.
  static StatusOr<SecretBytes> Allocate(size_t size);
  // Returns `size` bytes from the CSPRNG.
  static StatusOr<SecretBytes> Random(size_t size);

  unsigned char* data() { return data_; }
  const unsigned char* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Shortens the visible length (the tail is wiped); used after parsing into a larger buffer.
  void Truncate(size_t size);

  // Returns true when both hold the same bytes; constant time in the common length.
  bool Equals(const SecretBytes& other) const;

 private:
  void Release();
  unsigned char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace mailrelay::keyring
