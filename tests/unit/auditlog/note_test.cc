#include "auditlog/note.h"

#include <gtest/gtest.h>

#include "auditlog/base64.h"

namespace mailrelay::auditlog {
namespace {

std::unique_ptr<Ed25519Signer> Signer(const std::string& name, char seed_byte) {
  return std::move(Ed25519Signer::FromSeed(name, std::string(32, seed_byte)).value());
}

NoteVerifier VerifierOf(const NoteSigner& s) {
  return NoteVerifier::FromPublicKey(s.KeyName(), s.Public()).value();
}

// The published example of golang.org/x/mod/sumdb/note's documentation (the reference
// implementation): accepting it shows our key id, vkey and note formats match it.
constexpr char kPeterNeumannVkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kPeterNeumannNote[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

TEST(NoteTest, ParsesThePublishedVerifierKey) {
  StatusOr<NoteVerifier> v = NoteVerifier::FromVkey(kPeterNeumannVkey);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->name(), "PeterNeumann");
  EXPECT_EQ(v->key_id(), 0xc74f20a3u);
  EXPECT_EQ(v->key_id(), Ed25519KeyId("PeterNeumann", v->public_key()));
  EXPECT_EQ(v->Vkey(), kPeterNeumannVkey);
}

TEST(NoteTest, OpensThePublishedExampleNote) {
  NoteVerifier v = NoteVerifier::FromVkey(kPeterNeumannVkey).value();
  StatusOr<std::string> text = OpenNote(kPeterNeumannNote, v);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "If you think cryptography is the answer to your problem,\n"
            "then you don't know what your problem is.\n");
}

TEST(NoteTest, SignThenOpenRoundTrips) {
  auto s = Signer("example.org/log", 'k');
  StatusOr<std::string> note = SignNote("hello\nworld\n", *s);
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_EQ(note->rfind("hello\nworld\n\n\xE2\x80\x94 example.org/log ", 0), 0u);
  EXPECT_EQ(*OpenNote(*note, VerifierOf(*s)), "hello\nworld\n");
}

TEST(NoteTest, VkeyRoundTrips) {
  auto s = Signer("example.org/log", 'k');
  const NoteVerifier v = VerifierOf(*s);
  EXPECT_EQ(v.key_id(), Ed25519KeyId(s->KeyName(), s->Public()));
  StatusOr<NoteVerifier> back = NoteVerifier::FromVkey(v.Vkey() + "\n");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->public_key(), s->Public());
  EXPECT_EQ(back->name(), "example.org/log");
}

TEST(NoteTest, VkeyWithWrongIdOrAlgorithmIsRejected) {
  std::string vkey = kPeterNeumannVkey;
  vkey.replace(vkey.find("c74f20a3"), 8, "c74f20a4");
  EXPECT_FALSE(NoteVerifier::FromVkey(vkey).ok());
  EXPECT_FALSE(NoteVerifier::FromVkey("PeterNeumann+c74f20a3").ok());
  // A '+' inside the base64 key is part of the key, not a separator.
  auto plus = Signer("n", 'x');
  EXPECT_TRUE(NoteVerifier::FromVkey(VerifierOf(*plus).Vkey()).ok());
  auto s = Signer("n", 'x');
  std::string raw(1, '\x02');
  raw.append(reinterpret_cast<const char*>(s->Public().data()), 32);
  EXPECT_FALSE(NoteVerifier::FromVkey("n+00000000+" + Base64Encode(raw)).ok());
}

TEST(NoteTest, SignatureByAnotherKeyIsUnauthenticated) {
  auto ours = Signer("example.org/log", 'a');
  auto theirs = Signer("example.org/log", 'b');  // same name, other key: other key id
  const std::string note = *SignNote("text\n", *theirs);
  NoteFault fault = NoteFault::kNone;
  Status s = OpenNote(note, VerifierOf(*ours), &fault).status();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(fault, NoteFault::kNoSignature);
  EXPECT_NE(s.message().find("no signature by key"), std::string::npos) << s.message();
}

