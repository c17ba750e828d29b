// SPDX-License-Identifier: Apache-2.0
// `spec`: a default config.json, as runc writes it.
#include <unistd.h>

#include "runtime/cli/cli.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::runtime::cli {

namespace {

oci::Json default_process() {
  oci::Json caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  return {
      {"terminal", true},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", {"sh"}},
      {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
      {"cwd", "/"},
      {"capabilities",
       {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
      {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
      {"noNewPrivileges", true}};
}

oci::Json mount(const char* destination, const char* type, const char* source,
                std::vector<std::string> options) {
  oci::Json m = {{"destination", destination}, {"type", type}, {"source", source}};
  if (!options.empty()) m["options"] = options;
  return m;
}

oci::Json default_mounts() {
  return {
      mount("/proc", "proc", "proc", {}),
      mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"})};
}

oci::Json default_linux() {
  oci::Json namespaces = oci::Json::array();
  for (const char* t : {"pid", "network", "ipc", "uts", "mount", "cgroup"})
    namespaces.push_back({{"type", t}});
  return {{"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
          {"namespaces", namespaces},
          {"maskedPaths",
           {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
            "/proc/scsi"}},
          {"readonlyPaths",
           {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}};
}

// runc's rootless spec: a user namespace mapping the caller's ids, no resources, /sys
// bound instead of mounted.
void make_rootless(oci::Json* spec) {
  oci::Json& linux = (*spec)["linux"];
  linux["namespaces"].push_back({{"type", "user"}});
  linux["uidMappings"] = {{{"containerID", 0}, {"hostID", ::getuid()}, {"size", 1}}};
  linux["gidMappings"] = {{{"containerID", 0}, {"hostID", ::getgid()}, {"size", 1}}};
  linux.erase("resources");
  // gid 5 (tty) is not mapped in a one-uid user namespace (runc's rootless spec too).
  (*spec)["mounts"][2]["options"] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                     "mode=0620"};
  (*spec)["mounts"][5] =
      mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"});
}

std::string default_spec(bool rootless) {
  oci::Json spec = {
      {"ociVersion", "1.0.2"},  // what runc writes: older runtimes (crun 1.8) refuse 1.2.0
      {"process", default_process()}, {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "strata"},         {"mounts", default_mounts()},
      {"linux", default_linux()}};
  if (rootless) make_rootless(&spec);
  return oci::dump_json_pretty(spec) + "\n";
}

}  // namespace

void add_spec(CLI::App& app, Globals&, Action& action) {
  struct Options {
    bool rootless = false;
    std::string bundle = ".";
  };
  auto o = std::make_shared<Options>();
  auto* c = app.add_subcommand("spec", "Write a default config.json");
  c->add_flag("--rootless", o->rootless, "A spec for a rootless container");
  c->add_option("-b,--bundle", o->bundle, "Where to write config.json");
  c->callback([&action, o] {
    action = [o]() -> Result<int> {
      std::string path = o->bundle + "/config.json";
      if (sys::exists(path))
        return Error::make(Errc::kExists,
                           fmt::format("File {} exists. Remove it first", printable(path)));
      TRY(sys::write_file_atomic(path, default_spec(o->rootless), 0644));
      return 0;
    };
  });
}

}  // namespace strata::runtime::cli
