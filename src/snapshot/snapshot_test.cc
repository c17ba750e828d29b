// SPDX-License-Identifier: Apache-2.0
#include "snapshot/snapshot.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "sys/fs.h"
#include "testutil/testutil.h"
#include "util/defer.h"

namespace strata::snapshot {
namespace {

using strata::testing::TempDir;

TEST(OverlayOptionsTest, LayersTopmostFirstWithRelativeDirs) {
  Layout l{"containers/abc", {"l/TOP", "l/MID", "l/BASE"}};
  EXPECT_EQ(MUST(overlay_options(l)),
            "lowerdir=l/TOP:l/MID:l/BASE,upperdir=containers/abc/upper,"
            "workdir=containers/abc/work");
}

TEST(OverlayOptionsTest, ARepeatedLayerKeepsItsTopmostPlace) {
  Layout l{"c", {"l/A", "l/B", "l/A", "l/C", "l/B"}};
  EXPECT_EQ(MUST(overlay_options(l)), "lowerdir=l/A:l/B:l/C,upperdir=c/upper,workdir=c/work");
}

TEST(OverlayOptionsTest, RefusesWhatOverlayWouldMisread) {
  for (const char* bad : {"l/a:b", "l/a,b", "l/a\\b", "l/a=b", ""}) {
    auto r = overlay_options(Layout{"c", {bad}});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
  }
  EXPECT_FALSE(overlay_options(Layout{"c", {}}).ok());
}

TEST(OverlayOptionsTest, TwoHundredLayersFitAPageAndTooManyAreRefused) {
  Layout l{"containers/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", {}};
  for (int i = 0; i < 200; ++i) l.lowers.push_back(fmt::format("l/{:012}", i));
  std::string opts = MUST(overlay_options(l));
  EXPECT_LT(opts.size(), 4096u);
  for (int i = 200; i < 600; ++i) l.lowers.push_back(fmt::format("l/{:012}", i));
  auto r = overlay_options(l);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("at most"), std::string::npos) << r.error().message();
}

// A store root with `n` layers, each holding the file "f<i>" and a shared "top" that
// the topmost layer wins; mounted with the root as the working directory.
class OverlayMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!strata::testing::is_root()) GTEST_SKIP() << "needs root for overlay";
    root_fd_ = MUST(sys::open_dir(t_.path()));
    ASSERT_EQ(::mkdir(t_.sub("l").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(t_.sub("containers").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(t_.sub("containers/c1").c_str(), 0755), 0);
  }
  void TearDown() override {
    if (cwd_.valid()) {
      (void)unmount(t_.sub("containers/c1/merged"));
      EXPECT_EQ(::fchdir(cwd_.get()), 0);
    }
  }
  Layout layers(int n) {
    Layout l{"containers/c1", {}};
    for (int i = 0; i < n; ++i) {
      std::string dir = t_.sub(fmt::format("layers/{}/diff", i));
      EXPECT_OK(sys::mkdir_p(dir));
      EXPECT_OK(sys::write_file_atomic(fmt::format("{}/f{}", dir, i), "x"));
      EXPECT_OK(sys::write_file_atomic(dir + "/top", std::to_string(i)));
      std::string link = fmt::format("l/{:012}", i);
      EXPECT_EQ(::symlink(fmt::format("../layers/{}/diff", i).c_str(), t_.sub(link).c_str()), 0);
      l.lowers.insert(l.lowers.begin(), link);  // the last made is the topmost
    }
    return l;
  }
  void enter_root() {
    cwd_ = UniqueFd(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(cwd_.valid());
    ASSERT_EQ(::fchdir(root_fd_.get()), 0);
  }

  TempDir t_;
  UniqueFd root_fd_, cwd_;
};

TEST_F(OverlayMountTest, TwoHundredLayersMountAndWritesStayInUpper) {
  Layout l = layers(200);
  ASSERT_OK(create(root_fd_.get(), l));
  enter_root();
  ASSERT_OK(mount(l));
  std::string merged = t_.sub(l.merged());
  EXPECT_TRUE(is_mounted(merged));
  EXPECT_TRUE(sys::exists(merged + "/f0"));
  EXPECT_TRUE(sys::exists(merged + "/f199"));
  EXPECT_EQ(MUST(sys::read_file(merged + "/top")), "199");
  ASSERT_OK(sys::write_file_atomic(merged + "/new", "w"));
  EXPECT_TRUE(sys::exists(t_.sub(l.upper() + "/new")));
  EXPECT_FALSE(sys::exists(t_.sub("layers/199/diff/new")));
  // Mounting again replaces the mount instead of stacking another.
  ASSERT_OK(mount(l));
  ASSERT_OK(unmount(merged));
  EXPECT_FALSE(is_mounted(merged));
  EXPECT_FALSE(sys::exists(merged + "/f0"));
  ASSERT_OK(unmount(merged));  // nothing mounted: fine
}

TEST_F(OverlayMountTest, AnImageListingALayerTwiceMounts) {
  Layout l = layers(3);
  l.lowers.push_back(l.lowers.front());  // l/2 again, at the bottom
  ASSERT_OK(create(root_fd_.get(), l));
  enter_root();
  ASSERT_OK(mount(l));
  EXPECT_EQ(MUST(sys::read_file(t_.sub(l.merged() + "/top"))), "2");
}

}  // namespace
}  // namespace strata::snapshot
