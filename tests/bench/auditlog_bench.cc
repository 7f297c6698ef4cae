// auditlog_bench — in-memory figures for the audit log's Merkle core at 1M leaves: append +
// root, inclusion and consistency proofs (build and verify), with cached subtrees
// (MemoryTree) and with leaf hashes only. Prints numbers; never asserts them.
//
//   build/tests/bench/auditlog_bench [LEAVES]      (default 1000000)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "auditlog/compact_range.h"
#include "auditlog/entry.h"
#include "auditlog/memory_tree.h"
#include "auditlog/proof.h"
#include "auditlog/verify.h"

namespace {

using mailrelay::auditlog::Hash;
using Clock = std::chrono::steady_clock;

double Us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// A store that only has leaf hashes: every subtree is recomputed (the HashSource default).
class LeafOnly : public mailrelay::auditlog::HashSource {
 public:
  explicit LeafOnly(const std::vector<Hash>& h) : h_(h) {}
  mailrelay::StatusOr<Hash> LeafHash(uint64_t i) const override { return h_.at(i); }

 private:
  const std::vector<Hash>& h_;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace mailrelay::auditlog;
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  std::printf("auditlog_bench: %llu leaves, in memory\n", static_cast<unsigned long long>(n));

  // Canonical entries → leaf hashes.
  auto t0 = Clock::now();
  std::vector<Hash> leaves;
  leaves.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    Entry e{.index = i,
            .time = "2024-05-01T12:00:00.000Z",
            .actor = "api:tok-3",
            .action = "records.read",
            .details = {{"count", i % 7}, {"region", "eu"}, {"subject", "ap:6f1c0e5a9d2b7c44"}}};
    leaves.push_back(HashLeaf(EncodeEntry(e).value()));
  }
  auto t1 = Clock::now();
  std::printf("  encode + leaf hash:           %8.2f us/entry\n", Us(t1 - t0) / double(n));

  // Compact range: the O(log n) append state.
  t0 = Clock::now();
  CompactRange range;
  for (const Hash& h : leaves) range.Append(h);
  const Hash root = range.Root();
  t1 = Clock::now();
  std::printf("  compact range append:         %8.3f us/leaf (%.1f ms for all)\n",
              Us(t1 - t0) / double(n), Us(t1 - t0) / 1000);
  t0 = Clock::now();
  unsigned sink = 0;
  for (int i = 0; i < 1000; ++i) sink += range.Root()[static_cast<size_t>(i) % 32];
  t1 = Clock::now();
  std::printf("  root from compact range:      %8.3f us\n", Us(t1 - t0) / 1000);

  // In-memory tree with every perfect subtree cached.
  t0 = Clock::now();
  MemoryTree tree;
  for (const Hash& h : leaves) tree.Append(h);
  t1 = Clock::now();
  std::printf("  memory tree append:           %8.3f us/leaf\n", Us(t1 - t0) / double(n));
  t0 = Clock::now();
  for (int i = 0; i < 1000; ++i) sink += TreeRoot(tree, n - static_cast<uint64_t>(i)).value()[0];
  t1 = Clock::now();
  std::printf("  root at any size (cached):    %8.3f us\n", Us(t1 - t0) / 1000);

  std::mt19937_64 rng(42);
  const int kProofs = 10000;
  double build_us = 0, verify_us = 0;
  size_t hashes = 0;
  for (int k = 0; k < kProofs; ++k) {
    const uint64_t index = rng() % n;
    t0 = Clock::now();
    std::vector<Hash> p = InclusionProof(tree, index, n).value();
    t1 = Clock::now();
    if (!VerifyInclusion(index, n, leaves[index], p, root).ok()) return 1;
    auto t2 = Clock::now();
    build_us += Us(t1 - t0);
    verify_us += Us(t2 - t1);
    hashes += p.size();
  }
  std::printf("  inclusion proof (cached):     %8.3f us build, %.3f us verify, %.1f hashes\n",
              build_us / kProofs, verify_us / kProofs, double(hashes) / kProofs);

  build_us = verify_us = 0;
  hashes = 0;
  for (int k = 0; k < kProofs; ++k) {
    const uint64_t size1 = 1 + rng() % (n - 1);
    const Hash root1 = TreeRoot(tree, size1).value();
    t0 = Clock::now();
    std::vector<Hash> p = ConsistencyProof(tree, size1, n).value();
    t1 = Clock::now();
    if (!VerifyConsistency(size1, n, p, root1, root).ok()) return 1;
    auto t2 = Clock::now();
    build_us += Us(t1 - t0);
    verify_us += Us(t2 - t1);
    hashes += p.size();
  }
  std::printf("  consistency proof (cached):   %8.3f us build, %.3f us verify, %.1f hashes\n",
              build_us / kProofs, verify_us / kProofs, double(hashes) / kProofs);

  // Without a subtree cache every proof rehashes about n leaves.
  LeafOnly slow(leaves);
  t0 = Clock::now();
  std::vector<Hash> p = InclusionProof(slow, n / 3, n).value();
  t1 = Clock::now();
  std::printf("  inclusion proof (leaves only): %7.1f ms\n", Us(t1 - t0) / 1000);
  t0 = Clock::now();
  p = ConsistencyProof(slow, n / 3, n).value();
  t1 = Clock::now();
  std::printf("  consistency proof (leaves only): %5.1f ms\n", Us(t1 - t0) / 1000);
  std::printf("  (sink %u)\n", sink & 1);
  return 0;
}
