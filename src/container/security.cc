// SPDX-License-Identifier: Apache-2.0
#include "container/security.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>

#include "oci/runtime_spec.h"
#include "runtime/seccomp/seccomp.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::container {

namespace {

Error invalid(std::string msg) { return Error::make(Errc::kInvalidArgument, std::move(msg)); }

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Result<std::vector<std::string>> strings_or_empty(const oci::Json& obj, std::string_view key,
                                                  std::string_view where) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return invalid(fmt::format("{}.{}: want an array of strings", where, key));
  for (const auto& s : *it) {
    if (!s.is_string()) return invalid(fmt::format("{}.{}: want an array of strings", where, key));
    out.push_back(s.get<std::string>());
  }
  return out;
}

// "5.10.0-20-amd64" >= "4.8"
bool kernel_at_least(std::string_view want) {
  struct utsname u {};
  if (::uname(&u) != 0) return false;
  int have_major = 0, have_minor = 0, want_major = 0, want_minor = 0;
  if (std::sscanf(u.release, "%d.%d", &have_major, &have_minor) != 2) return false;
  if (std::sscanf(std::string(want).c_str(), "%d.%d", &want_major, &want_minor) != 2) return false;
  return have_major != want_major ? have_major > want_major : have_minor >= want_minor;
}

// Whether a Docker rule's includes and excludes let it apply (moby seccomp.go).
Result<bool> rule_applies(const oci::Json& rule, const std::vector<std::string>& caps,
                          const HostArch& arch, const std::string& where) {
  auto gate = [&](const char* key) -> Result<const oci::Json*> {
    auto it = rule.find(key);
    if (it == rule.end() || it->is_null()) return nullptr;
    if (!it->is_object()) return invalid(fmt::format("{}.{}: want an object", where, key));
    return &*it;
  };
  if (const oci::Json* inc = TRY(gate("includes"))) {
    std::string w = where + ".includes";
    auto arches = TRY(strings_or_empty(*inc, "arches", w));
    if (!arches.empty() && !contains(arches, arch.go)) return false;
    for (const auto& c : TRY(strings_or_empty(*inc, "caps", w)))
      if (!contains(caps, c)) return false;
    std::string min = TRY(oci::get_string_or(*inc, "minKernel", ""));
    if (!min.empty() && !kernel_at_least(min)) return false;
  }
  if (const oci::Json* exc = TRY(gate("excludes"))) {
    std::string w = where + ".excludes";
    if (contains(TRY(strings_or_empty(*exc, "arches", w)), arch.go)) return false;
    for (const auto& c : TRY(strings_or_empty(*exc, "caps", w)))
      if (contains(caps, c)) return false;
  }
  return true;
}

