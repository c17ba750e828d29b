// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>

#include "oci/runtime_spec.h"
#include "runtime/container.h"
#include "runtime/plan.h"
#include "runtime/seccomp/seccomp.h"
#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::runtime {
namespace {

std::string minimal(const std::string& extra = "") {
  return R"({"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/"})" +
         extra + "}";
}

std::string error_of(const std::string& text) {
  auto r = oci::parse_spec(text);
  return r.ok() ? "ok" : r.error().message();
}

TEST(SpecTest, AcceptsEveryVersionFrom100To13x) {
  for (const char* v : {"1.0.0", "1.0.2-dev", "1.1.0", "1.2.0", "1.3.0", "1.3.7"}) {
    std::string t = minimal();
    t.replace(t.find("1.0.2"), 5, v);
    EXPECT_EQ(error_of(t), "ok") << v;
  }
  std::string t = minimal();
  t.replace(t.find("1.0.2"), 5, "2.0.0");
  EXPECT_EQ(error_of(t), "ociVersion \"2.0.0\": supported versions are 1.0.0 to 1.3.x");
}

TEST(SpecTest, ErrorsNameTheField) {
  EXPECT_EQ(error_of("{"), "config.json: not valid JSON (byte 2)");
  EXPECT_EQ(error_of(R"({"ociVersion":"1.0.0","root":{"path":"r"}})"), "process: missing");
  EXPECT_EQ(
      error_of(R"({"ociVersion":"1.0.0","root":{"path":"r"},"process":{"args":[],"cwd":"/"}})"),
      "process.args: must name a program to run");
  EXPECT_EQ(error_of(minimal(R"(,"linux":{"namespaces":[{"type":"pid"},{"type":"bogus"}]})")),
            "linux.namespaces[1].type: unknown namespace \"bogus\"");
  EXPECT_EQ(error_of(minimal(R"(,"linux":{"namespaces":[{"type":"user"}],
      "uidMappings":[{"containerID":0,"hostID":1000,"size":0}]})")),
            "linux.uidMappings[0].size: must be at least 1");
  EXPECT_EQ(
      error_of(minimal(R"(,"linux":{"uidMappings":[{"containerID":0,"hostID":1,"size":1}]})")),
      "linux.uidMappings: mappings need a user namespace");
  EXPECT_EQ(error_of(minimal(R"(,"mounts":[{"destination":"relative","type":"tmpfs"}])")),
            "mounts[0].destination: must be an absolute path");
  std::string caps = minimal();
  caps.replace(caps.find(R"("cwd":"/")"), 9,
               R"("cwd":"/","capabilities":{"bounding":["CAP_FLY"]})");
  EXPECT_EQ(error_of(caps), "process.capabilities.bounding[0]: unknown capability \"CAP_FLY\"");
  std::string rl = minimal();
  rl.replace(rl.find(R"("cwd":"/")"), 9,
             R"("cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","soft":10,"hard":5}])");
  EXPECT_EQ(error_of(rl), "process.rlimits[0]: soft limit above hard limit");
  EXPECT_EQ(error_of(minimal(R"(,"linux":{"namespaces":[{"type":"pid"},{"type":"pid"}]})")),
            "linux.namespaces[1].type: namespace \"pid\" given twice");
}

TEST(SpecTest, ParsesNamespacesMappingsAndResources) {
  auto s = oci::parse_spec(minimal(R"(,"linux":{"namespaces":[{"type":"user"},{"type":"network",
      "path":"/run/netns/x"}],"uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
      "gidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
      "resources":{"memory":{"limit":1048576},"pids":{"limit":10},"cpu":{"shares":512}}})"));
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_TRUE(s->has_namespace(CLONE_NEWUSER));
  EXPECT_EQ(s->namespaces[1].path, "/run/netns/x");
  EXPECT_EQ(s->uid_mappings[0].host_id, 100000u);
  EXPECT_EQ(*s->resources.memory_limit, 1048576);
  EXPECT_EQ(*s->resources.pids_limit, 10);
  EXPECT_EQ(*s->resources.cpu_shares, 512u);
}

