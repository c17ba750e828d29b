// SPDX-License-Identifier: Apache-2.0
#include "container/mounts.h"

#include <gtest/gtest.h>

#include "testutil/testutil.h"

namespace strata::container {
namespace {

std::string error_of(const Result<MountSpec>& r) { return r.ok() ? "" : r.error().message(); }

TEST(VolumeFlagTest, BindWithOptions) {
  auto m = parse_volume_flag("/srv/data:/data:ro,z,rshared");
  ASSERT_TRUE(m.ok()) << error_of(m);
  EXPECT_EQ(m->type, MountType::kBind);
  EXPECT_EQ(m->source, "/srv/data");
  EXPECT_EQ(m->target, "/data");
  EXPECT_TRUE(m->readonly);
  EXPECT_EQ(m->propagation, "rshared");
  EXPECT_EQ(m->mode, "ro,z,rshared");
  EXPECT_TRUE(m->create_source);
}

TEST(VolumeFlagTest, NamedAnonymousAndCleanedPaths) {
  auto named = parse_volume_flag("cache:/var//cache/../cache/:nocopy");
  ASSERT_TRUE(named.ok()) << error_of(named);
  EXPECT_EQ(named->type, MountType::kVolume);
  EXPECT_EQ(named->source, "cache");
  EXPECT_EQ(named->target, "/var/cache");
  EXPECT_TRUE(named->nocopy);
  EXPECT_FALSE(named->readonly);

  auto anon = parse_volume_flag("/data");
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(anon->type, MountType::kVolume);
  EXPECT_EQ(anon->source, "");
  EXPECT_EQ(anon->target, "/data");

  // Two parts whose second is a mode: an anonymous volume with that mode (moby's rule).
  auto anon_ro = parse_volume_flag("/data:ro");
  ASSERT_TRUE(anon_ro.ok());
  EXPECT_EQ(anon_ro->source, "");
  EXPECT_TRUE(anon_ro->readonly);
}

TEST(VolumeFlagTest, RelativeHostPathIsMadeAbsolute) {
  auto m = parse_volume_flag("./sub/../dir:/d");
  ASSERT_TRUE(m.ok()) << error_of(m);
  EXPECT_EQ(m->type, MountType::kBind);
  ASSERT_TRUE(m->source.starts_with("/"));
  EXPECT_TRUE(m->source.ends_with("/dir"));
}

TEST(VolumeFlagTest, BadSpecsNameWhatIsWrong) {
  EXPECT_EQ(error_of(parse_volume_flag("/host:data")),
            "invalid volume specification: '/host:data': invalid mount config for type "
            "\"bind\": invalid mount path: 'data' mount path must be absolute");
  EXPECT_EQ(error_of(parse_volume_flag("vol:data")),
            "invalid volume specification: 'vol:data': invalid mount config for type "
            "\"volume\": invalid mount path: 'data' mount path must be absolute");
  EXPECT_EQ(error_of(parse_volume_flag("a:b:c:d")), "invalid volume specification: 'a:b:c:d'");
  EXPECT_EQ(error_of(parse_volume_flag("/a::/b")), "invalid volume specification: '/a::/b'");
  EXPECT_EQ(error_of(parse_volume_flag("")), "invalid volume specification: ''");
  EXPECT_EQ(error_of(parse_volume_flag("/a:/b:ro,rw")), "invalid mode: ro,rw");
  EXPECT_EQ(error_of(parse_volume_flag("/a:/b:bogus")), "invalid mode: bogus");
  EXPECT_EQ(error_of(parse_volume_flag("/a:/b:cached,delegated")),
            "invalid mode: cached,delegated");
  EXPECT_TRUE(parse_volume_flag("/a:/b:ro,cached").ok());
  EXPECT_EQ(error_of(parse_volume_flag("/a:/")),
            "invalid volume specification: '/a:/': invalid mount config for type \"bind\": "
            "invalid specification: destination can't be '/'");
  EXPECT_EQ(error_of(parse_volume_flag("bad@name:/d")),
            "create bad@name: \"bad@name\" includes invalid characters for a local volume "
            "name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a "
            "host directory, use absolute path");
}

TEST(VolumeNameTest, DockerCharacters) {
  EXPECT_TRUE(check_volume_name("my-vol_1.x").ok());
  EXPECT_FALSE(check_volume_name("a").ok());  // [a-zA-Z0-9][a-zA-Z0-9_.-]+: two at least
  EXPECT_FALSE(check_volume_name("_vol").ok());
  EXPECT_FALSE(check_volume_name("vol/x").ok());
  EXPECT_FALSE(check_volume_name("").ok());
}

TEST(MountFlagTest, BindVolumeTmpfs) {
  auto b = parse_mount_flag("type=bind,source=/srv,target=/srv,readonly,bind-propagation=rslave");
  ASSERT_TRUE(b.ok()) << error_of(b);
  EXPECT_EQ(b->type, MountType::kBind);
  EXPECT_EQ(b->source, "/srv");
  EXPECT_TRUE(b->readonly);
  EXPECT_EQ(b->propagation, "rslave");
  EXPECT_FALSE(b->create_source);

  auto v = parse_mount_flag("Type=volume,src=data,dst=/data,ro=false,volume-nocopy");
  ASSERT_TRUE(v.ok()) << error_of(v);
  EXPECT_EQ(v->type, MountType::kVolume);
  EXPECT_EQ(v->source, "data");
  EXPECT_EQ(v->target, "/data");
  EXPECT_FALSE(v->readonly);
  EXPECT_TRUE(v->nocopy);

  auto t = parse_mount_flag("type=tmpfs,destination=/scratch,tmpfs-size=64m,tmpfs-mode=1770");
  ASSERT_TRUE(t.ok()) << error_of(t);
  EXPECT_EQ(t->type, MountType::kTmpfs);
  EXPECT_EQ(t->tmpfs_size, 64u << 20);
  EXPECT_EQ(t->tmpfs_mode, 01770u);
}

TEST(MountFlagTest, BadSpecsNameWhatIsWrong) {
  EXPECT_EQ(error_of(parse_mount_flag("type=nfs,target=/x")),
            "invalid mount config for type \"nfs\": mount type unknown");
  EXPECT_EQ(error_of(parse_mount_flag("type=bind,src=/a,target=/b,colour=red")),
            "invalid argument \"type=bind,src=/a,target=/b,colour=red\" for \"--mount\" flag: "
            "unexpected key 'colour' in 'colour=red'");
  EXPECT_EQ(error_of(parse_mount_flag("type=tmpfs,target=/t,tmpfs-size=abc")),
            "invalid argument \"type=tmpfs,target=/t,tmpfs-size=abc\" for \"--mount\" flag: "
            "invalid value for tmpfs-size: abc");
  EXPECT_EQ(error_of(parse_mount_flag("source=/a,target=/b")),
            "invalid argument \"source=/a,target=/b\" for \"--mount\" flag: type is required");
  EXPECT_EQ(error_of(parse_mount_flag("type=bind,source=/a")),
            "invalid argument \"type=bind,source=/a\" for \"--mount\" flag: target is required");
  EXPECT_EQ(error_of(parse_mount_flag("type=bind,target=/b")),
            "invalid mount config for type \"bind\": field Source must not be empty");
  EXPECT_EQ(error_of(parse_mount_flag("type=tmpfs,source=/a,target=/b")),
            "invalid mount config for type \"tmpfs\": field Source must not be specified");
  EXPECT_EQ(error_of(parse_mount_flag("type=volume,target=rel")),
            "invalid mount config for type \"volume\": invalid mount path: 'rel' mount path "
            "must be absolute");
  EXPECT_EQ(error_of(parse_mount_flag("type=bind,src=/a,target=/b,volume-nocopy")),
            "invalid argument \"type=bind,src=/a,target=/b,volume-nocopy\" for \"--mount\" "
            "flag: cannot mix 'volume-*' options with mount type 'bind'");
  EXPECT_EQ(error_of(parse_mount_flag("type=bind,src=/a,target=/b,readonly=maybe")),
            "invalid argument \"type=bind,src=/a,target=/b,readonly=maybe\" for \"--mount\" "
            "flag: invalid value for readonly: maybe");
  EXPECT_EQ(error_of(parse_mount_flag("type=bind,src=/a,target=/b,bogus")),
            "invalid argument \"type=bind,src=/a,target=/b,bogus\" for \"--mount\" flag: "
            "invalid field 'bogus' must be a key=value pair");
}

TEST(TmpfsFlagTest, OptionsAndErrors) {
  auto t = parse_tmpfs_flag("/run:rw,size=1g,mode=755,noexec,uid=1000");
  ASSERT_TRUE(t.ok()) << error_of(t);
  EXPECT_EQ(t->target, "/run");
  EXPECT_EQ(t->tmpfs_size, 1ull << 30);
  EXPECT_EQ(t->tmpfs_mode, 0755u);
  EXPECT_EQ(t->tmpfs_extra, (std::vector<std::string>{"rw", "noexec", "uid=1000"}));
  EXPECT_EQ(error_of(parse_tmpfs_flag("/t:size=lots")), "invalid tmpfs option \"size=lots\"");
  EXPECT_EQ(error_of(parse_tmpfs_flag("/t:mode=99")), "invalid tmpfs option \"mode=99\"");
  EXPECT_EQ(error_of(parse_tmpfs_flag("/t:hugepages")), "invalid tmpfs option \"hugepages\"");
  EXPECT_EQ(error_of(parse_tmpfs_flag("t")),
            "invalid tmpfs t: invalid mount path: 't' mount path must be absolute");
}

TEST(UserMountsTest, SpecMountsSortedAndReplacingDefaults) {
  Container c;
  c.mounts = oci::Json::array({{{"Type", "bind"},
                                {"Source", "/h/inner"},
                                {"Destination", "/a/b"},
                                {"RW", false},
                                {"Propagation", "rprivate"}},
                               {{"Type", "volume"},
                                {"Source", "/v/_data"},
                                {"Destination", "/a"},
                                {"RW", true},
                                {"Propagation", ""}}});
  c.host_config = {{"Tmpfs", {{"/dev/shm", "size=1m"}}}};
  oci::Json mounts = oci::Json::array(
      {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}, {"options", {}}},
       {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"}, {"options", {}}}});
  ASSERT_OK(add_user_mounts(c, mounts));
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[0]["destination"], "/proc");
  EXPECT_EQ(mounts[1]["destination"], "/a");
  EXPECT_EQ(mounts[1]["options"], oci::Json({"rbind", "rprivate", "rw"}));
  EXPECT_EQ(mounts[2]["destination"], "/a/b");
  EXPECT_EQ(mounts[2]["options"], oci::Json({"rbind", "rprivate", "ro"}));
  EXPECT_EQ(mounts[3]["destination"], "/dev/shm");  // the user's, in place of the default
  EXPECT_EQ(mounts[3]["options"], oci::Json({"nosuid", "nodev", "noexec", "size=1m"}));
}

}  // namespace
}  // namespace strata::container
