// SPDX-License-Identifier: Apache-2.0
#include "runtime/spawn.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/seccomp/seccomp.h"
#include "sys/fs.h"
#include "sys/io.h"
#include "sys/unix_socket.h"

namespace strata::runtime {

long clone_child(unsigned long flags, int cgroup_fd, bool* placed) {
  *placed = false;
  if (cgroup_fd >= 0) {
    struct clone_args args = {};
    args.flags = flags | CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(cgroup_fd);
    long rc = ::syscall(SYS_clone3, &args, sizeof(args));
    if (rc >= 0) {
      *placed = true;
      return rc;
    }
    // No clone3 (ENOSYS), or the cgroup refused the child (a cgroup namespace or
    // delegation rule): plain clone, then a move by pid. A namespace error repeats.
  }
  return ::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

Result<init::Cloned> await_child(pid_t joiner, int sock, std::string_view who) {
  while (::waitpid(joiner, nullptr, 0) < 0 && errno == EINTR) {
  }
  char buf[512];
  ssize_t n = ::recv(sock, buf, sizeof(buf), 0);
  if (n <= 0) return Error::make(Errc::kInternal, fmt::format("{} died", who));
  return init::parse_clone_report({buf, static_cast<size_t>(n)});
}

Result<void> write_id_maps(pid_t pid, const oci::RuntimeSpec& spec) {
  auto fmt_map = [](const std::vector<oci::IdMapping>& maps) {
    std::string s;
    for (const auto& m : maps) s += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
    return s;
  };
  TRY_CTX(
      sys::write_existing_file(fmt::format("/proc/{}/uid_map", pid), fmt_map(spec.uid_mappings)),
      "linux.uidMappings");
  // An unprivileged parent may write gid_map only once setgroups is denied.
  if (::geteuid() != 0)
    TRY(sys::write_existing_file(fmt::format("/proc/{}/setgroups", pid), "deny"));
  TRY_CTX(
      sys::write_existing_file(fmt::format("/proc/{}/gid_map", pid), fmt_map(spec.gid_mappings)),
      "linux.gidMappings");
  return {};
}

Result<UniqueFd> connect_console(const std::string& path) {
  return sys::connect_unix(path, "--console-socket");
}

Result<std::pair<UniqueFd, UniqueFd>> sync_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return Error::from_errno(errno, "socketpair");
  return std::pair{UniqueFd(sv[0]), UniqueFd(sv[1])};
}

Result<ChildOutcome> hand_shake(int sock, std::string_view payload, const ChildRequests& requests) {
  if (init::send_go(sock, payload) < 0) return Error::from_errno(errno, "signal the child");
  while (true) {
    char buf[4096];
    UniqueFd fd;
    ssize_t n = sys::recv_with_fd(sock, buf, sizeof(buf), &fd);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno(errno, "read from the child");
    if (n == 0) return ChildOutcome::kExeced;
    std::string_view rec(buf, static_cast<size_t>(n));
    if (rec[0] == init::kReady) return ChildOutcome::kReady;
    if (rec[0] == init::kSeccompFd && requests.seccomp_fd) {
      TRY(requests.seccomp_fd(fd));
    } else if (rec[0] == init::kHooks && requests.hooks) {
      TRY(requests.hooks());
      if (sys::send_all(sock, std::string_view(&init::kGo, 1)) < 0)
        return Error::from_errno(errno, "resume the child");
    } else {
      return init::error_from_record(rec);
    }
  }
}

Result<void> hand_listener(const SeccompAgent& agent, const oci::Json& state, pid_t pid,
                           const UniqueFd& listener) {
  if (!listener.valid())
    return Error::make(Errc::kInternal, "the seccomp listener fd did not arrive");
  return seccomp::send_to_agent(agent.listener_path, agent.metadata, state, pid, listener.get());
}

}  // namespace strata::runtime
