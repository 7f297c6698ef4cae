// auditlog/audit_log.cc — group-committed appends, checkpoint signing with the consistency
// guard, proofs and export over a LogStore; OpenLocalAuditLog wires the SQLCipher store and
// the keyring's signing key.
#include "auditlog/audit_log.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <regex>

#include "auditlog/base64.h"
#include "auditlog/entry.h"
#include "auditlog/proof.h"
#include "auditlog/verify.h"
#include "keyring/signing_key.h"
#include "vault/audit_store.h"

namespace mailrelay::auditlog {
namespace {

constexpr char kOriginSetting[] = "origin";
constexpr char kVkeySetting[] = "vkey";
constexpr size_t kExportPage = 10000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json HashList(const std::vector<Hash>& hashes) {
  nlohmann::json out = nlohmann::json::array();
  for (const Hash& h : hashes) {
    out.push_back(
        Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size())));
  }
  return out;
}

std::string B64(const Hash& h) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

// Looks for an e-mail address or an IP address in `s`.
bool LooksPersonal(const std::string& s) {
  static const std::regex email(R"([^\s@<>"]+@[^\s@<>"]+\.[A-Za-z0-9-]{2,})");
  static const std::regex ipv4(
      R"((^|[^0-9.])(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}($|[^0-9.]))");
  if (s.find('@') != std::string::npos && std::regex_search(s, email)) return true;
  if (std::regex_search(s, ipv4)) return true;
  if (s.find(':') != std::string::npos) {
    // Any whitespace/punctuation-separated token that parses as IPv6 (brackets stripped).
    size_t at = 0;
    while (at < s.size()) {
      size_t end = s.find_first_of(" \t,;()<>\"'[]/=", at);
      if (end == std::string::npos) end = s.size();
      std::string token = s.substr(at, end - at);
      if (std::count(token.begin(), token.end(), ':') >= 2) {
        in6_addr addr{};
        std::string host = token.substr(0, token.find('%'));
        if (inet_pton(AF_INET6, host.c_str(), &addr) == 1) return true;
      }
      at = end + 1;
    }
  }
  return false;
}

Status CheckJson(const nlohmann::json& v, const std::string& path) {
  if (v.is_string()) {
    if (LooksPersonal(v.get<std::string>())) {
      return Status::InvalidArgument("audit entry: " + path +
                                     " looks like an e-mail or IP address; audit entries name "
                                     "people only by their audit pseudonym");
    }
  } else if (v.is_object()) {
    for (const auto& [k, child] : v.items()) {
      if (LooksPersonal(k)) {
        return Status::InvalidArgument("audit entry: a key in " + path +
                                       " looks like an e-mail or IP address");
      }
      MR_RETURN_IF_ERROR(CheckJson(child, path + "." + k));
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      MR_RETURN_IF_ERROR(CheckJson(v[i], path + "[" + std::to_string(i) + "]"));
    }
  }
  return Status::Ok();
}

// Writes `data` to dir/name through a temp file, fsync and rename.
Status WriteFileAtomically(const std::string& dir, const std::string& name, std::string_view data) {
  std::string path = dir + "/" + name, tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::PermissionDenied("cannot write " + tmp + ": " + std::strerror(errno));
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Status::Internal("cannot write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::Internal("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

nlohmann::json InclusionAnswer::ToJson() const {
  nlohmann::json j = {
      {"index", index}, {"size", size}, {"leaf_hash", B64(leaf_hash)}, {"proof", HashList(proof)}};
  if (checkpoint) j["checkpoint"] = *checkpoint;
  return j;
}

nlohmann::json ConsistencyAnswer::ToJson() const {
  nlohmann::json j = {{"size1", size1}, {"size2", size2}, {"proof", HashList(proof)}};
  if (checkpoint1) j["checkpoint1"] = *checkpoint1;
  if (checkpoint2) j["checkpoint2"] = *checkpoint2;
  return j;
}

std::string DefaultOrigin(const PublicKey& public_key) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, public_key.data(), public_key.size());
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, h, 8);
  return std::string("mailrelay.audit/") + hex;
}

Status CheckNoPlainPersonalData(const AuditEvent& event) {
  if (LooksPersonal(event.actor)) {
    return Status::InvalidArgument("audit entry: the actor looks like an e-mail or IP address");
  }
  return CheckJson(event.details, "details");
}

