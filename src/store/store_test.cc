// SPDX-License-Identifier: Apache-2.0
#include "store/store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstring>

#include "archive/stream.h"
#include "oci/media_types.h"
#include "store/image_io.h"
#include "store/store_internal.h"
#include "store/testing/fixture.h"
#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::store {
namespace {

using strata::store::testing::layer_tar;
using strata::store::testing::snapshot;
using strata::testing::TempDir;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = ASSERT_OK_AND_GET(Store::open(t_.sub("root"))); }

  ImageRecord import_tar(const std::string& tar, const char* tag) {
    archive::StringReader in(tar);
    ImportOptions o;
    if (tag) o.tag = MUST(oci::parse_tag_reference(tag));
    return ASSERT_OK_AND_GET(import_image(*store_, in, o));
  }
  // Imports a small layer; the same seed gives the same tar (and layer).
  ImageRecord import(const std::string& seed, const char* tag) {
    return import_tar(layer_tar(seed), tag);
  }
  std::string root(const std::string& rel) const { return store_->root() + "/" + rel; }

  TempDir t_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, ReadBlobDetectsCorruptionOnDisk) {
  ImageRecord a = import("a", "app:1");
  ASSERT_OK(sys::write_file_atomic(store_->blob_path(a.id), "HELLO"));
  auto r = store_->read_blob(a.id);
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

TEST_F(StoreTest, CommitRefusesAConfigThatDoesNotMatchTheManifest) {
  ImageRecord a = import("a", "app:1");
  NewImage img;
  img.manifest = ASSERT_OK_AND_GET(store_->read_blob(a.manifest_digest));
  img.config = ASSERT_OK_AND_GET(store_->read_blob(a.id)) + " ";
  img.layers = a.layers;
  auto ingest = ASSERT_OK_AND_GET(Ingest::begin(*store_, "test"));
  auto r = ingest.commit({img});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("manifest names config"), std::string::npos);
}

TEST_F(StoreTest, CommitRefusesBlobsThatAreNotInTheStore) {
  // The database never names a file that is not there: a config that was never placed.
  ImageRecord a = import("a", "app:1");
  NewImage img;
  img.config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
               a.layers[0].diff_id.str() + R"("]}})";
  img.manifest = internal::describe_image(img.config, a.layers);
  img.layers = a.layers;
  auto ingest = ASSERT_OK_AND_GET(Ingest::begin(*store_, "test"));
  auto r = ingest.commit({img});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kInternal);
  EXPECT_NE(r.error().message().find("is not in the store"), std::string::npos);
}

TEST_F(StoreTest, RemoveAndCollectRemoveOnlyWhatNothingNames) {
  ImageRecord a = import("shared", "a:1");
  ImageRecord b = import("shared", "b:1");  // same tar: same layer
  ASSERT_EQ(a.layers[0].diff_id, b.layers[0].diff_id);
  ASSERT_OK(sys::write_file_atomic(root("tmp/leftover"), "x"));
  auto ra = ASSERT_OK_AND_GET(store_->remove_image("a:1", false));
  EXPECT_EQ(ra.untagged, std::vector<std::string>{"a:1"});
  auto stats = ASSERT_OK_AND_GET(store_->collect_garbage());
  EXPECT_EQ(stats.temps, 1u);
  EXPECT_TRUE(sys::exists(store_->layer_dir(b.layers[0].diff_id)));
  ASSERT_OK(store_->remove_image("b:1", false));
  stats = ASSERT_OK_AND_GET(store_->collect_garbage());
  EXPECT_EQ(stats.layers, 1u);
  EXPECT_EQ(stats.links, 1u);
  EXPECT_FALSE(sys::exists(store_->layer_dir(b.layers[0].diff_id)));
  EXPECT_GE(stats.blobs, 3u);
  EXPECT_EQ(ASSERT_OK_AND_GET(internal::list_dir(root("tmp"))).size(), 0u);
  EXPECT_EQ(ASSERT_OK_AND_GET(internal::list_dir(root("l"))).size(), 0u);
}

