// SPDX-License-Identifier: Apache-2.0
#include "oci/runtime_spec.h"

#include <sched.h>
#include <sys/resource.h>

#include <regex>

namespace strata::oci {

namespace {

Error bad(const std::string& field, std::string_view why) {
  return Error::make(Errc::kInvalidArgument, fmt::format("{}: {}", field, why));
}

// Typed field readers: absent gives nullopt; the wrong type is an error naming the field.
Result<std::optional<std::string>> opt_string(const Json& o, const char* key,
                                              const std::string& at) {
  if (!o.contains(key) || o[key].is_null()) return std::optional<std::string>();
  if (!o[key].is_string()) return bad(at + "." + key, "want a string");
  return std::optional<std::string>(o[key].get<std::string>());
}

Result<std::optional<int64_t>> opt_int(const Json& o, const char* key, const std::string& at) {
  if (!o.contains(key) || o[key].is_null()) return std::optional<int64_t>();
  if (!o[key].is_number_integer()) return bad(at + "." + key, "want an integer");
  return std::optional<int64_t>(o[key].get<int64_t>());
}

Result<std::optional<uint64_t>> opt_uint(const Json& o, const char* key, const std::string& at) {
  auto v = TRY(opt_int(o, key, at));
  if (v && *v < 0) return bad(at + "." + key, "want a non-negative integer");
  if (!v) return std::optional<uint64_t>();
  return std::optional<uint64_t>(static_cast<uint64_t>(*v));
}

// A member that asks for something: not null, not an empty object or array, not 0.
bool set_and_not_empty(const Json& j) {
  if (j.is_null()) return false;
  if (j.is_object() || j.is_array()) return !j.empty();
  if (j.is_number()) return j != 0;
  return true;
}

Result<bool> opt_bool(const Json& o, const char* key, const std::string& at) {
  if (!o.contains(key) || o[key].is_null()) return false;
  if (!o[key].is_boolean()) return bad(at + "." + key, "want a boolean");
  return o[key].get<bool>();
}

Result<std::vector<std::string>> strings(const Json& o, const char* key, const std::string& at) {
  std::vector<std::string> out;
  if (!o.contains(key) || o[key].is_null()) return out;
  if (!o[key].is_array()) return bad(at + "." + key, "want an array of strings");
  for (size_t i = 0; i < o[key].size(); ++i) {
    if (!o[key][i].is_string()) return bad(fmt::format("{}.{}[{}]", at, key, i), "want a string");
    out.push_back(o[key][i].get<std::string>());
  }
  return out;
}

const Json& member(const Json& o, const char* key) {
  static const Json kNull;
  return o.is_object() && o.contains(key) ? o[key] : kNull;
}

Result<void> check_object(const Json& j, const std::string& at) {
  if (!j.is_null() && !j.is_object()) return bad(at, "want an object");
  return {};
}

Result<void> check_version(const std::string& v) {
  static const std::regex kSupported(R"(^1\.[0-3]\.[0-9]+(-[0-9A-Za-z.+-]+)?$)");
  if (!std::regex_match(v, kSupported))
    return Error::make(Errc::kUnsupported,
                       fmt::format("ociVersion \"{}\": supported versions are 1.0.0 to 1.3.x", v));
  return {};
}

struct NamespaceType {
  const char* name;
  int flag;
};
constexpr NamespaceType kNamespaces[] = {
    {"pid", CLONE_NEWPID},       {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
    {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

Result<std::vector<IdMapping>> mappings(const Json& linux, const char* key) {
  std::vector<IdMapping> out;
  const Json& a = member(linux, key);
  if (a.is_null()) return out;
  std::string at = std::string("linux.") + key;
  if (!a.is_array()) return bad(at, "want an array");
  for (size_t i = 0; i < a.size(); ++i) {
    std::string f = fmt::format("{}[{}]", at, i);
    TRY(check_object(a[i], f));
    IdMapping m;
    auto c = TRY(opt_uint(a[i], "containerID", f)), h = TRY(opt_uint(a[i], "hostID", f)),
         s = TRY(opt_uint(a[i], "size", f));
    if (!c || !h || !s) return bad(f, "want containerID, hostID and size");
    if (*s == 0) return bad(f + ".size", "must be at least 1");
    if (*c > UINT32_MAX || *h > UINT32_MAX || *c + *s - 1 > UINT32_MAX || *h + *s - 1 > UINT32_MAX)
      return bad(f, "range beyond 2^32-1");
    m.container_id = static_cast<uint32_t>(*c);
    m.host_id = static_cast<uint32_t>(*h);
    m.size = static_cast<uint32_t>(*s);
    out.push_back(m);
  }
  return out;
}

}  // namespace

Result<Process> parse_process(const Json& p) {
  Process out;
  TRY(check_object(p, "process"));
  out.terminal = TRY(opt_bool(p, "terminal", "process"));
  const Json& cs = member(p, "consoleSize");
  if (!cs.is_null()) {
    auto h = TRY(opt_uint(cs, "height", "process.consoleSize"));
    auto w = TRY(opt_uint(cs, "width", "process.consoleSize"));
    if (!h || !w || *h > 65535 || *w > 65535)
      return bad("process.consoleSize", "want height and width");
    out.console_size = std::make_pair(static_cast<uint16_t>(*h), static_cast<uint16_t>(*w));
  }
  out.args = TRY(strings(p, "args", "process"));
  if (out.args.empty()) return bad("process.args", "must name a program to run");
  out.env = TRY(strings(p, "env", "process"));
  auto cwd = TRY(opt_string(p, "cwd", "process"));
  if (!cwd) return bad("process.cwd", "missing");
  if (cwd->empty() || (*cwd)[0] != '/') return bad("process.cwd", "must be an absolute path");
  out.cwd = *cwd;
  const Json& user = member(p, "user");
  TRY(check_object(user, "process.user"));
  out.user.uid = static_cast<uint32_t>(TRY(opt_uint(user, "uid", "process.user")).value_or(0));
  out.user.gid = static_cast<uint32_t>(TRY(opt_uint(user, "gid", "process.user")).value_or(0));
  if (auto u = TRY(opt_uint(user, "umask", "process.user")))
    out.user.umask = static_cast<uint32_t>(*u);
  const Json& gids = member(user, "additionalGids");
  if (gids.is_array())
    for (size_t i = 0; i < gids.size(); ++i) {
      if (!gids[i].is_number_unsigned())
        return bad(fmt::format("process.user.additionalGids[{}]", i), "want a gid");
      out.user.additional_gids.push_back(gids[i].get<uint32_t>());
    }
  const Json& caps = member(p, "capabilities");
  if (!caps.is_null()) {
    TRY(check_object(caps, "process.capabilities"));
    Capabilities c;
    std::pair<const char*, std::vector<int>*> sets[] = {{"bounding", &c.bounding},
                                                        {"effective", &c.effective},
                                                        {"inheritable", &c.inheritable},
                                                        {"permitted", &c.permitted},
                                                        {"ambient", &c.ambient}};
    for (auto& [name, vec] : sets) {
      auto names = TRY(strings(caps, name, "process.capabilities"));
      for (size_t i = 0; i < names.size(); ++i) {
        int cap = capability_from_name(names[i]);
        if (cap < 0)
          return bad(fmt::format("process.capabilities.{}[{}]", name, i),
                     fmt::format("unknown capability \"{}\"", names[i]));
        vec->push_back(cap);
      }
    }
    out.capabilities = c;
  }
  const Json& rl = member(p, "rlimits");
  if (rl.is_array())
    for (size_t i = 0; i < rl.size(); ++i) {
      std::string f = fmt::format("process.rlimits[{}]", i);
      Rlimit r;
      r.type = TRY(opt_string(rl[i], "type", f)).value_or("");
      r.resource = rlimit_from_name(r.type);
      if (r.resource < 0) return bad(f + ".type", fmt::format("unknown rlimit \"{}\"", r.type));
      auto soft = TRY(opt_uint(rl[i], "soft", f)), hard = TRY(opt_uint(rl[i], "hard", f));
      if (!soft || !hard) return bad(f, "want soft and hard");
      if (*soft > *hard) return bad(f, "soft limit above hard limit");
      r.soft = *soft;
      r.hard = *hard;
      out.rlimits.push_back(r);
    }
  out.no_new_privileges = TRY(opt_bool(p, "noNewPrivileges", "process"));
  if (auto adj = TRY(opt_int(p, "oomScoreAdj", "process"))) {
    if (*adj < -1000 || *adj > 1000) return bad("process.oomScoreAdj", "want -1000 to 1000");
    out.oom_score_adj = static_cast<int>(*adj);
  }
  out.apparmor_profile = TRY(opt_string(p, "apparmorProfile", "process")).value_or("");
  out.selinux_label = TRY(opt_string(p, "selinuxLabel", "process")).value_or("");
  return out;
}

namespace {

Result<std::vector<Hook>> parse_hooks(const Json& hooks, const char* key) {
  std::vector<Hook> out;
  const Json& a = member(hooks, key);
  if (a.is_null()) return out;
  std::string at = std::string("hooks.") + key;
  if (!a.is_array()) return bad(at, "want an array");
  for (size_t i = 0; i < a.size(); ++i) {
    std::string f = fmt::format("{}[{}]", at, i);
    Hook h;
    h.path = TRY(opt_string(a[i], "path", f)).value_or("");
    if (h.path.empty() || h.path[0] != '/') return bad(f + ".path", "must be an absolute path");
    h.args = TRY(strings(a[i], "args", f));
    h.env = TRY(strings(a[i], "env", f));
    if (auto t = TRY(opt_int(a[i], "timeout", f))) {
      if (*t <= 0) return bad(f + ".timeout", "must be positive");
      h.timeout = static_cast<int>(*t);
    }
    out.push_back(std::move(h));
  }
  return out;
}

Result<std::vector<DeviceRule>> parse_device_rules(const Json& rules) {
  std::vector<DeviceRule> out;
  if (!rules.is_null() && !rules.is_array()) return bad("linux.resources.devices", "want an array");
  for (size_t i = 0; rules.is_array() && i < rules.size(); ++i) {
    std::string f = fmt::format("linux.resources.devices[{}]", i);
    TRY(check_object(rules[i], f));
    DeviceRule d;
    if (!rules[i].contains("allow")) return bad(f + ".allow", "missing");
    d.allow = TRY(opt_bool(rules[i], "allow", f));
    std::string type = TRY(opt_string(rules[i], "type", f)).value_or("a");
    if (type != "a" && type != "c" && type != "b")
      return bad(f + ".type", fmt::format("unknown device type \"{}\" (want a, c or b)", type));
    d.type = type[0];
    d.major = TRY(opt_int(rules[i], "major", f)).value_or(-1);
    d.minor = TRY(opt_int(rules[i], "minor", f)).value_or(-1);
    if (d.major < -1 || d.minor < -1 || d.major > UINT32_MAX || d.minor > UINT32_MAX)
      return bad(f, "major and minor must be -1 (any) or a device number");
    d.access = TRY(opt_string(rules[i], "access", f)).value_or("");
    if (d.access.empty()) d.access = "rwm";
    if (d.access.find_first_not_of("rwm") != std::string::npos)
      return bad(f + ".access", fmt::format("\"{}\": want some of r, w, m", d.access));
    out.push_back(d);
  }
  return out;
}

// linux.resources. What the runtime cannot apply is refused by name rather than
// dropped; kernel and kernelTCP memory limits are ignored (deprecated, gone from cgroup
// v2 and from v1 since Linux 6.1), as runc 1.2 does.
Result<Resources> parse_resources(const Json& res) {
  TRY(check_object(res, "linux.resources"));
  Resources r;
  for (const char* key : {"blockIO", "hugepageLimits", "network", "rdma"})
    if (set_and_not_empty(member(res, key)))
      return Error::make(Errc::kUnsupported,
                         fmt::format("linux.resources.{}: not supported by strata-runtime", key));
  const Json& mem = member(res, "memory");
  r.memory_limit = TRY(opt_int(mem, "limit", "linux.resources.memory"));
  r.memory_reservation = TRY(opt_int(mem, "reservation", "linux.resources.memory"));
  r.memory_swap = TRY(opt_int(mem, "swap", "linux.resources.memory"));
  const Json& cpu = member(res, "cpu");
  r.cpu_shares = TRY(opt_uint(cpu, "shares", "linux.resources.cpu"));
  r.cpu_quota = TRY(opt_int(cpu, "quota", "linux.resources.cpu"));
  r.cpu_period = TRY(opt_uint(cpu, "period", "linux.resources.cpu"));
  r.cpuset_cpus = TRY(opt_string(cpu, "cpus", "linux.resources.cpu")).value_or("");
  r.cpuset_mems = TRY(opt_string(cpu, "mems", "linux.resources.cpu")).value_or("");
  r.pids_limit = TRY(opt_int(member(res, "pids"), "limit", "linux.resources.pids"));
  r.devices = TRY(parse_device_rules(member(res, "devices")));
  r.memory_swappiness = TRY(opt_uint(mem, "swappiness", "linux.resources.memory"));
  if (r.memory_swappiness && *r.memory_swappiness > 100)
    return bad("linux.resources.memory.swappiness", "must be 0 to 100");
  r.disable_oom_killer = TRY(opt_bool(mem, "disableOOMKiller", "linux.resources.memory"));
  r.cpu_burst = TRY(opt_uint(cpu, "burst", "linux.resources.cpu"));
  for (const char* key : {"realtimeRuntime", "realtimePeriod", "idle"})
    if (set_and_not_empty(member(cpu, key)))
      return Error::make(
          Errc::kUnsupported,
          fmt::format("linux.resources.cpu.{}: not supported by strata-runtime", key));
  const Json& unified = member(res, "unified");
  TRY(check_object(unified, "linux.resources.unified"));
  if (unified.is_object())
    for (auto it = unified.begin(); it != unified.end(); ++it) {
      std::string f = "linux.resources.unified." + it.key();
      if (!it.value().is_string()) return bad(f, "want a string");
      if (it.key().find('/') != std::string::npos || it.key().find('.') == std::string::npos)
        return bad(f, "not a cgroup file name");
      r.unified[it.key()] = it.value().get<std::string>();
    }
  return r;
}

Result<void> parse_linux(const Json& linux, RuntimeSpec* s) {
  TRY(check_object(linux, "linux"));
  const Json& ns = member(linux, "namespaces");
  if (ns.is_array()) {
    for (size_t i = 0; i < ns.size(); ++i) {
      std::string f = fmt::format("linux.namespaces[{}]", i);
      Namespace n;
      n.type = TRY(opt_string(ns[i], "type", f)).value_or("");
      for (const auto& t : kNamespaces)
        if (n.type == t.name) n.flag = t.flag;
      if (n.flag == 0) return bad(f + ".type", fmt::format("unknown namespace \"{}\"", n.type));
      for (const auto& prev : s->namespaces)
        if (prev.flag == n.flag)
          return bad(f + ".type", fmt::format("namespace \"{}\" given twice", n.type));
      n.path = TRY(opt_string(ns[i], "path", f)).value_or("");
      if (!n.path.empty() && n.path[0] != '/') return bad(f + ".path", "must be an absolute path");
      s->namespaces.push_back(n);
    }
  } else if (!ns.is_null()) {
    return bad("linux.namespaces", "want an array");
  }
  s->uid_mappings = TRY(mappings(linux, "uidMappings"));
  s->gid_mappings = TRY(mappings(linux, "gidMappings"));
  bool userns = s->has_namespace(CLONE_NEWUSER);
  if (!userns && (!s->uid_mappings.empty() || !s->gid_mappings.empty()))
    return bad("linux.uidMappings", "mappings need a user namespace");
  const Json& sysctl = member(linux, "sysctl");
  TRY(check_object(sysctl, "linux.sysctl"));
  if (sysctl.is_object())
    for (auto it = sysctl.begin(); it != sysctl.end(); ++it) {
      if (!it.value().is_string()) return bad("linux.sysctl." + it.key(), "want a string");
      if (it.key().find("..") != std::string::npos || it.key().find('/') != std::string::npos)
        return bad("linux.sysctl." + it.key(), "invalid name");
      s->sysctl[it.key()] = it.value().get<std::string>();
    }
  s->resources = TRY(parse_resources(member(linux, "resources")));
  if (set_and_not_empty(member(linux, "intelRdt")))
    return Error::make(Errc::kUnsupported, "linux.intelRdt: not supported by strata-runtime");
  s->cgroups_path = TRY(opt_string(linux, "cgroupsPath", "linux")).value_or("");
  s->masked_paths = TRY(strings(linux, "maskedPaths", "linux"));
  s->readonly_paths = TRY(strings(linux, "readonlyPaths", "linux"));
  s->rootfs_propagation = TRY(opt_string(linux, "rootfsPropagation", "linux")).value_or("");
  static const char* kPropagations[] = {"",      "private", "rprivate",   "shared",     "rshared",
                                        "slave", "rslave",  "unbindable", "runbindable"};
  if (std::find(std::begin(kPropagations), std::end(kPropagations), s->rootfs_propagation) ==
      std::end(kPropagations))
    return bad("linux.rootfsPropagation",
               fmt::format("unknown propagation \"{}\"", s->rootfs_propagation));
  const Json& devs = member(linux, "devices");
  if (devs.is_array())
    for (size_t i = 0; i < devs.size(); ++i) {
      std::string f = fmt::format("linux.devices[{}]", i);
      Device d;
      d.path = TRY(opt_string(devs[i], "path", f)).value_or("");
      d.type = TRY(opt_string(devs[i], "type", f)).value_or("");
      if (d.path.empty() || d.path[0] != '/') return bad(f + ".path", "must be an absolute path");
      if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p")
        return bad(f + ".type", fmt::format("unknown device type \"{}\"", d.type));
      d.major = TRY(opt_int(devs[i], "major", f)).value_or(0);
      d.minor = TRY(opt_int(devs[i], "minor", f)).value_or(0);
      if (auto m = TRY(opt_uint(devs[i], "fileMode", f))) d.file_mode = static_cast<uint32_t>(*m);
      if (auto u = TRY(opt_uint(devs[i], "uid", f))) d.uid = static_cast<uint32_t>(*u);
      if (auto g = TRY(opt_uint(devs[i], "gid", f))) d.gid = static_cast<uint32_t>(*g);
      s->devices.push_back(d);
    }
  const Json& offsets = member(linux, "timeOffsets");
  TRY(check_object(offsets, "linux.timeOffsets"));
  if (offsets.is_object())
    for (auto it = offsets.begin(); it != offsets.end(); ++it) {
      std::string f = "linux.timeOffsets." + it.key();
      if (it.key() != "monotonic" && it.key() != "boottime")
        return bad(f, "unknown clock (want monotonic or boottime)");
      TRY(check_object(it.value(), f));
      int64_t secs = TRY(opt_int(it.value(), "secs", f)).value_or(0);
      uint64_t nsecs = TRY(opt_uint(it.value(), "nanosecs", f)).value_or(0);
      if (nsecs >= 1000000000) return bad(f + ".nanosecs", "must be below 1000000000");
      s->time_offsets[it.key()] = {secs, static_cast<uint32_t>(nsecs)};
    }
  const Json& pers = member(linux, "personality");
  TRY(check_object(pers, "linux.personality"));
  if (pers.is_object()) {
    std::string domain = TRY(opt_string(pers, "domain", "linux.personality")).value_or("");
    if (domain != "LINUX" && domain != "LINUX32")
      return bad("linux.personality.domain",
                 fmt::format("unknown domain \"{}\" (want LINUX or LINUX32)", domain));
    if (!TRY(strings(pers, "flags", "linux.personality")).empty())
      return Error::make(Errc::kUnsupported,
                         "linux.personality.flags: no personality flags are supported");
    s->personality_linux32 = domain == "LINUX32";
  }
  if (linux.contains("seccomp") && !linux["seccomp"].is_null()) {
    TRY(check_object(linux["seccomp"], "linux.seccomp"));
    s->seccomp = linux["seccomp"];
  }
  return {};
}

}  // namespace

bool Resources::any() const {
  return memory_limit || memory_reservation || memory_swap || cpu_shares || cpu_quota ||
         cpu_period || !cpuset_cpus.empty() || !cpuset_mems.empty() || pids_limit ||
         memory_swappiness || disable_oom_killer || cpu_burst || !unified.empty();
}

bool RuntimeSpec::has_namespace(int flag) const {
  for (const auto& n : namespaces)
    if (n.flag == flag) return true;
  return false;
}

Result<RuntimeSpec> parse_spec(std::string_view text) {
  Json j = TRY(oci::parse_json(text, "config.json"));
  if (!j.is_object()) return bad("config.json", "want a JSON object");
  RuntimeSpec s;
  s.oci_version = TRY(opt_string(j, "ociVersion", "config")).value_or("");
  if (s.oci_version.empty()) return bad("ociVersion", "missing");
  TRY(check_version(s.oci_version));
  const Json& root = member(j, "root");
  TRY(check_object(root, "root"));
  s.root_path = TRY(opt_string(root, "path", "root")).value_or("");
  if (s.root_path.empty()) return bad("root.path", "missing");
  s.root_readonly = TRY(opt_bool(root, "readonly", "root"));
  if (!j.contains("process") || j["process"].is_null()) return bad("process", "missing");
  s.process = TRY(parse_process(j["process"]));
  s.hostname = TRY(opt_string(j, "hostname", "config")).value_or("");
  s.domainname = TRY(opt_string(j, "domainname", "config")).value_or("");
  const Json& mounts = member(j, "mounts");
  if (mounts.is_array()) {
    for (size_t i = 0; i < mounts.size(); ++i) {
      std::string f = fmt::format("mounts[{}]", i);
      TRY(check_object(mounts[i], f));
      Mount m;
      m.destination = TRY(opt_string(mounts[i], "destination", f)).value_or("");
      if (m.destination.empty() || m.destination[0] != '/')
        return bad(f + ".destination", "must be an absolute path");
      m.type = TRY(opt_string(mounts[i], "type", f)).value_or("");
      m.source = TRY(opt_string(mounts[i], "source", f)).value_or("");
      m.options = TRY(strings(mounts[i], "options", f));
      s.mounts.push_back(std::move(m));
    }
  } else if (!mounts.is_null()) {
    return bad("mounts", "want an array");
  }
  TRY(parse_linux(member(j, "linux"), &s));
  const Json& hooks = member(j, "hooks");
  TRY(check_object(hooks, "hooks"));
  s.hooks.prestart = TRY(parse_hooks(hooks, "prestart"));
  s.hooks.create_runtime = TRY(parse_hooks(hooks, "createRuntime"));
  s.hooks.create_container = TRY(parse_hooks(hooks, "createContainer"));
  s.hooks.start_container = TRY(parse_hooks(hooks, "startContainer"));
  s.hooks.poststart = TRY(parse_hooks(hooks, "poststart"));
  s.hooks.poststop = TRY(parse_hooks(hooks, "poststop"));
  const Json& ann = member(j, "annotations");
  TRY(check_object(ann, "annotations"));
  if (ann.is_object())
    for (auto it = ann.begin(); it != ann.end(); ++it) {
      if (!it.value().is_string()) return bad("annotations." + it.key(), "want a string");
      s.annotations[it.key()] = it.value().get<std::string>();
    }
  return s;
}

int capability_from_name(std::string_view name) {
  static constexpr const char* kCaps[] = {"CAP_CHOWN",
                                          "CAP_DAC_OVERRIDE",
                                          "CAP_DAC_READ_SEARCH",
                                          "CAP_FOWNER",
                                          "CAP_FSETID",
                                          "CAP_KILL",
                                          "CAP_SETGID",
                                          "CAP_SETUID",
                                          "CAP_SETPCAP",
                                          "CAP_LINUX_IMMUTABLE",
                                          "CAP_NET_BIND_SERVICE",
                                          "CAP_NET_BROADCAST",
                                          "CAP_NET_ADMIN",
                                          "CAP_NET_RAW",
                                          "CAP_IPC_LOCK",
                                          "CAP_IPC_OWNER",
                                          "CAP_SYS_MODULE",
                                          "CAP_SYS_RAWIO",
                                          "CAP_SYS_CHROOT",
                                          "CAP_SYS_PTRACE",
                                          "CAP_SYS_PACCT",
                                          "CAP_SYS_ADMIN",
                                          "CAP_SYS_BOOT",
                                          "CAP_SYS_NICE",
                                          "CAP_SYS_RESOURCE",
                                          "CAP_SYS_TIME",
                                          "CAP_SYS_TTY_CONFIG",
                                          "CAP_MKNOD",
                                          "CAP_LEASE",
                                          "CAP_AUDIT_WRITE",
                                          "CAP_AUDIT_CONTROL",
                                          "CAP_SETFCAP",
                                          "CAP_MAC_OVERRIDE",
                                          "CAP_MAC_ADMIN",
                                          "CAP_SYSLOG",
                                          "CAP_WAKE_ALARM",
                                          "CAP_BLOCK_SUSPEND",
                                          "CAP_AUDIT_READ",
                                          "CAP_PERFMON",
                                          "CAP_BPF",
                                          "CAP_CHECKPOINT_RESTORE"};
  for (int i = 0; i < static_cast<int>(std::size(kCaps)); ++i)
    if (name == kCaps[i]) return i;
  return -1;
}

int rlimit_from_name(std::string_view name) {
  static constexpr std::pair<const char*, int> kLimits[] = {
      {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
      {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME}};
  for (const auto& [n, v] : kLimits)
    if (name == n) return v;
  return -1;
}

}  // namespace strata::oci
