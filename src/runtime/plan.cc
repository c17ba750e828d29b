// SPDX-License-Identifier: Apache-2.0
#include "runtime/plan.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include "runtime/seccomp/seccomp.h"
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
    {"nomand", true, MS_MANDLOCK},     {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},
};

// The atime modes: an enum in the kernel. noatime, relatime and strictatime pick one;
// atime, norelatime and nostrictatime drop one (mount(8)); what is left decides:
// noatime, else strictatime, else relatime (the kernel's default).
constexpr FlagOption kAtimeOptions[] = {
    {"noatime", false, MS_NOATIME},         {"atime", true, MS_NOATIME},
    {"relatime", false, MS_RELATIME},       {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME},
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

bool apply_flag_option(const std::string& o, MountOp* op) {
  for (const auto& f : kFlagOptions) {
    if (o != f.name) continue;
    op->flags = f.clear ? (op->flags & ~f.flag) : (op->flags | f.flag);
    op->clear_flags = f.clear ? (op->clear_flags | f.flag) : (op->clear_flags & ~f.flag);
    return true;
  }
  constexpr unsigned long kModes = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
  for (const auto& f : kAtimeOptions) {
    if (o != f.name) continue;
    op->flags = f.clear ? (op->flags & ~f.flag) : ((op->flags & ~kModes) | f.flag);
    op->set_atime = true;
    return true;
  }
  return false;
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

Error refused(const char* field, std::string_view what) {
  return Error::make(Errc::kUnsupported,
                     fmt::format("{}: a container without a mount namespace cannot {} (it "
                                 "would change the runtime's own mount table)",
                                 field, what));
}

// Without a mount namespace the container shares the runtime's mount table (the spec:
// a namespace not listed is inherited). Its root is a chroot into root.path, as runc
// does; everything that would mount is refused instead of landing on the host.
Result<void> check_shared_mount_table(const oci::RuntimeSpec& spec) {
  if (!spec.mounts.empty()) return refused("mounts", "have mounts");
  if (!spec.masked_paths.empty()) return refused("linux.maskedPaths", "mask paths");
  if (!spec.readonly_paths.empty()) return refused("linux.readonlyPaths", "have read-only paths");
  if (spec.root_readonly) return refused("root.readonly", "have a read-only root");
  if (!spec.rootfs_propagation.empty())
    return refused("linux.rootfsPropagation", "set the root's propagation");
  if (spec.process.terminal) return refused("process.terminal", "get a console (a bind mount)");
  if (spec.has_namespace(CLONE_NEWUSER))
    return refused("linux.namespaces", "get device nodes in a user namespace (bind mounts)");
  return {};
}

Result<void> plan_rootfs(const oci::RuntimeSpec& spec, const std::string& bundle,
                         LaunchPlan* plan) {
  plan->rootfs = spec.root_path[0] == '/' ? spec.root_path : bundle + "/" + spec.root_path;
  struct stat st;
  if (::stat(plan->rootfs.c_str(), &st) < 0)
    return Error::from_errno(errno, fmt::format("root.path `{}`", printable(plan->rootfs)));
  if (!S_ISDIR(st.st_mode))
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("root.path `{}`: not a directory", printable(plan->rootfs)));
  plan->rootfs_readonly = spec.root_readonly;
  plan->rootfs_propagation = propagation_flag(spec.rootfs_propagation);
  // Joining the runtime's own mount namespace is sharing its mount table, as an
  // unlisted one is: every mount and pivot_root would land in the host's.
  const oci::Namespace* mnt = spec.find_namespace(CLONE_NEWNS);
  plan->mount_namespace =
      mnt != nullptr && !(!mnt->path.empty() && oci::is_own_namespace(mnt->path, "mnt"));
  if (!plan->mount_namespace) TRY(check_shared_mount_table(spec));
  return {};
}

// One linux.namespaces entry with a path: joined by the init, or (user, pid, time:
// setns moves only children, and new namespaces must belong to a joined user one)
// before the init exists, user first.
Result<void> plan_joined_namespace(const oci::Namespace& ns, LaunchPlan* plan) {
  struct stat st;
  if (::stat(ns.path.c_str(), &st) < 0)
    return Error::from_errno(errno, fmt::format("linux.namespaces: {} namespace path `{}`", ns.type,
                                                printable(ns.path)));
  if (ns.flag == CLONE_NEWUSER || ns.flag == CLONE_NEWPID || ns.flag == CLONE_NEWTIME) {
    auto at = ns.flag == CLONE_NEWUSER ? plan->prejoin_namespaces.begin()
                                       : plan->prejoin_namespaces.end();
    plan->prejoin_namespaces.insert(at, {ns.flag, ns.path});
    return {};
  }
  plan->join_namespaces.emplace_back(ns.flag, ns.path);
  return {};
}

Result<void> plan_namespaces(const oci::RuntimeSpec& spec, LaunchPlan* plan) {
  for (const auto& ns : spec.namespaces) {
    if (!ns.path.empty()) {
      TRY(plan_joined_namespace(ns, plan));
    } else if (ns.flag == CLONE_NEWCGROUP) {
      // A cgroup namespace made at clone would be rooted at the runtime's own cgroup.
      plan->unshare_cgroupns = true;
    } else if (ns.flag == CLONE_NEWTIME) {
      plan->new_timens = true;
    } else {
      plan->clone_flags |= ns.flag;
    }
  }
  // A joined mount namespace last (as nsenter does): the others may need paths it hides.
  std::stable_partition(plan->join_namespaces.begin(), plan->join_namespaces.end(),
                        [](const auto& j) { return j.first != CLONE_NEWNS; });
  if (!spec.time_offsets.empty() && !plan->new_timens)
    return Error::make(Errc::kInvalidArgument,
                       "linux.timeOffsets: offsets need a new time namespace");
  for (const auto& [clock, offset] : spec.time_offsets)
    plan->time_offsets += fmt::format("{} {} {}\n", clock, offset.first, offset.second);
  plan->userns = spec.has_namespace(CLONE_NEWUSER);
  plan->new_userns = (plan->clone_flags & CLONE_NEWUSER) != 0;
  if (plan->new_userns && (spec.uid_mappings.empty() || spec.gid_mappings.empty()))
    return Error::make(Errc::kInvalidArgument,
                       "linux.uidMappings: a user namespace needs uid and gid mappings");
  if ((!spec.hostname.empty() || !spec.domainname.empty()) && !spec.has_namespace(CLONE_NEWUTS))
    return Error::make(Errc::kInvalidArgument, "hostname: setting it needs a uts namespace");
  return {};
}

Result<MountOp> plan_mount(const oci::Mount& m, size_t i, const std::string& bundle,
                           const CgroupView& cg) {
  MountOp op;
  op.destination = m.destination;
  op.source = m.source;
  op.fstype = m.type;
  TRY_CTX(parse_mount_options(m.options, &op), "mounts[{}]", i);
  if (m.type == "bind") op.kind = MountKind::kBind;
  if (op.kind == MountKind::kBind) {
    if (op.source.empty() || op.source[0] != '/')
      op.source = bundle + "/" + op.source;  // runtime-spec: relative to the bundle
    struct stat st;
    if (::stat(op.source.c_str(), &st) < 0)
      return Error::from_errno(errno,
                               fmt::format("mounts[{}]: source `{}`", i, printable(op.source)));
    op.file_target = !S_ISDIR(st.st_mode);
  } else if (m.type == "cgroup") {
    op.kind = cg.v2 ? MountKind::kCgroupV2 : MountKind::kCgroupV1;
  } else if (m.type.empty()) {
    return Error::make(Errc::kInvalidArgument, fmt::format("mounts[{}].type: missing for `{}`", i,
                                                           printable(m.destination)));
  }
  return op;
}

void plan_devices(const oci::RuntimeSpec& spec, LaunchPlan* plan) {
  add_default_devices(plan);
  for (const auto& d : spec.devices) {
    init::DeviceNode n;
    n.path = d.path;
    n.type = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;
    n.rdev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    n.mode = d.file_mode.value_or(0666) & 07777;
    n.uid = d.uid.value_or(0);
    n.gid = d.gid.value_or(0);
    plan->devices.push_back(n);
  }
}

// The parts of the plan that come from a process object (the init's and exec's).
void plan_process(const oci::Process& p, LaunchPlan* plan) {
  for (const auto& r : p.rlimits) plan->rlimits.push_back({r.type, r.resource, r.soft, r.hard});
  plan->oom_score_adj = p.oom_score_adj;
  plan->user = {p.user.uid, p.user.gid, p.user.umask, p.user.additional_gids};
  if (p.capabilities) plan->caps = cap_sets(*p.capabilities);
  plan->no_new_privileges = p.no_new_privileges;
  plan->args = p.args;
  plan->env = p.env;
  plan->cwd = p.cwd;
  plan->terminal = p.terminal;
  plan->console_size = p.console_size;
}

Result<void> plan_seccomp(const oci::RuntimeSpec& spec, CompiledSpec* out) {
  if (spec.seccomp.is_null()) return {};
  auto filter = TRY(seccomp::compile(spec.seccomp));
  out->plan.seccomp_bpf = std::move(filter.bpf);
  out->plan.seccomp_flags = filter.flags;
  out->agent = {std::move(filter.listener_path), std::move(filter.listener_metadata)};
  return {};
}

void plan_hooks(const oci::Hooks& hooks, CompiledSpec* out) {
  out->plan.create_container_hooks = to_hooks(hooks.create_container);
  out->plan.start_container_hooks = to_hooks(hooks.start_container);
  out->plan.parent_hooks = !hooks.prestart.empty() || !hooks.create_runtime.empty();
  out->hooks = {to_hooks(hooks.prestart), to_hooks(hooks.create_runtime), to_hooks(hooks.poststart),
                to_hooks(hooks.poststop)};
}

}  // namespace