TEST_F(StoreTest, RemoveByTagKeepsTheImageWhileAnotherTagNeedsIt) {
  ImageRecord a = import("a", "app:1");
  ASSERT_OK(store_->tag("app:1", MUST(oci::parse_tag_reference("app:2"))));
  auto r1 = ASSERT_OK_AND_GET(store_->remove_image("app:1", false));
  EXPECT_FALSE(r1.deleted);
  auto r2 = ASSERT_OK_AND_GET(store_->remove_image("app:2", false));
  EXPECT_EQ(r2.deleted, a.id);
  auto again = store_->remove_image("app:2", false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), Errc::kNotFound);
}

TEST_F(StoreTest, TagOfAnImageThatIsGoneIsNoSuchImage) {
  ImageRecord a = import("a", nullptr);
  ASSERT_OK(store_->prune_images(false));
  auto r = store_->tag(a.id.str(), MUST(oci::parse_tag_reference("late:1")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kNotFound);
  EXPECT_EQ(r.error().message(), "no such image: " + a.id.str());
}

TEST_F(StoreTest, PruneTakesDanglingImagesOnlyUnlessAll) {
  ImageRecord tagged = import("a", "keep:1");
  ImageRecord dangling = import("b", nullptr);
  auto p = ASSERT_OK_AND_GET(store_->prune_images(false));
  EXPECT_EQ(p.deleted, std::vector<oci::Digest>{dangling.id});
  p = ASSERT_OK_AND_GET(store_->prune_images(true));
  EXPECT_EQ(p.deleted, std::vector<oci::Digest>{tagged.id});
  EXPECT_EQ(p.untagged, std::vector<std::string>{"keep:1"});
}

TEST_F(StoreTest, ReferencesKeepImagesAndLayers) {
  ImageRecord a = import("a", "app:1");
  ImageRecord b = import("b", nullptr);
  ASSERT_OK(store_->add_ref("container", "c1", RefTarget::kImage, a.id.str()));
  ASSERT_OK(store_->add_ref("build-cache", "k1", RefTarget::kLayer, b.layers[0].diff_id.str()));
  EXPECT_EQ(store_->add_ref("container", "c2", RefTarget::kImage, "sha256:nope").error().code(),
            Errc::kNotFound);
  auto p = ASSERT_OK_AND_GET(store_->prune_images(true));
  EXPECT_EQ(p.deleted, std::vector<oci::Digest>{b.id});  // a is in use
  auto rm = store_->remove_image(a.id.str(), false);
  ASSERT_FALSE(rm.ok());
  EXPECT_EQ(rm.error().message(), "conflict: unable to delete " + a.id.short_str() +
                                      " (must be forced) - image is being used by container c1");
  // Forced, the image loses its tags and stays for the container.
  auto forced = ASSERT_OK_AND_GET(store_->remove_image(a.id.str(), true));
  EXPECT_EQ(forced.untagged, std::vector<std::string>{"app:1"});
  EXPECT_FALSE(forced.deleted.has_value());
  EXPECT_TRUE(store_->get_image(a.id).ok());
  ASSERT_OK(store_->collect_garbage());
  // b's image is gone, its layer stays for the build cache entry.
  EXPECT_TRUE(sys::exists(store_->layer_dir(b.layers[0].diff_id)));
  ASSERT_OK(store_->remove_refs("build-cache", "k1"));
  ASSERT_OK(store_->collect_garbage());
  EXPECT_FALSE(sys::exists(store_->layer_dir(b.layers[0].diff_id)));
  ASSERT_OK(store_->remove_refs("container", "c1"));
  ASSERT_OK(store_->remove_image(a.id.str(), false));
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

// --- the content store

TEST_F(StoreTest, ContentWriterRefusesADigestOrSizeMismatch) {
  auto ingest = ASSERT_OK_AND_GET(Ingest::begin(*store_, "test"));
  auto ok = ASSERT_OK_AND_GET(ingest.stage_bytes("hello", {oci::Digest::of("hello"), 5}));
  EXPECT_EQ(ok.digest, oci::Digest::of("hello"));
  auto bad_digest = ingest.stage_bytes("hello", {oci::Digest::of("other"), {}});
  ASSERT_FALSE(bad_digest.ok());
  EXPECT_EQ(bad_digest.error().code(), Errc::kCorrupt);
  EXPECT_EQ(bad_digest.error().message(), "blob digest mismatch: want " +
                                              oci::Digest::of("other").str() + ", got " +
                                              oci::Digest::of("hello").str());
  auto bad_size = ingest.stage_bytes("hello", {{}, 6});
  ASSERT_FALSE(bad_size.ok());
  EXPECT_EQ(bad_size.error().message(), "blob size mismatch: want 6 bytes, got 5 bytes");
  auto absurd = ingest.write_blob({{}, int64_t{1} << 50});
  ASSERT_FALSE(absurd.ok());
  EXPECT_EQ(absurd.error().message(), "blob size 1125899906842624: want 0 to 1099511627776 bytes");
  auto negative = ingest.write_blob({{}, -1});
  ASSERT_FALSE(negative.ok());
}

TEST_F(StoreTest, ContentWriterHashesEveryByteOfALargeBlob) {
  // Several chunks go through the helper thread; odd write sizes cross chunk boundaries.
  std::string data(5 * (1 << 20) + 12345, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 2654435761u >> 13);
  auto ingest = ASSERT_OK_AND_GET(Ingest::begin(*store_, "test"));
  auto w = ASSERT_OK_AND_GET(ingest.write_blob());
  for (size_t off = 0; off < data.size(); off += 77777) {
    size_t n = std::min<size_t>(77777, data.size() - off);
    ASSERT_OK(w->write({reinterpret_cast<const uint8_t*>(data.data()) + off, n}));
  }
  auto b = ASSERT_OK_AND_GET(w->finish({oci::Digest::of(data), static_cast<int64_t>(data.size())}));
  EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(b.path, 16 << 20)), data);
}

