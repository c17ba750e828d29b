// SPDX-License-Identifier: Apache-2.0
#include "oci/manifest.h"

#include <gtest/gtest.h>

#include "oci/image_config.h"

namespace strata::oci {
namespace {

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

std::string manifest_with_layer_type(const std::string& type) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
    "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
         kDigestA + R"(","size":10},
    "layers":[{"mediaType":")" +
         type + R"(","digest":")" + kDigestB + R"(","size":20}]})";
}

TEST(ManifestTest, ParsesOciManifest) {
  auto m = parse_manifest(manifest_with_layer_type("application/vnd.oci.image.layer.v1.tar+gzip"));
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->config.digest.str(), kDigestA);
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].size, 20);
}

TEST(ManifestTest, ParsesDockerSchema2) {
  std::string text = R"({"schemaVersion":2,
    "mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":")" +
                     kDigestA + R"(","size":10},
    "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":")" +
                     kDigestB + R"(","size":20}]})";
  auto m = parse_manifest(text);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->media_type, "application/vnd.docker.distribution.manifest.v2+json");
}

TEST(ManifestTest, RejectsUnknownLayerMediaTypeNamingIt) {
  auto m = parse_manifest(manifest_with_layer_type("application/x-rar"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), Errc::kUnsupported);
  EXPECT_EQ(m.error().message(), "manifest: layers[0]: unknown media type \"application/x-rar\"");
}

TEST(ManifestTest, RejectsNonJson) {
  auto m = parse_manifest("{not json");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), Errc::kCorrupt);
  EXPECT_NE(m.error().message().find("manifest: not valid JSON"), std::string::npos);
}

TEST(ManifestTest, RejectsMissingFieldsNamingThem) {
  auto m = parse_manifest(R"({"schemaVersion":2,"layers":[]})");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message(), "manifest: config: missing");
  auto bad_size = parse_manifest(R"({"schemaVersion":2,"config":{"mediaType":
    "application/vnd.oci.image.config.v1+json","digest":")" +
                                 kDigestA + R"("},"layers":[]})");
  ASSERT_FALSE(bad_size.ok());
  EXPECT_EQ(bad_size.error().message(), "manifest: config: size: missing");
  auto v1 = parse_manifest(R"({"schemaVersion":1})");
  ASSERT_FALSE(v1.ok());
  EXPECT_EQ(v1.error().code(), Errc::kUnsupported);
}

std::string manifest_with_sizes(int64_t config_size, const std::string& layer_size) {
  return R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json",
    "digest":")" +
         kDigestA + R"(","size":)" + std::to_string(config_size) + R"(},
    "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" +
         kDigestB + R"(","size":)" + layer_size + "}]}";
}

TEST(ManifestTest, RefusesNegativeAndAbsurdSizesNamingTheField) {
  auto neg = parse_manifest(manifest_with_sizes(10, "-1"));
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.error().message(), "manifest: layers[0]: size -1: negative");
  auto huge = parse_manifest(manifest_with_sizes(10, "1099511627777"));  // 1 TiB + 1
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().message(),
            "manifest: layers[0]: size 1099511627777: larger than 1099511627776 bytes for "
            "\"application/vnd.oci.image.layer.v1.tar\"");
  auto big_config = parse_manifest(manifest_with_sizes((16 << 20) + 1, "5"));
  ASSERT_FALSE(big_config.ok());
  EXPECT_EQ(big_config.error().message(),
            "manifest: config: size 16777217: larger than 16777216 bytes for "
            "\"application/vnd.oci.image.config.v1+json\"");
  auto fraction = parse_manifest(manifest_with_sizes(10, "1.5"));
  ASSERT_FALSE(fraction.ok());
  EXPECT_EQ(fraction.error().message(), "manifest: layers[0]: size: want an integer");
  auto beyond_int64 = parse_manifest(manifest_with_sizes(10, "18446744073709551615"));
  ASSERT_FALSE(beyond_int64.ok());
}

TEST(IndexTest, RefusesAManifestDescriptorOverTheManifestCap) {
  auto idx = parse_index(R"({"schemaVersion":2,"manifests":[{"mediaType":
    "application/vnd.oci.image.manifest.v1+json","digest":")" +
                         kDigestA + R"(","size":4194305}]})");
  ASSERT_FALSE(idx.ok());
  EXPECT_EQ(idx.error().message(),
            "index: manifests[0]: size 4194305: larger than 4194304 bytes for "
            "\"application/vnd.oci.image.manifest.v1+json\"");
}

TEST(ManifestTest, HostileMediaTypesAreEscapedInErrors) {
  auto m = parse_manifest(manifest_with_layer_type("\\u001b]0;owned\\u0007"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message(), "manifest: layers[0]: unknown media type \"\\x1b]0;owned\\x07\"");
}

TEST(ManifestTest, RoundTripsThroughJson) {
  auto m = parse_manifest(manifest_with_layer_type("application/vnd.oci.image.layer.v1.tar"));
  ASSERT_TRUE(m.ok());
  auto again = parse_manifest(dump_json(m->to_json()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(dump_json(again->to_json()), dump_json(m->to_json()));
}

TEST(IndexTest, ParsesPlatforms) {
  std::string text = R"({"schemaVersion":2,"manifests":[{"mediaType":
    "application/vnd.oci.image.manifest.v1+json","digest":")" +
                     kDigestA + R"(","size":5,"platform":{"architecture":"amd64","os":"linux"},
    "annotations":{"org.opencontainers.image.ref.name":"latest"}}]})";
  auto idx = parse_index(text);
  ASSERT_TRUE(idx.ok()) << idx.error().message();
  ASSERT_EQ(idx->manifests.size(), 1u);
  EXPECT_EQ(idx->manifests[0].platform->architecture, "amd64");
  EXPECT_EQ(idx->manifests[0].annotations.at("org.opencontainers.image.ref.name"), "latest");
}

TEST(ImageConfigTest, ParsesDiffIdsAndHistory) {
  std::string text = R"({"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z",
    "rootfs":{"type":"layers","diff_ids":[")" +
                     kDigestA + R"("]},
    "history":[{"created_by":"import"},{"created_by":"CMD","empty_layer":true}]})";
  auto c = parse_image_config(text);
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_EQ(c->diff_ids.size(), 1u);
  ASSERT_EQ(c->history.size(), 2u);
  EXPECT_TRUE(c->history[1].empty_layer);
}

TEST(ImageConfigTest, RejectsBadRootfs) {
  auto c = parse_image_config(R"({"architecture":"amd64","os":"linux",
    "rootfs":{"type":"layers","diff_ids":["sha256:zz"]}})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("image config: rootfs.diff_ids[0]"), std::string::npos);
  auto no_os = parse_image_config(R"({"architecture":"amd64","rootfs":{}})");
  ASSERT_FALSE(no_os.ok());
  EXPECT_EQ(no_os.error().message(), "image config: os: missing");
}

}  // namespace
}  // namespace strata::oci
