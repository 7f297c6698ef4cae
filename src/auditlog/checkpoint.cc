#include "auditlog/checkpoint.h"

#include <algorithm>
#include <optional>

#include "auditlog/base64.h"

namespace mailrelay::auditlog {
namespace {

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::optional<uint64_t> ParseSize(std::string_view s) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

StatusOr<std::string> FormatCheckpoint(const Checkpoint& cp) {
  if (cp.origin.empty() || HasControl(cp.origin)) {
    return Status::InvalidArgument(
        "checkpoint origin must be non-empty without control characters");
  }
  std::string body = cp.origin + "\n" + std::to_string(cp.size) + "\n" +
                     Base64Encode(std::string_view(reinterpret_cast<const char*>(cp.root.data()),
                                                   cp.root.size())) +
                     "\n";
  for (const std::string& ext : cp.extensions) {
    if (ext.empty() || HasControl(ext)) {
      return Status::InvalidArgument("checkpoint extension lines must be non-empty text");
    }
    body += ext + "\n";
  }
  return body;
}

StatusOr<Checkpoint> ParseCheckpoint(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return Status::InvalidArgument("checkpoint: body must end with a newline");
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = body; !rest.empty();) {
    const size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) {
    return Status::InvalidArgument("checkpoint: needs origin, size and root lines");
  }
  Checkpoint cp;
  cp.origin = std::string(lines[0]);
  if (cp.origin.empty() || HasControl(cp.origin)) {
    return Status::InvalidArgument("checkpoint: empty or invalid origin line");
  }
  std::optional<uint64_t> size = ParseSize(lines[1]);
  if (!size) {
    return Status::InvalidArgument("checkpoint: size \"" + std::string(lines[1]) +
                                   "\" is not a decimal number without leading zeros");
  }
  cp.size = *size;
  std::optional<std::string> root = Base64Decode(lines[2]);
  if (!root || root->size() != kHashSize) {
    return Status::InvalidArgument("checkpoint: root is not base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), cp.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return Status::InvalidArgument("checkpoint: empty extension line");
    cp.extensions.emplace_back(lines[i]);
  }
  return cp;
}

StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteSigner& signer) {
  if (checkpoint.origin != signer.KeyName()) {
    return Status::InvalidArgument("checkpoint origin \"" + checkpoint.origin +
                                   "\" differs from the signing key name \"" + signer.KeyName() +
                                   "\"");
  }
  MR_ASSIGN_OR_RETURN(std::string body, FormatCheckpoint(checkpoint));
  return SignNote(body, signer);
}

StatusOr<Checkpoint> OpenCheckpoint(std::string_view signed_note, const NoteVerifier& key) {
  MR_ASSIGN_OR_RETURN(std::string text, OpenNote(signed_note, key));  // signature first
  MR_ASSIGN_OR_RETURN(Checkpoint cp, ParseCheckpoint(text));
  if (cp.origin != key.name()) {
    return Status::InvalidArgument("checkpoint origin \"" + cp.origin +
                                   "\" is not the log's key name \"" + key.name() + "\"");
  }
  return cp;
}

}  // namespace mailrelay::auditlog
