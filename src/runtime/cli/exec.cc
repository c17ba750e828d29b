// SPDX-License-Identifier: Apache-2.0
// `exec ID CMD...`: a new process in a running container.
#include "runtime/exec.h"

#include "runtime/cli/cli.h"

namespace strata::runtime::cli {

void add_exec(CLI::App& app, Globals& g, Action& action) {
  auto o = std::make_shared<ExecOptions>();
  auto* c = app.add_subcommand("exec", "Run a process in a running container");
  c->add_option("container-id", o->id)->required();
  c->add_option("-p,--process", o->process_file, "A process.json to run");
  c->add_flag("-t,--tty", o->tty, "Allocate a pseudo-TTY");
  c->add_option("--console-socket", o->console_socket, "Unix socket for the pty master");
  c->add_option("--cwd", o->cwd, "Working directory");
  c->add_option("-e,--env", o->env, "Set an environment variable")->allow_extra_args(false);
  c->add_option("-u,--user", o->user, "UID[:GID]");
  c->add_option("-c,--cap", o->caps, "Add a capability")->allow_extra_args(false);
  c->add_flag("--no-new-privs", o->no_new_privs, "Set no_new_privs");
  c->add_flag("-d,--detach", o->detach, "Detach from the process");
  c->add_option("--pid-file", o->pid_file, "File to write the process pid to");
  c->add_option("--preserve-fds", o->preserve_fds, "Pass N more fds");
  // Flags end at the first argument after the container ID: `exec ID sh -c ...`.
  c->prefix_command();
  c->callback([&g, &action, o, c] {
    action = [&g, o, c]() -> Result<int> {
      o->args = c->remaining();
      TRY(require_sealed(g));
      return exec_process(g.root, *o);
    };
  });
}

}  // namespace strata::runtime::cli
