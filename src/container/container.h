// SPDX-License-Identifier: Apache-2.0
// The engine's containers: an image's layers plus a read-write overlay layer, a name, an
// ID, a generated config.json, and a monitor while it runs (docs/ARCHITECTURE.md
// "Containers"). Rows live in the store's database (table `containers`), each holding a
// ref on its image so that neither the image nor its layers go while it exists; files
// live in ROOT/containers/<id>/ (upper/ work/ merged/ config.json lowers hosts hostname
// resolv.conf log), run state in RUNROOT/containers/<id>/ (protocol.h), which may vanish
// at reboot: every command that reads a container first reconciles its recorded state
// with what its monitor left (sync), so a dead monitor or a reboot shows as "exited".
#pragma once

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "container/host_flags.h"
#include "container/restart_policy.h"
#include "oci/json.h"
#include "store/store.h"
#include "util/result.h"

namespace strata::snapshot {
struct Layout;
}

namespace strata::container {

// The exit code of a container whose end nobody recorded (its monitor was killed, or the
// host rebooted): 255, what Docker shows for containers that were running when its
// daemon or the host went down.
inline constexpr int kUnknownExit = 255;

struct State {
  // created, running, paused (frozen; it still has its monitor), restarting (its monitor
  // waits out the restart back-off: no process, pid 0), exited, or dead: being removed (a
  // removal killed half-way leaves it so, and the next rm finishes it), as Docker names
  // them. Restarting counts as running, as in Docker (rm needs -f, stop ends it).
  std::string status = "created";
  int64_t pid = 0, monitor_pid = 0;
  int exit_code = 0;  // while restarting: the run that ended
  int64_t started_ns = 0, finished_ns = 0;
  int restart_count = 0;  // restarts by the policy since the user's last start
  bool oom_killed = false;
  // A user stop or kill since the last start (Docker's HasBeenManuallyStopped): what
  // unless-stopped honours, here and at boot.
  bool manually_stopped = false;
  bool running() const {
    return status == "running" || status == "paused" || status == "restarting";
  }
  bool paused() const { return status == "paused"; }
  bool restarting() const { return status == "restarting"; }
  bool operator==(const State&) const = default;
};

// What `create` and `run` take from the command line.
struct Options {
  std::string name;
  std::vector<std::string> cmd;
  std::optional<std::string> entrypoint;
  std::vector<std::string> env;  // K=V; a bare K takes the value of the caller's K
  std::string workdir, user, hostname;
  std::vector<std::string> labels;  // K=V
  bool tty = false, interactive = false, auto_remove = false;
  std::string runtime;  // name or path; empty: strata-runtime
  int64_t memory = 0;   // bytes; 0: unset
  int64_t pids_limit = 0;
  int64_t nano_cpus = 0;
  std::string stop_signal;
  std::optional<int> stop_timeout;
  RestartPolicy restart;         // --restart, parsed (restart_policy.h)
  std::string network = "none";  // none or host (bridges come with networking)
  HostFlags host;                // environment files, hosts, limits, security, init
  // -v, --mount and --tmpfs as given (container/mounts.h parses them).
  std::vector<std::string> volumes, mounts, tmpfs;
};

struct Container {
  std::string id, name, image_name;
  std::string driver = "overlay";  // the storage driver it was created with: overlay or vfs
  oci::Digest image_id;
  int64_t created_ns = 0;
  oci::Json config;       // Docker's Config: Cmd, Entrypoint, Env, WorkingDir, User, ...
  oci::Json host_config;  // Docker's HostConfig: AutoRemove, Runtime, Memory, ...
  // What is mounted into it (volumes, binds, tmpfs), in the shape of Docker's inspect
  // "Mounts": Type, Name, Source, Destination, Driver, Mode, RW, Propagation.
  oci::Json mounts = oci::Json::array();
  State state;
  std::string short_id() const { return id.substr(0, 12); }
};

struct Paths {
  std::string run_root;      // RUNROOT (default /run/strata)
  std::string monitor;       // strata-monitor
  std::string self;          // this strata binary (the monitor's exit command)
  std::string runtime;       // strata-runtime, the default OCI runtime
  std::string runtime_name;  // its name, for --runtime values
  // --storage-driver for new containers: overlay, vfs, or empty: overlay where the
  // store's file system takes it, else vfs with a warning (create.cc).
  std::string storage_driver;
};

// What an attached start gives back: the connected attach socket. `size` ("ROWS COLS"),
// when set, is sent as the pty's first window size before the process runs.
struct Attached {
  UniqueFd sock;
  std::optional<std::string> size;
};

// What `exec` takes from the command line.
struct ExecOptions {
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // K=V, or K for the caller's K
  std::string user, workdir;
  bool tty = false, detach = false, privileged = false;
  std::optional<std::string> size;  // "ROWS COLS": the pty's first window size
};

// What `update` changes (Docker's UpdateConfig): only the fields that are set; values
// as create records them (bytes, nano cpus; -1 unlimited for swap and pids).
struct UpdateOptions {
  std::optional<int64_t> memory, memory_swap, memory_reservation, nano_cpus, cpu_shares, pids_limit;
  std::optional<std::string> cpuset_cpus;
};

// A runtime `exec` in progress (the runtime is our child): its files in the run dir,
// and with a tty, the socket it sends the pty master to. With a tty the runtime runs
// detached (runc takes a console socket only so) and the caller, made a child
// subreaper, inherits the process and waits for it itself.
struct ExecProcess {
  pid_t pid = 0;
  bool adopt = false;         // the process becomes our child when the runtime exits
  std::optional<int> status;  // the runtime's exit code, once reaped
  std::string process_file, pid_file;
  std::string log_file;  // a detached runtime's --log (json), where it says why it failed
  std::string error;     // that, once exec_wait found the process did not start
  UniqueFd console_listener, console_dir;
};

class Engine {
 public:
  Engine(store::Store& store, Paths paths) : store_(store), paths_(std::move(paths)) {}

