// SPDX-License-Identifier: Apache-2.0
// `create` and `run` flags (docs/CONTAINERS.md "Create and run flags"): registered on
// both commands; sizes parsed here, everything else checked by the engine's create.
#include "cli/create_flags.h"

#include <cstdlib>

#include "util/strings.h"

namespace strata::cli {

namespace {

// A size flag as Docker parses it; `flag` as Docker names it in the error.
Result<int64_t> size_flag(const std::string& value, const char* flag) {
  uint64_t bytes = 0;
  if (!parse_size(value, &bytes) || bytes > static_cast<uint64_t>(INT64_MAX))
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid argument \"{}\" for \"{}\" flag: invalid size: '{}'",
                                   printable(value), flag, printable(value)));
  return static_cast<int64_t>(bytes);
}

// --restart: Docker's CLI refuses it with --rm before the daemon checks the policy.
Result<void> parse_restart(CreateFlags& f) {
  f.o.restart = TRY(container::parse_restart_policy(f.restart));
  if (f.o.auto_remove && !f.o.restart.none())
    return Error::make(Errc::kInvalidArgument, "Conflicting options: --restart and --rm");
  return {};
}

}  // namespace

Result<void> parse_limits(CreateFlags& f) {
  if (!f.memory.empty()) {
    int64_t bytes = TRY(size_flag(f.memory, "-m, --memory"));
    if (bytes < 6 * 1024 * 1024)
      return Error::make(Errc::kInvalidArgument, "Minimum memory limit allowed is 6MB");
    f.o.memory = bytes;
  }
  // --memory-swap -1: unlimited swap (Docker's spelling).
  if (f.memory_swap == "-1")
    f.o.host.memory_swap = -1;
  else if (!f.memory_swap.empty())
    f.o.host.memory_swap = TRY(size_flag(f.memory_swap, "--memory-swap"));
  if (!f.memory_reservation.empty())
    f.o.host.memory_reservation = TRY(size_flag(f.memory_reservation, "--memory-reservation"));
  if (!f.cpus.empty()) {
    char* end = nullptr;
    double v = std::strtod(f.cpus.c_str(), &end);
    if (end == f.cpus.c_str() || *end != '\0' || !(v >= 0) || v > 1e6)
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("invalid argument \"{}\" for \"--cpus\" flag: failed to parse "
                                     "{} as a rational number",
                                     printable(f.cpus), printable(f.cpus)));
    f.o.nano_cpus = static_cast<int64_t>(v * 1e9);
  }
  if (f.o.pids_limit < -1)
    return Error::make(Errc::kInvalidArgument, "invalid --pids-limit: want -1 or more");
  TRY(parse_restart(f));
  return {};
}