namespace {

StatusOr<std::string> FileSha256Hex(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::NotFound("cannot read " + path + " to digest it: " + std::strerror(errno));
  }
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  unsigned char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Status::PermissionDenied("cannot read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    crypto_hash_sha256_update(&st, buf, static_cast<unsigned long long>(n));
  }
  ::close(fd);
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, h);
  char hex[2 * sizeof h + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return std::string(hex);
}

}  // namespace

StatusOr<nlohmann::json> StartupDigests(const std::string& config_file,
                                        const std::string& policy_dir) {
  nlohmann::json out = {{"config_sha256", nullptr}, {"policy_sha256", nlohmann::json::object()}};
  if (!config_file.empty()) {
    MR_ASSIGN_OR_RETURN(std::string hex, FileSha256Hex(config_file));
    out["config_sha256"] = hex;
  }
  std::error_code ec;
  if (!policy_dir.empty() && std::filesystem::is_directory(policy_dir, ec)) {
    for (const auto& f : std::filesystem::directory_iterator(policy_dir, ec)) {
      if (f.path().extension() != ".json" || !f.is_regular_file(ec)) continue;
      MR_ASSIGN_OR_RETURN(std::string hex, FileSha256Hex(f.path().string()));
      out["policy_sha256"][f.path().filename().string()] = hex;
    }
  }
  return out;
}

std::string NowRfc3339() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

struct AuditLog::Pending {
  AuditEvent event;
  AppendResult result;
  Status status;
  bool done = false;
};

AuditLog::AuditLog(std::unique_ptr<LogStore> store, std::unique_ptr<NoteSigner> signer,
                   NoteVerifier verifier, Options options)
    : store_(std::move(store)),
      signer_(std::move(signer)),
      verifier_(std::move(verifier)),
      options_(std::move(options)) {
  if (!options_.clock) options_.clock = NowRfc3339;
  if (options_.max_batch == 0) options_.max_batch = 1;
}

AuditLog::~AuditLog() = default;

Status AuditLog::CheckHead(const StoredHead& head) const {
  std::string what = "audit log head " + std::to_string(head.generation) + " (size " +
                     std::to_string(head.size) + ")";
  auto cp = OpenCheckpoint(head.checkpoint, verifier_);
  if (!cp.ok()) {
    return Status::DataLoss(what + ": its checkpoint does not verify with the log key " +
                            verifier_.Vkey() + " (" + cp.status().message() + ")");
  }
  if (cp->size != head.size || cp->root != head.root) {
    return Status::DataLoss(what + ": the stored size/root differ from its signed checkpoint");
  }
  auto range = CompactRange::FromFrontier(head.size, head.frontier);
  if (!range.ok() || range->Root() != head.root) {
    return Status::DataLoss(what + ": the stored frontier does not give the signed root");
  }
  return Status::Ok();
}

Status AuditLog::LoadState(const StoredHead& head, State& out) const {
  MR_RETURN_IF_ERROR(CheckHead(head));
  MR_ASSIGN_OR_RETURN(CompactRange range, CompactRange::FromFrontier(head.size, head.frontier));
  out.generation = head.generation;
  out.range = std::move(range);
  out.root = head.root;
  return Status::Ok();
}

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(std::unique_ptr<LogStore> store,
                                                   std::unique_ptr<NoteSigner> signer,
                                                   Options options) {
  if (!store || !signer) return Status::InvalidArgument("audit log: no store or signer");
  MR_ASSIGN_OR_RETURN(NoteVerifier verifier,
                      NoteVerifier::FromPublicKey(signer->KeyName(), signer->Public()));
  std::unique_ptr<AuditLog> log(
      new AuditLog(std::move(store), std::move(signer), std::move(verifier), std::move(options)));
  MR_ASSIGN_OR_RETURN(std::optional<std::string> origin, log->store_->Setting(kOriginSetting));
  if (origin && *origin != log->origin()) {
    return Status::FailedPrecondition("audit log: the store's origin is \"" + *origin +
                                      "\" but the signing key is named \"" + log->origin() + "\"");
  }
  MR_ASSIGN_OR_RETURN(StoredHead head, log->store_->LatestHead());
  if (head.generation == 0) {
    // A new log: its origin, its key, and a signed checkpoint of the empty tree.
    MR_RETURN_IF_ERROR(log->store_->Write([&](LogWriteTxn& txn) -> Status {
      MR_ASSIGN_OR_RETURN(uint64_t g, txn.Generation());
      if (g != 0) return Status::Ok();  // another process created it first
      MR_RETURN_IF_ERROR(txn.PutSetting(kOriginSetting, log->origin()));
      MR_RETURN_IF_ERROR(txn.PutSetting(kVkeySetting, log->verifier_.Vkey()));
      StoredHead first;
      first.generation = 1;
      first.root = EmptyRoot();
      MR_ASSIGN_OR_RETURN(first.checkpoint,
                          SignCheckpoint({log->origin(), 0, first.root, {}}, *log->signer_));
      first.created_at_ms = NowMs();
      return txn.PutHead(first);
    }));
    MR_ASSIGN_OR_RETURN(head, log->store_->LatestHead());
  }
  MR_RETURN_IF_ERROR(log->LoadState(head, log->state_));
  MR_ASSIGN_OR_RETURN(uint64_t leaves, log->store_->LeafCount());
  if (leaves < head.size) {
    return Status::DataLoss("audit log: the latest checkpoint covers " + std::to_string(head.size) +
                            " entries but the store holds " + std::to_string(leaves));
  }
  return log;
}