TEST_F(StoreTest, AnUnnamedLayerDirectoryIsReplacedNotAdopted) {
  // A crash (power loss mid-unpack, a killed rmi) left layers/<id> torn, with no row.
  std::string tar = layer_tar("torn", 50);
  ImageRecord a = import_tar(tar, "a:1");
  const oci::Digest diff = a.layers[0].diff_id;
  ASSERT_OK(store_->db().exec("DELETE FROM tags"));
  ASSERT_OK(store_->db().exec("DELETE FROM image_layers"));
  ASSERT_OK(store_->db().exec("DELETE FROM images"));
  ASSERT_OK(store_->db().exec("DELETE FROM layers"));
  ASSERT_OK(store_->db().exec("DELETE FROM blobs"));
  for (int i = 10; i < 50; ++i)
    ASSERT_EQ(::unlink(root("layers/" + diff.hex() + "/diff/dir/f" + std::to_string(i)).c_str()),
              0);
  ASSERT_OK(sys::write_file_atomic(store_->blob_path(a.layers[0].blob_digest), "torn blob"));
  ImageRecord again = import_tar(tar, "a:1");
  EXPECT_EQ(again.layers[0].diff_id, diff);
  for (int i = 0; i < 50; ++i)
    EXPECT_TRUE(sys::exists(root("layers/" + diff.hex() + "/diff/dir/f" + std::to_string(i)))) << i;
  auto blob = ASSERT_OK_AND_GET(sys::read_file(store_->blob_path(again.layers[0].blob_digest)));
  EXPECT_EQ(oci::Digest::of(blob), again.layers[0].blob_digest);
}

