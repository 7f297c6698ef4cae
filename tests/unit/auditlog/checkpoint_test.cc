#include "auditlog/checkpoint.h"

#include <gtest/gtest.h>

#include "auditlog/base64.h"

namespace mailrelay::auditlog {
namespace {

constexpr char kOrigin[] = "mailrelay.example/audit";

std::unique_ptr<Ed25519Signer> Signer(const std::string& name, char seed_byte) {
  return std::move(Ed25519Signer::FromSeed(name, std::string(32, seed_byte)).value());
}

NoteVerifier VerifierOf(const NoteSigner& s) {
  return NoteVerifier::FromPublicKey(s.KeyName(), s.Public()).value();
}

Checkpoint Sample() {
  Checkpoint cp;
  cp.origin = kOrigin;
  cp.size = 8;
  cp.root = HashLeaf("x");
  return cp;
}

TEST(CheckpointTest, FormatsThreeLines) {
  const Checkpoint cp = Sample();
  EXPECT_EQ(*FormatCheckpoint(cp),
            std::string(kOrigin) + "\n8\n" +
                Base64Encode(std::string(reinterpret_cast<const char*>(cp.root.data()), 32)) +
                "\n");
}

TEST(CheckpointTest, ParseRoundTrips) {
  Checkpoint cp = Sample();
  cp.extensions = {"ext one", "ext two"};
  StatusOr<Checkpoint> back = ParseCheckpoint(*FormatCheckpoint(cp));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, cp);
}

TEST(CheckpointTest, ParseRejectsMalformedBodies) {
  const std::string root = Base64Encode(std::string(32, 'r'));
  for (const std::string& bad : {
           "o\n8\n" + root,                                       // no final newline
           std::string("o\n8\n"),                                 // no root
           "\n8\n" + root + "\n",                                 // empty origin
           "o\n08\n" + root + "\n",                               // leading zero
           "o\n-1\n" + root + "\n",                               // sign
           "o\n18446744073709551616\n" + root + "\n",             // > 2^64 - 1
           "o\n8\n" + Base64Encode(std::string(31, 'r')) + "\n",  // short root
           "o\n8\n" + root.substr(0, 43) + "\n",                  // bad base64
           "o\n8\n" + root + "\n\n",                              // empty extension
       }) {
    EXPECT_EQ(ParseCheckpoint(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseCheckpoint("o\n18446744073709551615\n" + root + "\n")->size, UINT64_MAX);
}

TEST(CheckpointTest, SignThenOpenRoundTrips) {
  auto s = Signer(kOrigin, 'k');
  StatusOr<std::string> note = SignCheckpoint(Sample(), *s);
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  StatusOr<Checkpoint> cp = OpenCheckpoint(*note, VerifierOf(*s));
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(*cp, Sample());
}

TEST(CheckpointTest, SigningKeyNameMustBeTheOrigin) {
  auto s = Signer("other.example/log", 'k');
  EXPECT_EQ(SignCheckpoint(Sample(), *s).status().code(), StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, WrongKeyIsUnauthenticated) {
  auto ours = Signer(kOrigin, 'a');
  auto theirs = Signer(kOrigin, 'b');
  const std::string note = *SignCheckpoint(Sample(), *theirs);
  EXPECT_EQ(OpenCheckpoint(note, VerifierOf(*ours)).status().code(), StatusCode::kUnauthenticated);
}

TEST(CheckpointTest, SignatureIsCheckedBeforeTheBodyIsParsed) {
  // A body that is not a checkpoint, signed by another key: the answer is about the
  // signature, never about the body.
  auto ours = Signer(kOrigin, 'a');
  auto theirs = Signer(kOrigin, 'b');
  const std::string junk = *SignNote("not\na checkpoint\n", *theirs);
  Status s = OpenCheckpoint(junk, VerifierOf(*ours)).status();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << s.ToString();
  // The same body validly signed gets as far as parsing.
  const std::string signed_junk = *SignNote("not\na checkpoint\n", *ours);
  EXPECT_EQ(OpenCheckpoint(signed_junk, VerifierOf(*ours)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, TamperedSizeOrRootFailsTheSignature) {
  auto s = Signer(kOrigin, 'a');
  std::string note = *SignCheckpoint(Sample(), *s);
  std::string bigger = note;
  bigger.replace(bigger.find("\n8\n"), 3, "\n9\n");
  EXPECT_EQ(OpenCheckpoint(bigger, VerifierOf(*s)).status().code(), StatusCode::kUnauthenticated);
  std::string other_root = note;
  const size_t root_at = other_root.find("\n8\n") + 3;
  other_root[root_at] = other_root[root_at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(OpenCheckpoint(other_root, VerifierOf(*s)).status().code(),
            StatusCode::kUnauthenticated);
}

TEST(CheckpointTest, OriginMustBeTheKeyName) {
  auto s = Signer("other.example/log", 'a');
  const std::string note = *SignNote(*FormatCheckpoint(Sample()), *s);  // origin != key name
  Status st = OpenCheckpoint(note, VerifierOf(*s)).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("origin"), std::string::npos);
}

}  // namespace
}  // namespace mailrelay::auditlog
