// SPDX-License-Identifier: Apache-2.0
#include "oci/digest.h"

#include <gtest/gtest.h>

namespace strata::oci {
namespace {

TEST(DigestTest, OfEmptyStringIsTheKnownValue) {
  EXPECT_EQ(Digest::of("").str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(DigestTest, IncrementalEqualsOneShot) {
  Sha256 h;
  h.update("hello ");
  h.update("world");
  EXPECT_EQ(h.finish(), Digest::of("hello world"));
}

TEST(DigestTest, ParseAcceptsLowercaseSha256) {
  std::string s = "sha256:" + std::string(64, 'a');
  auto d = Digest::parse(s);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->str(), s);
  EXPECT_EQ(d->short_str(), std::string(12, 'a'));
}

TEST(DigestTest, RejectsUppercaseHex) {
  auto d = Digest::parse("sha256:" + std::string(64, 'A'));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), Errc::kInvalidArgument);
}

TEST(DigestTest, RejectsWrongLengthAndUnknownAlgorithm) {
  EXPECT_FALSE(Digest::parse("sha256:abc").ok());
  EXPECT_FALSE(Digest::parse("md5:" + std::string(32, 'a')).ok());
  EXPECT_FALSE(Digest::parse(std::string(64, 'a')).ok());
  auto sha512 = Digest::parse("sha512:" + std::string(128, 'a'));
  ASSERT_FALSE(sha512.ok());
  EXPECT_EQ(sha512.error().code(), Errc::kUnsupported);
}

}  // namespace
}  // namespace strata::oci
