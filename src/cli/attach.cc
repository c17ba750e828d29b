// SPDX-License-Identifier: Apache-2.0
// `attach`: this terminal's input, output and signals to a running container, through
// its monitor (container_io.h relay), until it exits or the detach keys are typed.
#include <cstdio>

#include "cli/container_io.h"
#include "cli/terminal.h"
#include "container/monitor/protocol.h"
#include "sys/io.h"

namespace strata::cli {

namespace {

struct AttachFlags {
  std::string detach_keys = kDefaultDetachKeys;
  bool no_stdin = false, sig_proxy = true;
  std::string ref;
};

Result<int> attach_command(const Context& ctx, const AttachFlags& f) {
  auto env = TRY(ctx.open_engine());
  container::Container c = TRY(env.engine->get(f.ref));
  RelayOptions o;
  o.stdin = !f.no_stdin && TRY(oci::get_bool_or(c.config, "OpenStdin", false));
  o.tty = TRY(oci::get_bool_or(c.config, "Tty", false));
  o.sig_proxy = f.sig_proxy;
  o.detach_keys = TRY(parse_detach_keys(f.detach_keys));
  UniqueFd sock = TRY(env.engine->attach(c));
  TRY(check_input_tty(o.tty, o.stdin));
  if (auto size = window_size(); size && o.tty)
    if (sys::send_all(sock.get(), container::monitor::frame(container::monitor::kResize, *size)) <
        0)
      return Error::from_errno(errno, "attach: send window size");
  auto code = TRY(relay(*env.engine, c, sock.get(), o));
  if (code) return *code;
  // Docker's words, and its exit code, for a client that detached.
  std::fprintf(stderr, "read escape sequence\n");
  return 1;
}

}  // namespace

void register_attach_command(const AddBoth& both, Context& ctx) {
  auto f = std::make_shared<AttachFlags>();
  both("attach", {},
       "Attach local standard input, output, and error streams to a running container",
       [f, &ctx](CLI::App* c) {
         c->add_option("--detach-keys", f->detach_keys,
                       "Override the key sequence for detaching a container");
         c->add_flag("--no-stdin", f->no_stdin, "Do not attach STDIN");
         c->add_flag("--sig-proxy", f->sig_proxy, "Proxy all received signals to the process");
         c->add_option("CONTAINER", f->ref)->required();
         c->callback([f, &ctx] { ctx.action = [f, &ctx] { return attach_command(ctx, *f); }; });
       });
}

}  // namespace strata::cli
