// tests/unit/keyring/memory_key_store.h — an in-memory WrappedKeyStore for keyring tests.
#pragma once

#include <algorithm>
#include <vector>

#include "keyring/wrapped_key_store.h"

namespace mailrelay::keyring {

class MemoryKeyStore : public WrappedKeyStore {
 public:
  StatusOr<WrappedKeySnapshot> LoadWrappedKeys() override {
    auto keys = keys_;
    std::sort(keys.begin(), keys.end(), [](const WrappedKey& a, const WrappedKey& b) {
      return std::tie(a.purpose, a.version) < std::tie(b.purpose, b.version);
    });
    return WrappedKeySnapshot{generation_, keys};
  }
  StatusOr<uint64_t> KeyGeneration() override { return generation_; }
  Status InsertWrappedKeys(const std::vector<WrappedKey>& keys) override {
    for (const auto& k : keys) {
      if (Find(k.purpose, k.version) != keys_.end()) return Status::AlreadyExists("taken");
    }
    keys_.insert(keys_.end(), keys.begin(), keys.end());
    ++generation_;
    return Status::Ok();
  }
  Status DeleteWrappedKey(const std::string& purpose, uint32_t version) override {
    auto it = Find(purpose, version);
    if (it == keys_.end()) return Status::NotFound("no such key");
    keys_.erase(it);
    ++generation_;
    return Status::Ok();
  }

  std::vector<WrappedKey>& keys() { return keys_; }

 private:
  std::vector<WrappedKey>::iterator Find(const std::string& purpose, uint32_t version) {
    return std::find_if(keys_.begin(), keys_.end(), [&](const WrappedKey& k) {
      return k.purpose == purpose && k.version == version;
    });
  }
  std::vector<WrappedKey> keys_;
  uint64_t generation_ = 0;
};

}  // namespace mailrelay::keyring