StatusOr<AppendResult> AuditLog::Append(AuditEvent event) {
  std::vector<AuditEvent> one;
  one.push_back(std::move(event));
  MR_ASSIGN_OR_RETURN(std::vector<AppendResult> r, Submit(std::move(one)));
  return r.front();
}

StatusOr<std::vector<AppendResult>> AuditLog::AppendAll(std::vector<AuditEvent> events) {
  return Submit(std::move(events));
}

StatusOr<std::vector<AppendResult>> AuditLog::Submit(std::vector<AuditEvent> events) {
  // Validate first, so one bad event never fails a group of other callers' entries.
  for (AuditEvent& e : events) {
    if (e.details.is_null()) e.details = nlohmann::json::object();
    MR_RETURN_IF_ERROR(CheckNoPlainPersonalData(e));
    Entry probe{UINT64_MAX, "0000-00-00T00:00:00.000000000Z", e.actor, e.action, e.details};
    auto encoded = EncodeEntry(probe);
    if (!encoded.ok()) return encoded.status();
  }
  std::vector<Pending> pending(events.size());
  for (size_t i = 0; i < events.size(); ++i) pending[i].event = std::move(events[i]);

  std::unique_lock lock(mu_);
  for (Pending& p : pending) queue_.push_back(&p);
  auto all_done = [&] {
    for (const Pending& p : pending) {
      if (!p.done) return false;
    }
    return true;
  };
  while (!all_done()) {
    if (writing_) {
      cv_.wait(lock);
      continue;
    }
    writing_ = true;
    std::vector<Pending*> batch;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    WriteBatch(batch);
    lock.lock();
    for (Pending* p : batch) p->done = true;
    writing_ = false;
    cv_.notify_all();
  }
  std::vector<AppendResult> out;
  for (const Pending& p : pending) {
    if (!p.status.ok()) return p.status;
    out.push_back(p.result);
  }
  return out;
}

void AuditLog::WriteBatch(const std::vector<Pending*>& batch) {
  State next = state_;
  std::vector<AppendResult> results;
  bool reloaded = false;
  Status s = store_->Write([&](LogWriteTxn& txn) -> Status {
    next = state_;
    results.clear();
    MR_ASSIGN_OR_RETURN(uint64_t g, txn.Generation());
    if (g != next.generation) {
      // Another process appended: take its head, but only if it extends what we saw.
      MR_ASSIGN_OR_RETURN(StoredHead head, txn.LatestHead());
      State theirs;
      MR_RETURN_IF_ERROR(LoadState(head, theirs));
      if (theirs.range.size() < next.range.size()) {
        return Status::DataLoss("audit log rolled back: the store's latest checkpoint has " +
                                std::to_string(theirs.range.size()) +
                                " entries, this process saw " + std::to_string(next.range.size()));
      }
      MR_ASSIGN_OR_RETURN(std::vector<Hash> proof,
                          ConsistencyProof(txn, next.range.size(), theirs.range.size()));
      Status c =
          VerifyConsistency(next.range.size(), theirs.range.size(), proof, next.root, theirs.root);
      if (!c.ok()) {
        return Status::DataLoss("audit log: another writer's checkpoint of size " +
                                std::to_string(theirs.range.size()) +
                                " is inconsistent with the one of size " +
                                std::to_string(next.range.size()) + " (" + c.message() +
                                "); refusing to sign on top of it");
      }
      next = std::move(theirs);
      reloaded = true;
    }
    return WriteBatchTxn(txn, batch, next, results);
  });
  std::lock_guard lock(mu_);
  if (s.ok()) {
    state_ = std::move(next);
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->result = results[i];
    stats_.transactions++;
    stats_.entries += batch.size();
    if (reloaded) stats_.reloads++;
  } else {
    for (Pending* p : batch) p->status = s;
  }
}

