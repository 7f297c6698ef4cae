// auditlog/checkpoint.h — C2SP tlog-checkpoint: the signed tree head.
//
// The body is three lines: the origin (the log's name), the tree size in decimal, and the
// standard base64 of the root hash; the log writes no extension lines. It is published as
// a signed note (auditlog/note.h) whose key name is the origin.
//
//   StatusOr<std::string> note = SignCheckpoint({origin, size, root}, signer);
//   StatusOr<Checkpoint> cp = OpenCheckpoint(*note, verifier);  // signature checked first
//
// Pure apart from the signer; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auditlog/hasher.h"
#include "auditlog/note.h"
#include "common/status.h"

namespace mailrelay::auditlog {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  // Lines after the root. C2SP allows them; this log writes none, readers keep them as
  // signed but give them no meaning.
  std::vector<std::string> extensions;

  bool operator==(const Checkpoint&) const = default;
};

// Returns the checkpoint body "<origin>\n<size>\n<base64 root>\n" (+ extension lines).
// InvalidArgument if the origin is empty or has a control character.
StatusOr<std::string> FormatCheckpoint(const Checkpoint& checkpoint);

// Returns the checkpoint in `body`. InvalidArgument if a line is missing or malformed: the
// size must be decimal without leading zeros, the root 32 bytes in canonical base64.
StatusOr<Checkpoint> ParseCheckpoint(std::string_view body);

// Returns the signed note of `checkpoint`. InvalidArgument if the signer's key name is not
// the checkpoint's origin.
StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteSigner& signer);

// Returns the checkpoint in `signed_note` once its signature by `key` verifies; only the
// signed text is parsed. The origin must equal the key name. Errors: those of OpenNote,
// then InvalidArgument for a malformed body or a different origin.
StatusOr<Checkpoint> OpenCheckpoint(std::string_view signed_note, const NoteVerifier& key);

}  // namespace mailrelay::auditlog
