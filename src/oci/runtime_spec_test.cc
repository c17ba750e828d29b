// SPDX-License-Identifier: Apache-2.0
// config.json parsing: the checked integer reader on every numeric field, hostile types
// anywhere (an error naming the field, never an exception), the sysctl rules, and the
// writer's round trip.
#include "oci/runtime_spec.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <functional>

namespace strata::oci {
namespace {

// A config with every part this parser reads, as engines write them.
Json rich_config() {
  return Json::parse(R"({
    "ociVersion": "1.2.0",
    "process": {
      "terminal": true, "consoleSize": {"height": 40, "width": 120},
      "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 20]},
      "args": ["/bin/sh", "-c", "true"], "env": ["PATH=/bin", "TERM=xterm"], "cwd": "/work",
      "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_KILL"],
                       "permitted": ["CAP_KILL"], "ambient": ["CAP_KILL"]},
      "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512},
                  {"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}],
      "noNewPrivileges": true, "oomScoreAdj": -500,
      "apparmorProfile": "docker-default"
    },
    "root": {"path": "rootfs", "readonly": true},
    "hostname": "box",
    "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
               {"destination": "/data", "type": "bind", "source": "/srv", "options": ["rbind", "ro"]}],
    "hooks": {"prestart": [{"path": "/bin/hook", "args": ["hook", "x"], "env": ["A=1"], "timeout": 5}],
              "poststop": [{"path": "/bin/done"}]},
    "annotations": {"org.example": "yes"},
    "linux": {
      "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
                     {"type": "mount"}, {"type": "user"}, {"type": "cgroup"}],
      "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
      "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
      "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536", "fs.mqueue.msg_max": "20"},
      "resources": {
        "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}],
        "memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728, "kernel": -1,
                   "kernelTCP": 1048576, "swappiness": 10, "disableOOMKiller": false},
        "cpu": {"shares": 512, "quota": 50000, "period": 100000, "realtimeRuntime": 1000,
                "realtimePeriod": 1000000, "cpus": "0", "mems": "0", "burst": 0, "idle": 1},
        "pids": {"limit": 100},
        "blockIO": {"weight": 500, "leafWeight": 300,
                    "weightDevice": [{"major": 8, "minor": 0, "weight": 600, "leafWeight": 200}],
                    "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
                    "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 2097152}],
                    "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 100}],
                    "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 200}]},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}],
        "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
        "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 5}]},
        "unified": {"io.weight": "default 50"}
      },
      "cgroupsPath": "/strata/box",
      "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
      "rootfsPropagation": "rslave",
      "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}],
      "timeOffsets": {"monotonic": {"secs": 100, "nanosecs": 5}},
      "personality": {"domain": "LINUX32"},
      "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
                  "architectures": ["SCMP_ARCH_X86_64"],
                  "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW",
                                "args": [{"index": 0, "value": 1, "valueTwo": 0, "op": "SCMP_CMP_GE"}]}]}
    }
  })");
}

// "/linux/devices/0" -> {"linux", "devices", "0"}
std::vector<std::string> split_pointer(const std::string& p) {
  std::vector<std::string> out;
  for (size_t i = 1; i <= p.size();) {
    size_t next = p.find('/', i);
    if (next == std::string::npos) next = p.size();
    out.push_back(p.substr(i, next - i));
    i = next + 1;
  }
  return out;
}

std::string error_of(const Json& j) {
  auto r = parse_spec(j.dump());
  return r.ok() ? "ok" : r.error().message();
}

std::string error_with(const std::function<void(Json&)>& edit) {
  Json j = rich_config();
  edit(j);
  return error_of(j);
}

TEST(RuntimeSpecTest, RichConfigParses) {
  auto s = parse_spec(rich_config().dump());
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->process.user.uid, 1000u);
  EXPECT_EQ(s->process.rlimits[1].hard, UINT64_MAX);
  EXPECT_EQ(*s->resources.block_io.weight, 500);
  EXPECT_EQ(s->resources.block_io.throttle_write_iops[0].rate, 200u);
  EXPECT_EQ(s->resources.hugepage_limits[0].page_size, "2MB");
  EXPECT_EQ(*s->resources.rdma.at("mlx5_1").hca_objects, 10000u);
  EXPECT_EQ(*s->resources.memory_kernel_tcp, 1048576);
  EXPECT_FALSE(s->resources.cpu_burst.has_value() && *s->resources.cpu_burst != 0);
}

