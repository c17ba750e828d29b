// SPDX-License-Identifier: Apache-2.0
#include "store/store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "archive/stream.h"
#include "oci/media_types.h"
#include "store/image_io.h"
#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::store {
namespace {

using strata::testing::TempDir;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = ASSERT_OK_AND_GET(Store::open(t_.sub("root"))); }

  // Imports a one-file layer; returns the image.
  ImageRecord import(const std::string& content, const char* tag) {
    TempDir src;
    EXPECT_OK(sys::mkdir_p(src.sub("tree")));
    EXPECT_OK(sys::write_file_atomic(src.sub("tree/file"), content));
    struct timespec t[2] = {{1700000000, 0}, {1700000000, 0}};  // same content, same tar
    EXPECT_EQ(::utimensat(AT_FDCWD, src.sub("tree/file").c_str(), t, 0), 0);
    auto dir = ASSERT_OK_AND_GET(sys::open_dir(src.sub("tree")));
    archive::StringWriter tar;
    EXPECT_OK(archive::pack_dir(dir.get(), tar));
    archive::StringReader in(tar.out);
    ImportOptions o;
    if (tag) o.tag = MUST(oci::parse_tag_reference(tag));
    return ASSERT_OK_AND_GET(import_image(*store_, in, o));
  }

  TempDir t_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, PutBlobVerifiesTheExpectedDigest) {
  auto d = ASSERT_OK_AND_GET(store_->put_blob("hello"));
  EXPECT_EQ(d, oci::Digest::of("hello"));
  EXPECT_EQ(ASSERT_OK_AND_GET(store_->read_blob(d)), "hello");
  auto bad = store_->put_blob("hello", oci::Digest::of("other"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), Errc::kCorrupt);
  EXPECT_NE(bad.error().message().find("blob digest mismatch"), std::string::npos);
}

TEST_F(StoreTest, ReadBlobDetectsCorruptionOnDisk) {
  auto d = ASSERT_OK_AND_GET(store_->put_blob("hello"));
  ASSERT_OK(sys::write_file_atomic(store_->blob_path(d), "HELLO"));
  auto r = store_->read_blob(d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
}

TEST_F(StoreTest, ResolveByTagIdPrefixAndDigest) {
  ImageRecord a = import("a", "app:1");
  EXPECT_EQ(ASSERT_OK_AND_GET(store_->resolve("app:1")).id, a.id);
  EXPECT_EQ(ASSERT_OK_AND_GET(store_->resolve("docker.io/library/app:1")).id, a.id);
  EXPECT_EQ(ASSERT_OK_AND_GET(store_->resolve(a.id.hex().substr(0, 5))).id, a.id);
  EXPECT_EQ(ASSERT_OK_AND_GET(store_->resolve(a.id.str())).id, a.id);
  EXPECT_EQ(ASSERT_OK_AND_GET(store_->resolve("app@" + a.manifest_digest.str())).id, a.id);
  auto missing = store_->resolve("app:2");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Errc::kNotFound);
  EXPECT_EQ(missing.error().message(), "no such image: app:2");
}

TEST_F(StoreTest, AmbiguousIdPrefixIsAnError) {
  // With enough images, some pair shares a first hex digit.
  std::map<char, int> first;
  for (int i = 0; i < 17; ++i) first[import(std::to_string(i), nullptr).id.hex()[0]]++;
  for (const auto& [c, n] : first) {
    if (n < 2) continue;
    auto r = store_->resolve(std::string(1, c));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("ambiguous"), std::string::npos);
    return;
  }
  FAIL() << "17 images and no shared first digit";
}

TEST_F(StoreTest, AddImageRejectsAConfigThatDoesNotMatchTheManifest) {
  ImageRecord a = import("a", "app:1");
  NewImage img;
  img.manifest = ASSERT_OK_AND_GET(store_->read_blob(a.manifest_digest));
  img.config = ASSERT_OK_AND_GET(store_->read_blob(a.id)) + " ";
  img.layers = a.layers;
  auto r = store_->add_image(img);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("manifest names config"), std::string::npos);
}

TEST_F(StoreTest, DeleteAndSweepRemoveOnlyWhatNothingNames) {
  ImageRecord a = import("shared", "a:1");
  ImageRecord b = import("shared", "b:1");  // same tar: same layer
  ASSERT_EQ(a.layers[0].diff_id, b.layers[0].diff_id);
  ASSERT_OK(sys::write_file_atomic(t_.sub("root/tmp/leftover"), "x"));
  ASSERT_OK(store_->delete_image(a.id));
  auto stats = ASSERT_OK_AND_GET(store_->sweep());
  EXPECT_EQ(stats.temps, 1u);
  EXPECT_TRUE(sys::exists(store_->layer_dir(b.layers[0].diff_id)));
  ASSERT_OK(store_->delete_image(b.id));
  stats = ASSERT_OK_AND_GET(store_->sweep());
  EXPECT_EQ(stats.layers, 1u);
  EXPECT_FALSE(sys::exists(store_->layer_dir(b.layers[0].diff_id)));
  EXPECT_GE(stats.blobs, 3u);
}

TEST_F(StoreTest, UntagReportsWhetherTagsRemain) {
  ImageRecord a = import("a", "app:1");
  ASSERT_OK(store_->tag(a.id, MUST(oci::parse_tag_reference("app:2"))));
  EXPECT_FALSE(ASSERT_OK_AND_GET(store_->untag(MUST(oci::parse_tag_reference("app:1")))));
  EXPECT_TRUE(ASSERT_OK_AND_GET(store_->untag(MUST(oci::parse_tag_reference("app:2")))));
  auto again = store_->untag(MUST(oci::parse_tag_reference("app:2")));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), Errc::kNotFound);
}

TEST_F(StoreTest, ReopeningKeepsEverything) {
  ImageRecord a = import("a", "app:1");
  store_.reset();
  store_ = ASSERT_OK_AND_GET(Store::open(t_.sub("root")));
  auto images = ASSERT_OK_AND_GET(store_->list_images());
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].id, a.id);
  EXPECT_EQ(images[0].tags, std::vector<std::string>{"docker.io/library/app:1"});
}

}  // namespace
}  // namespace strata::store