Result<oci::Json> architectures(const oci::Json& profile, const HostArch& arch) {
  oci::Json out = oci::Json::array();
  auto given = TRY(strings_or_empty(profile, "architectures", "seccomp"));
  auto map = profile.find("archMap");
  bool has_map = map != profile.end() && !map->is_null();
  if (!given.empty() && has_map) return invalid("seccomp: use either 'architectures' or 'archMap'");
  for (const auto& a : given) out.push_back(a);
  if (!has_map) return out;
  if (!map->is_array()) return invalid("seccomp.archMap: want an array");
  for (size_t i = 0; i < map->size(); ++i) {
    const oci::Json& m = (*map)[i];
    std::string w = fmt::format("seccomp.archMap[{}]", i);
    if (!m.is_object()) return invalid(w + ": want an object");
    std::string main = TRY(oci::get_string(m, "architecture"));
    if (main != arch.scmp) continue;
    out.push_back(main);
    for (const auto& s : TRY(strings_or_empty(m, "subArchitectures", w))) out.push_back(s);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& default_caps() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return caps;
}

std::vector<std::string> all_caps() {
  // The caps of the engine's own bounding set, which the running kernel has: capset
  // refuses a cap the kernel lacks, and no process can grant one outside its bounding set
  // (root here may run without some, such as CAP_SYS_RESOURCE).
  uint64_t bounding = ~uint64_t{0};
  if (auto status = sys::read_file("/proc/self/status", 64 << 10); status.ok())
    for (const auto& line : split(*status, '\n'))
      if (line.starts_with("CapBnd:")) bounding = std::strtoull(line.c_str() + 7, nullptr, 16);
  int last = 40;
  if (auto text = sys::read_file("/proc/sys/kernel/cap_last_cap", 64); text.ok())
    last = std::atoi(text->c_str());
  std::vector<std::string> out;
  for (int i = 0; i <= last && !oci::capability_name(i).empty(); ++i)
    if (bounding & (uint64_t{1} << i)) out.emplace_back(oci::capability_name(i));
  return out;
}

std::vector<std::string> effective_caps(const std::vector<std::string>& add,
                                        const std::vector<std::string>& drop) {
  std::vector<std::string> out;
  if (contains(add, "ALL")) {
    for (const auto& c : all_caps())
      if (!contains(drop, c)) out.push_back(c);
    return out;
  }
  if (!contains(drop, "ALL"))
    for (const auto& c : default_caps())
      if (!contains(drop, c)) out.push_back(c);
  for (const auto& c : add)
    if (!contains(out, c)) out.push_back(c);
  return out;
}

HostArch host_arch() {
  struct utsname u {};
  std::string m = ::uname(&u) == 0 ? u.machine : "";
  static constexpr std::tuple<const char*, const char*, const char*> kArches[] = {
      {"x86_64", "SCMP_ARCH_X86_64", "amd64"},     {"aarch64", "SCMP_ARCH_AARCH64", "arm64"},
      {"s390x", "SCMP_ARCH_S390X", "s390x"},       {"ppc64le", "SCMP_ARCH_PPC64LE", "ppc64le"},
      {"riscv64", "SCMP_ARCH_RISCV64", "riscv64"}, {"i686", "SCMP_ARCH_X86", "386"}};
  for (const auto& [machine, scmp, go] : kArches)
    if (m == machine) return {scmp, go};
  return {"SCMP_ARCH_NATIVE", m};
}

Result<oci::Json> seccomp_to_oci(const oci::Json& profile, const std::vector<std::string>& caps,
                                 const HostArch& arch) {
  if (!profile.is_object()) return invalid("seccomp: want a JSON object");
  oci::Json out = {{"defaultAction", TRY(oci::get_string(profile, "defaultAction"))}};
  if (profile.contains("defaultErrnoRet"))
    out["defaultErrnoRet"] = TRY(oci::get_int(profile, "defaultErrnoRet"));
  out["architectures"] = TRY(architectures(profile, arch));
  if (profile.contains("flags")) out["flags"] = TRY(strings_or_empty(profile, "flags", "seccomp"));
  oci::Json syscalls = oci::Json::array();
  auto rules = profile.find("syscalls");
  if (rules != profile.end() && !rules->is_null()) {
    if (!rules->is_array()) return invalid("seccomp.syscalls: want an array");
    for (size_t i = 0; i < rules->size(); ++i) {
      const oci::Json& r = (*rules)[i];
      std::string w = fmt::format("seccomp.syscalls[{}]", i);
      if (!r.is_object()) return invalid(w + ": want an object");
      if (!TRY(rule_applies(r, caps, arch, w))) continue;
      auto names = TRY(strings_or_empty(r, "names", w));
      if (std::string n = TRY(oci::get_string_or(r, "name", "")); !n.empty()) names.push_back(n);
      if (names.empty()) return invalid(w + ": no syscall names");
      oci::Json o = {{"names", names}, {"action", TRY(oci::get_string(r, "action"))}};
      if (r.contains("errnoRet")) o["errnoRet"] = TRY(oci::get_int(r, "errnoRet"));
      if (r.contains("args") && !r["args"].is_null()) o["args"] = r["args"];
      syscalls.push_back(o);
    }
  }
  out["syscalls"] = syscalls;
  return out;
}

Result<oci::Json> checked_seccomp(const oci::Json& profile, const std::vector<std::string>& caps,
                                  const HostArch& arch) {
  oci::Json out = TRY(seccomp_to_oci(profile, caps, arch));
  // The runtime's compiler has the last word on actions, operators and arches: what it
  // would refuse at start is refused now.
  TRY(runtime::seccomp::compile(out));
  return out;
}

Result<void> check_seccomp_profile(const oci::Json& profile) {
  TRY(checked_seccomp(profile, default_caps(), host_arch()));
  return {};
}

Result<oci::Json> linux_device(const std::string& host_path, const std::string& inside) {
  struct stat st {};
  if (::stat(host_path.c_str(), &st) < 0)
    return Error::from_errno(errno, fmt::format("stat `{}`", host_path));
  return oci::Json{{"path", inside},
                   {"type", S_ISBLK(st.st_mode) ? "b" : "c"},
                   {"major", major(st.st_rdev)},
                   {"minor", minor(st.st_rdev)},
                   {"fileMode", st.st_mode & 07777},
                   {"uid", st.st_uid},
                   {"gid", st.st_gid}};
}

Result<oci::Json> host_devices() {
  // Docker's --privileged takes every device node under /dev but /dev/pts, /dev/mqueue and
  // /dev/shm's contents (the container has its own) and the console.
  oci::Json out = oci::Json::array();
  std::vector<std::string> dirs = {"/dev"};
  while (!dirs.empty()) {
    std::string d = dirs.back();
    dirs.pop_back();
    DIR* dir = ::opendir(d.c_str());
    if (dir == nullptr) continue;  // a directory that went meanwhile: nothing to take
    while (struct dirent* e = ::readdir(dir)) {
      std::string name = e->d_name, path = d + "/" + name;
      if (name == "." || name == "..") continue;
      if (path == "/dev/pts" || path == "/dev/mqueue" || path == "/dev/shm" ||
          path == "/dev/console")
        continue;
      struct stat st {};
      if (::lstat(path.c_str(), &st) < 0) continue;
      if (S_ISDIR(st.st_mode))
        dirs.push_back(path);
      else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        out.push_back(TRY(linux_device(path, path)));
    }
    ::closedir(dir);
  }
  return out;
}

}  // namespace strata::container