TEST(RuntimeSpecTest, UidBeyond32BitsIsRefusedNotTruncatedToRoot) {
  EXPECT_EQ(error_with([](Json& j) { j["process"]["user"]["uid"] = 4294967296ULL; }),
            "process.user.uid: 4294967296 is out of range (0 to 4294967294)");
  // -1 to setresuid means "unchanged": the process would keep the runtime's root.
  EXPECT_EQ(error_with([](Json& j) { j["process"]["user"]["uid"] = 4294967295ULL; }),
            "process.user.uid: 4294967295 is out of range (0 to 4294967294)");
  EXPECT_EQ(error_with([](Json& j) { j["process"]["user"]["gid"] = -1; }),
            "process.user.gid: -1 is out of range (0 to 4294967294)");
  EXPECT_EQ(error_with([](Json& j) { j["process"]["user"]["additionalGids"][1] = 4294967297ULL; }),
            "process.user.additionalGids[1]: 4294967297 is out of range (0 to 4294967294)");
}

// Every integer field: floats, negatives where unsigned is wanted, values beyond the
// field's type (and beyond 64 bits, which the JSON parser keeps as floats).
TEST(RuntimeSpecTest, EveryIntegerFieldIsRangeChecked) {
  struct Case {
    const char* pointer;  // JSON pointer of the field
    const char* value;    // JSON text put there
    const char* error;
  };
  const Case kCases[] = {
      {"/process/user/umask", "512", "process.user.umask: 512 is out of range (0 to 511)"},
      {"/process/user/uid", "1.5", "process.user.uid: 1.5 is not an integer"},
      {"/process/user/uid", "99999999999999999999", "process.user.uid: 1e+20 is not an integer"},
      {"/process/consoleSize/height", "65536",
       "process.consoleSize.height: 65536 is out of range (0 to 65535)"},
      {"/process/rlimits/0/soft", "-1",
       "process.rlimits[0].soft: -1 is out of range (0 to 18446744073709551615)"},
      {"/process/rlimits/1/hard", "1.8446744073709552e19",
       "process.rlimits[1].hard: 1.8446744073709552e+19 is not an integer"},
      {"/process/oomScoreAdj", "-1001",
       "process.oomScoreAdj: -1001 is out of range (-1000 to 1000)"},
      {"/hooks/prestart/0/timeout", "0",
       "hooks.prestart[0].timeout: 0 is out of range (1 to 2147483647)"},
      {"/hooks/prestart/0/timeout", "4294967296",
       "hooks.prestart[0].timeout: 4294967296 is out of range (1 to 2147483647)"},
      {"/linux/uidMappings/0/hostID", "4294967296",
       "linux.uidMappings[0].hostID: 4294967296 is out of range (0 to 4294967295)"},
      {"/linux/devices/0/major", "4096",
       "linux.devices[0].major: 4096 is out of range (0 to 4095)"},
      {"/linux/devices/0/minor", "-1", "linux.devices[0].minor: -1 is out of range (0 to 1048575)"},
      {"/linux/devices/0/fileMode", "65535",
       "linux.devices[0].fileMode: 65535 is out of range (0 to 4095)"},
      {"/linux/devices/0/uid", "-2", "linux.devices[0].uid: -2 is out of range (0 to 4294967294)"},
      {"/linux/resources/devices/1/major", "-7",
       "linux.resources.devices[1].major: -7 is out of range (-1 to 4095)"},
      {"/linux/timeOffsets/monotonic/nanosecs", "1000000000",
       "linux.timeOffsets.monotonic.nanosecs: 1000000000 is out of range (0 to 999999999)"},
      {"/linux/timeOffsets/monotonic/secs", "9223372036854775808",
       "linux.timeOffsets.monotonic.secs: 9223372036854775808 is out of range "
       "(-9223372036854775808 to 9223372036854775807)"},
      {"/linux/resources/memory/limit", "-2",
       "linux.resources.memory.limit: -2 is out of range (-1 to 9223372036854775807)"},
      {"/linux/resources/memory/kernelTCP", "9223372036854775808",
       "linux.resources.memory.kernelTCP: 9223372036854775808 is out of range (-1 to "
       "9223372036854775807)"},
      {"/linux/resources/memory/swappiness", "101",
       "linux.resources.memory.swappiness: 101 is out of range (0 to 100)"},
      {"/linux/resources/cpu/shares", "-1",
       "linux.resources.cpu.shares: -1 is out of range (0 to 18446744073709551615)"},
      {"/linux/resources/cpu/quota", "-5",
       "linux.resources.cpu.quota: -5 is out of range (-1 to 9223372036854775807)"},
      {"/linux/resources/cpu/idle", "2", "linux.resources.cpu.idle: 2 is out of range (0 to 1)"},
      {"/linux/resources/pids/limit", "1e3",
       "linux.resources.pids.limit: 1000.0 is not an integer"},
      {"/linux/resources/blockIO/weight", "1001",
       "linux.resources.blockIO.weight: 1001 is out of range (0 to 1000)"},
      {"/linux/resources/blockIO/weightDevice/0/major", "-1",
       "linux.resources.blockIO.weightDevice[0].major: -1 is out of range (0 to 4095)"},
      {"/linux/resources/blockIO/throttleReadBpsDevice/0/rate", "-1",
       "linux.resources.blockIO.throttleReadBpsDevice[0].rate: -1 is out of range (0 to "
       "18446744073709551615)"},
      {"/linux/resources/hugepageLimits/0/limit", "-1",
       "linux.resources.hugepageLimits[0].limit: -1 is out of range (0 to 18446744073709551615)"},
      {"/linux/resources/rdma/mlx5_1/hcaHandles", "4294967296",
       "linux.resources.rdma.mlx5_1.hcaHandles: 4294967296 is out of range (0 to 4294967295)"},
      {"/linux/resources/network/classID", "-1",
       "linux.resources.network.classID: -1 is out of range (0 to 4294967295)"},
  };
  for (const auto& c : kCases) {
    Json j = rich_config();
    j[Json::json_pointer(c.pointer)] = Json::parse(c.value);
    EXPECT_EQ(error_of(j), c.error) << c.pointer << " = " << c.value;
  }
}

