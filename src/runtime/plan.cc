// SPDX-License-Identifier: Apache-2.0
#include "runtime/plan.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include "sys/fs.h"
#include "util/strings.h"

namespace strata::runtime {

namespace {

struct FlagOption {
  const char* name;
  bool clear;
  unsigned long flag;
};

// mount(8) option names (runtime-spec config.md "Mounts" defers to them).
constexpr FlagOption kFlagOptions[] = {
    {"ro", false, MS_RDONLY},          {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},      {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},        {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},      {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},   {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},     {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},       {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME}, {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME}, {"strictatime", false, MS_STRICTATIME},
};

constexpr std::pair<const char*, unsigned long> kPropagation[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

unsigned long propagation_flag(std::string_view name) {
  for (const auto& [n, f] : kPropagation)
    if (name == n) return f;
  return 0;
}

void add_default_devices(LaunchPlan* plan) {
  // runtime-spec config-linux.md "Default Devices".
  struct Def {
    const char* path;
    unsigned major, minor;
  };
  static constexpr Def kDefaults[] = {{"/dev/null", 1, 3},    {"/dev/zero", 1, 5},
                                      {"/dev/full", 1, 7},    {"/dev/random", 1, 8},
                                      {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
  for (const auto& d : kDefaults)
    plan->devices.push_back({d.path, S_IFCHR, makedev(d.major, d.minor), 0666, 0, 0});
}

uint64_t cap_mask(const std::vector<int>& caps) {
  uint64_t m = 0;
  for (int c : caps) m |= uint64_t{1} << c;
  return m;
}

}  // namespace

CapSets cap_sets(const oci::Capabilities& c) {
  return CapSets{cap_mask(c.bounding), cap_mask(c.effective), cap_mask(c.inheritable),
                 cap_mask(c.permitted), cap_mask(c.ambient)};
}

Result<void> parse_mount_options(const std::vector<std::string>& options, MountOp* op) {
  std::vector<std::string> data;
  for (const auto& o : options) {
    bool known = false;
    for (const auto& f : kFlagOptions) {
      if (o == f.name) {
        op->flags = f.clear ? (op->flags & ~f.flag) : (op->flags | f.flag);
        known = true;
      }
    }
    if (known) continue;
    if (o == "bind" || o == "rbind") {
      op->kind = MountKind::kBind;
      op->recursive = o == "rbind";
    } else if (unsigned long p = propagation_flag(o)) {
      op->propagation = p;
    } else if (o == "remount" || o == "defaults" || o == "tmpcopyup") {
      // remount: applied to binds anyway; tmpcopyup: an optional runc extension, not done
    } else {
      data.push_back(o);
    }
  }
  op->data.clear();
  for (const auto& d : data) op->data += (op->data.empty() ? "" : ",") + d;
  return {};
}

Result<void> check_lsm_labels(const oci::Process& p) {
  // Without the LSM there is nothing to apply (crun's reading); with it, running the
  // process unconfined would silently drop a protection the bundle asked for.
  auto enabled = sys::read_file("/sys/module/apparmor/parameters/enabled");
  if (!p.apparmor_profile.empty() && enabled.ok() && enabled->starts_with("Y"))
    return Error::make(Errc::kUnsupported,
                       "process.apparmorProfile: AppArmor is enabled on this host, and "
                       "strata-runtime cannot apply profiles");
  if (!p.selinux_label.empty() && sys::exists("/sys/fs/selinux/enforce"))
    return Error::make(Errc::kUnsupported,
                       "process.selinuxLabel: SELinux is enabled on this host, and "
                       "strata-runtime cannot apply labels");
  return {};
}

Result<LaunchPlan> compile_plan(const oci::RuntimeSpec& spec, const std::string& bundle,
                                const CgroupView& cg) {
  TRY(check_lsm_labels(spec.process));
  LaunchPlan plan;
  plan.rootfs = spec.root_path[0] == '/' ? spec.root_path : bundle + "/" + spec.root_path;
  struct stat st;
  if (::stat(plan.rootfs.c_str(), &st) < 0)
    return Error::from_errno(errno, fmt::format("root.path `{}`", plan.rootfs));
  if (!S_ISDIR(st.st_mode))
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("root.path `{}`: not a directory", plan.rootfs));
  plan.rootfs_readonly = spec.root_readonly;
  plan.rootfs_propagation = propagation_flag(spec.rootfs_propagation);

  if (!spec.has_namespace(CLONE_NEWNS))
    return Error::make(Errc::kUnsupported,
                       "linux.namespaces: a mount namespace is required (pivot_root needs one)");
  for (const auto& ns : spec.namespaces) {
    if (ns.path.empty()) {
      // A cgroup namespace made at clone would be rooted at the runtime's own cgroup.
      if (ns.flag == CLONE_NEWCGROUP)
        plan.unshare_cgroupns = true;
      else if (ns.flag == CLONE_NEWTIME)
        plan.new_timens = true;
      else
        plan.clone_flags |= ns.flag;
      continue;
    }
    if (::stat(ns.path.c_str(), &st) < 0)
      return Error::from_errno(
          errno, fmt::format("linux.namespaces: {} namespace path `{}`", ns.type, ns.path));
    // setns moves only children for these (user: the new namespaces must belong to it).
    if (ns.flag == CLONE_NEWUSER || ns.flag == CLONE_NEWPID || ns.flag == CLONE_NEWTIME) {
      auto at = ns.flag == CLONE_NEWUSER ? plan.prejoin_namespaces.begin()
                                         : plan.prejoin_namespaces.end();
      plan.prejoin_namespaces.insert(at, {ns.flag, ns.path});
      continue;
    }
    plan.join_namespaces.emplace_back(ns.flag, ns.path);
  }
  // A joined mount namespace last (as nsenter does): the others may need paths it hides.
  std::stable_partition(plan.join_namespaces.begin(), plan.join_namespaces.end(),
                        [](const auto& j) { return j.first != CLONE_NEWNS; });
  if (!spec.time_offsets.empty() && !plan.new_timens)
    return Error::make(Errc::kInvalidArgument,
                       "linux.timeOffsets: offsets need a new time namespace");
  for (const auto& [clock, offset] : spec.time_offsets)
    plan.time_offsets += fmt::format("{} {} {}\n", clock, offset.first, offset.second);
  plan.personality_linux32 = spec.personality_linux32;
  plan.userns = spec.has_namespace(CLONE_NEWUSER);
  plan.new_userns = (plan.clone_flags & CLONE_NEWUSER) != 0;
  if (plan.new_userns && (spec.uid_mappings.empty() || spec.gid_mappings.empty()))
    return Error::make(Errc::kInvalidArgument,
                       "linux.uidMappings: a user namespace needs uid and gid mappings");
  if ((!spec.hostname.empty() || !spec.domainname.empty()) && !spec.has_namespace(CLONE_NEWUTS))
    return Error::make(Errc::kInvalidArgument, "hostname: setting it needs a uts namespace");
  plan.set_hostname = !spec.hostname.empty() || !spec.domainname.empty();
  plan.hostname = spec.hostname;
  plan.domainname = spec.domainname;

  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const oci::Mount& m = spec.mounts[i];
    MountOp op;
    op.destination = m.destination;
    op.source = m.source;
    op.fstype = m.type;
    TRY_CTX(parse_mount_options(m.options, &op), "mounts[{}]", i);
    if (m.type == "bind") op.kind = MountKind::kBind;
    if (op.kind == MountKind::kBind) {
      if (op.source.empty() || op.source[0] != '/')
        op.source = bundle + "/" + op.source;  // runtime-spec: relative to the bundle
      if (::stat(op.source.c_str(), &st) < 0)
        return Error::from_errno(errno, fmt::format("mounts[{}]: source `{}`", i, op.source));
      op.file_target = !S_ISDIR(st.st_mode);
    } else if (m.type == "cgroup") {
      op.kind = cg.v2 ? MountKind::kCgroupV2 : MountKind::kCgroupV1;
      op.cgroup_dirs = cg.v1_dirs;
      op.source = cg.v2_dir;
    } else if (m.type.empty()) {
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("mounts[{}].type: missing for `{}`", i, m.destination));
    }
    plan.mounts.push_back(std::move(op));
  }

