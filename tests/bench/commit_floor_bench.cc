// tests/bench/commit_floor_bench.cc — what one durable commit costs on this machine, layer by
// layer. Prints numbers; asserts none.
//
//   commit_floor_bench                       # 2,000 transactions per row
//   MAILRELAY_BENCH_TXNS=5000 commit_floor_bench
//   MAILRELAY_BENCH_DIR=/mnt/ssd/x commit_floor_bench   # where the files go (default: a temp dir)
//
// One thread commits, waiting for each commit before the next, so every row is CPU (all of the
// process's threads) and wall time per durable transaction:
//   1. a 4 KiB pwrite + fdatasync: the floor of any durable commit on this disk;
//   2. an SQLCipher transaction of k ~600-byte rows into a one-table file with the vault's
//      pragmas (WAL, synchronous=FULL, secure_delete, 4 KiB pages): the floor of SQLCipher;
//   3. the vault's region store (its schema, writer thread, group commit, checkpoint thread)
//      taking k records sealed beforehand: what the relay's commit costs minus the sealing.
// vault_bench's phase 1 is row 3 with the sealing.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_vault.h"
#include "vault/key_table.h"
#include "vault/record_codec.h"
#include "vault/record_store.h"
#include "vault/sqlcipher_region_store.h"
#include "vault/store_file.h"

namespace {

using mailrelay::Status;
using mailrelay::StatusOr;
using Clock = std::chrono::steady_clock;

template <typename T>
T Must(StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, v.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(v).value();
}

void Must(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Runs `txn` `count` times and prints its CPU and wall time per transaction and per row.
template <typename F>
void Row(const char* name, int rows_per_txn, int count, F txn) {
  const double cpu0 = CpuSeconds();
  const auto wall0 = Clock::now();
  for (int i = 0; i < count; ++i) txn(i);
  const double cpu_us = (CpuSeconds() - cpu0) * 1e6 / count;
  const double wall_us =
      std::chrono::duration<double, std::micro>(Clock::now() - wall0).count() / count;
  std::printf("%-44s k=%-3d %7.1f us CPU/txn  %6.1f us CPU/row  %7.1f us wall/txn\n", name,
              rows_per_txn, cpu_us, cpu_us / rows_per_txn, wall_us);
}

// Never asked: the bench's records carry the current key version and nothing rotates.
class NoGuard : public mailrelay::vault::WriteGuard {
 public:
  Status BeginGroup(mailrelay::keyring::WrappedKeyStore&) override { return Status::Ok(); }
  Status PrepareBatch(mailrelay::vault::CommitBatch&) override { return Status::Ok(); }
};

}  // namespace

int main() {
  namespace vault = mailrelay::vault;
  const char* env = std::getenv("MAILRELAY_BENCH_TXNS");
  const int count = env != nullptr ? std::atoi(env) : 2000;
  const mailrelay::bench::BenchDir bench_dir = mailrelay::bench::MakeBenchDir("commit-floor-bench");
  const std::string& dir = bench_dir.path;
  std::filesystem::create_directories(dir);
  const std::string key_path = dir + "/master.key";
  Must(mailrelay::keyring::CreateMasterKeyFile(key_path), "master key");
  auto master = Must(mailrelay::keyring::MasterKey::Load(key_path), "master key");
  std::printf("commit_floor_bench: %d transactions per row, one committer, in %s\n", count,
              dir.c_str());

  {
    const std::string path = dir + "/fsync.bin";
    int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return 1;
    std::string page(4096, 'x');
    Row("pwrite 4 KiB + fdatasync", 1, count, [&](int i) {
      if (::pwrite(fd, page.data(), page.size(), static_cast<off_t>(i % 256) * 4096) < 0 ||
          ::fdatasync(fd) != 0) {
        std::perror("fsync row");
        std::exit(1);
      }
    });
    ::close(fd);
  }

  const std::string payload(600, 'r');  // about a sealed record's row
  for (int k : {1, 3, 10}) {
    auto keys = Must(mailrelay::keyring::KeySet::Derive(master, "us"), "keys");
    const std::string path = dir + "/one-table-" + std::to_string(k) + ".db";
    auto db = Must(vault::OpenStoreFile(path, *keys, vault::FileKind::kRegion, true), "open");
    Must(db->Exec("CREATE TABLE probe (seq INTEGER PRIMARY KEY, row BLOB NOT NULL)"), "create");
    auto insert = Must(db->Prepare("INSERT INTO probe (row) VALUES (?1)"), "prepare");
    Row("SQLCipher, one table", k, count, [&](int) {
      Must(db->Exec("BEGIN IMMEDIATE"), "begin");
      for (int r = 0; r < k; ++r) {
        insert.Reset();
        insert.BindBlob(1, payload);
        Must(insert.Run(), "insert");
      }
      Must(db->Exec("COMMIT"), "commit");
    });
  }

  // Field and blind-index keys for the sealing, kept in a scratch file of their own.
  auto keys = Must(mailrelay::keyring::KeySet::Derive(master, "us"), "keys");
  auto key_file =
      Must(vault::OpenStoreFile(dir + "/keys.db", *keys, vault::FileKind::kRegion, true), "keys");
  vault::SqliteKeyStore key_table(*key_file);
  Must(keys->Load(key_table,
                  {mailrelay::keyring::kPurposeField, mailrelay::keyring::kPurposeBlindIndex},
                  /*create_missing=*/true),
       "load keys");
  NoGuard guard;
  int64_t n = 0;
  for (int k : {1, 3, 10}) {
    auto page_keys = Must(mailrelay::keyring::KeySet::Derive(master, "us"), "keys");
    auto store = Must(vault::SqlcipherRegionStore::Open(dir + "/store-" + std::to_string(k) + ".db",
                                                        std::move(page_keys), guard, true),
                      "store");
    // Sealed before the clock starts: this row is the store alone.
    std::vector<std::vector<vault::StoredRecord>> sealed(static_cast<size_t>(count));
    for (auto& batch : sealed) {
      for (int r = 0; r < k; ++r, ++n) {
        batch.push_back(Must(
            vault::SealRecord(*keys, mailrelay::bench::BenchRecord(n, 1'780'000'000'000 + n, "us")),
            "seal"));
      }
    }
    Row("vault region store, records sealed before", k, count, [&](int i) {
      vault::CommitBatch batch(&sealed[static_cast<size_t>(i)]);
      store->Enqueue(&batch);
      Must(store->Wait(&batch), "commit");
    });
  }
  if (bench_dir.temporary) std::filesystem::remove_all(dir);
  return 0;
}