TEST_F(StoreTest, CollectionLeavesWhatALiveIngestPlacedAndReclaimsADeadOne) {
  auto ingest = ASSERT_OK_AND_GET(Ingest::begin(*store_, "test"));
  archive::StringReader in(layer_tar("live", 5, 2 << 20));
  StagedLayer layer = ASSERT_OK_AND_GET(ingest.stage_layer_blob(in));
  ASSERT_OK(ingest.place({}, {&layer}));
  // Another process collects meanwhile: the placed layer, blob and link stay.
  {
    auto other = ASSERT_OK_AND_GET(Store::open(store_->root()));
    ASSERT_OK(other->collect_garbage());
  }
  EXPECT_TRUE(sys::exists(store_->layer_dir(layer.info.diff_id)));
  EXPECT_TRUE(sys::exists(store_->blob_path(layer.blob.digest)));
  EXPECT_TRUE(sys::exists(root("l/" + layer.link)));
  EXPECT_TRUE(sys::exists(ingest.lease().dir()));
  // A lease whose holder died (its flock gone) is reclaimed at once, row and files.
  pid_t child = ::fork();
  if (child == 0) {
    auto s = Store::open(store_->root());
    if (!s.ok()) ::_exit(1);
    auto dead = (*s)->begin_lease("doomed");
    if (!dead.ok()) ::_exit(2);
    (void)sys::write_file_atomic(dead->dir() + "/partial", "x");
    ::_exit(0);  // no release: as if killed
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(ASSERT_OK_AND_GET(internal::list_dir(root("tmp"))).size(), 4u);  // 2 leases
  auto stats = ASSERT_OK_AND_GET(store_->collect_garbage());
  EXPECT_EQ(stats.temps, 1u);
  EXPECT_EQ(ASSERT_OK_AND_GET(
                store_->db().query_text("SELECT count(*) FROM leases WHERE purpose = ?", "doomed")),
            "0");
  EXPECT_EQ(ASSERT_OK_AND_GET(internal::list_dir(root("tmp"))).size(), 2u);  // ours
  // The live ingest goes on and names what it placed.
  LayerRecord rec = internal::layer_record(layer, oci::media::kOciLayer);
  NewImage img;
  img.config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
               layer.info.diff_id.str() + R"("]}})";
  img.manifest = internal::describe_image(img.config, {rec});
  img.layers = {rec};
  auto c = ASSERT_OK_AND_GET(ingest.stage_bytes(img.config));
  auto m = ASSERT_OK_AND_GET(ingest.stage_bytes(img.manifest));
  ASSERT_OK(ingest.place({&c, &m}, {}));
  ImageRecord done = ASSERT_OK_AND_GET(ingest.commit({img})).front();
  ingest.finish();
  EXPECT_EQ(ASSERT_OK_AND_GET(store_->layer_link(layer.info.diff_id)), "l/" + layer.link);
  ASSERT_OK(store_->collect_garbage());
  EXPECT_TRUE(sys::exists(store_->layer_dir(done.layers[0].diff_id)));
  EXPECT_EQ(ASSERT_OK_AND_GET(internal::list_dir(root("tmp"))).size(), 0u);
}

TEST_F(StoreTest, AnExpiredLeaseIsReclaimedAndItsHolderIsTold) {
  auto lease = ASSERT_OK_AND_GET(store_->begin_lease("upload", 3600));
  ASSERT_OK(store_->db().exec("UPDATE leases SET expires = 1 WHERE id = ?", lease.id()));
  ASSERT_OK(store_->collect_garbage());
  auto tx = ASSERT_OK_AND_GET(store_->db().begin());
  auto r = lease.check_live();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kUnavailable);
  EXPECT_NE(r.error().message().find("expired"), std::string::npos);
}

// --- short links for overlay