// Every value in the rich config, replaced by each value of another type: an error
// naming that field (or a field inside it), never an exception or an accepted config
// that reads the wrong type.
TEST(RuntimeSpecTest, AnyMemberOfTheWrongTypeIsAnErrorNamingIt) {
  const Json kHostile[] = {Json("1"),           Json(5),       Json(-1),       Json(1.5),
                           Json::parse("1e30"), Json::array(), Json::object(), Json(true)};
  Json flat = rich_config().flatten();
  std::vector<std::string> pointers;
  for (auto it = flat.begin(); it != flat.end(); ++it) {
    // The leaf and each container above it (outside seccomp, compiled elsewhere).
    std::string p = it.key();
    while (!p.empty()) {
      if (p.find("/linux/seccomp") != 0) pointers.push_back(p);
      p = p.substr(0, p.rfind('/'));
    }
  }
  int checked = 0;
  for (const auto& p : pointers) {
    Json original = rich_config()[Json::json_pointer(p)];
    // The config's path notation for this pointer: /linux/devices/0/major ->
    // linux.devices[0].major.
    std::string field;
    for (const auto& part : split_pointer(p)) {
      bool index = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
      field += index ? "[" + part + "]" : (field.empty() ? "" : ".") + part;
    }
    for (const auto& v : kHostile) {
      if (v.type() == original.type() ||
          (v.is_number() && original.is_number() && !v.is_number_float()))
        continue;  // same type: not hostile
      Json j = rich_config();
      j[Json::json_pointer(p)] = v;
      std::string err;
      EXPECT_NO_THROW(err = error_of(j)) << p;
      if (err == "ok") continue;  // e.g. an unknown annotation key's value: still a string
      ++checked;
      EXPECT_NE(err.find(field), std::string::npos) << p << " = " << v.dump() << ": " << err;
    }
  }
  EXPECT_GT(checked, 500);
}

TEST(RuntimeSpecTest, ZeroValuesDockerSendsMeanUnset) {
  Json j = Json::parse(R"({"ociVersion":"1.0.2","root":{"path":"r"},"process":{"args":["sh"],
      "cwd":"/"},"linux":{"resources":{"blockIO":{"weight":0},"cpu":{"shares":0,"quota":0,
      "period":0},"memory":{"limit":0,"reservation":0,"swap":0,"kernel":0},"pids":{"limit":0},
      "network":{"classID":0},"hugepageLimits":[],"rdma":{}}}})");
  auto s = parse_spec(j.dump());
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_FALSE(s->resources.any());
  EXPECT_FALSE(s->resources.cpu_shares.has_value());
  EXPECT_FALSE(s->resources.block_io.any());
}

