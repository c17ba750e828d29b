// SPDX-License-Identifier: Apache-2.0
// strata-runtime: an OCI runtime with runc's command line. Errors go to stderr and, with
// --log, to that file (text, or JSON with --log-format json, as podman and containerd
// read runc's log), and the exit code is 1.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "runtime/cgroup/cgroup.h"
#include "runtime/container.h"
#include "runtime/events.h"
#include "runtime/exec.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::runtime {
namespace {

struct Globals {
  std::string root = "/run/strata-runtime", log, log_format = "text";
  bool systemd_cgroup = false, debug = false;
};

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

Result<void> require_sealed(char** argv) {
  ensure_sealed_self(argv);
  if (!running_sealed())
    return Error::make(Errc::kPermission, "cannot run from a sealed copy of the runtime binary");
  return {};
}

// runc run: create, start, wait, delete; signals are forwarded to the container.
pid_t g_child = 0;
void forward(int sig) {
  if (g_child > 0) ::kill(g_child, sig);
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

std::string default_spec(bool rootless) {
  oci::Json caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  oci::Json spec = {
      {"ociVersion", "1.0.2"},  // what runc writes: older runtimes (crun 1.8) refuse 1.2.0
      {"process",
       {{"terminal", true},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"sh"}},
        {"env",
         {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities",
         {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "strata"},
      {"mounts",
       {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev"},
         {"type", "tmpfs"},
         {"source", "tmpfs"},
         {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/pts"},
         {"type", "devpts"},
         {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
        {{"destination", "/dev/shm"},
         {"type", "tmpfs"},
         {"source", "shm"},
         {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
        {{"destination", "/dev/mqueue"},
         {"type", "mqueue"},
         {"source", "mqueue"},
         {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/sys"},
         {"type", "sysfs"},
         {"source", "sysfs"},
         {"options", {"nosuid", "noexec", "nodev", "ro"}}},
        {{"destination", "/sys/fs/cgroup"},
         {"type", "cgroup"},
         {"source", "cgroup"},
         {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}}}},
      {"linux",
       {{"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
        {"namespaces",
         {{{"type", "pid"}},
          {{"type", "network"}},
          {{"type", "ipc"}},
          {{"type", "uts"}},
          {{"type", "mount"}},
          {{"type", "cgroup"}}}},
        {"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
          "/proc/scsi"}},
        {"readonlyPaths",
         {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}}};
  if (rootless) {
    spec["linux"]["namespaces"].push_back({{"type", "user"}});
    spec["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", ::getuid()}, {"size", 1}}};
    spec["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", ::getgid()}, {"size", 1}}};
    spec["linux"].erase("resources");
    // gid 5 (tty) is not mapped in a one-uid user namespace (runc's rootless spec too).
    spec["mounts"][2]["options"] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                    "mode=0620"};
    spec["mounts"][5] = {{"destination", "/sys"},
                         {"type", "none"},
                         {"source", "/sys"},
                         {"options", {"rbind", "nosuid", "noexec", "nodev", "ro"}}};
  }
  return spec.dump(4) + "\n";
}

std::string features_json() {
  const oci::Json kSeccompFlags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                   "SECCOMP_FILTER_FLAG_TSYNC",
                                   "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
  oci::Json f = {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", "1.3.0"},
      {"hooks",
       {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
      {"mountOptions",
       {"async",      "atime",         "bind",    "defaults", "dev",         "diratime", "dirsync",
        "exec",       "mand",          "noatime", "nodev",    "nodiratime",  "noexec",   "nomand",
        "norelatime", "nostrictatime", "nosuid",  "private",  "rbind",       "relatime", "remount",
        "ro",         "rprivate",      "rshared", "rslave",   "runbindable", "rw",       "shared",
        "slave",      "strictatime",   "suid",    "sync",     "unbindable"}},
      {"linux",
       {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
        {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}}},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}},
        {"intelRdt", {{"enabled", false}}},
        {"seccomp",
         {{"enabled", true},
          {"actions",
           {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
            "SCMP_ACT_TRAP"}},
          {"knownFlags", kSeccompFlags},
          {"supportedFlags", kSeccompFlags},
          {"operators",
           {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
            "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}}}}}}};
  return f.dump(4) + "\n";
}

Result<int> print_state(const Globals& g, const std::string& id) {
  auto s = TRY(load_state(g.root, id));
  std::printf("%s\n", state_json(s).dump(2).c_str());
  return 0;
}

Result<int> print_list(const Globals& g, const std::string& format, bool quiet) {
  auto all = TRY(list_containers(g.root));
  if (quiet) {
    for (const auto& s : all) std::printf("%s\n", s.id.c_str());
    return 0;
  }
  if (format == "json") {
    oci::Json a = oci::Json::array();
    for (const auto& s : all) a.push_back(state_json(s));
    std::printf("%s\n", oci::dump_json(a).c_str());
    return 0;
  }
  if (format != "table")
    return Error::make(Errc::kInvalidArgument, fmt::format("invalid format option \"{}\"", format));
  std::vector<std::vector<std::string>> rows = {
      {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
  for (const auto& s : all)
    rows.push_back({s.id, std::to_string(s.status == "stopped" ? 0 : s.pid), s.status, s.bundle,
                    s.created, s.owner.empty() ? "root" : s.owner});
  std::vector<size_t> w(6, 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line.append(std::max<size_t>(12, w[i] + 3) - r[i].size(), ' ');
    }
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

int run_cli(int argc, char** argv) {
  CLI::App app{"strata-runtime: an OCI runtime with runc's command line", "strata-runtime"};
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", "strata-runtime version " STRATA_VERSION "\nspec: 1.2.0");
  Globals g;
  app.add_option("--root", g.root, "Root directory for container state");
  app.add_option("--log", g.log, "Log file for errors");
  app.add_option("--log-format", g.log_format, "text or json");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "Use systemd for cgroups (not supported)");
  app.add_flag("--debug", g.debug, "Debug output");
  std::function<Result<int>()> action;

  CreateOptions co;
  auto add_create_flags = [&](CLI::App* c) {
    c->add_option("container-id", co.id)->required();
    c->add_option("-b,--bundle", co.bundle, "Path to the bundle")->default_val(".");
    c->add_option("--pid-file", co.pid_file, "File to write the init pid to");
    c->add_option("--console-socket", co.console_socket, "Unix socket for the pty master");
    c->add_flag("--no-pivot", co.no_pivot,
                "Move the rootfs onto / and chroot instead of pivot_root");
    c->add_option("--preserve-fds", co.preserve_fds, "Pass N more fds to the container");
  };
  auto* create = app.add_subcommand("create", "Create a container");
  add_create_flags(create);
  create->callback([&] {
    action = [&]() -> Result<int> {
      TRY(require_sealed(argv));
      TRY(create_container(g.root, co));
      return 0;
    };
  });
  bool detach = false, keep = false;
  auto* run = app.add_subcommand("run", "Create and run a container");
  add_create_flags(run);
  run->add_flag("-d,--detach", detach, "Detach from the container's process");
  run->add_flag("--keep", keep, "Do not delete the container after it exits");
  run->callback([&] {
    action = [&]() -> Result<int> {
      TRY(require_sealed(argv));
      return run_container(g, co, detach, keep);
    };
  });
  std::string id;
  auto* start = app.add_subcommand("start", "Start a created container");
  start->add_option("container-id", id)->required();
  start->callback([&] {
    action = [&]() -> Result<int> {
      TRY(start_container(g.root, id));
      return 0;
    };
  });
  auto* state = app.add_subcommand("state", "Output the state of a container");
  state->add_option("container-id", id)->required();
  state->callback([&] { action = [&] { return print_state(g, id); }; });
  std::string signal = "SIGTERM";
  bool all = false;
  auto* kill = app.add_subcommand("kill", "Send a signal to the container's init process");
  kill->add_option("container-id", id)->required();
  kill->add_option("signal", signal, "Signal name or number");
  kill->add_flag("-a,--all", all, "Signal all processes in the container");
  kill->callback([&] {
    action = [&]() -> Result<int> {
      int sig = parse_signal(signal);
      if (sig < 0)
        return Error::make(Errc::kInvalidArgument, fmt::format("unknown signal \"{}\"", signal));
      TRY(kill_container(g.root, id, sig, all));
      return 0;
    };
  });
  bool force = false;
  auto* del = app.add_subcommand("delete", "Delete a container");
  del->add_option("container-id", id)->required();
  del->add_flag("-f,--force", force, "Kill the container first if it is running");
  del->callback([&] {
    action = [&]() -> Result<int> {
      TRY(delete_container(g.root, id, force));
      return 0;
    };
  });
  std::string format = "table";
  bool quiet = false;
  auto* list = app.add_subcommand("list", "List containers");
  list->alias("ps");
  list->add_option("-f,--format", format, "table or json");
  list->add_flag("-q,--quiet", quiet, "Only IDs");
  list->callback([&] { action = [&] { return print_list(g, format, quiet); }; });
  for (bool p : {true, false}) {
    auto* c = app.add_subcommand(p ? "pause" : "resume",
                                 p ? "Freeze all processes" : "Thaw all processes");
    c->add_option("container-id", id)->required();
    c->callback([&, p] {
      action = [&, p]() -> Result<int> {
        TRY(pause_container(g.root, id, p));
        return 0;
      };
    });
  }
  EventsOptions evo;
  std::string interval = "5s";
  auto* events = app.add_subcommand("events", "Display container events and stats");
  events->add_option("container-id", evo.id)->required();
  events->add_flag("--stats", evo.stats_once, "Display the container's stats once, then exit");
  events->add_option("--interval", interval, "Time between stats events")->default_val("5s");
  events->callback([&] {
    action = [&]() -> Result<int> {
      evo.interval = TRY(parse_interval(interval));
      TRY(container_events(g.root, evo, stdout));
      return 0;
    };
  });
  bool rootless = false;
  std::string bundle = ".";
  auto* spec = app.add_subcommand("spec", "Write a default config.json");
  spec->add_flag("--rootless", rootless, "A spec for a rootless container");
  spec->add_option("-b,--bundle", bundle, "Where to write config.json");
  spec->callback([&] {
    action = [&]() -> Result<int> {
      std::string path = bundle + "/config.json";
      if (sys::exists(path))
        return Error::make(Errc::kExists, fmt::format("File {} exists. Remove it first", path));
      TRY(sys::write_file_atomic(path, default_spec(rootless), 0644));
      return 0;
    };
  });
  auto* features = app.add_subcommand("features", "Show what this runtime supports");
  features->callback([&] {
    action = []() -> Result<int> {
      std::printf("%s", features_json().c_str());
      return 0;
    };
  });
  ExecOptions eo;
  auto* exec = app.add_subcommand("exec", "Run a process in a running container");
  exec->add_option("container-id", eo.id)->required();
  exec->add_option("-p,--process", eo.process_file, "A process.json to run");
  exec->add_flag("-t,--tty", eo.tty, "Allocate a pseudo-TTY");
  exec->add_option("--console-socket", eo.console_socket, "Unix socket for the pty master");
  exec->add_option("--cwd", eo.cwd, "Working directory");
  exec->add_option("-e,--env", eo.env, "Set an environment variable")->allow_extra_args(false);
  exec->add_option("-u,--user", eo.user, "UID[:GID]");
  exec->add_option("-c,--cap", eo.caps, "Add a capability")->allow_extra_args(false);
  exec->add_flag("--no-new-privs", eo.no_new_privs, "Set no_new_privs");
  exec->add_flag("-d,--detach", eo.detach, "Detach from the process");
  exec->add_option("--pid-file", eo.pid_file, "File to write the process pid to");
  exec->add_option("--preserve-fds", eo.preserve_fds, "Pass N more fds");
  // Flags end at the first argument after the container ID: `exec ID sh -c ...`.
  exec->prefix_command();
  exec->callback([&] {
    action = [&]() -> Result<int> {
      eo.args = exec->remaining();
      TRY(require_sealed(argv));
      return exec_process(g.root, eo);
    };
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    log_error(g, e.what());
    return 1;
  }
  if (g.systemd_cgroup && (create->parsed() || run->parsed())) {
    log_error(g, "--systemd-cgroup: systemd cgroup management is not supported; use cgroupfs");
    return 1;
  }
  auto r = action();
  std::fflush(stdout);
  if (!r.ok()) {
    log_error(g, r.error().message());
    return 1;
  }
  return *r;
}

}  // namespace
}  // namespace strata::runtime

int main(int argc, char** argv) { return strata::runtime::run_cli(argc, argv); }
