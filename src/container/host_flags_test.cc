// SPDX-License-Identifier: Apache-2.0
#include "container/host_flags.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "container/security.h"
#include "container/spec_flags.h"
#include "testutil/testutil.h"

namespace strata::container {
namespace {

TEST(EnvFileTest, DockerFormat) {
  ::setenv("STRATA_TEST_FROM_CALLER", "v", 1);
  ::unsetenv("STRATA_TEST_UNSET");
  auto env = MUST(parse_env_file(
      "# comment\n\n  A=1\nB= spaced \r\nSTRATA_TEST_FROM_CALLER\nSTRATA_TEST_UNSET\nC=a=b\n",
      "f"));
  EXPECT_EQ(env,
            (std::vector<std::string>{"A=1", "B= spaced ", "STRATA_TEST_FROM_CALLER=v", "C=a=b"}));
}

TEST(EnvFileTest, ErrorsNameFileAndLine) {
  auto r = parse_env_file("A=1\na b=2\n", "/x/env");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "/x/env:2: variable 'a b' contains whitespaces");
  r = parse_env_file("=v\n", "e");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "e:1: no variable name on line '=v'");
  auto missing = read_env_files({"/nonexistent/env"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "open /nonexistent/env: no such file or directory");
}

TEST(AddHostTest, DockerSpellings) {
  EXPECT_EQ(MUST(parse_add_host("db:10.0.0.1")), "db:10.0.0.1");
  EXPECT_EQ(MUST(parse_add_host("db=10.0.0.1")), "db:10.0.0.1");
  EXPECT_EQ(MUST(parse_add_host("v6=[2001:db8::1]")), "v6:2001:db8::1");
  EXPECT_EQ(MUST(parse_add_host("v6:2001:db8::1")), "v6:2001:db8::1");
  EXPECT_EQ(MUST(parse_add_host("v6=::1")), "v6:::1");
  EXPECT_EQ(parse_add_host("db:x").error().message(), "invalid IP address in add-host: \"x\"");
  EXPECT_EQ(parse_add_host("db").error().message(), "bad format for add-host: \"db\"");
  EXPECT_EQ(parse_add_host(":1.2.3.4").error().message(), "bad format for add-host: \":1.2.3.4\"");
  EXPECT_EQ(parse_add_host("gw:host-gateway").error().code(), Errc::kUnsupported);
}

TEST(ExtraHostsTest, LinesAndResolvConf) {
  oci::Json hc = {{"ExtraHosts", {"db:10.0.0.1", "v6:2001:db8::1"}},
                  {"Dns", {"192.0.2.1"}},
                  {"DnsSearch", oci::Json::array()},
                  {"DnsOptions", {"ndots:2", "rotate"}}};
  EXPECT_EQ(extra_hosts_lines(hc), "10.0.0.1\tdb\n2001:db8::1\tv6\n");
  EXPECT_EQ(resolv_conf_with("nameserver 10.1.1.1\nsearch lan\noptions edns0\n", hc),
            "search lan\nnameserver 192.0.2.1\noptions ndots:2 rotate\n");
}

TEST(UlimitTest, NamesValuesAndErrors) {
  EXPECT_EQ(MUST(parse_ulimit("nofile=512:1024")),
            (oci::Json{{"Name", "nofile"}, {"Hard", 1024}, {"Soft", 512}}));
  EXPECT_EQ(MUST(parse_ulimit("core=0")), (oci::Json{{"Name", "core"}, {"Hard", 0}, {"Soft", 0}}));
  EXPECT_EQ(parse_ulimit("bogus=1").error().message(), "invalid ulimit type: bogus");
  EXPECT_EQ(parse_ulimit("nofile").error().message(), "invalid ulimit argument: nofile");
  EXPECT_EQ(parse_ulimit("nofile=1:2:3").error().message(),
            "too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`");
  EXPECT_EQ(parse_ulimit("nofile=x").error().message(), "invalid ulimit soft value: x");
  EXPECT_EQ(parse_ulimit("nofile=9:8").error().message(),
            "ulimit soft limit must be less than or equal to hard limit: 9 > 8");
  struct rlimit cur {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &cur), 0);
  if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < INT64_MAX) {
    auto r = parse_ulimit(fmt::format("nofile=1:{}", cur.rlim_max + 1));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("above the host's hard limit"), std::string::npos);
  }
}

TEST(CpusetTest, ListsAndAvailability) {
  EXPECT_EQ(MUST(parse_cpu_list("0-2,5,1")), (std::vector<int>{0, 1, 2, 5}));
  EXPECT_EQ(parse_cpu_list("2-1").error().message(), "Invalid value 2-1 for cpuset cpus");
  EXPECT_FALSE(parse_cpu_list("a").ok());
  EXPECT_FALSE(parse_cpu_list("1,,2").ok());
  EXPECT_TRUE(check_cpuset("0,1", "0-1\n").ok());
  EXPECT_EQ(check_cpuset("0-3", "0-1\n").error().message(),
            "Requested CPUs are not available - requested 0-3, available: 0-1");
}

