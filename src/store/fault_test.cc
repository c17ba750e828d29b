// SPDX-License-Identifier: Apache-2.0
// Fault injection (leveldb's ErrorEnv): every write, fsync, syncfs, rename, mkdir,
// symlink, unlink, removal and open the store makes during import, load and garbage
// collection (what rmi and prune run) fails in turn. After each failure the store must
// hold exactly what it held before (files and rows), a collection must leave tmp/ empty,
// and the same command must then succeed.
#include <gtest/gtest.h>

#include "archive/stream.h"
#include "store/image_io.h"
#include "store/store_internal.h"
#include "store/testing/error_env.h"
#include "store/testing/fixture.h"
#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::store {
namespace {

using strata::testing::TempDir;
using testing::ErrorEnv;
using testing::layer_tar;
using testing::Op;
using testing::snapshot;

constexpr Op kOps[] = {Op::kOpen,  Op::kWrite,   Op::kFsync,  Op::kSyncfs, Op::kRename,
                       Op::kMkdir, Op::kSymlink, Op::kUnlink, Op::kRemove, Op::kLink};

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = ASSERT_OK_AND_GET(Store::open(t_.sub("root"), env_));
    // The store already holds an image; the one under test is new (2 MiB: several
    // chunks through the content writer's helper thread).
    import("base", "base:1");
    tar_ = layer_tar("victim", 20, 2 << 20);
  }

  Result<ImageRecord> try_import(const std::string& tar, const char* tag) {
    archive::StringReader in(tar);
    ImportOptions o;
    o.tag = MUST(oci::parse_tag_reference(tag));
    return import_image(*store_, in, o);
  }
  void import(const std::string& seed, const char* tag) {
    ASSERT_OK(try_import(layer_tar(seed, 5, 1 << 20), tag));
  }
  std::string tmp_entries() {
    std::string out;
    for (const auto& n : MUST(internal::list_dir(store_->root() + "/tmp"))) out += n + " ";
    return out;
  }
  // Fails the 1st, 2nd, ... call of each kind `run` makes, until a run makes fewer (and
  // so succeeds). After each failure the store's files and rows must be as before, and
  // tmp/ empty (after a collection without faults, if `collect` says one may run: what
  // a failure leaves in tmp/ is a dead lease that collection reclaims). A fault that
  // hits cleanup after the commit point is logged and the run succeeds; `undo` brings a
  // successful run back to a state to start from.
  template <typename Run, typename Undo>
  void fail_each_call(const char* name, Run run, Undo undo, bool collect) {
    int failures = 0;
    for (Op op : kOps) {
      for (int nth = 1;; ++nth) {
        const std::string before = snapshot(*store_);
        env_.fail_nth(op, nth, EIO);
        Result<void> r = run();
        bool fired = env_.fired();
        env_.disarm();
        std::string what = fmt::format("{}: {} #{}", name, testing::op_name(op), nth);
        if (r.ok()) {
          undo();
          if (!fired) break;  // fewer calls than nth: the clean run
          continue;
        }
        ++failures;
        EXPECT_NE(r.error().message().find("(injected)"), std::string::npos)
            << what << ": " << r.error().message();
        EXPECT_EQ(snapshot(*store_), before) << what;
        if (collect) {
          ASSERT_OK(store_->collect_garbage());
          EXPECT_EQ(snapshot(*store_), before) << what;
        }
        EXPECT_EQ(tmp_entries(), "") << what;
        ASSERT_FALSE(::testing::Test::HasFailure()) << what;
      }
    }
    std::printf("%s: %d injected failures\n", name, failures);
    EXPECT_GT(failures, 10) << name;
  }

  TempDir t_;
  ErrorEnv env_;
  std::unique_ptr<Store> store_;
  std::string tar_;
};

TEST_F(FaultTest, ImportLeavesTheStoreUnchangedWhateverFails) {
  auto run = [&]() -> Result<void> {
    TRY(try_import(tar_, "victim:1"));
    return {};
  };
  auto undo = [&] {
    ASSERT_OK(store_->remove_image("victim:1", false));
    ASSERT_OK(store_->collect_garbage());
  };
  fail_each_call("import", run, undo, true);
  ASSERT_OK(run());  // and the store is still usable
}

TEST_F(FaultTest, LoadLeavesTheStoreUnchangedWhateverFails) {
  std::string archive;
  {
    TempDir other;
    auto src = ASSERT_OK_AND_GET(Store::open(other.sub("root")));
    archive::StringReader in(tar_);
    ImportOptions o;
    o.tag = MUST(oci::parse_tag_reference("victim:1"));
    ASSERT_OK(import_image(*src, in, o));
    archive::StringWriter out;
    ASSERT_OK(save_images(*src, {"victim:1"}, out));
    archive = out.out;
  }
  auto run = [&]() -> Result<void> {
    archive::StringReader in(archive);
    TRY(load_images(*store_, in));
    return {};
  };
  auto undo = [&] {
    ASSERT_OK(store_->remove_image("victim:1", false));
    ASSERT_OK(store_->collect_garbage());
  };
  fail_each_call("load", run, undo, true);
  ASSERT_OK(run());
}

TEST_F(FaultTest, CollectionAfterRmiAndPruneLeavesTheStoreUnchangedWhateverFails) {
  // rmi and prune change rows in one transaction (no file operation), then collect:
  // the collection is what fails here. Before each run, two images' rows are gone and
  // their files wait to be collected.
  auto garbage = [&] {
    ASSERT_OK(try_import(tar_, "victim:1"));
    import("dangling", "dangling:1");
    ASSERT_OK(store_->remove_image("victim:1", false));
    ASSERT_OK(store_->prune_images(true));
    import("base", "base:1");
  };
  garbage();
  auto run = [&]() -> Result<void> {
    TRY(store_->collect_garbage());
    return {};
  };
  fail_each_call("collect", run, garbage, false);
  ASSERT_OK(run());
  auto images = ASSERT_OK_AND_GET(store_->list_images());
  ASSERT_EQ(images.size(), 1u);
  EXPECT_TRUE(sys::exists(store_->layer_dir(images[0].layers[0].diff_id)));
  EXPECT_EQ(tmp_entries(), "");
}

}  // namespace
}  // namespace strata::store
