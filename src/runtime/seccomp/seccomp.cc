// SPDX-License-Identifier: Apache-2.0
#include "runtime/seccomp/seccomp.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>

#include "sys/unix_socket.h"
#include "util/defer.h"
#include "util/unique_fd.h"

namespace strata::runtime::seccomp {

namespace {

using oci::Json;

Error bad(const std::string& field, std::string_view why) {
  return Error::make(Errc::kInvalidArgument, fmt::format("linux.seccomp.{}: {}", field, why));
}

Result<uint32_t> action(const Json& obj, const std::string& field, const char* key,
                        uint32_t errno_ret) {
  if (!obj.contains(key) || !obj[key].is_string()) return bad(field, "want an action string");
  std::string a = obj[key].get<std::string>();
  if (a == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (a == "SCMP_ACT_KILL" || a == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (a == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (a == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (a == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret);
  if (a == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret);
  if (a == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (a == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
  return bad(field, fmt::format("unknown action \"{}\"", a));
}

// An optional string member; `prefix` + key names it in errors.
Result<std::string> string_of(const Json& obj, const char* key, const std::string& prefix = "") {
  if (!obj.contains(key) || obj[key].is_null()) return std::string();
  if (!obj[key].is_string()) return bad(prefix + key, "want a string");
  return obj[key].get<std::string>();
}

uint32_t errno_of(const Json& obj, const char* key) {
  return obj.contains(key) && obj[key].is_number_unsigned() ? obj[key].get<uint32_t>() : EPERM;
}

Result<scmp_compare> compare_op(const std::string& op, const std::string& field) {
  static const std::map<std::string, scmp_compare> kOps = {
      {"SCMP_CMP_NE", SCMP_CMP_NE},
      {"SCMP_CMP_LT", SCMP_CMP_LT},
      {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ},
      {"SCMP_CMP_GE", SCMP_CMP_GE},
      {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  auto it = kOps.find(op);
  if (it == kOps.end()) return bad(field, fmt::format("unknown operator \"{}\"", op));
  return it->second;
}

Result<void> add_arches(scmp_filter_ctx ctx, const Json& s) {
  if (!s.contains("architectures") || !s["architectures"].is_array()) return {};
  for (size_t i = 0; i < s["architectures"].size(); ++i) {
    const Json& a = s["architectures"][i];
    std::string name = a.is_string() ? a.get<std::string>() : "";
    std::string lower = name.starts_with("SCMP_ARCH_") ? name.substr(10) : name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    uint32_t arch = seccomp_arch_resolve_name(lower.c_str());
    if (arch == 0)
      return bad(fmt::format("architectures[{}]", i),
                 fmt::format("unknown architecture \"{}\"", name));
    int rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST)
      return Error::from_errno(-rc, fmt::format("linux.seccomp: add architecture {}", name));
  }
  return {};
}

Result<void> add_rule(scmp_filter_ctx ctx, uint32_t act, const Json& rule,
                      const std::string& field) {
  std::vector<std::string> names;
  if (rule.contains("names") && rule["names"].is_array())
    for (const auto& n : rule["names"])
      if (n.is_string()) names.push_back(n.get<std::string>());
  if (rule.contains("name") && rule["name"].is_string())
    names.push_back(rule["name"].get<std::string>());
  std::vector<scmp_arg_cmp> args;
  std::set<unsigned> indexes;
  bool repeated = false;
  if (rule.contains("args") && rule["args"].is_array()) {
    for (size_t i = 0; i < rule["args"].size(); ++i) {
      const Json& a = rule["args"][i];
      std::string f = fmt::format("{}.args[{}]", field, i);
      if (!a.contains("index") || !a["index"].is_number_unsigned() ||
          a["index"].get<unsigned>() > 5)
        return bad(f + ".index", "want 0 to 5");
      auto op = TRY(compare_op(TRY(string_of(a, "op", f + ".")), f + ".op"));
      unsigned idx = a["index"].get<unsigned>();
      repeated |= !indexes.insert(idx).second;
      args.push_back({idx, op, a.value("value", uint64_t{0}), a.value("valueTwo", uint64_t{0})});
    }
  }
  for (const auto& name : names) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // unknown on this kernel/arch: skipped, as runc does
    // libseccomp takes one comparison per argument in a rule; conditions on the same
    // argument become separate rules (runc's reading of the spec).
    int rc;
    if (!repeated) {
      rc = seccomp_rule_add_array(ctx, act, nr, static_cast<unsigned>(args.size()), args.data());
      if (rc == -EEXIST || rc == -EACCES) rc = 0;  // same as the default action
      if (rc < 0)
        return Error::from_errno(-rc,
                                 fmt::format("linux.seccomp.{}: add rule for {}", field, name));
      continue;
    }
    for (const auto& a : args) {
      rc = seccomp_rule_add_array(ctx, act, nr, 1, &a);
      if (rc < 0 && rc != -EEXIST && rc != -EACCES)
        return Error::from_errno(-rc,
                                 fmt::format("linux.seccomp.{}: add rule for {}", field, name));
    }
  }
  return {};
}

// A SCMP_ACT_NOTIFY rule needs an agent to send the listener fd to, and must not
// catch the sendmsg(2) the init hands that fd over with.
Result<void> check_notify(const Json& rule, const std::string& field, const std::string& path) {
  if (path.empty())
    return bad(field + ".action", "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
  auto catches = [&](const Json& n) { return n.is_string() && n.get<std::string>() == "sendmsg"; };
  bool bad_name = rule.contains("name") && catches(rule["name"]);
  if (rule.contains("names") && rule["names"].is_array())
    for (const auto& n : rule["names"]) bad_name |= catches(n);
  if (bad_name)
    return bad(field + ".action",
               "SCMP_ACT_NOTIFY cannot be used for sendmsg (the runtime needs it to pass the "
               "listener fd)");
  return {};
}

Result<unsigned> parse_flags(const Json& s) {
  unsigned flags = 0;
  if (!s.contains("flags") || !s["flags"].is_array()) return flags;
  for (size_t i = 0; i < s["flags"].size(); ++i) {
    std::string f = s["flags"][i].is_string() ? s["flags"][i].get<std::string>() : "";
    if (f == "SECCOMP_FILTER_FLAG_LOG")
      flags |= SECCOMP_FILTER_FLAG_LOG;
    else if (f == "SECCOMP_FILTER_FLAG_SPEC_ALLOW")
      flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    else if (f == "SECCOMP_FILTER_FLAG_TSYNC")
      flags |= SECCOMP_FILTER_FLAG_TSYNC;
    else if (f == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
      flags |= (1UL << 5);
    else
      return bad(fmt::format("flags[{}]", i), fmt::format("unknown flag \"{}\"", f));
  }
  return flags;
}

}  // namespace

Result<Filter> compile(const Json& s) {
  if (!s.is_object()) return bad("", "want an object");
  uint32_t def = TRY(action(s, "defaultAction", "defaultAction", errno_of(s, "defaultErrnoRet")));
  // The init itself would stop at its first call, before it could hand over the fd.
  if (def == SCMP_ACT_NOTIFY)
    return bad("defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
  Filter f;
  f.listener_path = TRY(string_of(s, "listenerPath"));
  f.listener_metadata = TRY(string_of(s, "listenerMetadata"));
  if (!f.listener_metadata.empty() && f.listener_path.empty())
    return bad("listenerMetadata", "needs linux.seccomp.listenerPath");
  bool notify = false;
  scmp_filter_ctx ctx = seccomp_init(def);
  if (ctx == nullptr) return Error::make(Errc::kInternal, "linux.seccomp: seccomp_init failed");
  Defer release([&] { seccomp_release(ctx); });
  // no_new_privs is the runtime's decision (process.noNewPrivileges), not libseccomp's.
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  TRY(add_arches(ctx, s));
  if (s.contains("syscalls") && s["syscalls"].is_array()) {
    for (size_t i = 0; i < s["syscalls"].size(); ++i) {
      const Json& rule = s["syscalls"][i];
      std::string field = fmt::format("syscalls[{}]", i);
      uint32_t act = TRY(action(rule, field + ".action", "action", errno_of(rule, "errnoRet")));
      if (act == def) continue;  // libseccomp refuses rules equal to the default
      if (act == SCMP_ACT_NOTIFY) TRY(check_notify(rule, field, f.listener_path));
      notify |= act == SCMP_ACT_NOTIFY;
      TRY(add_rule(ctx, act, rule, field));
    }
  }
  f.flags = TRY(parse_flags(s));
  if (notify) {
    // TSYNC and NEW_LISTENER together need TSYNC_ESRCH; a single-threaded init has
    // no other thread to synchronise anyway.
    if (f.flags & SECCOMP_FILTER_FLAG_TSYNC)
      return bad("flags", "SECCOMP_FILTER_FLAG_TSYNC cannot be combined with SCMP_ACT_NOTIFY");
    f.flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  } else {
    f.listener_path.clear();  // "If SCMP_ACT_NOTIFY is not used this value is ignored."
  }
  int mem = static_cast<int>(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (mem < 0) return Error::from_errno(errno, "memfd_create");
  UniqueFd guard(mem);
  int rc = seccomp_export_bpf(ctx, mem);
  if (rc < 0) return Error::from_errno(-rc, "linux.seccomp: export BPF");
  off_t size = ::lseek(mem, 0, SEEK_END);
  f.bpf.resize(static_cast<size_t>(size));
  if (::pread(mem, f.bpf.data(), f.bpf.size(), 0) != size)
    return Error::from_errno(errno, "read BPF");
  return f;
}

Result<void> send_to_agent(const std::string& listener_path, const std::string& metadata,
                           const Json& state, int pid, int fd) {
  Json msg = Json::object();
  msg["ociVersion"] = state.value("ociVersion", "1.2.0");
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