Status AuditLog::WriteBatchTxn(LogWriteTxn& txn, const std::vector<Pending*>& batch, State& next,
                               std::vector<AppendResult>& results) {
  const uint64_t old_size = next.range.size();
  const Hash old_root = next.root;
  std::vector<StoredLeaf> leaves;
  std::vector<SubtreeHash> nodes;
  leaves.reserve(batch.size());
  nodes.reserve(batch.size() + 64);
  const std::string time = options_.clock();
  for (Pending* p : batch) {
    Entry e{next.range.size(), time, p->event.actor, p->event.action, p->event.details};
    MR_ASSIGN_OR_RETURN(std::string stored, EncodeEntry(e));
    Hash leaf = HashLeaf(stored);
    next.range.Append(leaf, [&](unsigned level, uint64_t index, const Hash& hash) {
      if (level > 0) nodes.push_back({level, index, hash});
    });
    results.push_back({e.index, 0});
    leaves.push_back({std::move(stored), leaf});
  }
  MR_RETURN_IF_ERROR(txn.AppendLeaves(old_size, leaves));
  MR_RETURN_IF_ERROR(txn.PutSubtrees(nodes));
  const uint64_t new_size = next.range.size();
  next.root = next.range.Root();
  // Never sign a head that does not extend the last signed one, checked over what is stored.
  MR_ASSIGN_OR_RETURN(std::vector<Hash> proof, ConsistencyProof(txn, old_size, new_size));
  Status c = VerifyConsistency(old_size, new_size, proof, old_root, next.root);
  if (!c.ok()) {
    return Status::DataLoss("audit log: the new tree of size " + std::to_string(new_size) +
                            " is not consistent with the last signed checkpoint (size " +
                            std::to_string(old_size) + "): " + c.message() + "; refusing to sign");
  }
  StoredHead head;
  head.generation = next.generation + 1;
  head.size = new_size;
  head.root = next.root;
  head.frontier = next.range.Frontier();
  MR_ASSIGN_OR_RETURN(head.checkpoint,
                      SignCheckpoint({origin(), new_size, next.root, {}}, *signer_));
  head.created_at_ms = NowMs();
  MR_RETURN_IF_ERROR(txn.PutHead(head));
  next.generation = head.generation;
  for (AppendResult& r : results) r.tree_size = new_size;
  return Status::Ok();
}

StatusOr<SignedHead> AuditLog::Latest() {
  MR_ASSIGN_OR_RETURN(StoredHead head, store_->LatestHead());
  {
    // A head is checked (signature, frontier) once per generation, not on every read.
    std::lock_guard lock(mu_);
    if (checked_generation_ == head.generation && checked_checkpoint_ == head.checkpoint) {
      return SignedHead{head.generation, head.size, head.root, head.checkpoint};
    }
  }
  MR_RETURN_IF_ERROR(CheckHead(head));
  {
    std::lock_guard lock(mu_);
    checked_generation_ = head.generation;
    checked_checkpoint_ = head.checkpoint;
  }
  return SignedHead{head.generation, head.size, head.root, head.checkpoint};
}

StatusOr<std::vector<std::string>> AuditLog::Entries(uint64_t from, size_t limit) {
  MR_ASSIGN_OR_RETURN(SignedHead head, Latest());
  if (from >= head.size) return std::vector<std::string>();
  return store_->ReadEntries(from, std::min<uint64_t>(limit, head.size - from));
}

