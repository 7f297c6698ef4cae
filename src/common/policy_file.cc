// common/policy_file.cc — see policy_file.h.
#include "common/policy_file.h"

#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mailrelay {

StatusOr<PolicyFile> ReadPolicyFile(const std::string& dir, const std::string& name,
                                    std::string_view builtin) {
  PolicyFile f;
  f.name = name;
  if (!dir.empty()) {
    std::string path = (std::filesystem::path(dir) / name).string();
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::stringstream text;
      text << in.rdbuf();
      f.source = path;
      f.text = text.str();
    } else if (errno != ENOENT) {
      return Status::InvalidArgument(path + " cannot be opened: " + std::strerror(errno));
    }
  }
  if (f.source.empty()) {
    f.source = "<built-in policy/" + name + ">";
    f.text = std::string(builtin);
    f.builtin = true;
  }
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(f.text.data()), f.text.size());
  char hex[2 * sizeof h + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  f.sha256 = hex;
  try {
    f.doc = nlohmann::json::parse(f.text);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument(f.source + ": not valid JSON (byte " + std::to_string(e.byte) +
                                   ")");
  }
  return f;
}

}  // namespace mailrelay
