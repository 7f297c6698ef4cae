// mailrelay-audit-verify — verifies an exported mailrelay audit log without trusting the
// server: audit/FORMAT.md §7, step by step. Links only libsodium and nlohmann/json.
//
//   mailrelay-audit-verify [--key VKEY_FILE] [--trusted-checkpoint FILE] EXPORT_DIR
//
// Prints one "FAIL <code>: ..." line per problem then "FAILED: <k> problem(s)" and exits 1;
// or prints "OK: ..." and exits 0. Exit 2: usage error or an unreadable named input.
#include <sodium.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "checks.h"

namespace auditverify {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxLineReports = 20;  // FORMAT.md §7 step 2

struct Options {
  std::string export_dir;
  std::optional<std::string> key_file;
  std::optional<std::string> trusted_file;
};

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Report {
 public:
  void Fail(const std::string& code, const std::string& message) {
    std::cout << "FAIL " << code << ": " << message << "\n";
    ++count_;
  }
  void Fail(const Problem& p, const std::string& where) {
    Fail(p.code, where.empty() ? p.message : where + ": " + p.message);
  }
  int count() const { return count_; }

 private:
  int count_ = 0;
};

std::string B64(const Digest& d) { return Base64(d.data(), d.size()); }

int Run(const Options& opt) {
  Report report;
  const fs::path dir(opt.export_dir);
  auto export_file = [&](const char* name) -> std::optional<std::string> {
    std::optional<std::string> data = ReadFile(dir / name);
    if (!data) report.Fail("export-missing-file", (dir / name).string() + " is missing");
    return data;
  };
  std::string summary;

  // 1. Key.
  const std::optional<std::string> export_vkey = export_file("log.vkey");
  std::optional<std::string> key_text = export_vkey;
  std::string key_source = (dir / "log.vkey").string();
  if (opt.key_file) {
    key_text = ReadFile(*opt.key_file);
    key_source = *opt.key_file;
  } else {
    std::cerr << "warning: using the key from the export; pin it with --key\n";
  }
  std::optional<Key> key;
  if (key_text) {
    Checked<Key> k = ParseVkey(*key_text);
    if (!k.ok()) {
      report.Fail(k.problem, key_source);
    } else {
      key = *k.value;
      if (opt.key_file && export_vkey && Trim(*export_vkey) != Trim(*key_text)) {
        report.Fail("vkey-mismatch", "the export's log.vkey is not the pinned key " + key->Label());
      }
    }
  }

  // 2. Entries.
  std::optional<std::string> entries;
  if (key) entries = export_file("entries.jsonl");
  std::vector<Digest> leaves;
  if (entries) {
    std::string_view rest = *entries;
    bool index_reported = false;
    uint64_t bad_lines = 0;
    auto entry_fail = [&](const std::string& code, const std::string& message) {
      if (++bad_lines <= kMaxLineReports) report.Fail(code, message);
    };
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) break;  // the unterminated tail: reported below
      const std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl + 1);
      const uint64_t i = leaves.size();
      leaves.push_back(LeafHash(line));
      const std::string where =
          "entries.jsonl line " + std::to_string(i + 1) + " (entry " + std::to_string(i) + ")";
      Checked<uint64_t> index = CheckEntry(line);
      if (!index.ok()) {
        entry_fail(index.problem.code, where + ": " + index.problem.message);
      } else if (*index.value != i && !index_reported) {
        index_reported = true;
        entry_fail("entry-index-mismatch",
                   "entries.jsonl line " + std::to_string(i + 1) + ": index is " +
                       std::to_string(*index.value) + ", expected " + std::to_string(i) +
                       " — an entry before it is missing or entries are out of order");
      }
    }
    if (bad_lines > kMaxLineReports) {
      report.Fail("entries-more-problems",
                  std::to_string(bad_lines - kMaxLineReports) + " more lines fail (not listed)");
    }
    if (!rest.empty()) {
      report.Fail("entries-unterminated-line", "entries.jsonl: " + std::to_string(rest.size()) +
                                                   " bytes after the last newline (line " +
                                                   std::to_string(leaves.size() + 1) +
                                                   ") are not an entry");
    }
    summary = std::to_string(leaves.size()) + " entries";
  }

  // 3. Checkpoint.
  std::optional<std::string> note;
  if (entries) note = export_file("checkpoint");
  if (note) {
    Checked<CheckpointBody> cp = OpenCheckpoint(*note, *key, "");
    if (!cp.ok()) {
      report.Fail(cp.problem, "checkpoint");
    } else if (cp.value->size != leaves.size()) {
      report.Fail("checkpoint-size-mismatch",
                  "the checkpoint covers " + std::to_string(cp.value->size) +
                      " entries, entries.jsonl has " + std::to_string(leaves.size()));
    } else if (const Digest root = RootOf(leaves); root != cp.value->root) {
      report.Fail("checkpoint-root-mismatch",
                  "the root of the " + std::to_string(leaves.size()) + " entries is " + B64(root) +
                      ", the checkpoint signs " + B64(cp.value->root) + " — an entry was changed");
    } else {
      summary += "; checkpoint " + cp.value->origin + " size " + std::to_string(cp.value->size) +
                 " root " + B64(root) + "; key " + key->Label();
    }
  }

  // 4. Trusted checkpoint.
  if (opt.trusted_file && entries) {
    const std::optional<std::string> t = ReadFile(*opt.trusted_file);
    Checked<CheckpointBody> cp = OpenCheckpoint(t.value_or(""), *key, "trusted-");
    if (!cp.ok()) {
      report.Fail(cp.problem, *opt.trusted_file);
    } else if (cp.value->size > leaves.size()) {
      report.Fail("trusted-checkpoint-rollback",
                  "the trusted checkpoint has " + std::to_string(cp.value->size) +
                      " entries, the export only " + std::to_string(leaves.size()) +
                      " — the log was rolled back");
    } else if (RootOf(std::vector<Digest>(leaves.begin(),
                                          leaves.begin() + static_cast<long>(cp.value->size))) !=
               cp.value->root) {
      report.Fail("trusted-checkpoint-inconsistent", "the first " + std::to_string(cp.value->size) +
                                                         " entries do not give the trusted root " +
                                                         B64(cp.value->root) +
                                                         " — history was rewritten");
    } else {
      summary += "; consistent with trusted checkpoint size " + std::to_string(cp.value->size);
    }
  }

  if (report.count() > 0) {
    std::cout << "FAILED: " << report.count() << " problem(s)\n";
    return 1;
  }
  std::cout << "OK: " << summary << "\n";
  return 0;
}

