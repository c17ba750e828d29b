// SPDX-License-Identifier: Apache-2.0
// `run ID`: create, start, wait, delete; signals are forwarded to the container.
#include <signal.h>
#include <sys/wait.h>

#include "runtime/cli/cli.h"

namespace strata::runtime::cli {

namespace {

pid_t g_child = 0;
void forward(int sig) {
  if (g_child > 0) ::kill(g_child, sig);  // our own child until reaped: never reused
}

Result<int> run_container(const Globals& g, const CreateOptions& o, bool detach, bool keep) {
  pid_t pid = TRY(create_container(g.root, o));
  g_child = pid;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH})
    ::signal(sig, forward);
  auto started = start_container(g.root, o.id);
  if (!started.ok()) {
    (void)delete_container(g.root, o.id, true);
    return std::move(started).error();
  }
  if (detach) return 0;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!keep) TRY(delete_container(g.root, o.id, true));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

void add_run(CLI::App& app, Globals& g, Action& action) {
  struct Options {
    CreateOptions create;
    bool detach = false, keep = false;
  };
  auto o = std::make_shared<Options>();
  auto* c = app.add_subcommand("run", "Create and run a container");
  add_create_flags(c, &o->create);
  c->add_flag("-d,--detach", o->detach, "Detach from the container's process");
  c->add_flag("--keep", o->keep, "Do not delete the container after it exits");
  c->callback([&g, &action, o] {
    action = [&g, o]() -> Result<int> {
      TRY(require_sealed(g));
      return run_container(g, o->create, o->detach, o->keep);
    };
  });
}

}  // namespace strata::runtime::cli