TEST(RuntimeSpecTest, NamesThatBecomeCgroupFilesAreChecked) {
  EXPECT_EQ(
      error_with(
          [](Json& j) { j["linux"]["resources"]["hugepageLimits"][0]["pageSize"] = "../../x"; }),
      "linux.resources.hugepageLimits[0].pageSize: \"../../x\": want a page size such as 2MB");
  EXPECT_EQ(error_with([](Json& j) { j["linux"]["resources"]["rdma"]["a b\nc"] = Json::object(); }),
            "linux.resources.rdma.a b\\nc: not a device name");
  EXPECT_EQ(error_with([](Json& j) {
              j["linux"]["resources"]["network"]["priorities"][0]["name"] = "eth0 9\nlo";
            }),
            "linux.resources.network.priorities[0].name: not an interface name");
  EXPECT_EQ(
      error_with([](Json& j) { j["linux"]["resources"]["unified"]["memory.max\x1b[2J"] = "1"; }),
      "linux.resources.unified.memory.max\\x1b[2J: not a cgroup file name");
}

TEST(RuntimeSpecTest, UnifiedRefusesCgroupCoreFilesThatAreNotLimits) {
  // cgroup.procs would move a host process (its pid the value) into the container's
  // cgroup, where delete kills it; the others change membership, type or freezing.
  auto unified = [](const std::string& file) {
    return error_with([&](Json& j) { j["linux"]["resources"]["unified"] = {{file, "1"}}; });
  };
  for (const char* file : {"cgroup.procs", "cgroup.threads", "cgroup.subtree_control",
                           "cgroup.kill", "cgroup.freeze", "cgroup.type", "cgroup.events",
                           "cgroup.controllers", "cgroup.stat", "cgroup.pressure", "tasks"})
    EXPECT_EQ(unified(file), fmt::format("linux.resources.unified: \"{}\" is not a limit", file));
  for (const char* file : {"cgroup.max.depth", "cgroup.max.descendants", "memory.max", "pids.max"})
    EXPECT_EQ(unified(file), "ok") << file;
  for (const char* file : {".", "..", "a/b", "../cgroup.procs", "memory.max/x"})
    EXPECT_EQ(unified(file),
              fmt::format("linux.resources.unified.{}: not a cgroup file name", file));
}

TEST(RuntimeSpecTest, ControlBytesInNamesAreEscaped) {
  EXPECT_EQ(error_with([](Json& j) { j["linux"]["namespaces"][0]["type"] = "\x1b[31mred"; }),
            "linux.namespaces[0].type: unknown namespace \"\\x1b[31mred\"");
  EXPECT_EQ(error_with([](Json& j) { j["annotations"]["\x1b]0;x\x07"] = 5; }),
            "annotations.\\x1b]0;x\\x07: want a string, got number");
}

TEST(RuntimeSpecTest, AHostileVersionStringIsCheckedWithoutRecursion) {
  // std::regex recursed once per character here and overflowed the stack.
  EXPECT_EQ(error_with([](Json& j) { j["ociVersion"] = "1.0.0-" + std::string(1 << 20, 'a'); }),
            "ok");
  EXPECT_NE(error_with([](Json& j) { j["ociVersion"] = "1.0.0-" + std::string(1 << 20, '!'); }),
            "ok");
  for (const char* v : {"1.0", "1.4.0", "1.0.0-", "01.0.0", "1.0.x", "1..0"})
    EXPECT_NE(error_with([&](Json& j) { j["ociVersion"] = v; }), "ok") << v;
}

Json sysctl_config(const std::string& key, const std::vector<std::string>& namespaces) {
  Json j = Json::parse(R"({"ociVersion":"1.0.2","root":{"path":"r"},
      "process":{"args":["sh"],"cwd":"/"},"linux":{"namespaces":[]}})");
  for (const auto& n : namespaces) j["linux"]["namespaces"].push_back({{"type", n}});
  j["linux"]["sysctl"][key] = "1";
  return j;
}