StatusOr<InclusionAnswer> AuditLog::ProveInclusion(uint64_t index, uint64_t size) {
  MR_ASSIGN_OR_RETURN(SignedHead head, Latest());
  if (size == 0) size = head.size;
  if (size > head.size) {
    return Status::InvalidArgument("size " + std::to_string(size) + " is larger than the log (" +
                                   std::to_string(head.size) + " entries)");
  }
  if (index >= size) {
    return Status::InvalidArgument("index " + std::to_string(index) +
                                   " is not below the tree size " + std::to_string(size));
  }
  InclusionAnswer a;
  a.index = index;
  a.size = size;
  MR_ASSIGN_OR_RETURN(a.leaf_hash, store_->LeafHash(index));
  MR_ASSIGN_OR_RETURN(a.proof, InclusionProof(*store_, index, size));
  MR_ASSIGN_OR_RETURN(std::optional<StoredHead> cp, store_->HeadForSize(size));
  if (cp) a.checkpoint = cp->checkpoint;
  return a;
}

StatusOr<ConsistencyAnswer> AuditLog::ProveConsistency(uint64_t size1, uint64_t size2) {
  MR_ASSIGN_OR_RETURN(SignedHead head, Latest());
  if (size2 == 0) size2 = head.size;
  if (size2 > head.size) {
    return Status::InvalidArgument("size " + std::to_string(size2) + " is larger than the log (" +
                                   std::to_string(head.size) + " entries)");
  }
  if (size1 > size2) {
    return Status::InvalidArgument("the old size " + std::to_string(size1) +
                                   " is larger than the new size " + std::to_string(size2));
  }
  ConsistencyAnswer a;
  a.size1 = size1;
  a.size2 = size2;
  MR_ASSIGN_OR_RETURN(a.proof, ConsistencyProof(*store_, size1, size2));
  MR_ASSIGN_OR_RETURN(std::optional<StoredHead> c1, store_->HeadForSize(size1));
  if (c1) a.checkpoint1 = c1->checkpoint;
  MR_ASSIGN_OR_RETURN(std::optional<StoredHead> c2, store_->HeadForSize(size2));
  if (c2) a.checkpoint2 = c2->checkpoint;
  return a;
}

StatusOr<SignedHead> AuditLog::Export(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::PermissionDenied("cannot create " + dir + ": " + ec.message());
  MR_ASSIGN_OR_RETURN(SignedHead head, Latest());
  std::string jsonl;
  CompactRange check;
  for (uint64_t at = 0; at < head.size;) {
    MR_ASSIGN_OR_RETURN(std::vector<std::string> page,
                        store_->ReadEntries(at, std::min<uint64_t>(kExportPage, head.size - at)));
    if (page.empty()) {
      return Status::DataLoss("audit log: entry " + std::to_string(at) + " is missing");
    }
    for (const std::string& e : page) {
      check.Append(HashLeaf(e));
      jsonl += e;
      jsonl += '\n';
    }
    at += page.size();
  }
  if (check.Root() != head.root) {
    return Status::DataLoss("audit log: the stored entries do not give the signed root of size " +
                            std::to_string(head.size) + "; the store was altered");
  }
  MR_RETURN_IF_ERROR(WriteFileAtomically(dir, "entries.jsonl", jsonl));
  MR_RETURN_IF_ERROR(WriteFileAtomically(dir, "checkpoint", head.checkpoint));
  MR_RETURN_IF_ERROR(WriteFileAtomically(dir, "log.vkey", verifier_.Vkey() + "\n"));
  return head;
}

AuditLog::Stats AuditLog::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

StatusOr<std::unique_ptr<AuditLog>> OpenLocalAuditLog(const LocalAuditLogOptions& options) {
  MR_ASSIGN_OR_RETURN(vault::AuditFiles files,
                      vault::OpenAuditFiles(
                          {options.data_dir, options.master_key_path, options.create_if_missing}));
  MR_ASSIGN_OR_RETURN(std::optional<std::string> origin, files.store->Setting(kOriginSetting));
  PublicKey pub{};
  std::copy(files.signing_key->PublicKey().begin(), files.signing_key->PublicKey().end(),
            pub.begin());
  std::string name = origin ? *origin : DefaultOrigin(pub);
  auto signer =
      std::make_unique<KeyNoteSigner<keyring::SigningKey>>(name, std::move(files.signing_key));
  return AuditLog::Open(std::move(files.store), std::move(signer));
}

}  // namespace mailrelay::auditlog
