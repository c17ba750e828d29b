// SPDX-License-Identifier: Apache-2.0
#include "container/spec.h"

#include <fcntl.h>

#include <charconv>
#include <optional>

#include "container/mounts.h"
#include "container/security.h"
#include "container/spec_flags.h"
#include "oci/runtime_spec.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::container {

namespace {

constexpr const char* kMaskedPaths[] = {"/proc/asound",
                                        "/proc/acpi",
                                        "/proc/kcore",
                                        "/proc/keys",
                                        "/proc/latency_stats",
                                        "/proc/timer_list",
                                        "/proc/timer_stats",
                                        "/proc/sched_debug",
                                        "/proc/scsi",
                                        "/sys/firmware",
                                        "/sys/devices/virtual/powercap"};
constexpr const char* kReadonlyPaths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                          "/proc/sysrq-trigger"};

// Docker's default device cgroup rules: deny all, then mknod of anything and the
// usual character devices.
oci::Json device_rules() {
  oci::Json rules = oci::Json::array({{{"allow", false}, {"access", "rwm"}}});
  auto allow = [&](const char* type, int64_t major, int64_t minor, const char* access) {
    oci::Json r = {{"allow", true}, {"type", type}};
    if (major >= 0) r["major"] = major;
    if (minor >= 0) r["minor"] = minor;
    r["access"] = access;
    rules.push_back(r);
  };
  allow("c", -1, -1, "m");
  allow("b", -1, -1, "m");
  for (auto [major, minor] :
       {std::pair{1, 3}, {1, 8}, {1, 7}, {5, 0}, {1, 5}, {1, 9}, {5, 1}, {5, 2}, {10, 200}})
    allow("c", major, minor, "rwm");
  allow("c", 136, -1, "rwm");
  return rules;
}

oci::Json mount(const char* dest, const char* type, const std::string& source,
                std::vector<std::string> options) {
  return {{"destination", dest}, {"type", type}, {"source", source}, {"options", options}};
}

oci::Json mounts(const std::string& dir) {
  return oci::Json::array(
      {mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
       mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
       mount("/dev/pts", "devpts", "devpts",
             {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
       mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
       mount("/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev"}),
       mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
       mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
       mount("/etc/resolv.conf", "bind", dir + "/resolv.conf", {"rbind", "rprivate"}),
       mount("/etc/hostname", "bind", dir + "/hostname", {"rbind", "rprivate"}),
       mount("/etc/hosts", "bind", dir + "/hosts", {"rbind", "rprivate"})});
}

bool pure_cgroup_v2() { return sys::exists("/sys/fs/cgroup/cgroup.controllers"); }

std::optional<uint32_t> parse_id(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v == UINT32_MAX)
    return std::nullopt;
  return v;
}

// The fields of the line of a passwd or group file whose first field is `name` (or,
// with by_id, whose third field is it).
std::optional<std::vector<std::string>> find_entry(std::string_view file, std::string_view key,
                                                   bool by_id) {
  for (const auto& line : split(file, '\n')) {
    auto f = split(line, ':');
    if (f.size() < 3) continue;
    if ((by_id ? f[2] : f[0]) == key) return f;
  }
  return std::nullopt;
}

}  // namespace

Result<LaunchUser> lookup_user(std::string_view passwd, std::string_view group,
                               std::string_view user) {
  LaunchUser out;
  std::string_view u = user.substr(0, user.find(':'));
  std::optional<std::string_view> g;
  if (user.find(':') != std::string_view::npos) g = user.substr(user.find(':') + 1);
  std::string user_name;
  if (!u.empty()) {
    if (auto id = parse_id(u)) {
      out.uid = *id;
      if (auto e = find_entry(passwd, u, true); e && e->size() >= 4) {
        out.gid = parse_id((*e)[3]).value_or(0);
        user_name = (*e)[0];
      }
    } else {
      auto e = find_entry(passwd, u, false);
      if (!e || e->size() < 4 || !parse_id((*e)[2]) || !parse_id((*e)[3]))
        return Error::make(Errc::kNotFound,
                           fmt::format("unable to find user {}: no matching entries in passwd file",
                                       printable(u)));
      out.uid = *parse_id((*e)[2]);
      out.gid = *parse_id((*e)[3]);
      user_name = std::string(u);
    }
  }
  if (g && !g->empty()) {
    if (auto id = parse_id(*g)) {
      out.gid = *id;
    } else {
      auto e = find_entry(group, *g, false);
      if (!e || !parse_id((*e)[2]))
        return Error::make(Errc::kNotFound,
                           fmt::format("unable to find group {}: no matching entries in group file",
                                       printable(*g)));
      out.gid = *parse_id((*e)[2]);
    }
  }
  // Supplementary groups: those of /etc/group that list the user, as Docker adds them.
  if (!user_name.empty()) {
    for (const auto& line : split(group, '\n')) {
      auto f = split(line, ':');
      if (f.size() < 4) continue;
      auto id = parse_id(f[2]);
      if (!id || *id == out.gid) continue;
      for (const auto& m : split(f[3], ','))
        if (m == user_name) out.additional_gids.push_back(*id);
    }
  }
  return out;
}