TEST(RuntimeSpecTest, SysctlsOnlyWhereANamespaceIsolatesThem) {
  const std::vector<std::string> all = {"pid", "network", "ipc", "uts", "mount"};
  for (const char* key : {"vm.swappiness", "kernel.core_pattern", "kernel.pid_max", "fs.file-max"})
    EXPECT_EQ(error_of(sysctl_config(key, all)),
              fmt::format("linux.sysctl.{}: not isolated by a namespace: it would be set on the "
                          "host",
                          key));
  EXPECT_EQ(error_of(sysctl_config("net.ipv4.ip_forward", {"ipc", "mount"})),
            "linux.sysctl.net.ipv4.ip_forward: needs a network namespace (it would be set on "
            "the host's)");
  EXPECT_EQ(error_of(sysctl_config("net.ipv4.ip_forward", all)), "ok");
  EXPECT_EQ(error_of(sysctl_config("kernel.shmmax", {"network", "mount"})),
            "linux.sysctl.kernel.shmmax: needs an ipc namespace (it would be set on the host's)");
  for (const char* key : {"kernel.shmmax", "kernel.sem", "kernel.msgmnb", "fs.mqueue.msg_max"})
    EXPECT_EQ(error_of(sysctl_config(key, all)), "ok") << key;
  EXPECT_EQ(
      error_of(sysctl_config("kernel.domainname", {"mount"})),
      "linux.sysctl.kernel.domainname: needs a uts namespace (it would be set on the host's)");
  EXPECT_EQ(error_of(sysctl_config("kernel.domainname", all)), "ok");
  Json with_host = sysctl_config("kernel.hostname", all);
  with_host["hostname"] = "box";
  EXPECT_EQ(error_of(with_host), "linux.sysctl.kernel.hostname: conflicts with the hostname field");
}

TEST(RuntimeSpecTest, NetSysctlsInTheRuntimesOwnNetworkNamespaceAreRefused) {
  Json j = sysctl_config("net.core.somaxconn", {"mount"});
  j["linux"]["namespaces"].push_back({{"type", "network"}, {"path", "/proc/self/ns/net"}});
  EXPECT_EQ(error_of(j),
            "linux.sysctl.net.core.somaxconn: the network namespace `/proc/self/ns/net` is the "
            "host's");
}

TEST(RuntimeSpecTest, WrittenConfigReadsBackEqual) {
  auto s = parse_spec(rich_config().dump());
  ASSERT_TRUE(s.ok()) << s.error().message();
  std::string written = dump_json(spec_to_json(*s));
  auto again = parse_spec(written);
  ASSERT_TRUE(again.ok()) << again.error().message() << "\n" << written;
  EXPECT_TRUE(*again == *s) << written;
  // And a minimal one: nothing unset is written.
  auto min = parse_spec(
      R"({"ociVersion":"1.0.2","root":{"path":"r"},"process":{"args":["sh"],"cwd":"/"}})");
  ASSERT_TRUE(min.ok());
  EXPECT_EQ(dump_json(spec_to_json(*min)),
            R"({"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/"},)"
            R"("root":{"path":"r"},"linux":{}})");
}

TEST(RuntimeSpecTest, WrittenSpecsOfEverySizeReadBackEqual) {
  // Each member of the rich config alone, on a minimal config, round-trips too.
  Json flat = rich_config().flatten();
  for (auto it = flat.begin(); it != flat.end(); ++it) {
    Json j = Json::parse(
        R"({"ociVersion":"1.0.2","root":{"path":"r"},"process":{"args":["sh"],"cwd":"/"}})");
    std::string p = it.key();
    if (p.find("/linux/uidMappings") == 0 || p.find("/linux/gidMappings") == 0 ||
        p.find("/linux/sysctl") == 0 || p.find("/linux/timeOffsets") == 0)
      continue;  // these need other members (namespaces) to be valid
    j[Json::json_pointer(p)] = it.value();
    auto s = parse_spec(j.dump());
    if (!s.ok()) continue;  // a part that is invalid alone (an args entry without a program)
    auto again = parse_spec(dump_json(spec_to_json(*s)));
    ASSERT_TRUE(again.ok()) << p << ": " << again.error().message();
    EXPECT_TRUE(*again == *s) << p;
  }
}

}  // namespace
}  // namespace strata::oci
