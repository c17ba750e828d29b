// SPDX-License-Identifier: Apache-2.0
#include "oci/reference.h"

#include <gtest/gtest.h>

namespace strata::oci {
namespace {

std::string norm(std::string_view s) {
  auto r = parse_reference(s);
  return r.ok() ? r->str() : "error: " + r.error().message();
}

TEST(ReferenceTest, NormalisesLikeDocker) {
  EXPECT_EQ(norm("busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(norm("busybox:1.36"), "docker.io/library/busybox:1.36");
  EXPECT_EQ(norm("user/app"), "docker.io/user/app:latest");
  EXPECT_EQ(norm("docker.io/busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(norm("index.docker.io/library/busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(norm("localhost/x"), "localhost/x:latest");
  EXPECT_EQ(norm("localhost:5000/a/b:v1"), "localhost:5000/a/b:v1");
  EXPECT_EQ(norm("quay.io/org/img:tag"), "quay.io/org/img:tag");
  EXPECT_EQ(norm("my-repo/my_app__x.y"), "docker.io/my-repo/my_app__x.y:latest");
}

TEST(ReferenceTest, KeepsDigestWithoutAddingLatest) {
  std::string d = "sha256:" + std::string(64, 'b');
  EXPECT_EQ(norm("busybox@" + d), "docker.io/library/busybox@" + d);
  EXPECT_EQ(norm("busybox:1@" + d), "docker.io/library/busybox:1@" + d);
}

TEST(ReferenceTest, FamiliarForms) {
  EXPECT_EQ(parse_reference("busybox").value().familiar(), "busybox:latest");
  EXPECT_EQ(parse_reference("user/app:v").value().familiar_repository(), "user/app");
  EXPECT_EQ(parse_reference("localhost:5000/x").value().familiar_repository(), "localhost:5000/x");
}

TEST(ReferenceTest, RejectsInvalidCharacters) {
  for (const char* bad :
       {"", "Busybox", "busy box", "busybox:", "busybox:-tag", "a//b", "-a", "a-", "a..b",
        "busybox@sha256:xyz", "a/b:c:d", "busybox:t@g", "host:port/x", ":tag", "UPPER.io/X"}) {
    auto r = parse_reference(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), Errc::kInvalidArgument) << bad;
      EXPECT_NE(r.error().message().find("invalid reference format"), std::string::npos);
    }
  }
}

TEST(ReferenceTest, RejectsOverlongNamesAndTags) {
  EXPECT_FALSE(parse_reference(std::string(256, 'a')).ok());
  EXPECT_FALSE(parse_reference("a:" + std::string(129, 't')).ok());
  EXPECT_TRUE(parse_reference("a:" + std::string(128, 't')).ok());
}

TEST(ReferenceTest, TagReferenceRefusesDigest) {
  EXPECT_FALSE(parse_tag_reference("a@sha256:" + std::string(64, 'c')).ok());
}

TEST(ReferenceTest, ControlBytesInAReferenceAreEscapedInTheError) {
  auto r = parse_reference("x\x1b]2;pwned\x07:t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "invalid reference format \"x\\x1b]2;pwned\\x07:t\": bad path component "
            "\"x\\x1b]2;pwned\\x07\"");
  auto d = parse_reference("a@sha256:\x1b[2J");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message().find('\x1b'), std::string::npos) << d.error().message();
}

}  // namespace
}  // namespace strata::oci
