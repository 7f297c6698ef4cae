#include "auditlog/export_verify.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "naive_tree.h"

namespace mailrelay::auditlog {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::optional<std::string> MaybeRead(const fs::path& p) {
  if (!fs::exists(p)) return std::nullopt;
  return ReadFile(p.string());
}

// Runs FORMAT.md §7 as `mailrelay audit verify` will: step 1 (files, key) here, steps 2–4
// in VerifyExport. Returns the failure codes in order.
std::vector<std::string> Verify(const fs::path& dir, const nlohmann::json& args) {
  std::optional<std::string> pinned, trusted;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    const std::string file = ReadFile((dir / args[i + 1].get<std::string>()).string());
    (args[i] == "--key" ? pinned : trusted) = file;
  }
  std::vector<std::string> codes;
  const fs::path exp = dir / "export";
  const std::optional<std::string> export_vkey = MaybeRead(exp / "log.vkey");
  if (!export_vkey) codes.push_back("export-missing-file");
  const std::optional<std::string> key_text = pinned ? pinned : export_vkey;
  if (!key_text) return codes;
  StatusOr<NoteVerifier> key = NoteVerifier::FromVkey(*key_text);
  if (!key.ok()) {
    codes.push_back("vkey-malformed");
    return codes;
  }
  if (pinned && export_vkey && Trim(*pinned) != Trim(*export_vkey))
    codes.push_back("vkey-mismatch");
  const std::optional<std::string> entries = MaybeRead(exp / "entries.jsonl");
  if (!entries) {
    codes.push_back("export-missing-file");
    return codes;
  }
  const std::optional<std::string> checkpoint = MaybeRead(exp / "checkpoint");
  ExportInput in{.entries = *entries};
  if (checkpoint) in.checkpoint = *checkpoint;
  if (trusted) in.trusted_checkpoint = *trusted;
  const ExportReport report = VerifyExport(in, *key);
  for (const ExportProblem& p : report.problems) codes.push_back(p.code);
  return codes;
}

// The server's own verification agrees with audit/vectors/cases/*/expect.json — the same
// cases both auditor verifiers run (built by audit/vectors/generate.py, in Python).
TEST(ExportVerifyTest, EveryAttackCaseGivesItsExpectedFailures) {
  const fs::path cases = fs::path(MAILRELAY_SOURCE_DIR) / "audit" / "vectors" / "cases";
  size_t seen = 0;
  for (const auto& dirent : fs::directory_iterator(cases)) {
    const fs::path dir = dirent.path();
    if (!fs::exists(dir / "expect.json")) continue;
    ++seen;
    const nlohmann::json expect = nlohmann::json::parse(ReadFile((dir / "expect.json").string()));
    const std::vector<std::string> want = expect.at("errors").get<std::vector<std::string>>();
    EXPECT_EQ(Verify(dir, expect.at("args")), want) << dir.filename();
  }
  EXPECT_GE(seen, 20u);
}

TEST(ExportVerifyTest, ValidExportReportsItsCheckpoint) {
  const fs::path dir = fs::path(MAILRELAY_SOURCE_DIR) / "audit/vectors/cases/valid/export";
  const NoteVerifier key = NoteVerifier::FromVkey(ReadFile((dir / "log.vkey").string())).value();
  const std::string entries = ReadFile((dir / "entries.jsonl").string());
  const std::string note = ReadFile((dir / "checkpoint").string());
  const ExportReport r = VerifyExport({.entries = entries, .checkpoint = note}, key);
  ASSERT_TRUE(r.ok()) << r.problems[0].code;
  EXPECT_EQ(r.entries, 10u);
  ASSERT_TRUE(r.checkpoint.has_value());
  EXPECT_EQ(r.checkpoint->size, 10u);
  EXPECT_EQ(r.checkpoint->origin, key.name());
}

}  // namespace
}  // namespace mailrelay::auditlog
