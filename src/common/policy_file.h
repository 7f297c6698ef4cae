// common/policy_file.h — reads one policy/*.json file from the policy directory, or the copy
// built into the binary when the directory is empty or has no such file (docs/retention.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mailrelay {

struct PolicyFile {
  std::string name;    // "retention.json"
  std::string source;  // the path read, or "<built-in policy/retention.json>"
  std::string text;    // the bytes, as read
  std::string sha256;  // SHA-256 of `text`, lower-case hex
  nlohmann::json doc;
  bool builtin = false;
};

// Returns <dir>/<name>, or `builtin` when `dir` is empty or the file does not exist.
// InvalidArgument naming the path when it cannot be read or is not JSON.
StatusOr<PolicyFile> ReadPolicyFile(const std::string& dir, const std::string& name,
                                    std::string_view builtin);

}  // namespace mailrelay
