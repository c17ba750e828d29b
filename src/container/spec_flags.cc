// SPDX-License-Identifier: Apache-2.0
#include "container/spec_flags.h"

#include <unistd.h>

#include <cstdint>

#include "container/security.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::container {

namespace {

// A recorded list of strings; absent (a container created before the field existed)
// is empty.
std::vector<std::string> strings_of(const oci::Json& hc, const char* key) {
  std::vector<std::string> out;
  auto it = hc.find(key);
  if (it == hc.end() || !it->is_array()) return out;
  for (const auto& s : *it)
    if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

const oci::Json& array_of(const oci::Json& hc, const char* key) {
  static const oci::Json empty = oci::Json::array();
  auto it = hc.find(key);
  return it != hc.end() && it->is_array() ? *it : empty;
}

Result<int64_t> int_or_zero(const oci::Json& hc, const char* key) {
  if (!hc.contains(key)) return int64_t{0};
  return oci::get_int(hc, key);
}

// The mount at `dest` read-write ("ro" dropped from its options).
void make_writable(oci::Json& spec, std::string_view dest) {
  for (auto& m : spec["mounts"]) {
    if (m["destination"] != dest) continue;
    oci::Json opts = oci::Json::array();
    for (const auto& o : m["options"])
      if (o != "ro") opts.push_back(o);
    opts.push_back("rw");
    m["options"] = opts;
  }
}

// Docker's --privileged: every capability, no seccomp, no masked or read-only paths,
// every host device with access to all of them, and a writable /sys.
Result<void> apply_privileged(oci::Json& spec) {
  oci::Json& linux = spec["linux"];
  linux.erase("maskedPaths");
  linux.erase("readonlyPaths");
  linux["devices"] = TRY(host_devices());
  linux["resources"]["devices"] = {{{"allow", true}, {"access", "rwm"}}};
  make_writable(spec, "/sys");
  make_writable(spec, "/sys/fs/cgroup");
  return {};
}

Result<void> apply_devices(const oci::Json& hc, oci::Json& spec) {
  oci::Json& linux = spec["linux"];
  for (const auto& d : array_of(hc, "Devices")) {
    std::string host = TRY(oci::get_string(d, "PathOnHost"));
    oci::Json dev = TRY(linux_device(host, TRY(oci::get_string(d, "PathInContainer"))));
    if (!linux.contains("devices")) linux["devices"] = oci::Json::array();
    linux["devices"].push_back(dev);
    linux["resources"]["devices"].push_back(
        {{"allow", true},
         {"type", dev["type"]},
         {"major", dev["major"]},
         {"minor", dev["minor"]},
         {"access", TRY(oci::get_string(d, "CgroupPermissions"))}});
  }
  return {};
}

Result<void> apply_security(const Container& c, bool privileged, oci::Json& spec) {
  const oci::Json& hc = c.host_config;
  std::vector<std::string> caps =
      privileged ? all_caps() : effective_caps(strings_of(hc, "CapAdd"), strings_of(hc, "CapDrop"));
  spec["process"]["capabilities"] = {{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  const oci::Json* profile = &default_seccomp_profile();
  oci::Json custom;
  bool unconfined = privileged;
  for (const auto& opt : strings_of(hc, "SecurityOpt")) {
    if (opt == "no-new-privileges" || opt == "no-new-privileges=true")
      spec["process"]["noNewPrivileges"] = true;
    else if (opt == "seccomp=unconfined")
      unconfined = true;
    else if (opt.starts_with("seccomp=")) {
      custom = TRY(oci::parse_json(opt.substr(8), "seccomp profile"));
      profile = &custom;
    }
  }
  if (!unconfined)
    spec["linux"]["seccomp"] = profile == &custom
                                   ? TRY(checked_seccomp(*profile, caps, host_arch()))
                                   : TRY(seccomp_to_oci(*profile, caps, host_arch()));
  return {};
}

Result<void> apply_resources(const oci::Json& hc, oci::Json& spec) {
  oci::Json& res = spec["linux"]["resources"];
  if (int64_t swap = TRY(int_or_zero(hc, "MemorySwap")); swap != 0) res["memory"]["swap"] = swap;
  if (int64_t r = TRY(int_or_zero(hc, "MemoryReservation")); r > 0)
    res["memory"]["reservation"] = r;
  if (int64_t shares = TRY(int_or_zero(hc, "CpuShares")); shares > 0)
    res["cpu"]["shares"] = std::max<int64_t>(shares, 2);  // the kernel's minimum, as Docker
  if (std::string cpus = TRY(oci::get_string_or(hc, "CpusetCpus", "")); !cpus.empty())
    res["cpu"]["cpus"] = cpus;
  for (const auto& u : array_of(hc, "Ulimits")) {
    std::string name = TRY(oci::get_string(u, "Name"));
    auto limit = [](int64_t v) { return v < 0 ? UINT64_MAX : static_cast<uint64_t>(v); };
    std::string type = "RLIMIT_";
    for (char ch : name) type += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (!spec["process"].contains("rlimits")) spec["process"]["rlimits"] = oci::Json::array();
    spec["process"]["rlimits"].push_back({{"type", type},
                                          {"hard", limit(TRY(oci::get_int(u, "Hard")))},
                                          {"soft", limit(TRY(oci::get_int(u, "Soft")))}});
  }
  return {};
}

// Docker's --init: the init binary bind-mounted read-only at /sbin/docker-init and the
// process run under it ("--" keeps the command's own flags away from tini).
Result<void> apply_init(oci::Json& spec) {
  std::string init = TRY(find_init_binary());
  spec["mounts"].push_back({{"destination", "/sbin/docker-init"},
                            {"type", "bind"},
                            {"source", init},
                            {"options", {"bind", "ro", "nosuid", "nodev"}}});
  oci::Json args = {"/sbin/docker-init", "--"};
  for (const auto& a : spec["process"]["args"]) args.push_back(a);
  spec["process"]["args"] = args;
  return {};
}

}  // namespace

Result<std::string> find_init_binary() {
  for (const char* p :
       {"/usr/bin/tini-static", "/usr/libexec/docker/docker-init", "/usr/bin/docker-init"})
    if (::access(p, X_OK) == 0) return std::string(p);
  return Error::make(Errc::kNotFound,
                     "--init: no init binary: install Debian's tini package (it has "
                     "/usr/bin/tini-static)");
}

Result<void> apply_host_flags(const Container& c, oci::Json& spec) {
  const oci::Json& hc = c.host_config;
  bool privileged = TRY(oci::get_bool_or(hc, "Privileged", false));
  TRY(apply_security(c, privileged, spec));
  if (privileged) TRY(apply_privileged(spec));
  TRY(apply_devices(hc, spec));
  TRY(apply_resources(hc, spec));
  if (TRY(oci::get_bool_or(hc, "ReadonlyRootfs", false))) spec["root"]["readonly"] = true;
  if (TRY(oci::get_bool_or(hc, "Init", false))) TRY(apply_init(spec));
  return {};
}

std::string extra_hosts_lines(const oci::Json& hc) {
  std::string out;
  for (const auto& h : strings_of(hc, "ExtraHosts")) {
    size_t colon = h.find(':');  // "name:ip": the name has no colon, an IPv6 address may
    out += h.substr(colon + 1) + "\t" + h.substr(0, colon) + "\n";
  }
  return out;
}

std::string resolv_conf_with(const std::string& base, const oci::Json& hc) {
  auto dns = strings_of(hc, "Dns"), search = strings_of(hc, "DnsSearch"),
       options = strings_of(hc, "DnsOptions");
  std::string out;
  for (const auto& line : split(base, '\n')) {
    std::string_view l = trim(line);
    if (l.empty() || (!dns.empty() && l.starts_with("nameserver")) ||
        (!search.empty() && (l.starts_with("search") || l.starts_with("domain"))) ||
        (!options.empty() && l.starts_with("options")))
      continue;
    out += std::string(l) + "\n";
  }
  for (const auto& d : dns) out += "nameserver " + d + "\n";
  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += " " + x;
    return s;
  };
  if (!search.empty()) out += "search" + joined(search) + "\n";
  if (!options.empty()) out += "options" + joined(options) + "\n";
  return out;
}

}  // namespace strata::container
