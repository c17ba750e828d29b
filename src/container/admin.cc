// SPDX-License-Identifier: Apache-2.0
// rename, pause and unpause, and what `top` and `stats` read of a running container.
#include <dirent.h>
#include <sys/stat.h>

#include <charconv>

#include "container/container.h"
#include "container/monitor/health.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::container {

Result<void> Engine::rename(Container& c, const std::string& name) {
  std::string wanted = name.starts_with("/") ? name.substr(1) : name;
  if (wanted == c.name)
    return Error::make(Errc::kInvalidArgument,
                       "Renaming a container with the same name as its current name");
  auto tx = TRY(store_.db().begin());
  std::string n = TRY(unique_name(wanted));
  auto st = TRY(store_.db().prepare("UPDATE containers SET name = ? WHERE id = ?"));
  st.bind(1, n).bind(2, c.id);
  TRY(st.run());
  if (store_.db().changes() == 0)
    return Error::make(Errc::kNotFound, fmt::format("No such container: {}", c.id));
  TRY(tx.commit());
  c.name = n;
  return {};
}

Result<void> Engine::pause(Container& c, bool pause) {
  auto lock = TRY(lock_and_get(c));
  if (!c.state.running())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("Container {} is not running", c.short_id()));
  if (pause && c.state.paused())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("Container {} is already paused", c.short_id()));
  if (!pause && !c.state.paused())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("Container {} is not paused", c.short_id()));
  // The monitor runs no health check while the marker is there, as Docker runs none in a
  // paused container; it is put down before the freeze, so that no probe starts meanwhile.
  std::string marker = run_dir(c) + "/" + monitor::kPausedFile;
  if (pause) TRY(sys::write_file_atomic(marker, ""));
  auto ran = run_runtime(c, {pause ? "pause" : "resume", c.id});
  int rc = ran.ok() ? *ran : -1;
  if (pause && rc != 0) ::unlink(marker.c_str());
  if (!ran.ok()) return std::move(ran).error();
  if (rc != 0)
    return Error::make(Errc::kInternal, fmt::format("cannot {} container {}: the runtime failed",
                                                    pause ? "pause" : "unpause", c.name));
  if (!pause) ::unlink(marker.c_str());
  State before = c.state;
  c.state.status = pause ? "paused" : "running";
  if (!TRY(save_state_if(c, before)))
    return Error::make(Errc::kExists, fmt::format("container {} exited meanwhile", c.name));
  return {};
}

Result<std::vector<int64_t>> Engine::processes(const Container& c) {
  if (!c.state.running())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("container {} is not running", c.short_id()));
  struct stat init_ns;
  if (::stat(fmt::format("/proc/{}/ns/pid", c.state.pid).c_str(), &init_ns) < 0)
    return Error::from_errno(errno, fmt::format("container {}: its init is gone", c.short_id()));
  std::vector<int64_t> pids;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return Error::from_errno(errno, "open `/proc`");
  while (struct dirent* e = ::readdir(d)) {
    int64_t pid = 0;
    std::string_view name(e->d_name);
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || end != name.data() + name.size()) continue;
    struct stat ns;
    if (::stat(fmt::format("/proc/{}/ns/pid", pid).c_str(), &ns) == 0 &&
        ns.st_ino == init_ns.st_ino && ns.st_dev == init_ns.st_dev)
      pids.push_back(pid);
  }
  ::closedir(d);
  std::sort(pids.begin(), pids.end());
  return pids;
}

Result<oci::Json> Engine::stats(const Container& c) {
  if (!c.state.running())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("container {} is not running", c.short_id()));
  std::string out = TRY(runtime_output(c, {"events", "--stats", c.id}));
  oci::Json j = TRY(oci::parse_json(out, "the runtime's stats"));
  auto data = j.find("data");
  if (data == j.end() || !data->is_object())
    return Error::make(Errc::kCorrupt, "the runtime's stats: no data");
  return *data;
}

}  // namespace strata::container
