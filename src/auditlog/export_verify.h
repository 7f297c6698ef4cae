// auditlog/export_verify.h — the server's own check of an exported log: audit/FORMAT.md §7
// steps 2–4 over bytes already read (the CLI reads the files and resolves the key, step 1).
// Reports the same failure codes as the auditor's verifiers. Pure and thread-safe.
//
//   ExportReport r = VerifyExport({.entries = jsonl, .checkpoint = note}, key);
//   for (const ExportProblem& p : r.problems) std::cerr << p.code << ": " << p.message << "\n";
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auditlog/checkpoint.h"
#include "auditlog/note.h"

namespace mailrelay::auditlog {

struct ExportInput {
  std::string_view entries = {};                            // entries.jsonl, as read
  std::optional<std::string_view> checkpoint = {};          // nullopt: the file is missing
  std::optional<std::string_view> trusted_checkpoint = {};  // an earlier checkpoint
};

struct ExportProblem {
  std::string code;  // FORMAT.md §7, e.g. "checkpoint-root-mismatch"
  std::string message;
};

struct ExportReport {
  std::vector<ExportProblem> problems;   // in the order FORMAT.md checks
  uint64_t entries = 0;                  // complete lines (leaves)
  std::optional<Checkpoint> checkpoint;  // when it verified against the entries
  bool ok() const { return problems.empty(); }
};

// Returns every problem FORMAT.md §7 steps 2–4 find in `input` with the log key `key`.
ExportReport VerifyExport(const ExportInput& input, const NoteVerifier& key);

}  // namespace mailrelay::auditlog
