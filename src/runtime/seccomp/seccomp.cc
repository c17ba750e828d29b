// SPDX-License-Identifier: Apache-2.0
#include "runtime/seccomp/seccomp.h"

#include <dirent.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <set>

#include "oci/runtime_spec_reader.h"
#include "sys/fs.h"
#include "sys/unix_socket.h"
#include "util/defer.h"
#include "util/strings.h"
#include "util/unique_fd.h"

namespace strata::runtime::seccomp {

namespace {

using oci::Json;
using oci::spec_reader::bad;
using oci::spec_reader::Fields;

Result<uint32_t> action(const Fields& obj, const char* key, const char* errno_key) {
  auto a = TRY(obj.opt_string(key));
  if (!a) return bad(obj.at(key), "want an action string");
  // The errno (or tracer message) rides in SECCOMP_RET_DATA, 16 bits.
  uint32_t ret = static_cast<uint32_t>(TRY(obj.opt<uint16_t>(errno_key)).value_or(EPERM));
  if (*a == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (*a == "SCMP_ACT_KILL" || *a == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (*a == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (*a == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (*a == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(ret);
  if (*a == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(ret);
  if (*a == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (*a == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
  return bad(obj.at(key), fmt::format("unknown action \"{}\"", *a));
}

Result<scmp_compare> compare_op(const std::string& op, const std::string& field) {
  static constexpr std::pair<std::string_view, scmp_compare> kOps[] = {
      {"SCMP_CMP_NE", SCMP_CMP_NE},
      {"SCMP_CMP_LT", SCMP_CMP_LT},
      {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ},
      {"SCMP_CMP_GE", SCMP_CMP_GE},
      {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  for (const auto& [name, cmp] : kOps)
    if (op == name) return cmp;
  return bad(field, fmt::format("unknown operator \"{}\"", op));
}

// One linux.seccomp.syscalls entry, checked and resolved before libseccomp sees any
// of the profile (libseccomp 2.5 leaks a context released with rules half-added, and a
// profile that fails should change nothing anyway).
struct Rule {
  std::string at;  // "linux.seccomp.syscalls[3]"
  uint32_t action = 0;
  std::vector<std::string> names;
  std::vector<scmp_arg_cmp> args;
  bool repeated = false;  // several conditions on one argument
};

Result<std::vector<uint32_t>> parse_arches(const Fields& s) {
  std::vector<uint32_t> out;
  auto names = TRY(s.strings("architectures"));
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    std::string lower = name.starts_with("SCMP_ARCH_") ? name.substr(10) : name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    uint32_t arch = seccomp_arch_resolve_name(lower.c_str());
    if (arch == 0)
      return bad(fmt::format("{}[{}]", s.at("architectures"), i),
                 fmt::format("unknown architecture \"{}\"", name));
    out.push_back(arch);
  }
  return out;
}

Result<void> add_arches(scmp_filter_ctx ctx, const std::vector<uint32_t>& arches) {
  for (uint32_t arch : arches) {
    int rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST)
      return Error::from_errno(-rc, fmt::format("linux.seccomp: add architecture {:#x}", arch));
  }
  return {};
}

// The syscall names of a rule: `names`, and the older single `name`.
Result<std::vector<std::string>> rule_names(const Fields& rule) {
  auto names = TRY(rule.strings("names"));
  if (auto n = TRY(rule.opt_string("name"))) names.push_back(*n);
  return names;
}

// A rule's argument conditions; *repeated says whether one argument has several.
Result<std::vector<scmp_arg_cmp>> rule_args(const Fields& rule, bool* repeated) {
  std::vector<scmp_arg_cmp> args;
  std::set<unsigned> indexes;
  *repeated = false;
  for (const Fields& a : TRY(rule.objects("args"))) {
    auto idx = TRY(a.opt_uint("index", 5));
    if (!idx) return bad(a.at("index"), "missing (want 0 to 5)");
    auto op_name = TRY(a.opt_string("op"));
    if (!op_name) return bad(a.at("op"), "missing");
    scmp_compare op = TRY(compare_op(*op_name, a.at("op")));
    uint64_t value = TRY(a.opt<uint64_t>("value")).value_or(0);
    uint64_t value_two = TRY(a.opt<uint64_t>("valueTwo")).value_or(0);
    *repeated |= !indexes.insert(static_cast<unsigned>(*idx)).second;
    args.push_back({static_cast<unsigned>(*idx), op, value, value_two});
  }
  return args;
}

Result<void> add_rule(scmp_filter_ctx ctx, const Rule& rule) {
  auto failed = [&](int rc, const std::string& name) {
    return Error::from_errno(-rc, printable(fmt::format("{}: add rule for {}", rule.at, name)));
  };
  for (const auto& name : rule.names) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // unknown on this kernel/arch: skipped, as runc does
    // libseccomp takes one comparison per argument in a rule; conditions on the same
    // argument become separate rules (runc's reading of the spec).
    if (!rule.repeated) {
      int rc = seccomp_rule_add_array(ctx, rule.action, nr, static_cast<unsigned>(rule.args.size()),
                                      rule.args.data());
      if (rc < 0 && rc != -EEXIST && rc != -EACCES) return failed(rc, name);  // same as default
      continue;
    }
    for (const auto& a : rule.args) {
      int rc = seccomp_rule_add_array(ctx, rule.action, nr, 1, &a);
      if (rc < 0 && rc != -EEXIST && rc != -EACCES) return failed(rc, name);
    }
  }
  return {};
}

// A SCMP_ACT_NOTIFY rule needs an agent to send the listener fd to, and must not
// catch the sendmsg(2) the init hands that fd over with.
Result<void> check_notify(const Fields& rule, const std::string& path) {
  if (path.empty())
    return bad(rule.at("action"), "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
  for (const auto& n : TRY(rule_names(rule)))
    if (n == "sendmsg")
      return bad(rule.at("action"),
                 "SCMP_ACT_NOTIFY cannot be used for sendmsg (the runtime needs it to pass the "
                 "listener fd)");
  return {};
}

Result<unsigned> parse_flags(const Fields& s) {
  static constexpr std::pair<std::string_view, unsigned> kFlags[] = {
      {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
      {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
      {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
      {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1U << 5}};
  unsigned flags = 0;
  auto names = TRY(s.strings("flags"));
  for (size_t i = 0; i < names.size(); ++i) {
    unsigned f = 0;
    for (const auto& [name, bit] : kFlags)
      if (names[i] == name) f = bit;
    if (f == 0)
      return bad(fmt::format("{}[{}]", s.at("flags"), i),
                 fmt::format("unknown flag \"{}\"", names[i]));
    flags |= f;
  }
  return flags;
}

Result<std::string> export_bpf(scmp_filter_ctx ctx) {
  int mem = static_cast<int>(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (mem < 0) return Error::from_errno(errno, "memfd_create");
  UniqueFd guard(mem);
  int rc = seccomp_export_bpf(ctx, mem);
  if (rc < 0) return Error::from_errno(-rc, "linux.seccomp: export BPF");
  off_t size = ::lseek(mem, 0, SEEK_END);
  if (size < 0) return Error::from_errno(errno, "linux.seccomp: size of the BPF");
  std::string bpf(static_cast<size_t>(size), '\0');
  if (::pread(mem, bpf.data(), bpf.size(), 0) != size) return Error::from_errno(errno, "read BPF");
  return bpf;
}

// Every rule of linux.seccomp.syscalls but those equal to the default (libseccomp
// refuses them).
Result<std::vector<Rule>> parse_rules(const Fields& s, uint32_t def,
                                      const std::string& listener_path) {
  std::vector<Rule> out;
  for (const Fields& f : TRY(s.objects("syscalls"))) {
    Rule r;
    r.at = f.at();
    r.action = TRY(action(f, "action", "errnoRet"));
    r.names = TRY(rule_names(f));
    r.args = TRY(rule_args(f, &r.repeated));
    if (r.action == SCMP_ACT_NOTIFY) TRY(check_notify(f, listener_path));
    if (r.action != def) out.push_back(std::move(r));
  }
  return out;
}

// The parsed profile into BPF bytes.
Result<std::string> build_bpf(uint32_t def, const std::vector<uint32_t>& arches,
                              const std::vector<Rule>& rules) {
  scmp_filter_ctx ctx = seccomp_init(def);
  if (ctx == nullptr) return Error::make(Errc::kInternal, "linux.seccomp: seccomp_init failed");
  Defer release([&] { seccomp_release(ctx); });
  // no_new_privs is the runtime's decision (process.noNewPrivileges), not libseccomp's.
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  TRY(add_arches(ctx, arches));
  for (const auto& r : rules) TRY(add_rule(ctx, r));
  return export_bpf(ctx);
}

// Compiled filters are kept in the state root: libseccomp takes ~8 ms (most of a
// container's create) to build the default profile's BPF, and nearly every container
// and exec asks for the same one. The key is the whole parsed profile, length-prefixed
// (no two profiles share one), with libseccomp's version; the file name is a hash of
// it and the file holds the key, so a hash collision is a miss, never a wrong filter.
std::string& cache_dir() {
  static std::string dir;
  return dir;
}

void put_string(std::string* key, std::string_view v) { *key += fmt::format("{}:{}", v.size(), v); }

// Bump whenever how a profile becomes BPF changes here (rules, args, attributes): a
// filter cached by an older strata-runtime is then compiled afresh, never reused.
constexpr int kCompilerVersion = 1;

std::string cache_key(uint32_t def, const std::vector<uint32_t>& arches,
                      const std::vector<Rule>& rules) {
  const scmp_version* v = seccomp_version();
  std::string key = fmt::format("strata {} libseccomp {}.{}.{} default {} arches", kCompilerVersion,
                                v->major, v->minor, v->micro, def);
  for (uint32_t a : arches) key += fmt::format(" {}", a);
  for (const auto& r : rules) {
    key += fmt::format("\nrule {} {} {}", r.action, r.repeated ? 1 : 0, r.names.size());
    for (const auto& n : r.names) put_string(&key, n);
    for (const auto& a : r.args)
      key += fmt::format(" {} {} {} {}", a.arg, +a.op, a.datum_a, a.datum_b);
  }
  return key;
}

// FNV-1a: only spreads the keys over file names (the key itself is compared).
std::string cache_path(const std::string& key) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ULL;
  return fmt::format("{}/{:016x}", cache_dir(), h);
}

constexpr std::string_view kCacheMagic = "strata-seccomp-cache 1\n";

// The cached BPF for `key`, if its file holds exactly this key and a whole program.
std::optional<std::string> cached_bpf(const std::string& key) {
  auto text = sys::read_file(cache_path(key), 1 << 20);
  if (!text.ok()) return std::nullopt;
  std::string_view t = *text;
  std::string head = fmt::format("{}{}\n{}", kCacheMagic, key.size(), key);
  if (!t.starts_with(head)) return std::nullopt;
  t.remove_prefix(head.size());
  size_t nl = t.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  std::string size(t.substr(0, nl));
  std::string_view bpf = t.substr(nl + 1);
  if (size != std::to_string(bpf.size()) || bpf.empty() || bpf.size() % 8 != 0) return std::nullopt;
  return std::string(bpf);
}

// Profiles a user makes up one after another do not fill /run: past kMaxCached files
// new ones are compiled every time.
constexpr size_t kMaxCached = 64;

void cache_bpf(const std::string& key, const std::string& bpf) {
  if (!sys::mkdir_p(cache_dir(), 0700).ok()) return;  // a cache that cannot be written: no cache
  if (DIR* d = ::opendir(cache_dir().c_str())) {
    size_t n = 0;
    while (struct dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
    if (n >= kMaxCached) return;
  }
  (void)sys::write_file_atomic(
      cache_path(key), fmt::format("{}{}\n{}{}\n{}", kCacheMagic, key.size(), key, bpf.size(), bpf),
      0600);
}

}  // namespace

void set_cache_dir(const std::string& dir) { cache_dir() = dir; }

Result<Filter> compile(const Json& j) {
  if (!j.is_object()) return bad("linux.seccomp", "want an object");
  Fields s = TRY(Fields::of(j, "linux.seccomp"));
  uint32_t def = TRY(action(s, "defaultAction", "defaultErrnoRet"));
  // The init itself would stop at its first call, before it could hand over the fd.
  if (def == SCMP_ACT_NOTIFY)
    return bad(s.at("defaultAction"), "SCMP_ACT_NOTIFY cannot be the default action");
  Filter f;
  f.listener_path = TRY(s.string_or("listenerPath"));
  f.listener_metadata = TRY(s.string_or("listenerMetadata"));
  if (!f.listener_metadata.empty() && f.listener_path.empty())
    return bad(s.at("listenerMetadata"), "needs linux.seccomp.listenerPath");
  auto arches = TRY(parse_arches(s));
  auto rules = TRY(parse_rules(s, def, f.listener_path));
  bool notify = std::any_of(rules.begin(), rules.end(),
                            [](const Rule& r) { return r.action == SCMP_ACT_NOTIFY; });
  f.flags = TRY(parse_flags(s));
  if (notify) {
    // TSYNC and NEW_LISTENER together need TSYNC_ESRCH; a single-threaded init has
    // no other thread to synchronise anyway.
    if (f.flags & SECCOMP_FILTER_FLAG_TSYNC)
      return bad(s.at("flags"),
                 "SECCOMP_FILTER_FLAG_TSYNC cannot be combined with SCMP_ACT_NOTIFY");
    f.flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  } else {
    f.listener_path.clear();  // "If SCMP_ACT_NOTIFY is not used this value is ignored."
  }
  std::string key = cache_key(def, arches, rules);
  if (auto bpf = cache_dir().empty() ? std::nullopt : cached_bpf(key)) {
    f.bpf = std::move(*bpf);
    return f;
  }
  f.bpf = TRY(build_bpf(def, arches, rules));
  if (!cache_dir().empty()) cache_bpf(key, f.bpf);
  return f;
}

Result<void> send_to_agent(const std::string& listener_path, const std::string& metadata,
                           const Json& state, int pid, int fd) {
  Json msg = Json::object();
  msg["ociVersion"] =
      state.is_object() && state.contains("ociVersion") ? state["ociVersion"] : Json("1.2.0");
  msg["fds"] = Json::array({"seccompFd"});
  msg["pid"] = pid;
  if (!metadata.empty()) msg["metadata"] = metadata;
  msg["state"] = state;
  std::string text = oci::dump_json(msg);
  UniqueFd sock = TRY(sys::connect_unix(listener_path, "linux.seccomp.listenerPath"));
  // The fd rides on the first sendmsg; a short write is finished with plain writes.
  ssize_t n = sys::send_with_fd(sock.get(), text, fd);
  if (n < 0)
    return Error::from_errno(errno,
                             fmt::format("linux.seccomp.listenerPath `{}`: send", listener_path));
  for (size_t done = static_cast<size_t>(n); done < text.size();) {
    ssize_t w = ::send(sock.get(), text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0)
      return Error::from_errno(errno,
                               fmt::format("linux.seccomp.listenerPath `{}`: send", listener_path));
    done += static_cast<size_t>(w);
  }
  return {};
}

}  // namespace strata::runtime::seccomp