int Usage(const char* why) {
  std::cerr << "error: " << why << "\n"
            << "usage: mailrelay-audit-verify [--key VKEY_FILE] [--trusted-checkpoint FILE] "
               "EXPORT_DIR\n";
  return 2;
}

}  // namespace
}  // namespace auditverify

int main(int argc, char** argv) {
  using namespace auditverify;
  if (sodium_init() < 0) {
    std::cerr << "error: libsodium failed to initialise\n";
    return 2;
  }
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << "usage: mailrelay-audit-verify [--key VKEY_FILE] [--trusted-checkpoint FILE] "
                   "EXPORT_DIR\nChecks an exported mailrelay audit log as audit/FORMAT.md §7 "
                   "says. Exit 0 verified, 1 failed, 2 usage error.\n";
      return 0;
    }
    if (a == "--key" || a == "--trusted-checkpoint") {
      if (i + 1 >= argc) return Usage((a + " needs a file").c_str());
      (a == "--key" ? opt.key_file : opt.trusted_file) = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      return Usage(("unknown option " + a).c_str());
    } else if (!opt.export_dir.empty()) {
      return Usage("one export directory only");
    } else {
      opt.export_dir = a;
    }
  }
  if (opt.export_dir.empty()) return Usage("no export directory");
  std::error_code ec;
  if (!std::filesystem::is_directory(opt.export_dir, ec)) {
    return Usage((opt.export_dir + " is not a directory").c_str());
  }
  for (const auto& f : {opt.key_file, opt.trusted_file}) {
    if (f && !std::filesystem::is_regular_file(*f, ec)) {
      return Usage(("cannot read " + *f).c_str());
    }
  }
  return Run(opt);
}