TEST_F(StoreTest, LayerLinksOf200LayersFitOnePageAndMountAsOverlay) {
  std::vector<ImageRecord> images;
  for (int i = 0; i < 200; ++i) images.push_back(import("layer" + std::to_string(i), nullptr));
  std::string lower;
  for (auto it = images.rbegin(); it != images.rend(); ++it) {
    std::string link = ASSERT_OK_AND_GET(store_->layer_link(it->layers[0].diff_id));
    EXPECT_EQ(link.size(), 14u);
    struct stat st;
    ASSERT_EQ(::stat(root(link + "/dir/f0").c_str(), &st), 0) << link;
    lower += (lower.empty() ? "" : ":") + link;
  }
  EXPECT_LE(lower.size(), 4096u - 200u);  // with room to spare for upperdir and workdir
  if (!strata::testing::is_root()) GTEST_SKIP() << "mounting overlay needs root";
  // 130 lowerdirs, past the 128 that Docker's 26-character links allow in a page.
  std::string opts = "lowerdir=" + lower.substr(0, 130 * 15 - 1);
  ASSERT_OK(sys::mkdir_p(t_.sub("merged")));
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(::chdir(store_->root().c_str()), 0);  // the links are relative to the root
  int rc = ::mount("overlay", t_.sub("merged").c_str(), "overlay", 0, opts.c_str());
  int err = errno;
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_EQ(rc, 0) << strerror(err);
  // The top layer wins for dir/f0; each layer's content is "layer<i><n>".
  auto f0 = sys::read_file(t_.sub("merged/dir/f0"));
  ::umount(t_.sub("merged").c_str());
  ASSERT_OK(f0);
  EXPECT_EQ(*f0, "layer1990");
}

TEST_F(StoreTest, AV1StoreMigratesAndItsLayersGetLinks) {
  ImageRecord a = import("a", "app:1");
  // Make it look like a v1 store: no link for the layer, schema version 1.
  ASSERT_OK(store_->db().exec("UPDATE layers SET link = NULL"));
  ASSERT_OK(store_->db().exec("DROP TABLE volume_uses"));
  ASSERT_OK(store_->db().exec("DROP TABLE volumes"));
  ASSERT_OK(store_->db().exec("DROP TABLE containers"));
  ASSERT_OK(store_->db().exec("DROP TABLE lease_resources"));
  ASSERT_OK(store_->db().exec("DROP TABLE leases"));
  ASSERT_OK(store_->db().exec("DROP TABLE refs"));
  ASSERT_OK(store_->db().exec("DROP INDEX layers_link"));
  ASSERT_OK(store_->db().exec("ALTER TABLE layers DROP COLUMN link"));
  ASSERT_OK(store_->db().exec("PRAGMA user_version = 1"));
  store_.reset();
  store_ = ASSERT_OK_AND_GET(Store::open(t_.sub("root")));
  std::string link = ASSERT_OK_AND_GET(store_->layer_link(a.layers[0].diff_id));
  EXPECT_TRUE(sys::exists(root(link + "/dir/f0")));
  EXPECT_EQ(ASSERT_OK_AND_GET(store_->layer_link(a.layers[0].diff_id)), link);
  ASSERT_OK(store_->collect_garbage());
  EXPECT_TRUE(sys::exists(root(link)));
}

TEST(StoreOpenTest, ManyProcessesOpeningANewStoreAtOnceAllSucceed) {
  TempDir t;
  std::vector<pid_t> kids;
  for (int i = 0; i < 30; ++i) {
    pid_t p = ::fork();
    if (p == 0) {
      auto s = Store::open(t.sub("root"));
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.error().message().c_str());
        ::_exit(1);
      }
      ::_exit((*s)->list_images().ok() ? 0 : 2);
    }
    kids.push_back(p);
  }
  for (pid_t p : kids) {
    int status = 0;
    ASSERT_EQ(::waitpid(p, &status, 0), p);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
}

}  // namespace
}  // namespace strata::store