TEST(NoteTest, ForgedSignatureIsUnauthenticated) {
  auto s = Signer("example.org/log", 'a');
  std::string note = *SignNote("text\n", *s);
  // Change one byte of the signature (inside the base64, past the key id).
  const size_t at = note.size() - 10;
  note[at] = note[at] == 'A' ? 'B' : 'A';
  NoteFault fault = NoteFault::kNone;
  Status st = OpenNote(note, VerifierOf(*s), &fault).status();
  EXPECT_EQ(st.code(), StatusCode::kUnauthenticated) << st.ToString();
  EXPECT_EQ(fault, NoteFault::kBadSignature);
  EXPECT_NE(st.message().find("does not verify"), std::string::npos) << st.message();
}

TEST(NoteTest, ChangedTextFailsTheSignature) {
  auto s = Signer("example.org/log", 'a');
  std::string note = *SignNote("size 10\n", *s);
  note[5] = '9';
  EXPECT_EQ(OpenNote(note, VerifierOf(*s)).status().code(), StatusCode::kUnauthenticated);
}

TEST(NoteTest, OtherSignaturesAreIgnored) {
  auto log = Signer("example.org/log", 'a');
  auto witness = Signer("witness.example", 'w');
  const std::string note = *SignNote("text\n", *log);
  const std::string cosigned = *SignNote("text\n", *witness);
  const std::string both = note + cosigned.substr(cosigned.find("\n\n") + 2);
  EXPECT_EQ(*OpenNote(both, VerifierOf(*log)), "text\n");
  EXPECT_EQ(*OpenNote(both, VerifierOf(*witness)), "text\n");
}

TEST(NoteTest, MalformedNotesAreInvalidArgument) {
  auto s = Signer("example.org/log", 'a');
  const NoteVerifier v = VerifierOf(*s);
  const std::string good = *SignNote("text\n", *s);
  for (const std::string& bad : {
           std::string("text\n"),                      // no signatures
           good.substr(0, good.size() - 1),            // last line unterminated
           good + "trailing garbage\n",                // not a signature line
           good + "\n",                                // empty line
           std::string("\n") + good,                   // empty first line
           good + good.substr(good.find("\n\n") + 2),  // our signature twice
           std::string("te\x01xt\n\n") + good.substr(good.find("\n\n") + 2),  // control char
       }) {
    EXPECT_EQ(OpenNote(bad, v).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(NoteTest, SignNoteRejectsTextItCannotCarry) {
  auto s = Signer("example.org/log", 'a');
  EXPECT_FALSE(SignNote("", *s).ok());
  EXPECT_FALSE(SignNote("no newline", *s).ok());
  EXPECT_FALSE(SignNote("a\n\nb\n", *s).ok());
  EXPECT_FALSE(SignNote("tab\there\n", *s).ok());
  EXPECT_FALSE(SignNote("bad \xC3\n", *s).ok());
}

TEST(NoteTest, KeyNames) {
  EXPECT_TRUE(CheckKeyName("mailrelay.example/audit").ok());
  EXPECT_FALSE(CheckKeyName("").ok());
  EXPECT_FALSE(CheckKeyName("a b").ok());
  EXPECT_FALSE(CheckKeyName("a+b").ok());
  EXPECT_FALSE(Ed25519Signer::FromSeed("a+b", std::string(32, 'x')).ok());
  EXPECT_FALSE(Ed25519Signer::FromSeed("ok", std::string(31, 'x')).ok());
}

TEST(NoteTest, GeneratedKeysDiffer) {
  auto a = std::move(Ed25519Signer::Generate("n").value());
  auto b = std::move(Ed25519Signer::Generate("n").value());
  EXPECT_NE(a->Public(), b->Public());
}

}  // namespace
}  // namespace mailrelay::auditlog