  Result<Container> create(const Options& o, std::string_view image);
  // By full ID, unique ID prefix or name; its state reconciled first.
  Result<Container> get(std::string_view ref);
  Result<std::vector<Container>> list();
  // Starts a created or exited container; with `attach`, connects to its output before
  // it runs (nothing is missed).
  Result<void> start(Container& c, Attached* attach);
  // Sends `sig` (default: the container's stop signal), waits `timeout` seconds, then
  // SIGKILL; returns once the container has exited.
  Result<void> stop(Container& c, std::optional<int> timeout);
  Result<void> kill(Container& c, int sig);
  // A running container needs force (it is killed first). With `volumes`, its anonymous
  // volumes go too (those no other container uses), as `rm -v` and `--rm` do.
  Result<void> remove(Container& c, bool force, bool volumes = false);
  // remove with the lock from lock() already held (re-reads the container).
  Result<void> remove_locked(Container& c, bool force, bool volumes);
  // Blocks until the container is not running; its exit code. With `next_exit`, as
  // Docker's wait: also when it exits and its restart policy is to restart it.
  Result<int> wait(Container& c, bool next_exit = false);
  // Connects to a running container's monitor as an attach client (monitor/protocol.h).
  Result<UniqueFd> attach(const Container& c);
  // Starts `o.cmd` in running container `c` through the runtime's exec (posix_spawn),
  // with `stdio` as the runtime's fds 0-2 (-1: /dev/null), which the process inherits:
  // pipes the caller relays, never the caller's own terminal or files (a process in the
  // container could inject input into a terminal or reopen a file through /proc). With
  // a tty or detached, stdio is ignored: all /dev/null, the runtime's error goes to its
  // log (ExecProcess::error). The process is built from the container's config.json
  // with the options applied; -u is resolved in the running container's own tree.
  Result<ExecProcess> exec(const Container& c, const ExecOptions& o, std::array<int, 3> stdio);
  // With a tty: the pty master the runtime sends (an error if it exits first).
  Result<UniqueFd> exec_console(ExecProcess& p);
  // Waits for the runtime and removes the exec's files: its exit code, and whether the
  // process started at all (false: the runtime failed before, and said why on stderr,
  // or, detached, in p.error).
  Result<std::pair<int, bool>> exec_wait(ExecProcess& p);
  // The monitor's exit command: record the exit, and remove an --rm container.
  Result<void> cleanup(std::string_view id);
  // restart.cc: what `start --all` starts after a reboot (starts_at_boot), oldest first,
  // those not running; with `modes`, only containers with one of those policies.
  Result<std::vector<Container>> boot_list(const std::vector<RestartMode>& modes);