TEST(CapsTest, SpellingsAndDockerRules) {
  EXPECT_EQ(MUST(normalize_cap("sys_admin")), "CAP_SYS_ADMIN");
  EXPECT_EQ(MUST(normalize_cap("CAP_net_admin")), "CAP_NET_ADMIN");
  EXPECT_EQ(MUST(normalize_cap("all")), "ALL");
  EXPECT_EQ(normalize_cap("bogus").error().message(), "unknown capability: \"CAP_BOGUS\"");
  EXPECT_EQ(effective_caps({}, {}), default_caps());
  EXPECT_EQ(effective_caps({"CAP_SYS_ADMIN"}, {"ALL"}),
            (std::vector<std::string>{"CAP_SYS_ADMIN"}));
  auto all_but = effective_caps({"ALL"}, {"CAP_CHOWN"});
  EXPECT_EQ(all_but.size(), all_caps().size() - 1);
  auto no_raw = effective_caps({}, {"CAP_NET_RAW"});
  EXPECT_EQ(std::count(no_raw.begin(), no_raw.end(), "CAP_NET_RAW"), 0);
  EXPECT_EQ(no_raw.size(), default_caps().size() - 1);
}

TEST(LogOptsTest, CheckedAndRotation) {
  oci::Json cfg = MUST(parse_log_opts({"max-size=1k", "max-file=2"}));
  EXPECT_EQ(cfg, (oci::Json{{"max-size", "1k"}, {"max-file", "2"}}));
  oci::Json hc = {{"LogConfig", {{"Type", "json-file"}, {"Config", cfg}}}};
  EXPECT_EQ(MUST(log_rotation(hc)), (std::pair<std::string, std::string>{"1024", "2"}));
  EXPECT_EQ(MUST(log_rotation(oci::Json::object())),
            (std::pair<std::string, std::string>{"10485760", "3"}));
  EXPECT_FALSE(parse_log_opts({"max-size=x"}).ok());
  EXPECT_FALSE(parse_log_opts({"max-file=0"}).ok());
  EXPECT_FALSE(parse_log_opts({"mode=blocking"}).ok());
}

TEST(SeccompTest, DefaultProfileGatesOnCapsAndArch) {
  HostArch amd64{"SCMP_ARCH_X86_64", "amd64"};
  oci::Json plain = MUST(seccomp_to_oci(default_seccomp_profile(), default_caps(), amd64));
  EXPECT_EQ(plain["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(plain["architectures"],
            (oci::Json{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  auto has = [](const oci::Json& p, const std::string& name) {
    for (const auto& r : p["syscalls"])
      for (const auto& n : r["names"])
        if (n == name && r["action"] == "SCMP_ACT_ALLOW" && !r.contains("args")) return true;
    return false;
  };
  EXPECT_TRUE(has(plain, "read"));
  EXPECT_TRUE(has(plain, "arch_prctl"));
  EXPECT_TRUE(has(plain, "chroot"));  // CAP_SYS_CHROOT is a default cap
  EXPECT_FALSE(has(plain, "mount"));
  EXPECT_FALSE(has(plain, "unshare"));
  EXPECT_FALSE(has(plain, "s390_runtime_instr"));
  std::vector<std::string> admin = default_caps();
  admin.push_back("CAP_SYS_ADMIN");
  oci::Json with_admin = MUST(seccomp_to_oci(default_seccomp_profile(), admin, amd64));
  EXPECT_TRUE(has(with_admin, "mount"));
  EXPECT_TRUE(has(with_admin, "clone"));
  for (const auto& r : with_admin["syscalls"]) EXPECT_NE(r["names"], (oci::Json{"clone3"}));
}

// The default profile is not compiled per container (create would pay ~10 ms): here it
// is, for the default capabilities and for every one, on the host's architecture.
TEST(SeccompTest, DefaultProfileCompilesForAnyCapabilities) {
  EXPECT_TRUE(checked_seccomp(default_seccomp_profile(), default_caps(), host_arch()).ok());
  std::vector<std::string> all = default_caps();
  for (const char* c :
       {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_MODULE", "CAP_SYS_BOOT", "CAP_SYSLOG",
        "CAP_SYS_TIME", "CAP_SYS_NICE", "CAP_SYS_RAWIO", "CAP_SYS_PACCT", "CAP_SYS_TTY_CONFIG",
        "CAP_BPF", "CAP_PERFMON", "CAP_DAC_READ_SEARCH", "CAP_SYS_RESOURCE"})
    all.push_back(c);
  auto compiled = checked_seccomp(default_seccomp_profile(), all, host_arch());
  EXPECT_TRUE(compiled.ok()) << (compiled.ok() ? "" : compiled.error().message());
}

TEST(SeccompTest, ProfileErrorsNameTheField) {
  HostArch amd64{"SCMP_ARCH_X86_64", "amd64"};
  EXPECT_FALSE(seccomp_to_oci(oci::Json{{"syscalls", oci::Json::array()}}, {}, amd64).ok());
  auto both = seccomp_to_oci(oci::Json{{"defaultAction", "SCMP_ACT_ALLOW"},
                                       {"architectures", {"SCMP_ARCH_X86_64"}},
                                       {"archMap", {{{"architecture", "SCMP_ARCH_X86_64"}}}}},
                             {}, amd64);
  EXPECT_EQ(both.error().message(), "seccomp: use either 'architectures' or 'archMap'");
  auto bad_rule = seccomp_to_oci(oci::Json{{"defaultAction", "SCMP_ACT_ALLOW"},
                                           {"syscalls", {{{"action", "SCMP_ACT_ALLOW"}}}}},
                                 {}, amd64);
  EXPECT_EQ(bad_rule.error().message(), "seccomp.syscalls[0]: no syscall names");
}

}  // namespace
}  // namespace strata::container
