// SPDX-License-Identifier: Apache-2.0
#include "sys/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "util/unique_fd.h"

extern char** environ;

namespace strata::sys {

namespace {

void add_stdio(posix_spawn_file_actions_t* fa, int fd, int target, int null_flags) {
  if (fd == SpawnFds::kInherit) return;
  if (fd == SpawnFds::kNull)
    posix_spawn_file_actions_addopen(fa, target, "/dev/null", null_flags, 0);
  else
    posix_spawn_file_actions_adddup2(fa, fd, target);
}

}  // namespace

Result<pid_t> spawn(const std::vector<std::string>& argv, const SpawnFds& fds) {
  if (argv.empty()) return Error::make(Errc::kInvalidArgument, "spawn: no program");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  add_stdio(&fa, fds.in, 0, O_RDONLY);
  add_stdio(&fa, fds.out, 1, O_WRONLY);
  add_stdio(&fa, fds.err, 2, O_WRONLY);
  if (fds.extra >= 0) posix_spawn_file_actions_adddup2(&fa, fds.extra, 3);
  posix_spawn_file_actions_addclosefrom_np(&fa, fds.extra >= 0 ? 4 : 3);
  // The child starts with default signal dispositions and an empty mask, whatever the
  // caller blocks (a relay blocks the signals it forwards).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> cargv;
  for (const auto& s : argv) cargv.push_back(const_cast<char*>(s.c_str()));
  cargv.push_back(nullptr);
  pid_t pid;
  int rc = ::posix_spawn(&pid, cargv[0], &fa, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Error::from_errno(rc, fmt::format("run `{}`", argv[0]));
  return pid;
}

Result<int> wait_exit(pid_t pid) {
  int st;
  while (::waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return Error::from_errno(errno, "waitpid");
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Result<Captured> run_captured(const std::vector<std::string>& argv, size_t max_bytes) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) < 0) return Error::from_errno(errno, "pipe");
  UniqueFd out_r(out[0]), out_w(out[1]);
  if (::pipe2(err, O_CLOEXEC) < 0) return Error::from_errno(errno, "pipe");
  UniqueFd err_r(err[0]), err_w(err[1]);
  SpawnFds fds;
  fds.out = out_w.get();
  fds.err = err_w.get();
  pid_t pid = TRY(spawn(argv, fds));
  out_w.reset();
  err_w.reset();
  Captured c;
  pollfd p[2] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};
  std::string* into[2] = {&c.out, &c.err};
  int open = 2;
  char buf[16384];
  while (open > 0) {
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || !p[i].revents) continue;
      ssize_t n = ::read(p[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        p[i].fd = -1;
        --open;
        continue;
      }
      size_t room = max_bytes - std::min(max_bytes, into[i]->size());
      into[i]->append(buf, std::min(room, static_cast<size_t>(n)));
    }
  }
  c.status = TRY(wait_exit(pid));
  return c;
}

}  // namespace strata::sys
