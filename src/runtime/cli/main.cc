// SPDX-License-Identifier: Apache-2.0
// strata-runtime: an OCI runtime with runc's command line. Errors go to stderr and, with
// --log, to that file (text, or JSON with --log-format json, as podman and containerd
// read runc's log), and the exit code is 1.
#include <cstdio>
#include <ctime>
#include <fstream>

#include "runtime/cli/cli.h"
#include "runtime/sealed.h"
#include "runtime/seccomp/seccomp.h"
#include "sys/io.h"
#include "util/strings.h"

namespace strata::runtime::cli {

namespace {

void log_error(const Globals& g, const std::string& msg) {
  std::fprintf(stderr, "strata-runtime: %s\n", msg.c_str());
  if (g.log.empty()) return;
  std::ofstream out(g.log, std::ios::app);
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::string t = format_rfc3339(now.tv_sec, now.tv_nsec);
  if (g.log_format == "json") {
    out << oci::dump_json({{"level", "error"}, {"msg", msg}, {"time", t}}) << "\n";
  } else {
    out << "time=\"" << t << "\" level=error msg=\"" << msg << "\"\n";
  }
}

void add_globals(CLI::App& app, Globals& g) {
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", "strata-runtime version " STRATA_VERSION "\nspec: 1.2.0");
  app.add_option("--root", g.root, "Root directory for container state");
  app.add_option("--log", g.log, "Log file for errors");
  app.add_option("--log-format", g.log_format, "text or json");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "Use systemd for cgroups (not supported)");
  app.add_flag("--debug", g.debug, "Debug output");
}

// Parses the command line into the action to run; the exit code if there is none.
std::optional<int> parse(CLI::App& app, Globals& g, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    log_error(g, e.what());
    return 1;
  }
  bool creates = app.got_subcommand("create") || app.got_subcommand("run");
  if (g.systemd_cgroup && creates) {
    log_error(g, "--systemd-cgroup: systemd cgroup management is not supported; use cgroupfs");
    return 1;
  }
  return std::nullopt;
}

int run_cli(int argc, char** argv) {
  // Before anything is opened: no file of ours may take a stdio number.
  if (sys::ensure_stdio_open() < 0) return 1;
  CLI::App app{"strata-runtime: an OCI runtime with runc's command line", "strata-runtime"};
  Globals g;
  g.argv = argv;
  Action action;
  add_globals(app, g);
  for (auto add : {add_create, add_run, add_start, add_state, add_kill, add_delete, add_list,
                   add_pause, add_events, add_spec, add_features, add_exec, add_update})
    add(app, g, action);
  if (auto code = parse(app, g, argc, argv)) return *code;
  seccomp::set_cache_dir(g.root + "/@seccomp");  // not a container ID: '@' is not allowed
  auto r = run_guarded(action);
  std::fflush(stdout);
  if (!r.ok()) {
    log_error(g, r.error().message());
    return 1;
  }
  return *r;
}

}  // namespace

Result<void> require_sealed(const Globals& g) {
  ensure_sealed_self(g.argv);
  if (!running_sealed())
    return Error::make(Errc::kPermission, "cannot run from a sealed copy of the runtime binary");
  return {};
}

}  // namespace strata::runtime::cli

int main(int argc, char** argv) { return strata::runtime::cli::run_cli(argc, argv); }
