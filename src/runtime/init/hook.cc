// SPDX-License-Identifier: Apache-2.0
#include "runtime/init/hook.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <ctime>

#include "util/strings.h"
#include "util/unique_fd.h"

namespace strata::runtime::init {

namespace {

int64_t now_ns() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Writes what the hook's stdin takes now, without blocking; closes it once all of
// `*state` is written or the hook cannot take it (EPIPE: it does not read its stdin,
// which is fine).
void feed(UniqueFd& in, std::string_view* state) {
  while (in.valid() && !state->empty()) {
    ssize_t n = ::send(in.get(), state->data(), state->size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      state->remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else if (n < 0 && errno != EINTR) {
      in.reset();
    }
  }
  in.reset();  // all written: EOF for the hook
}

// Feeds the state to the hook's stdin and reaps it, both against one CLOCK_MONOTONIC
// deadline (-1: none), so a hook that neither reads nor exits is still timed out.
// false: the deadline came first (the hook still runs).
Result<bool> feed_and_reap(pid_t pid, UniqueFd in, std::string_view state, int64_t deadline_ns,
                           int* status) {
  while (true) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return Error::from_errno(errno, "wait");
    feed(in, &state);
    if (deadline_ns >= 0 && now_ns() >= deadline_ns) return false;
    // Wakes when stdin takes more, or after 1 ms to look for the exit (poll skips a
    // closed fd of -1).
    struct pollfd pfd = {in.valid() ? in.get() : -1, POLLOUT, 0};
    ::poll(&pfd, 1, 1);
  }
}

[[noreturn]] void exec_hook(const Hook& hook, int stdin_fd) {
  ::dup2(stdin_fd, 0);
  std::vector<char*> argv, envp;
  if (hook.args.empty()) argv.push_back(const_cast<char*>(hook.path.c_str()));
  for (const auto& a : hook.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : hook.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(hook.path.c_str(), argv.data(), envp.data());
  _exit(127);
}

}  // namespace

Result<void> run_hook(const Hook& hook, std::string_view state) {
  int sv[2];
  // A socket, not a pipe: MSG_NOSIGNAL keeps a hook that never reads stdin from
  // killing us with SIGPIPE.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return Error::from_errno(errno, "socketpair");
  UniqueFd in(sv[0]), theirs(sv[1]);
  int64_t deadline_ns = hook.timeout ? now_ns() + *hook.timeout * int64_t{1000000000} : -1;
  pid_t pid = ::fork();
  if (pid < 0)
    return Error::from_errno(errno, fmt::format("hook `{}`: fork", printable(hook.path)));
  if (pid == 0) exec_hook(hook, theirs.get());
  theirs.reset();
  int status = 0;
  bool exited = TRY_CTX(feed_and_reap(pid, std::move(in), state, deadline_ns, &status), "hook `{}`",
                        printable(hook.path));
  if (!exited) {
    ::kill(pid, SIGKILL);  // our own child, not yet reaped: its pid cannot be reused
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return Error::make(Errc::kInternal, fmt::format("hook `{}`: timed out after {} s",
                                                    printable(hook.path), *hook.timeout));
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
