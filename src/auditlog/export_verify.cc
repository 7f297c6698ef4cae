#include "auditlog/export_verify.h"

#include "auditlog/base64.h"
#include "auditlog/compact_range.h"
#include "auditlog/entry.h"

namespace mailrelay::auditlog {
namespace {

constexpr uint64_t kMaxLineReports = 20;  // FORMAT.md §7 step 2

std::string B64(const Hash& h) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

// Opens a checkpoint and names its failure as FORMAT.md does ("" or "trusted-" prefix).
std::optional<Checkpoint> Open(std::string_view note, const NoteVerifier& key,
                               const std::string& prefix, std::vector<ExportProblem>& out) {
  NoteFault fault = NoteFault::kNone;
  StatusOr<std::string> text = OpenNote(note, key, &fault);  // signature first
  if (!text.ok()) {
    const char* code = fault == NoteFault::kNoSignature    ? "checkpoint-unsigned"
                       : fault == NoteFault::kBadSignature ? "checkpoint-bad-signature"
                                                           : "checkpoint-malformed-note";
    out.push_back({prefix + code, text.status().message()});
    return std::nullopt;
  }
  StatusOr<Checkpoint> cp = ParseCheckpoint(*text);
  if (!cp.ok()) {
    out.push_back({prefix + "checkpoint-malformed", cp.status().message()});
    return std::nullopt;
  }
  if (cp->origin != key.name()) {
    out.push_back({prefix + "checkpoint-origin-mismatch",
                   "origin \"" + cp->origin + "\" is not the key name \"" + key.name() + "\""});
    return std::nullopt;
  }
  return *cp;
}

}  // namespace

ExportReport VerifyExport(const ExportInput& input, const NoteVerifier& key) {
  ExportReport r;
  // Step 2: entries. The prefix roots are kept where a trusted checkpoint needs one.
  CompactRange range;
  std::optional<uint64_t> trusted_size;
  std::optional<Checkpoint> trusted;
  std::vector<ExportProblem> trusted_problems;
  if (input.trusted_checkpoint) {
    trusted = Open(*input.trusted_checkpoint, key, "trusted-", trusted_problems);
    if (trusted) trusted_size = trusted->size;
  }
  std::optional<Hash> root_at_trusted;
  if (trusted_size == 0u) root_at_trusted = range.Root();

  std::string_view rest = input.entries;
  bool index_reported = false;
  uint64_t bad_lines = 0;
  auto entry_fail = [&](std::string code, std::string message) {
    if (++bad_lines <= kMaxLineReports) r.problems.push_back({std::move(code), std::move(message)});
  };
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // the unterminated tail: reported below
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    const uint64_t i = range.size();
    range.Append(HashLeaf(line));
    if (trusted_size && range.size() == *trusted_size) root_at_trusted = range.Root();
    EntryFault fault = EntryFault::kNone;
    StatusOr<Entry> e = DecodeEntry(line, &fault);
    const std::string where =
        "line " + std::to_string(i + 1) + " (entry " + std::to_string(i) + ")";
    if (!e.ok()) {
      entry_fail(std::string(EntryFaultCode(fault)), where + ": " + e.status().message());
    } else if (e->index != i && !index_reported) {
      index_reported = true;
      entry_fail("entry-index-mismatch", where + ": index is " + std::to_string(e->index) +
                                             ", an entry before it is missing or moved");
    }
  }
  if (bad_lines > kMaxLineReports) {
    r.problems.push_back({"entries-more-problems", std::to_string(bad_lines - kMaxLineReports) +
                                                       " more lines fail (not listed)"});
  }
  if (!rest.empty()) {
    r.problems.push_back({"entries-unterminated-line",
                          std::to_string(rest.size()) + " bytes after the last newline (line " +
                              std::to_string(range.size() + 1) + ") are not an entry"});
  }
  r.entries = range.size();

  // Step 3: the export's checkpoint.
  if (!input.checkpoint) {
    r.problems.push_back({"export-missing-file", "the checkpoint is missing"});
  } else if (std::optional<Checkpoint> cp = Open(*input.checkpoint, key, "", r.problems)) {
    if (cp->size != r.entries) {
      r.problems.push_back({"checkpoint-size-mismatch",
                            "the checkpoint covers " + std::to_string(cp->size) +
                                " entries, the export has " + std::to_string(r.entries)});
    } else if (const Hash root = range.Root(); root != cp->root) {
      r.problems.push_back(
          {"checkpoint-root-mismatch",
           "the entries give " + B64(root) + ", the checkpoint signs " + B64(cp->root)});
    } else {
      r.checkpoint = *cp;
    }
  }

  // Step 4: the trusted checkpoint.
  r.problems.insert(r.problems.end(), trusted_problems.begin(), trusted_problems.end());
  if (trusted) {
    if (trusted->size > r.entries) {
      r.problems.push_back(
          {"trusted-checkpoint-rollback", "trusted size " + std::to_string(trusted->size) +
                                              ", the export has " + std::to_string(r.entries)});
    } else if (*root_at_trusted != trusted->root) {
      r.problems.push_back(
          {"trusted-checkpoint-inconsistent",
           "the first " + std::to_string(trusted->size) + " entries do not give the trusted root"});
    }
  }
  return r;
}

}  // namespace mailrelay::auditlog