Result<LaunchUser> resolve_user(store::Store& store, const store::ImageRecord& img,
                                const std::string& user) {
  if (user.empty()) return LaunchUser{};
  auto read = [&](const char* rel) -> std::string {
    for (auto it = img.layers.rbegin(); it != img.layers.rend(); ++it) {
      auto dir = sys::open_dir(store.layer_dir(it->diff_id));
      if (!dir.ok()) continue;
      auto fd = sys::open_in_root(dir->get(), rel, O_RDONLY | O_CLOEXEC);
      if (!fd.ok()) continue;
      auto text = sys::read_file(fmt::format("/proc/self/fd/{}", fd->get()), 4 << 20);
      if (text.ok()) return *text;
    }
    return "";
  };
  return TRY_CTX(lookup_user(read("etc/passwd"), read("etc/group"), user), "user");
}

std::string hosts_file(const std::string& hostname) {
  return fmt::format(
      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
      "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"
      "127.0.1.1\t{}\n",
      hostname);
}

std::string resolv_conf() {
  // The host's, without the nameservers on its loopback (unreachable from the
  // container's network namespace), as Docker filters them.
  auto host = sys::read_file("/etc/resolv.conf", 64 << 10);
  std::string out;
  if (host.ok()) {
    for (const auto& line : split(*host, '\n')) {
      std::string_view l = trim(line);
      if (l.starts_with("nameserver") &&
          (l.find("127.") != std::string_view::npos || l.find("::1") != std::string_view::npos))
        continue;
      if (!l.empty()) out += std::string(l) + "\n";
    }
  }
  return out;
}

Result<oci::Json> make_spec(const Container& c, const LaunchUser& user, const std::string& rootfs,
                            const std::string& dir) {
  const oci::Json& cfg = c.config;
  oci::Json args = oci::Json::array();
  for (const char* k : {"Entrypoint", "Cmd"})
    for (const auto& a : *TRY(oci::get_array(cfg, k))) args.push_back(a);
  oci::Json env = *TRY(oci::get_array(cfg, "Env"));
  env.push_back("HOSTNAME=" + TRY(oci::get_string(cfg, "Hostname")));
  bool tty = TRY(oci::get_bool_or(cfg, "Tty", false));
  if (tty) env.push_back("TERM=xterm");
  std::string cwd = TRY(oci::get_string(cfg, "WorkingDir"));
  oci::Json caps = default_caps();  // apply_host_flags tweaks them
  oci::Json proc_user = {{"uid", user.uid}, {"gid", user.gid}};
  if (!user.additional_gids.empty()) proc_user["additionalGids"] = user.additional_gids;

  oci::Json resources = {{"devices", device_rules()}};
  int64_t memory = TRY(oci::get_int(c.host_config, "Memory"));
  if (memory > 0) resources["memory"] = {{"limit", memory}};
  int64_t pids = TRY(oci::get_int(c.host_config, "PidsLimit"));
  if (pids != 0) resources["pids"] = {{"limit", pids}};
  int64_t nano_cpus = TRY(oci::get_int(c.host_config, "NanoCpus"));
  if (nano_cpus > 0)
    resources["cpu"] = {{"quota", nano_cpus * 100000 / 1000000000}, {"period", 100000}};

  oci::Json namespaces = oci::Json::array();
  for (const char* ns : {"pid", "ipc", "uts", "mount"}) namespaces.push_back({{"type", ns}});
  auto mode = c.host_config.find("NetworkMode");
  bool host_net = mode != c.host_config.end() && mode->is_string() && *mode == "host";
  if (!host_net) namespaces.push_back({{"type", "network"}});
  if (pure_cgroup_v2()) namespaces.push_back({{"type", "cgroup"}});  // Docker's default on v2

  oci::Json spec = {
      {"ociVersion", "1.0.2"},
      {"process",
       {{"terminal", tty},
        {"user", proc_user},
        {"args", args},
        {"env", env},
        {"cwd", cwd.empty() ? "/" : cwd},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}}}},
      {"root", {{"path", rootfs}, {"readonly", false}}},
      {"hostname", TRY(oci::get_string(cfg, "Hostname"))},
      {"mounts", mounts(dir)},
      {"linux",
       {{"resources", resources},
        {"cgroupsPath", cgroup_path(c.id)},
        {"namespaces", namespaces},
        {"maskedPaths", std::vector<std::string>(std::begin(kMaskedPaths), std::end(kMaskedPaths))},
        {"readonlyPaths",
         std::vector<std::string>(std::begin(kReadonlyPaths), std::end(kReadonlyPaths))}}}};
  TRY(apply_host_flags(c, spec));  // the create/run flags of host_flags.h
  TRY(add_user_mounts(c, spec["mounts"]));
  // What strata-runtime would refuse is an error of create, before anything runs.
  TRY_CTX(oci::parse_spec(oci::dump_json(spec)), "config.json");
  return spec;
}

}  // namespace strata::container
