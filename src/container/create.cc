// SPDX-License-Identifier: Apache-2.0
// `create`: a container row (with its ref on the image, in one transaction) and its
// directory: the rw layer of its storage driver (overlay's upper/ work/ merged/, or
// vfs's rootfs/ copy, made before the transaction: a copy may take seconds), the layer
// list, the files Strata generates (hosts, hostname, resolv.conf) and config.json.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include "container/container.h"
#include "container/healthcheck.h"
#include "container/spec.h"
#include "container/spec_flags.h"
#include "container/volumes.h"
#include "snapshot/snapshot.h"
#include "sys/fs.h"
#include "util/defer.h"
#include "util/log.h"
#include "util/strings.h"

namespace strata::container {

namespace {

std::string env_key(std::string_view kv) { return std::string(kv.substr(0, kv.find('='))); }

}  // namespace

// The image's Env, then the command line's, a later key replacing an earlier one.
std::vector<std::string> merge_env(const std::vector<std::string>& image,
                                   const std::vector<std::string>& given) {
  std::vector<std::string> out = image;
  for (const auto& e : given) {
    std::string kv = e;
    if (e.find('=') == std::string::npos) {  // `-e K`: the caller's K, or nothing
      const char* v = ::getenv(e.c_str());
      if (v == nullptr) continue;
      kv = e + "=" + v;
    }
    std::string k = env_key(kv);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& x) { return env_key(x) == k; });
    if (it != out.end())
      *it = kv;
    else
      out.push_back(kv);
  }
  return out;
}

Result<void> check_workdir(const std::string& workdir) {
  if (!workdir.empty() && workdir[0] != '/')
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("the working directory '{}' is invalid, it needs to be an "
                                   "absolute path",
                                   printable(workdir)));
  return {};
}