TEST(SeccompCompileTest, HostileMembersAreErrorsNamingThem) {
  auto error_of = [](const char* text) {
    auto f = seccomp::compile(oci::Json::parse(text));
    return f.ok() ? std::string("ok") : f.error().message();
  };
  // A string where a number is wanted threw nlohmann's type_error and aborted.
  EXPECT_EQ(error_of(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],
      "action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":"1","op":"SCMP_CMP_EQ"}]}]})"),
            "linux.seccomp.syscalls[0].args[0].value: want an integer, got a string");
  EXPECT_EQ(error_of(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],
      "action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]})"),
            "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0 to 5)");
  EXPECT_EQ(
      error_of(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],
      "action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":-1,"op":"SCMP_CMP_EQ"}]}]})"),
      "linux.seccomp.syscalls[0].args[0].value: -1 is out of range (0 to 18446744073709551615)");
  EXPECT_EQ(error_of(R"({"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":-1})"),
            "linux.seccomp.defaultErrnoRet: -1 is out of range (0 to 65535)");
  EXPECT_EQ(error_of(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],
      "action":"SCMP_ACT_ERRNO","errnoRet":"1"}]})"),
            "linux.seccomp.syscalls[0].errnoRet: want an integer, got a string");
  EXPECT_EQ(error_of(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[7],
      "action":"SCMP_ACT_ERRNO"}]})"),
            "linux.seccomp.syscalls[0].names[0]: want a string, got number");
  EXPECT_EQ(error_of(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":{"names":["getpid"]}})"),
            "linux.seccomp.syscalls: want an array, got object");
  EXPECT_EQ(error_of(R"({"defaultAction":"SCMP_ACT_ALLOW","architectures":"SCMP_ARCH_X86"})"),
            "linux.seccomp.architectures: want an array, got string");
  EXPECT_EQ(error_of(R"({"defaultAction":"SCMP_ACT_ALLOW","flags":[1]})"),
            "linux.seccomp.flags[0]: want a string, got number");
  EXPECT_EQ(error_of(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[5]})"),
            "linux.seccomp.syscalls[0]: want an object, got number");
  EXPECT_EQ(error_of(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],
      "action":"SCMP_ACT_ERRNO","errnoRet":38}]})"),
            "ok");
}

TEST(SeccompCompileTest, CacheGivesTheSameFilterAndNeverAnotherProfiles) {
  strata::testing::TempDir t;
  auto bpf = [](const std::string& errno_ret) {
    auto f = seccomp::compile(oci::Json::parse(
        R"({"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],
        "syscalls":[{"names":["getpid","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":)" +
        errno_ret + "}]}"));
    EXPECT_TRUE(f.ok()) << f.error().message();
    return f.ok() ? f->bpf : std::string();
  };
  std::string fresh1 = bpf("1"), fresh2 = bpf("2");
  ASSERT_NE(fresh1, fresh2);
  std::string dir = t.path() + "/cache";
  seccomp::set_cache_dir(dir);
  EXPECT_EQ(bpf("1"), fresh1);  // compiled and stored
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  const std::string& file = files.front();
  EXPECT_EQ(bpf("1"), fresh1);  // read back
  EXPECT_EQ(bpf("2"), fresh2);  // another profile is not the cached one
  // A file that holds another key (a hash collision) or a cut-off program is a miss.
  auto text = sys::read_file(file);
  ASSERT_TRUE(text.ok());
  std::string other = *text;
  ASSERT_NE(other.find("\nrule "), std::string::npos);
  other.replace(other.find("\nrule "), 6, "\nRULE ");
  ASSERT_TRUE(sys::write_file_atomic(file, other).ok());
  EXPECT_EQ(bpf("1"), fresh1);
  ASSERT_TRUE(sys::write_file_atomic(file, text->substr(0, text->size() - 8)).ok());
  EXPECT_EQ(bpf("1"), fresh1);
  seccomp::set_cache_dir("");
}

TEST(MountOptionsTest, FlagsPropagationAndData) {
  MountOp op;
  ASSERT_TRUE(
      parse_mount_options({"rbind", "ro", "nosuid", "rslave", "mode=755", "size=1m"}, &op).ok());
  EXPECT_EQ(op.kind, MountKind::kBind);
  EXPECT_TRUE(op.recursive);
  EXPECT_EQ(op.flags, static_cast<unsigned long>(MS_RDONLY | MS_NOSUID));
  EXPECT_EQ(op.propagation, static_cast<unsigned long>(MS_SLAVE | MS_REC));
  EXPECT_EQ(op.data, "mode=755,size=1m");
  MountOp rw;
  ASSERT_TRUE(parse_mount_options({"ro", "rw"}, &rw).ok());
  EXPECT_EQ(rw.flags, 0u);
}

TEST(SignalTest, NamesAndNumbers) {
  EXPECT_EQ(parse_signal("KILL"), 9);
  EXPECT_EQ(parse_signal("SIGTERM"), 15);
  EXPECT_EQ(parse_signal("10"), 10);
  EXPECT_EQ(parse_signal("SIGNOPE"), -1);
  EXPECT_EQ(parse_signal("99"), -1);
}

}  // namespace
}  // namespace strata::runtime
