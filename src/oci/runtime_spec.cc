// SPDX-License-Identifier: Apache-2.0
// config.json -> RuntimeSpec: the document, process, namespaces, mappings, mounts,
// devices, hooks, the smaller linux members and the sysctl rules. Resources are read in
// runtime_spec_resources.cc, written back in runtime_spec_write.cc.
#include "oci/runtime_spec.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <climits>

#include "oci/runtime_spec_internal.h"
#include "oci/runtime_spec_reader.h"
#include "util/strings.h"

namespace strata::oci {

using spec_reader::bad;
using spec_reader::Fields;

namespace {

// kSupported: 1.0.0 to 1.3.x, with an optional pre-release suffix ("1.0.2-dev").
// Checked by hand: std::regex recurses per character and could overflow the stack
// on a hostile version string.
bool supported_version(std::string_view v) {
  auto number = [&](size_t* i) {
    size_t start = *i;
    while (*i < v.size() && v[*i] >= '0' && v[*i] <= '9') ++*i;
    return *i > start;
  };
  if (!v.starts_with("1.") || v.size() < 5 || v[2] < '0' || v[2] > '3' || v[3] != '.') return false;
  size_t i = 4;
  if (!number(&i)) return false;
  if (i == v.size()) return true;
  if (v[i] != '-' || i + 1 == v.size()) return false;
  for (char c : v.substr(i + 1))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-')
      return false;
  return true;
}

Result<void> check_version(const std::string& v) {
  if (!supported_version(v))
    return Error::make(
        Errc::kUnsupported,
        printable(fmt::format("ociVersion \"{}\": supported versions are 1.0.0 to 1.3.x", v)));
  return {};
}

Result<std::vector<IdMapping>> parse_mappings(const Fields& linux, const char* key) {
  std::vector<IdMapping> out;
  for (const Fields& m : TRY(linux.objects(key))) {
    const std::string& at = m.at();
    auto c = TRY(m.opt<uint32_t>("containerID")), h = TRY(m.opt<uint32_t>("hostID")),
         s = TRY(m.opt<uint32_t>("size"));
    if (!c || !h || !s) return bad(at, "want containerID, hostID and size");
    if (*s == 0) return bad(at + ".size", "must be at least 1");
    if (uint64_t{*c} + *s - 1 > UINT32_MAX || uint64_t{*h} + *s - 1 > UINT32_MAX)
      return bad(at, "range beyond 2^32-1");
    out.push_back({*c, *h, *s});
  }
  return out;
}

Result<std::optional<std::pair<uint16_t, uint16_t>>> parse_console_size(const Fields& p) {
  if (!p.has("consoleSize")) return std::optional<std::pair<uint16_t, uint16_t>>();
  Fields cs = TRY(p.object("consoleSize"));
  auto h = TRY(cs.opt<uint16_t>("height")), w = TRY(cs.opt<uint16_t>("width"));
  if (!h || !w) return bad(cs.at(), "want height and width");
  return std::optional<std::pair<uint16_t, uint16_t>>(std::make_pair(*h, *w));
}

// The largest uid or gid a process or a file may have (4294967295 is the "no id" -1).
constexpr uint64_t kMaxId = 4294967294;

Result<User> parse_user(const Fields& p) {
  Fields u = TRY(p.object("user"));
  User out;
  // (uid_t)-1 is "leave unchanged" to setresuid and setresgid: 4294967295 would keep the
  // runtime's root. Ids stop one short of it, as the kernel's own maps do.
  out.uid = static_cast<uint32_t>(TRY(u.opt_uint("uid", kMaxId)).value_or(0));
  out.gid = static_cast<uint32_t>(TRY(u.opt_uint("gid", kMaxId)).value_or(0));
  // umask(2) takes the permission bits only.
  if (auto m = TRY(u.opt_uint("umask", 0777))) out.umask = static_cast<uint32_t>(*m);
  for (const auto& [g, at] : TRY(u.array("additionalGids")))
    out.additional_gids.push_back(static_cast<uint32_t>(TRY(uint_in_range(*g, at, kMaxId))));
  return out;
}

Result<std::optional<Capabilities>> parse_capabilities(const Fields& p) {
  if (!p.has("capabilities")) return std::optional<Capabilities>();
  Fields caps = TRY(p.object("capabilities"));
  Capabilities c;
  std::pair<const char*, std::vector<int>*> sets[] = {{"bounding", &c.bounding},
                                                      {"effective", &c.effective},
                                                      {"inheritable", &c.inheritable},
                                                      {"permitted", &c.permitted},
                                                      {"ambient", &c.ambient}};
  for (auto& [name, vec] : sets) {
    auto names = TRY(caps.strings(name));
    for (size_t i = 0; i < names.size(); ++i) {
      int cap = capability_from_name(names[i]);
      if (cap < 0)
        return bad(fmt::format("{}.{}[{}]", caps.at(), name, i),
                   fmt::format("unknown capability \"{}\"", names[i]));
      vec->push_back(cap);
    }
  }
  return std::optional<Capabilities>(c);
}

Result<std::vector<Rlimit>> parse_rlimits(const Fields& p) {
  std::vector<Rlimit> out;
  for (const Fields& f : TRY(p.objects("rlimits"))) {
    const std::string& at = f.at();
    Rlimit r;
    r.type = TRY(f.string_or("type"));
    r.resource = rlimit_from_name(r.type);
    if (r.resource < 0) return bad(at + ".type", fmt::format("unknown rlimit \"{}\"", r.type));
    auto soft = TRY(f.opt<uint64_t>("soft")), hard = TRY(f.opt<uint64_t>("hard"));
    if (!soft || !hard) return bad(at, "want soft and hard");
    if (*soft > *hard) return bad(at, "soft limit above hard limit");
    r.soft = *soft;
    r.hard = *hard;
    out.push_back(r);
  }
  return out;
}

}  // namespace

Result<Process> parse_process(const Json& j) {
  Fields p = TRY(Fields::of(j, "process"));
  Process out;
  out.terminal = TRY(p.bool_or("terminal"));
  out.console_size = TRY(parse_console_size(p));
  out.args = TRY(p.strings("args"));
  if (out.args.empty()) return bad("process.args", "must name a program to run");
  out.env = TRY(p.strings("env"));
  auto cwd = TRY(p.opt_string("cwd"));
  if (!cwd) return bad("process.cwd", "missing");
  if (cwd->empty() || (*cwd)[0] != '/') return bad("process.cwd", "must be an absolute path");
  out.cwd = *cwd;
  out.user = TRY(parse_user(p));
  out.capabilities = TRY(parse_capabilities(p));
  out.rlimits = TRY(parse_rlimits(p));
  out.no_new_privileges = TRY(p.bool_or("noNewPrivileges"));
  if (auto adj = TRY(p.opt_int("oomScoreAdj", -1000, 1000)))
    out.oom_score_adj = static_cast<int>(*adj);
  out.apparmor_profile = TRY(p.string_or("apparmorProfile"));
  out.selinux_label = TRY(p.string_or("selinuxLabel"));
  return out;
}

namespace {

Result<std::vector<Hook>> parse_hooks(const Fields& hooks, const char* key) {
  std::vector<Hook> out;
  for (const Fields& f : TRY(hooks.objects(key))) {
    const std::string& at = f.at();
    Hook h;
    h.path = TRY(f.string_or("path"));
    if (h.path.empty() || h.path[0] != '/') return bad(at + ".path", "must be an absolute path");
    h.args = TRY(f.strings("args"));
    h.env = TRY(f.strings("env"));
    if (auto t = TRY(f.opt_int("timeout", 1, INT_MAX))) h.timeout = static_cast<int>(*t);
    out.push_back(std::move(h));
  }
  return out;
}

Result<Hooks> parse_all_hooks(const Fields& doc) {
  Fields hooks = TRY(doc.object("hooks"));
  Hooks h;
  h.prestart = TRY(parse_hooks(hooks, "prestart"));
  h.create_runtime = TRY(parse_hooks(hooks, "createRuntime"));
  h.create_container = TRY(parse_hooks(hooks, "createContainer"));
  h.start_container = TRY(parse_hooks(hooks, "startContainer"));
  h.poststart = TRY(parse_hooks(hooks, "poststart"));
  h.poststop = TRY(parse_hooks(hooks, "poststop"));
  return h;
}

Result<std::vector<Namespace>> parse_namespaces(const Fields& linux) {
  std::vector<Namespace> out;
  for (const Fields& f : TRY(linux.objects("namespaces"))) {
    const std::string& at = f.at();
    Namespace n;
    n.type = TRY(f.string_or("type"));
    n.flag = namespace_flag(n.type);
    if (n.flag == 0) return bad(at + ".type", fmt::format("unknown namespace \"{}\"", n.type));
    for (const auto& prev : out)
      if (prev.flag == n.flag)
        return bad(at + ".type", fmt::format("namespace \"{}\" given twice", n.type));
    n.path = TRY(f.string_or("path"));
    if (!n.path.empty() && n.path[0] != '/') return bad(at + ".path", "must be an absolute path");
    out.push_back(n);
  }
  return out;
}

Result<std::vector<Device>> parse_devices(const Fields& linux) {
  std::vector<Device> out;
  for (const Fields& f : TRY(linux.objects("devices"))) {
    const std::string& at = f.at();
    Device d;
    d.path = TRY(f.string_or("path"));
    d.type = TRY(f.string_or("type"));
    if (d.path.empty() || d.path[0] != '/') return bad(at + ".path", "must be an absolute path");
    if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p")
      return bad(at + ".type", fmt::format("unknown device type \"{}\"", d.type));
    d.major = TRY(f.opt_int("major", 0, kMaxDeviceMajor)).value_or(0);
    d.minor = TRY(f.opt_int("minor", 0, kMaxDeviceMinor)).value_or(0);
    // Permission bits only: the type comes from `type` (runc strips S_IFMT too).
    if (auto m = TRY(f.opt_uint("fileMode", 07777))) d.file_mode = static_cast<uint32_t>(*m);
    if (auto id = TRY(f.opt_uint("uid", kMaxId))) d.uid = static_cast<uint32_t>(*id);
    if (auto id = TRY(f.opt_uint("gid", kMaxId))) d.gid = static_cast<uint32_t>(*id);
    out.push_back(d);
  }
  return out;
}

Result<std::map<std::string, std::pair<int64_t, uint32_t>>> parse_time_offsets(
    const Fields& linux) {
  std::map<std::string, std::pair<int64_t, uint32_t>> out;
  Fields offsets = TRY(linux.object("timeOffsets"));
  for (const auto& [clock, j] : offsets.members()) {
    std::string at = offsets.at(clock);
    if (clock != "monotonic" && clock != "boottime")
      return bad(at, "unknown clock (want monotonic or boottime)");
    Fields f = TRY(Fields::of(*j, at));
    int64_t secs = TRY(f.opt<int64_t>("secs")).value_or(0);
    uint64_t nsecs = TRY(f.opt_uint("nanosecs", 999999999)).value_or(0);
    out[clock] = {secs, static_cast<uint32_t>(nsecs)};
  }
  return out;
}

Result<bool> parse_personality(const Fields& linux) {
  if (!linux.has("personality")) return false;
  Fields pers = TRY(linux.object("personality"));
  std::string domain = TRY(pers.string_or("domain"));
  if (domain != "LINUX" && domain != "LINUX32")
    return bad("linux.personality.domain",
               fmt::format("unknown domain \"{}\" (want LINUX or LINUX32)", domain));
  if (!TRY(pers.strings("flags")).empty())
    return Error::make(Errc::kUnsupported,
                       "linux.personality.flags: no personality flags are supported");
  return domain == "LINUX32";
}

Result<void> check_propagation(const std::string& p) {
  static const char* kPropagations[] = {"",      "private", "rprivate",   "shared",     "rshared",
                                        "slave", "rslave",  "unbindable", "runbindable"};
  if (std::find(std::begin(kPropagations), std::end(kPropagations), p) == std::end(kPropagations))
    return bad("linux.rootfsPropagation", fmt::format("unknown propagation \"{}\"", p));
  return {};
}

Result<std::map<std::string, std::string>> parse_sysctl_keys(const Fields& linux) {
  auto out = TRY(linux.string_map("sysctl"));
  for (const auto& [k, v] : out)
    if (k.empty() || k.find("..") != std::string::npos || k.find('/') != std::string::npos)
      return bad("linux.sysctl." + k, "invalid name");
  return out;
}

Result<void> parse_linux(const Fields& doc, RuntimeSpec* s) {
  Fields linux = TRY(doc.object("linux"));
  s->namespaces = TRY(parse_namespaces(linux));
  s->uid_mappings = TRY(parse_mappings(linux, "uidMappings"));
  s->gid_mappings = TRY(parse_mappings(linux, "gidMappings"));
  if (!s->has_namespace(CLONE_NEWUSER) && (!s->uid_mappings.empty() || !s->gid_mappings.empty()))
    return bad("linux.uidMappings", "mappings need a user namespace");
  s->sysctl = TRY(parse_sysctl_keys(linux));
  s->resources = TRY(parse_resources(linux));
  if (const Json* rdt = linux.get("intelRdt"); rdt != nullptr && !is_empty_value(*rdt))
    return Error::make(Errc::kUnsupported, "linux.intelRdt: not supported by strata-runtime");
  s->cgroups_path = TRY(linux.string_or("cgroupsPath"));
  s->masked_paths = TRY(linux.strings("maskedPaths"));
  s->readonly_paths = TRY(linux.strings("readonlyPaths"));
  s->rootfs_propagation = TRY(linux.string_or("rootfsPropagation"));
  TRY(check_propagation(s->rootfs_propagation));
  s->devices = TRY(parse_devices(linux));
  s->time_offsets = TRY(parse_time_offsets(linux));
  s->personality_linux32 = TRY(parse_personality(linux));
  if (linux.has("seccomp")) {
    TRY(linux.object("seccomp"));  // compiled (and checked member by member) by seccomp/
    s->seccomp = *linux.get("seccomp");
  }
  return {};
}

Result<std::vector<Mount>> parse_mounts(const Fields& doc) {
  std::vector<Mount> out;
  for (const Fields& f : TRY(doc.objects("mounts"))) {
    const std::string& at = f.at();
    Mount m;
    m.destination = TRY(f.string_or("destination"));
    if (m.destination.empty() || m.destination[0] != '/')
      return bad(at + ".destination", "must be an absolute path");
    m.type = TRY(f.string_or("type"));
    m.source = TRY(f.string_or("source"));
    m.options = TRY(f.strings("options"));
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

int namespace_flag(std::string_view type) {
  for (const auto& [name, flag] : kNamespaceTypes)
    if (type == name) return flag;
  return 0;
}

std::string_view namespace_type(int flag) {
  for (const auto& [name, f] : kNamespaceTypes)
    if (flag == f) return name;
  return "";
}

bool is_empty_value(const Json& j) {
  if (j.is_null()) return true;
  if (j.is_object() || j.is_array()) return j.empty();
  if (j.is_number_unsigned()) return j.get<uint64_t>() == 0;
  if (j.is_number_integer()) return j.get<int64_t>() == 0;
  if (j.is_number_float()) return j.get<double>() == 0;
  if (j.is_boolean()) return !j.get<bool>();
  return j.is_string() && j.get<std::string>().empty();
}

bool RuntimeSpec::has_namespace(int flag) const { return find_namespace(flag) != nullptr; }

const Namespace* RuntimeSpec::find_namespace(int flag) const {
  for (const auto& n : namespaces)
    if (n.flag == flag) return &n;
  return nullptr;
}

Result<RuntimeSpec> parse_spec(std::string_view text) {
  Json j = TRY(oci::parse_json(text, "config.json"));
  if (!j.is_object()) return bad("config.json", "want a JSON object");
  Fields doc = TRY(Fields::of(j, ""));
  RuntimeSpec s;
  s.oci_version = TRY(doc.string_or("ociVersion"));
  if (s.oci_version.empty()) return bad("ociVersion", "missing");
  TRY(check_version(s.oci_version));
  Fields root = TRY(doc.object("root"));
  s.root_path = TRY(root.string_or("path"));
  if (s.root_path.empty()) return bad("root.path", "missing");
  s.root_readonly = TRY(root.bool_or("readonly"));
  if (!doc.has("process")) return bad("process", "missing");
  s.process = TRY(parse_process(*doc.get("process")));
  s.hostname = TRY(doc.string_or("hostname"));
  s.domainname = TRY(doc.string_or("domainname"));
  s.mounts = TRY(parse_mounts(doc));
  TRY(parse_linux(doc, &s));
  s.hooks = TRY(parse_all_hooks(doc));
  s.annotations = TRY(doc.string_map("annotations"));
  TRY(check_sysctl(s));
  return s;
}

// Which linux.sysctl keys a container may set: only those a namespace of its own
// isolates (runc's libcontainer/configs/validate validator.sysctl). /proc/sys is the
// host's for everything else, so `vm.swappiness` or `kernel.core_pattern` in a bundle
// would be written to the host by the init, as root.
bool is_own_namespace(const std::string& path, std::string_view type) {
  struct stat a, b;
  std::string own = fmt::format("/proc/self/ns/{}", type);
  if (::stat(path.c_str(), &a) < 0 || ::stat(own.c_str(), &b) < 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

namespace {

// IPC keys isolated by an ipc namespace (ipc/ipc_sysctl.c), besides fs.mqueue.*.
constexpr std::string_view kIpcKeys[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                         "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                         "kernel.shmmni", "kernel.shm_rmid_forced"};

bool is_ipc_key(std::string_view key) {
  for (auto k : kIpcKeys)
    if (key == k) return true;
  return key.starts_with("fs.mqueue.");
}

Error refuse(const std::string& key, std::string_view why) {
  return bad(fmt::format("linux.sysctl.{}", key), why);
}

Result<void> check_key(const RuntimeSpec& spec, const std::string& key) {
  if (is_ipc_key(key)) {
    if (!spec.has_namespace(CLONE_NEWIPC))
      return refuse(key, "needs an ipc namespace (it would be set on the host's)");
    return {};
  }
  if (key.starts_with("net.")) {
    const Namespace* net = spec.find_namespace(CLONE_NEWNET);
    if (net == nullptr)
      return refuse(key, "needs a network namespace (it would be set on the host's)");
    if (!net->path.empty() && is_own_namespace(net->path, "net"))
      return refuse(key, fmt::format("the network namespace `{}` is the host's", net->path));
    return {};
  }
  for (auto [name, field] :
       {std::pair<std::string_view, const std::string*>{"kernel.hostname", &spec.hostname},
        {"kernel.domainname", &spec.domainname}}) {
    if (key != name) continue;
    if (!spec.has_namespace(CLONE_NEWUTS))
      return refuse(key, "needs a uts namespace (it would be set on the host's)");
    if (!field->empty())
      return refuse(key, fmt::format("conflicts with the {} field", name.substr(7)));
    return {};
  }
  return refuse(key, "not isolated by a namespace: it would be set on the host");
}

}  // namespace

Result<void> check_sysctl(const RuntimeSpec& spec) {
  for (const auto& [key, value] : spec.sysctl) TRY(check_key(spec, key));
  return {};
}

namespace {

constexpr const char* kCaps[] = {"CAP_CHOWN",
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

}  // namespace

int capability_from_name(std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(kCaps)); ++i)
    if (name == kCaps[i]) return i;
  return -1;
}

std::string_view capability_name(int cap) {
  if (cap < 0 || cap >= static_cast<int>(std::size(kCaps))) return "";
  return kCaps[cap];
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
