// tests/unit/mime/mime_tree_test.cc — multipart structure: boundaries, nesting, limits.
#include "mime/mime_tree.h"

#include "gtest/gtest.h"

namespace mailrelay::mime {
namespace {

TEST(MimeTreeTest, SplitIgnoresPreambleAndEpilogue) {
  const auto parts =
      SplitMultipart("preamble\r\n--b\r\nA\r\n--b\r\nB\r\n--b--\r\nepilogue\r\n", "b");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], "A");
  EXPECT_EQ(parts[1], "B");
}

TEST(MimeTreeTest, MissingCloseDelimiterRunsToEnd) {
  const auto parts = SplitMultipart("--b\nA\n--b\nB\n", "b");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1], "B\n");
}

TEST(MimeTreeTest, LongerBoundaryWithSamePrefixIsNotADelimiter) {
  const auto parts = SplitMultipart("--b\nA\n--b-inner\nstill A\n--b--\n", "b");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0], "A\n--b-inner\nstill A");
}

TEST(MimeTreeTest, DelimiterMustStartALine) {
  EXPECT_EQ(SplitMultipart("--b\nx --b\n--b--", "b").size(), 1u);
  EXPECT_TRUE(SplitMultipart("no delimiters", "b").empty());
}

TEST(MimeTreeTest, NestedMultipartsBuildATree) {
  const std::string_view raw =
      "Content-Type: multipart/mixed; boundary=outer\n\n"
      "--outer\nContent-Type: multipart/alternative; boundary=inner\n\n"
      "--inner\nContent-Type: text/plain\n\nplain\n--inner\nContent-Type: text/html\n\n<p>\n"
      "--inner--\n--outer\nContent-Type: image/png\n\nPNG\n--outer--\n";
  StatusOr<Part> root = ParseMimeTree(raw, Limits{});
  ASSERT_TRUE(root.ok());
  ASSERT_TRUE(root->multipart);
  ASSERT_EQ(root->children.size(), 2u);
  ASSERT_EQ(root->children[0].children.size(), 2u);
  EXPECT_EQ(root->children[0].children[1].content_type.MimeType(), "text/html");
  EXPECT_EQ(root->children[0].children[0].body, "plain");
  EXPECT_EQ(root->children[1].body, "PNG");
}

TEST(MimeTreeTest, MultipartWithoutBoundaryBecomesTextLeaf) {
  StatusOr<Part> root = ParseMimeTree("Content-Type: multipart/report;\n\nhello\n", Limits{});
  ASSERT_TRUE(root.ok());
  EXPECT_FALSE(root->multipart);
  EXPECT_EQ(root->content_type.MimeType(), "text/plain");
  EXPECT_EQ(root->body, "hello\n");
}

TEST(MimeTreeTest, DigestPartsDefaultToMessageRfc822) {
  StatusOr<Part> root = ParseMimeTree(
      "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: x\n\nhi\n--d--\n", Limits{});
  ASSERT_TRUE(root.ok());
  ASSERT_EQ(root->children.size(), 1u);
  EXPECT_EQ(root->children[0].content_type.MimeType(), "message/rfc822");
}

std::string Nested(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) {
    s += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
         std::to_string(i) + "\n";
  }
  return s + "\nleaf\n";
}

TEST(MimeTreeTest, NestingDeeperThanMaxDepthIsResourceExhausted) {
  Limits limits;
  limits.max_depth = 5;
  EXPECT_TRUE(ParseMimeTree(Nested(5), limits).ok());
  StatusOr<Part> deep = ParseMimeTree(Nested(6), limits);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(deep.status().message().find("max_depth"), std::string::npos);
}

TEST(MimeTreeTest, HostileNestingWithDefaultLimitsDoesNotOverflowTheStack) {
  EXPECT_FALSE(ParseMimeTree(Nested(100000), Limits{}).ok());
}

TEST(MimeTreeTest, MorePartsThanMaxPartsIsResourceExhausted) {
  std::string raw = "Content-Type: multipart/mixed; boundary=b\n\n";
  for (int i = 0; i < 20; ++i) raw += "--b\n\nx\n";
  Limits limits;
  limits.max_parts = 10;
  StatusOr<Part> root = ParseMimeTree(raw, limits);
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.status().message().find("max_parts"), std::string::npos);
}

}  // namespace
}  // namespace mailrelay::mime
