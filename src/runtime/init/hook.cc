// SPDX-License-Identifier: Apache-2.0
#include "runtime/init/hook.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "sys/io.h"
#include "util/strings.h"

namespace strata::runtime::init {

Result<void> run_hook(const Hook& hook, std::string_view state) {
  int sv[2];
  // A socket, not a pipe: MSG_NOSIGNAL keeps a hook that never reads stdin from
  // killing us with SIGPIPE.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return Error::from_errno(errno, "socketpair");
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(sv[0]);
    ::close(sv[1]);
    return Error::from_errno(err, fmt::format("hook `{}`: fork", printable(hook.path)));
  }
  if (pid == 0) {
    ::dup2(sv[1], 0);
    std::vector<char*> argv, envp;
    if (hook.args.empty()) argv.push_back(const_cast<char*>(hook.path.c_str()));
    for (const auto& a : hook.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : hook.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(hook.path.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  ::close(sv[1]);
  // A hook that does not read its stdin (EPIPE) is fine.
  (void)sys::send_all(sv[0], state);
  ::close(sv[0]);
  int status = 0;
  long waited_ms = 0;
  while (true) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR)
      return Error::from_errno(errno, fmt::format("hook `{}`: wait", printable(hook.path)));
    if (hook.timeout && waited_ms >= *hook.timeout * 1000L) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return Error::make(Errc::kInternal, fmt::format("hook `{}`: timed out after {} s",
                                                      printable(hook.path), *hook.timeout));
    }
    ::usleep(1000);
    ++waited_ms;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  if (WIFEXITED(status))
    return Error::make(Errc::kInternal, fmt::format("hook `{}`: exited with status {}",
                                                    printable(hook.path), WEXITSTATUS(status)));
  return Error::make(Errc::kInternal, fmt::format("hook `{}`: killed by signal {}",
                                                  printable(hook.path), WTERMSIG(status)));
}

Result<void> run_hooks(const std::vector<Hook>& hooks, std::string_view state,
                       std::string_view stage) {
  for (const auto& h : hooks) TRY_CTX(run_hook(h, state), "{} hook", stage);
  return {};
}

}  // namespace strata::runtime::init
