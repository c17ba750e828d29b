// SPDX-License-Identifier: Apache-2.0
// Docker's default seccomp profile (moby profiles/seccomp/default.json): deny with
// EPERM by default, allow the syscalls every program needs, allow the ones a capability
// guards only to a container holding that capability, and keep clone from creating
// namespaces without CAP_SYS_ADMIN. Built in Docker's profile format so that the same
// converter (security.cc seccomp_to_oci) serves it and --security-opt seccomp=FILE.
#include <cstdint>

#include "container/security.h"
#include "util/strings.h"

namespace strata::container {

namespace {

// The syscalls allowed to every container, whatever its capabilities.
constexpr const char* kAllowed = R"(
accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32
clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup
dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2
epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat
faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown
fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr
fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex
futex_time64 futex_waitv futimesat getcpu getcwd getdents getdents64 getegid getegid32
geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid
getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32
getrlimit get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid
gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1
inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64
ioprio_get ioprio_set io_setup io_submit io_uring_enter io_uring_register io_uring_setup ipc
kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32
lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat
lstat64 madvise membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat
mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget
msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat
_newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc
pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64
process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink
readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr
rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending
rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam
sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval
sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam
sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32
setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority
setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32
setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32
setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask
sigreturn socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat
sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete
timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create
timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate
truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat utimensat_time64 utimes
vfork vmsplice wait4 waitid waitpid write writev
)";

// Namespace flags of clone(2) (CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER |
// NEWPID | NEWNET): without CAP_SYS_ADMIN, clone is allowed only when none is set.
constexpr uint64_t kCloneNamespaceFlags = 2114060288;

// One rule in Docker's format. Gates: the rule applies only if the container holds
// every cap of `caps` (and none of `not_caps`), and the host's arch is in `arches` (and
// not in `not_arches`); empty lists gate nothing.
struct Rule {
  const char* names;  // space-separated
  const char* action = "SCMP_ACT_ALLOW";
  int errno_ret = 0;
  int arg_index = -1;  // one argument condition, if arg_index >= 0
  uint64_t arg_value = 0;
  const char* arg_op = "";
  const char* caps = "";
  const char* not_caps = "";
  const char* arches = "";
  const char* not_arches = "";
  const char* min_kernel = "";
};

constexpr uint64_t kPersonalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

const Rule kRules[] = {
    {.names = "process_vm_readv process_vm_writev ptrace", .min_kernel = "4.8"},
    // Every socket family but AF_VSOCK (40).
    {.names = "socket", .arg_index = 0, .arg_value = 40, .arg_op = "SCMP_CMP_NE"},
    {.names = "sync_file_range2 swapcontext", .arches = "ppc64le"},
    {.names = "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls",
     .arches = "arm arm64"},
    {.names = "arch_prctl", .arches = "amd64 x32"},
    {.names = "modify_ldt", .arches = "amd64 x32 x86"},
    {.names = "s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr", .arches = "s390 s390x"},
    {.names = "riscv_flush_icache", .arches = "riscv64"},
    {.names = "open_by_handle_at", .caps = "CAP_DAC_READ_SEARCH"},
    {.names = "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount "
              "mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd "
              "setdomainname sethostname setns syslog umount umount2 unshare",
     .caps = "CAP_SYS_ADMIN"},
    {.names = "clone",
     .arg_index = 0,
     .arg_value = kCloneNamespaceFlags,
     .arg_op = "SCMP_CMP_MASKED_EQ",
     .not_caps = "CAP_SYS_ADMIN",
     .not_arches = "s390 s390x"},
    // s390 passes clone's flags second.
    {.names = "clone",
     .arg_index = 1,
     .arg_value = kCloneNamespaceFlags,
     .arg_op = "SCMP_CMP_MASKED_EQ",
     .not_caps = "CAP_SYS_ADMIN",
     .arches = "s390 s390x"},
    // clone3's flags are in memory seccomp cannot read: ENOSYS makes libc fall back to clone.
    {.names = "clone3", .action = "SCMP_ACT_ERRNO", .errno_ret = 38, .not_caps = "CAP_SYS_ADMIN"},
    {.names = "reboot", .caps = "CAP_SYS_BOOT"},
    {.names = "chroot", .caps = "CAP_SYS_CHROOT"},
    {.names = "delete_module init_module finit_module", .caps = "CAP_SYS_MODULE"},
    {.names = "acct", .caps = "CAP_SYS_PACCT"},
    {.names = "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace",
     .caps = "CAP_SYS_PTRACE"},
    {.names = "iopl ioperm", .caps = "CAP_SYS_RAWIO"},
    {.names = "settimeofday stime clock_settime clock_settime64", .caps = "CAP_SYS_TIME"},
    {.names = "vhangup", .caps = "CAP_SYS_TTY_CONFIG"},
    {.names = "get_mempolicy mbind set_mempolicy set_mempolicy_home_node", .caps = "CAP_SYS_NICE"},
    {.names = "syslog", .caps = "CAP_SYSLOG"},
    {.names = "bpf", .caps = "CAP_BPF"},
    {.names = "perf_event_open", .caps = "CAP_PERFMON"},
};

oci::Json words(std::string_view s) {
  oci::Json out = oci::Json::array();
  for (const auto& w : split(s, ' '))
    if (!trim(w).empty()) out.push_back(std::string(trim(w)));
  return out;
}

oci::Json rule_json(const Rule& r) {
  oci::Json j = {{"names", words(r.names)}, {"action", r.action}};
  if (r.errno_ret != 0) j["errnoRet"] = r.errno_ret;
  if (r.arg_index >= 0)
    j["args"] = {{{"index", r.arg_index}, {"value", r.arg_value}, {"op", r.arg_op}}};
  oci::Json inc = oci::Json::object(), exc = oci::Json::object();
  if (*r.caps) inc["caps"] = words(r.caps);
  if (*r.arches) inc["arches"] = words(r.arches);
  if (*r.min_kernel) inc["minKernel"] = r.min_kernel;
  if (*r.not_caps) exc["caps"] = words(r.not_caps);
  if (*r.not_arches) exc["arches"] = words(r.not_arches);
  if (!inc.empty()) j["includes"] = inc;
  if (!exc.empty()) j["excludes"] = exc;
  return j;
}

oci::Json build_profile() {
  oci::Json arch_map = oci::Json::array();
  auto arch = [&](const char* main, const char* subs) {
    arch_map.push_back({{"architecture", main}, {"subArchitectures", words(subs)}});
  };
  arch("SCMP_ARCH_X86_64", "SCMP_ARCH_X86 SCMP_ARCH_X32");
  arch("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
  arch("SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS SCMP_ARCH_MIPS64N32");
  arch("SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPS SCMP_ARCH_MIPS64");
  arch("SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL SCMP_ARCH_MIPSEL64N32");
  arch("SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_MIPSEL SCMP_ARCH_MIPSEL64");
  arch("SCMP_ARCH_S390X", "SCMP_ARCH_S390");
  arch("SCMP_ARCH_RISCV64", "");
  oci::Json syscalls = oci::Json::array();
  std::string allowed = kAllowed;
  std::replace(allowed.begin(), allowed.end(), '\n', ' ');
  syscalls.push_back({{"names", words(allowed)}, {"action", "SCMP_ACT_ALLOW"}});
  for (size_t i = 0; i < std::size(kRules); ++i) {
    syscalls.push_back(rule_json(kRules[i]));
    if (i == 1)  // after socket: the personality values Docker allows
      for (uint64_t p : kPersonalities)
        syscalls.push_back({{"names", {"personality"}},
                            {"action", "SCMP_ACT_ALLOW"},
                            {"args", {{{"index", 0}, {"value", p}, {"op", "SCMP_CMP_EQ"}}}}});
  }
  return {{"defaultAction", "SCMP_ACT_ERRNO"},
          {"defaultErrnoRet", 1},
          {"archMap", arch_map},
          {"syscalls", syscalls}};
}

}  // namespace

const oci::Json& default_seccomp_profile() {
  static const oci::Json profile = build_profile();
  return profile;
}

}  // namespace strata::container