  // admin.cc: Docker's rename, pause, unpause, update.
  // New limits for `c`, checked as create checks them (kInvalidArgument, nothing
  // changed) and recorded in its HostConfig and config.json, so that the next start
  // uses them; a running container gets them at once through the runtime's `update`
  // (a refusal, such as a memory limit below the usage, changes nothing recorded).
  Result<void> update(Container& c, const UpdateOptions& u);
  Result<void> rename(Container& c, const std::string& name);
  Result<void> pause(Container& c, bool pause);
  // The host pids of a running container's processes (those in its pid namespace).
  Result<std::vector<int64_t>> processes(const Container& c);
  // One sample of the runtime's stats (`events --stats`: the runc JSON shape).
  Result<oci::Json> stats(const Container& c);

  std::string dir(const Container& c) const { return store_.root() + "/containers/" + c.id; }
  store::Store& store() { return store_; }
  // The lock start, stop and remove take (held while commit, cp or export read it).
  Result<UniqueFd> lock(const Container& c);
  // Runs the container's OCI runtime with `args` (its --root first); its exit code.
  Result<int> run_runtime(const Container& c, std::vector<std::string> args);
  std::string run_dir(const Container& c) const { return paths_.run_root + "/containers/" + c.id; }
  std::string log_path(const Container& c) const { return dir(c) + "/log"; }

 private:
  Result<Container> find(std::string_view ref);  // get without sync
  Result<void> sync(Container& c);
  // A monitor that is alive may have restarted its container: its status file says.
  Result<void> sync_restarts(Container& c);
  // restart.cc: tells the monitor that the user stops or kills the container (no restart,
  // whatever the policy: run_state.h's stop file), and records manually_stopped.
  Result<void> request_stop(Container& c);
  Result<void> save_state(const Container& c);
  // Saves c.state only if the row still holds `before` (false if it changed meanwhile).
  Result<bool> save_state_if(const Container& c, const State& before);
  Result<Container> load_row(store::Stmt& st);
  Result<std::string> unique_name(const std::string& wanted);
  // The container's directory and its storage driver's rw layer (create.cc).
  Result<snapshot::Layout> prepare_rootfs(const Container& c, const store::ImageRecord& img);
  Result<void> write_files(const Container& c, const snapshot::Layout& layout,
                           const struct LaunchUser& user);
  Result<void> spawn_monitor(Container& c, Attached* attach);
  Result<void> repair(Container& c);
  Result<void> thaw(Container& c);
  // Takes the container's operation lock (RUNROOT/locks/<id>) and re-reads it.
  Result<UniqueFd> lock_and_get(Container& c);
  Result<void> remove_now(Container& c, bool force, bool volumes);
  std::string runtime_path(const Container& c) const;
  std::string runtime_root(const Container& c) const;
  Result<std::string> runtime_output(const Container& c, std::vector<std::string> args);

  store::Store& store_;
  Paths paths_;
};

// A Docker-style name, adjective_surname ("focused_turing"), from `seed` bits.
std::string generate_name(uint64_t seed);
// The container's command: its Entrypoint then its Cmd, joined by spaces.
std::string command_line(const Container& c);
// restart.cc: HostConfig.RestartPolicy as Docker records it ({"Name", "MaximumRetryCount"}),
// and read back (a container created before policies has none: "no").
oci::Json restart_policy_json(const RestartPolicy& p);
Result<RestartPolicy> restart_policy(const Container& c);
// 64 hex characters from the kernel's random source.
std::string new_id();
// Signal names and numbers as Docker takes them: "SIGTERM", "TERM", "15"; 0 if unknown.
int parse_signal(std::string_view s);

}  // namespace strata::container