// Each repeatable flag takes one value per use (expected(1)): CLI11's vectors would
// otherwise swallow the image and command that follow ("-e A=1 busybox env").
void add_create_flags(CLI::App* c, CreateFlags& f) {
  container::HostFlags& h = f.o.host;
  c->set_help_flag("--help", "Print usage");  // -h is --hostname, as in Docker
  c->add_option("--name", f.o.name, "Assign a name to the container");
  c->add_option("-e,--env", f.o.env, "Set environment variables")
      ->take_all()
      ->allow_extra_args(false);
  c->add_option("--env-file", h.env_files, "Read in a file of environment variables")
      ->take_all()
      ->allow_extra_args(false);
  c->add_option("-w,--workdir", f.o.workdir, "Working directory inside the container");
  c->add_option("-u,--user", f.o.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  c->add_option("--entrypoint", f.o.entrypoint, "Overwrite the default ENTRYPOINT of the image");
  c->add_option("-h,--hostname", f.o.hostname, "Container host name");
  c->add_option("-l,--label", f.o.labels, "Set meta data on a container")
      ->take_all()
      ->allow_extra_args(false);
  c->add_flag("-t,--tty", f.o.tty, "Allocate a pseudo-TTY");
  c->add_flag("-i,--interactive", f.o.interactive, "Keep STDIN open even if not attached");
  c->add_flag("--rm", f.o.auto_remove, "Automatically remove the container when it exits");
  c->add_option("--restart", f.restart, "Restart policy to apply when a container exits");
  c->add_option("--runtime", f.o.runtime, "Runtime to use for this container");
  c->add_option("-m,--memory", f.memory, "Memory limit");
  c->add_option("--memory-swap", f.memory_swap,
                "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
  c->add_option("--memory-reservation", f.memory_reservation, "Memory soft limit");
  c->add_option("--cpus", f.cpus, "Number of CPUs");
  // No -c: CLI11 would take a command's own -c ("sh -c ...") for it.
  c->add_option("--cpu-shares", h.cpu_shares, "CPU shares (relative weight)");
  c->add_option("--cpuset-cpus", h.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  c->add_option("--pids-limit", f.o.pids_limit, "Tune container pids limit (set -1 for unlimited)");
  c->add_option("--ulimit", h.ulimits, "Ulimit options")->take_all()->allow_extra_args(false);
  c->add_option("--add-host", h.add_hosts, "Add a custom host-to-IP mapping (host:ip)")
      ->take_all()
      ->allow_extra_args(false);
  c->add_option("--dns", h.dns, "Set custom DNS servers")->take_all()->allow_extra_args(false);
  c->add_option("--dns-search", h.dns_search, "Set custom DNS search domains")
      ->take_all()
      ->allow_extra_args(false);
  c->add_option("--dns-option", h.dns_options, "Set DNS options")
      ->take_all()
      ->allow_extra_args(false);
  c->add_option("--cap-add", h.cap_add, "Add Linux capabilities")
      ->take_all()
      ->allow_extra_args(false);
  c->add_option("--cap-drop", h.cap_drop, "Drop Linux capabilities")
      ->take_all()
      ->allow_extra_args(false);
  c->add_flag("--privileged", h.privileged, "Give extended privileges to this container");
  c->add_option("--device", h.devices, "Add a host device to the container")
      ->take_all()
      ->allow_extra_args(false);
  c->add_option("--security-opt", h.security_opt, "Security Options")
      ->take_all()
      ->allow_extra_args(false);
  c->add_flag("--read-only", h.read_only, "Mount the container's root filesystem as read only");
  c->add_flag("--init", h.init,
              "Run an init inside the container that forwards signals and "
              "reaps processes");
  c->add_option("--log-opt", h.log_opts, "Log driver options (max-size, max-file)")
      ->take_all()
      ->allow_extra_args(false);
  c->add_option("--stop-signal", f.o.stop_signal, "Signal to stop the container");
  c->add_option("--stop-timeout", f.o.stop_timeout, "Timeout (in seconds) to stop a container");
  c->add_option("--health-cmd", h.health.cmd, "Command to run to check health");
  c->add_option("--health-interval", h.health.interval,
                "Time between running the check (ms|s|m|h) (default 0s)");
  c->add_option("--health-retries", h.health.retries,
                "Consecutive failures needed to report unhealthy");
  c->add_option("--health-start-interval", h.health.start_interval,
                "Time between running the check during the start period (ms|s|m|h) (default 0s)");
  c->add_option("--health-start-period", h.health.start_period,
                "Start period for the container to initialize before starting health-retries "
                "countdown (ms|s|m|h) (default 0s)");
  c->add_option("--health-timeout", h.health.timeout,
                "Maximum time to allow one check to run (ms|s|m|h) (default 0s)");
  c->add_flag("--no-healthcheck", h.health.none, "Disable any container-specified HEALTHCHECK");
  c->add_option("--network", f.o.network, "Connect a container to a network (none, host)");
  c->add_option("-v,--volume", f.o.volumes, "Bind mount a volume")->allow_extra_args(false);
  c->add_option("--mount", f.o.mounts, "Attach a filesystem mount to the container")
      ->allow_extra_args(false);
  c->add_option("--tmpfs", f.o.tmpfs, "Mount a tmpfs directory")->allow_extra_args(false);
  c->add_option("IMAGE", f.image, "Image")->required();
  c->add_option("COMMAND", f.args, "Command and arguments");
  // Everything after the image belongs to the container's command, flags included.
  c->positionals_at_end();
  c->prefix_command();
  refuse_unknown_flags(c);
}

void refuse_unknown_flags(CLI::App* c) {
  c->parse_complete_callback([c] {
    for (const auto& r : c->remaining())
      if (r.size() > 1 && r[0] == '-') throw CLI::ValidationError("unknown flag: " + r);
  });
}

Result<container::Container> create_from(container::Engine& engine, CreateFlags& f) {
  TRY(parse_limits(f));
  f.o.cmd = f.args;
  return engine.create(f.o, f.image);
}

}  // namespace strata::cli