namespace {

Result<oci::Json> labels_json(const std::map<std::string, std::string>& image,
                              const std::vector<std::string>& given) {
  oci::Json out = oci::Json::object();
  for (const auto& [k, v] : image) out[k] = v;
  for (const auto& l : given) {
    size_t eq = l.find('=');
    std::string k = l.substr(0, eq);
    if (k.empty())
      return Error::make(Errc::kInvalidArgument, fmt::format("invalid label '{}'", printable(l)));
    out[k] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  return out;
}

oci::Json strings(const std::vector<std::string>& v) {
  oci::Json a = oci::Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

// Why overlay cannot be used on the store's file system ("" if it can), probed once and
// kept in ROOT/overlay-probe as "<st_dev of the root> <reason>": a root moved to another
// file system is probed again. Racing creates may both probe; the answer is the same.
Result<std::string> overlay_refusal(store::Store& store) {
  struct stat root;
  if (::stat(store.root().c_str(), &root) < 0)
    return Error::from_errno(errno, fmt::format("stat `{}`", store.root()));
  std::string cache = store.root() + "/overlay-probe";
  std::string dev = std::to_string(root.st_dev);
  if (auto text = sys::read_file(cache, 4096); text.ok() && text->starts_with(dev + " "))
    return std::string(trim(text->substr(dev.size() + 1)));
  auto lease = TRY(store.begin_lease("overlay probe"));
  std::string why = TRY_CTX(snapshot::probe_overlay(lease.dir() + "/probe"), "probe overlay");
  TRY(sys::write_file_atomic(cache, dev + " " + why + "\n", 0600));
  return why;
}

// The driver of a new container: the one asked for, else overlay where the store's file
// system takes it, else vfs, with a warning naming why.
Result<snapshot::Driver> choose_driver(store::Store& store, const std::string& wanted) {
  std::optional<snapshot::Driver> asked;
  if (!wanted.empty()) asked = TRY(snapshot::parse_driver(wanted));
  if (asked == snapshot::Driver::kVfs) return *asked;
  std::string why = TRY(overlay_refusal(store));
  if (why.empty()) return snapshot::Driver::kOverlay;
  if (asked)
    return Error::make(
        Errc::kUnsupported,
        fmt::format("storage driver overlay cannot be used on `{}`: {}", store.root(), why));
  log::warn(
      "overlay cannot be used on `{}` ({}): using the vfs storage driver, a full copy "
      "of the image for each container",
      store.root(), why);
  return snapshot::Driver::kVfs;
}

}  // namespace

Result<Container> Engine::create(const Options& o, std::string_view image) {
  auto health = TRY(parse_health_flags(o.host.health));  // the CLI's errors come first
  store::ImageRecord img = TRY(store_.resolve(image));
  oci::ImageConfig ic = TRY(store_.load_config(img));
  Container c;
  c.id = new_id();
  c.image_id = img.id;
  c.image_name = std::string(image);
  c.created_ns = realtime_ns();

  // Docker's rules: --entrypoint replaces the image's and drops its Cmd; arguments
  // replace the Cmd.
  std::vector<std::string> entrypoint = ic.config.entrypoint, cmd = ic.config.cmd;
  if (o.entrypoint) {
    entrypoint = o.entrypoint->empty() ? std::vector<std::string>{}
                                       : std::vector<std::string>{*o.entrypoint};
    cmd.clear();
  }
  if (!o.cmd.empty()) cmd = o.cmd;
  if (entrypoint.empty() && cmd.empty())
    return Error::make(Errc::kInvalidArgument, "no command specified");
  std::string workdir = !o.workdir.empty() ? o.workdir : ic.config.working_dir;
  TRY(check_workdir(workdir));
  std::string hostname = !o.hostname.empty() ? o.hostname : c.short_id();
  // Docker's order: the env files, then -e; a later key wins.
  std::vector<std::string> given = TRY(read_env_files(o.host.env_files));
  given.insert(given.end(), o.env.begin(), o.env.end());
  std::vector<std::string> env = merge_env(ic.config.env, given);
  if (std::none_of(env.begin(), env.end(), [](const auto& e) { return e.starts_with("PATH="); }))
    env.insert(env.begin(), std::string("PATH=") + kDefaultPath);
  std::string user_spec = !o.user.empty() ? o.user : ic.config.user;
  c.config = {{"Hostname", hostname},
              {"User", user_spec},
              {"Tty", o.tty},
              {"OpenStdin", o.interactive},
              {"Env", strings(env)},
              {"Cmd", strings(cmd)},
              {"Image", std::string(image)},
              {"WorkingDir", workdir},
              {"Entrypoint", strings(entrypoint)},
              {"Labels", TRY(labels_json(ic.config.labels, o.labels))},
              {"StopSignal", !o.stop_signal.empty()           ? o.stop_signal
                             : !ic.config.stop_signal.empty() ? ic.config.stop_signal
                                                              : "SIGTERM"}};
  if (o.stop_timeout) c.config["StopTimeout"] = *o.stop_timeout;
  TRY(record_healthcheck(health, ic.doc, c.config));
  c.host_config = {{"AutoRemove", o.auto_remove},
                   {"Runtime", o.runtime.empty() ? paths_.runtime_name : o.runtime},
                   {"NetworkMode", o.network},
                   {"Memory", o.memory},
                   {"PidsLimit", o.pids_limit},
                   {"NanoCpus", o.nano_cpus},
                   {"RestartPolicy", restart_policy_json(o.restart)}};
  TRY(record_host_flags(o.host, c.host_config));
  MountPlan mounts = TRY(plan_mounts(o, ic.config.volumes));
  c.host_config["Binds"] = mounts.binds;
  c.host_config["Mounts"] = mounts.host_mounts;
  c.host_config["Tmpfs"] = mounts.tmpfs;
  c.config["Volumes"] = mounts.config_volumes;
  if (o.network != "none" && o.network != "host")
    return Error::make(Errc::kNotFound, fmt::format("network {} not found", printable(o.network)));
  std::string runtime = runtime_path(c);
  if (::access(runtime.c_str(), X_OK) != 0)
    return Error::make(Errc::kNotFound,
                       fmt::format("unknown or invalid runtime name: {}", printable(o.runtime)));
  // What the process runs as is resolved now, in the image's /etc/passwd and /etc/group:
  // a user that does not exist is an error of create, not of start.
  LaunchUser user = TRY(resolve_user(store_, img, user_spec));
  c.driver = snapshot::driver_name(TRY(choose_driver(store_, paths_.storage_driver)));
  TRY(make_bind_sources(mounts));

  // The files before the row: a failure leaves no row, and the directory (named by no
  // row) is removed here or by the next prune.
  Defer undo([&] { (void)sys::remove_all(dir(c)); });
  snapshot::Layout layout = TRY(prepare_rootfs(c, img));
  auto tx = TRY(store_.db().begin());
  c.name = TRY(unique_name(o.name));
  auto copy = TRY(attach_volumes(store_, c, mounts));
  auto st = TRY(store_.db().prepare(
      "INSERT INTO containers (id, name, image_id, image_name, created, config, state, driver) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  oci::Json cfg = {{"Config", c.config}, {"HostConfig", c.host_config}, {"Mounts", c.mounts}};
  st.bind(1, c.id).bind(2, c.name).bind(3, c.image_id.str()).bind(4, c.image_name);
  st.bind(5, c.created_ns).bind(6, oci::dump_json(cfg)).bind(7, "{}").bind(8, c.driver);
  TRY(st.run());
  TRY(store_.insert_ref("container", c.id, store::RefTarget::kImage, c.image_id.str()));
  TRY(save_state(c));
  TRY(write_files(c, layout, user));
  TRY(copy_up(store_, layout, TRY(snapshot::parse_driver(c.driver)), copy));
  TRY(tx.commit());
  undo.cancel();
  return c;
}

Result<snapshot::Layout> Engine::prepare_rootfs(const Container& c, const store::ImageRecord& img) {
  std::string d = dir(c);
  TRY(sys::mkdir_p(store_.root() + "/containers", 0700));
  if (::mkdir(d.c_str(), 0700) < 0) return Error::from_errno(errno, fmt::format("mkdir `{}`", d));
  snapshot::Layout layout{"containers/" + c.id, {}};
  for (auto it = img.layers.rbegin(); it != img.layers.rend(); ++it)
    layout.lowers.push_back(TRY(store_.layer_link(it->diff_id)));
  auto root_fd = TRY(sys::open_dir(store_.root()));
  const auto& back_end = snapshot::snapshotter(TRY(snapshot::parse_driver(c.driver)));
  TRY(back_end.prepare(root_fd.get(), layout));
  std::string lowers;
  for (const auto& l : layout.lowers) lowers += l + "\n";
  TRY(sys::write_file_atomic(d + "/lowers", lowers, 0600));
  return layout;
}

Result<void> Engine::write_files(const Container& c, const snapshot::Layout& layout,
                                 const LaunchUser& user) {
  std::string d = dir(c);
  std::string hostname = TRY(oci::get_string(c.config, "Hostname"));
  TRY(sys::write_file_atomic(d + "/hostname", hostname + "\n"));
  TRY(sys::write_file_atomic(d + "/hosts",
                             hosts_file(hostname) + extra_hosts_lines(c.host_config)));
  TRY(sys::write_file_atomic(d + "/resolv.conf", resolv_conf_with(resolv_conf(), c.host_config)));
  const auto& back_end = snapshot::snapshotter(TRY(snapshot::parse_driver(c.driver)));
  oci::Json spec = TRY(make_spec(c, user, store_.root() + "/" + back_end.rootfs(layout), d));
  TRY(sys::write_file_atomic(d + "/config.json", oci::dump_json_pretty(spec), 0600));
  TRY(write_health_files(c.config, spec, d));
  return {};
}

}  // namespace strata::container