CapSets cap_sets(const oci::Capabilities& c) {
  return CapSets{cap_mask(c.bounding), cap_mask(c.effective), cap_mask(c.inheritable),
                 cap_mask(c.permitted), cap_mask(c.ambient)};
}

std::vector<init::Hook> to_hooks(const std::vector<oci::Hook>& hooks) {
  std::vector<init::Hook> out;
  for (const auto& h : hooks) out.push_back({h.path, h.args, h.env, h.timeout});
  return out;
}

Result<void> parse_mount_options(const std::vector<std::string>& options, MountOp* op) {
  std::vector<std::string> data;
  for (const auto& o : options) {
    if (apply_flag_option(o, op)) continue;
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

Result<CompiledSpec> compile_spec(const oci::RuntimeSpec& spec, const std::string& bundle,
                                  const CgroupView& cg) {
  TRY(check_lsm_labels(spec.process));
  CompiledSpec out;
  LaunchPlan& plan = out.plan;
  TRY(plan_rootfs(spec, bundle, &plan));
  TRY(plan_namespaces(spec, &plan));
  plan.set_hostname = !spec.hostname.empty() || !spec.domainname.empty();
  plan.hostname = spec.hostname;
  plan.domainname = spec.domainname;
  for (size_t i = 0; i < spec.mounts.size(); ++i)
    plan.mounts.push_back(TRY(plan_mount(spec.mounts[i], i, bundle, cg)));
  set_cgroup_view(&plan, cg);
  plan_devices(spec, &plan);
  plan.masked_paths = spec.masked_paths;
  plan.readonly_paths = spec.readonly_paths;
  for (const auto& [k, v] : spec.sysctl) {
    std::string path = k;
    std::replace(path.begin(), path.end(), '.', '/');
    plan.sysctl.emplace_back(path, v);
  }
  plan.personality_linux32 = spec.personality_linux32;
  plan_process(spec.process, &plan);
  plan.bind_console = plan.terminal;  // only without a mount namespace refused above
  plan_hooks(spec.hooks, &out);
  TRY(plan_seccomp(spec, &out));
  return out;
}

Result<CompiledSpec> compile_exec(const oci::RuntimeSpec& spec, const oci::Process& process) {
  TRY(check_lsm_labels(process));
  CompiledSpec out;
  plan_process(process, &out.plan);
  out.plan.personality_linux32 = spec.personality_linux32;
  TRY(plan_seccomp(spec, &out));
  return out;
}

void set_cgroup_view(LaunchPlan* plan, const CgroupView& cg) {
  for (auto& m : plan->mounts) {
    if (m.kind == MountKind::kCgroupV1 || m.kind == MountKind::kCgroupV2) {
      m.kind = cg.v2 ? MountKind::kCgroupV2 : MountKind::kCgroupV1;
      m.cgroup_dirs = cg.v1_dirs;
      m.source = cg.v2_dir;
    }
  }
}

}  // namespace strata::runtime
