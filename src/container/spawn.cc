// SPDX-License-Identifier: Apache-2.0
#include "container/spawn.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>

extern char** environ;

namespace strata::container {

Result<pid_t> spawn_process(const std::vector<std::string>& argv, std::array<int, 3> stdio,
                            int fd3) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  for (int i = 0; i < 3; ++i) {
    if (stdio[i] < 0)
      posix_spawn_file_actions_addopen(&fa, i, "/dev/null", i == 0 ? O_RDONLY : O_WRONLY, 0);
    else
      posix_spawn_file_actions_adddup2(&fa, stdio[i], i);
  }
  if (fd3 >= 0) posix_spawn_file_actions_adddup2(&fa, fd3, 3);
  posix_spawn_file_actions_addclosefrom_np(&fa, fd3 >= 0 ? 4 : 3);
  std::vector<char*> cargv;
  for (const auto& s : argv) cargv.push_back(const_cast<char*>(s.c_str()));
  cargv.push_back(nullptr);
  pid_t pid;
  int rc = ::posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return Error::from_errno(rc, fmt::format("run `{}`", argv[0]));
  return pid;
}

Result<int> wait_process(pid_t pid) {
  int st;
  while (::waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return Error::from_errno(errno, "waitpid");
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

}  // namespace strata::container
