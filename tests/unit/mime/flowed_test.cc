// tests/unit/mime/flowed_test.cc — RFC 3676 format=flowed decoding.
#include "mime/flowed.h"

#include "gtest/gtest.h"

namespace mailrelay::mime {
namespace {

TEST(FlowedTest, SoftBreaksAreJoined) {
  EXPECT_EQ(DecodeFlowed("one \ntwo \nthree\nfour\n", false), "one two three\nfour\n");
}

TEST(FlowedTest, DelSpRemovesTheJoiningSpace) {
  EXPECT_EQ(DecodeFlowed("abc \ndef\n", true), "abcdef\n");
}

TEST(FlowedTest, SpaceStuffingIsRemoved) {
  EXPECT_EQ(DecodeFlowed(" From me\n", false), "From me\n");
}

TEST(FlowedTest, QuoteDepthChangeEndsAParagraph) {
  EXPECT_EQ(DecodeFlowed("> quoted \nnot quoted\n", false), "> quoted \nnot quoted\n");
  EXPECT_EQ(DecodeFlowed(">> a \n>> b\n", false), ">> a b\n");
}

TEST(FlowedTest, SignatureSeparatorIsNeverFlowed) {
  EXPECT_EQ(DecodeFlowed("text\n-- \nsig\n", false), "text\n-- \nsig\n");
}

}  // namespace
}  // namespace mailrelay::mime