  add_default_devices(&plan);
  for (const auto& d : spec.devices) {
    DeviceNode n;
    n.path = d.path;
    n.type = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;
    n.rdev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    n.mode = d.file_mode.value_or(0666) & 07777;
    n.uid = d.uid.value_or(0);
    n.gid = d.gid.value_or(0);
    plan.devices.push_back(n);
  }
  plan.masked_paths = spec.masked_paths;
  plan.readonly_paths = spec.readonly_paths;
  for (const auto& [k, v] : spec.sysctl) {
    std::string path = k;
    for (char& c : path)
      if (c == '.') c = '/';
    plan.sysctl.emplace_back(path, v);
  }
  plan.rlimits = spec.process.rlimits;
  plan.oom_score_adj = spec.process.oom_score_adj;
  plan.user = spec.process.user;
  if (spec.process.capabilities) plan.caps = cap_sets(*spec.process.capabilities);
  plan.no_new_privileges = spec.process.no_new_privileges;
  plan.args = spec.process.args;
  plan.env = spec.process.env;
  plan.cwd = spec.process.cwd;
  plan.terminal = spec.process.terminal;
  plan.create_container_hooks = spec.hooks.create_container;
  plan.start_container_hooks = spec.hooks.start_container;
  plan.parent_hooks = !spec.hooks.prestart.empty() || !spec.hooks.create_runtime.empty();
  plan.console_size = spec.process.console_size;
  return plan;
}

}  // namespace strata::runtime
