// SPDX-License-Identifier: Apache-2.0
#include "runtime/cgroup/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <memory>

#include "runtime/cgroup/limits.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::runtime::cgroup {

namespace {

constexpr const char* kRoot = "/sys/fs/cgroup";

Result<std::string> read_file(const std::string& path) { return sys::read_file(path, 1 << 20); }

// Whether `path` is a clean absolute path strictly below `top` (no ".", "..", or empty
// components): what a recorded cgroup directory must be.
bool strictly_below(const std::string& path, const std::string& top) {
  if (!path.starts_with(top + "/") || path.size() == top.size() + 1) return false;
  for (const auto& part : split(std::string_view(path).substr(top.size() + 1), '/'))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

Result<std::vector<pid_t>> read_procs(const std::string& dir) {
  std::vector<pid_t> out;
  auto text = read_file(dir + "/cgroup.procs");
  if (!text.ok()) {
    if (text.error().code() == Errc::kNotFound) return out;
    return std::move(text).error();
  }
  for (const auto& line : split(*text, '\n')) {
    if (line.empty()) continue;
    pid_t pid = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
    if (ec != std::errc() || end != line.data() + line.size() || pid <= 0)
      return Error::make(Errc::kCorrupt,
                         fmt::format("{}/cgroup.procs: not a pid: \"{}\"", dir, printable(line)));
    out.push_back(pid);
  }
  return out;
}

// The processes in `dir` and every cgroup below it (runc's "not empty" counts them all:
// a container's limits, freezer and kill apply to the whole subtree).
Result<size_t> count_procs_below(const std::string& dir) {
  size_t n = 0;
  std::vector<std::string> todo{dir};
  while (!todo.empty()) {
    std::string d = std::move(todo.back());
    todo.pop_back();
    n += TRY(read_procs(d)).size();
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(d.c_str()), ::closedir);
    if (!dir) {
      if (errno == ENOENT) continue;  // removed meanwhile
      return Error::from_errno(errno, fmt::format("cgroup `{}`", printable(d)));
    }
    while (struct dirent* e = ::readdir(dir.get())) {
      std::string_view name = e->d_name;
      if (e->d_type == DT_DIR && name != "." && name != "..") todo.push_back(d + "/" + e->d_name);
    }
  }
  return n;
}

Result<void> remove_dir(const std::string& dir) {
  // A cgroup directory only goes with rmdir, and only once it has no processes (the
  // last ones may take a moment to leave after being killed).
  for (int i = 0; i < 100; ++i) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
    if (errno != EBUSY) break;
    ::usleep(10000);
  }
  return Error::from_errno(errno, fmt::format("remove cgroup `{}`", dir));
}

std::string parent_of(const std::string& dir) {
  auto slash = dir.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : dir.substr(0, slash);
}

// This process's own cgroup in each hierarchy, from /proc/self/cgroup.
std::map<std::string, std::string> own_cgroups() {
  std::map<std::string, std::string> out;
  auto text = read_file("/proc/self/cgroup");
  if (!text.ok()) return out;
  for (const auto& line : split(*text, '\n')) {
    auto parts = split(line, ':');
    if (parts.size() < 3) continue;
    std::string path = line.substr(parts[0].size() + parts[1].size() + 2);
    if (parts[1].empty()) {
      out[""] = path;
      continue;
    }
    for (const auto& c : split(parts[1], ',')) out[c.starts_with("name=") ? c.substr(5) : c] = path;
  }
  return out;
}

// No cgroupsPath: below the caller's own cgroup, as runc does (a conmon's, a delegated
// subtree's), named after the container.
std::string resolve_path(const std::string& path, const std::string& id, const std::string& own) {
  if (path.empty()) return (own == "/" ? "" : own) + "/" + id;
  if (path[0] == '/') return path;
  return (own == "/" ? "" : own) + "/" + path;
}

class V1 : public Manager {
 public:
  // hierarchies: mount point -> controllers of that mount ("cpu", "name=systemd", ...)
  explicit V1(std::map<std::string, std::string> dirs) : dirs_(std::move(dirs)) {}

  std::vector<std::string> planned_dirs() const override {
    std::vector<std::string> out;
    for (const auto& [ctrl, dir] : dirs_)
      for (auto& d : missing_levels(dir)) out.push_back(std::move(d));
    return out;
  }
  Result<void> create(const oci::Resources& r) override {
    auto made = make_all();
    if (made.ok()) made = apply(r);
    if (!made.ok()) undo_create();
    return made;
  }
  Result<void> add_process(pid_t pid) override {
    for (const auto& [ctrl, dir] : dirs_)
      TRY(sys::write_existing_file(dir + "/cgroup.procs", std::to_string(pid)));
    return {};
  }
  Result<Entry> open_entry() override {
    Entry e;
    for (const auto& [ctrl, dir] : dirs_) {
      std::string path = dir + "/tasks";
      int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
      e.self_join.emplace_back(fd);
    }
    return e;
  }
  Result<std::vector<pid_t>> processes() override {
    for (const char* c : {"pids", "memory", "freezer", "cpu"})
      if (dirs_.count(c)) return read_procs(dirs_.at(c));
    if (dirs_.empty()) return std::vector<pid_t>{};
    return read_procs(dirs_.begin()->second);
  }
  Result<void> freeze(bool f) override {
    if (!dirs_.count("freezer"))
      return Error::make(Errc::kUnsupported, "pause: no freezer cgroup controller");
    const std::string& dir = dirs_.at("freezer");
    TRY(sys::write_existing_file(dir + "/freezer.state", f ? "FROZEN" : "THAWED"));
    for (int i = 0; i < 1000; ++i) {  // FREEZING is transient
      auto state = TRY(read_file(dir + "/freezer.state"));
      if (trim(state) == (f ? "FROZEN" : "THAWED")) return {};
      ::usleep(1000);
    }
    return Error::make(Errc::kUnavailable, "freezer: state did not settle");
  }
  Result<bool> frozen() override {
    if (!dirs_.count("freezer")) return false;
    auto state = read_file(dirs_.at("freezer") + "/freezer.state");
    return state.ok() && trim(*state) == "FROZEN";
  }
  CgroupView view() const override {
    CgroupView v;
    v.v1_dirs = dirs_;
    v.created = created_;
    return v;
  }
  Result<std::string> read(const std::string& controller, const std::string& file) override {
    if (!dirs_.count(controller))
      return Error::make(Errc::kNotFound, fmt::format("no {} cgroup controller", controller));
    return read_file(dirs_.at(controller) + "/" + file);
  }

 private:
  Result<void> make_all() {
    for (const auto& [ctrl, dir] : dirs_) {
      TRY(make_leaf(dir));
      if (ctrl == "cpuset") TRY(init_cpuset(dir));
    }
    return {};
  }

  // A new v1 cpuset has empty cpus and mems; it inherits its parent's, level by level.
  Result<void> init_cpuset(const std::string& dir) {
    std::string parent = dir.substr(0, dir.rfind('/'));
    if (parent.size() > std::string(kRoot).size() + 7) TRY(init_cpuset(parent));
    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
      auto cur = TRY(read_file(dir + "/" + f));
      if (!trim(cur).empty()) continue;
      auto p = TRY(read_file(parent + "/" + f));
      TRY(sys::write_existing_file(dir + "/" + f, std::string(trim(p))));
    }
    return {};
  }

  Result<void> apply(const oci::Resources& r) { return apply_v1_limits(dirs_, r); }

  std::map<std::string, std::string> dirs_;
};

class V2 : public Manager {
 public:
  // `root`: where the unified hierarchy is mounted; `dir` lies below it.
  V2(std::string root, std::string dir) : root_(std::move(root)), dir_(std::move(dir)) {}

  std::vector<std::string> planned_dirs() const override { return missing_levels(dir_); }
  Result<void> create(const oci::Resources& r) override {
    auto made = make_leaf(dir_);
    if (made.ok()) made = enable_controllers();
    if (made.ok()) made = apply(r);
    if (!made.ok()) undo_create();
    return made;
  }
  Result<void> add_process(pid_t pid) override {
    return sys::write_existing_file(dir_ + "/cgroup.procs", std::to_string(pid));
  }
  Result<std::vector<pid_t>> processes() override { return read_procs(dir_); }
  Result<Entry> open_entry() override {
    Entry e;  // an unopenable directory just means a move by pid
    e.clone_into.reset(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    return e;
  }
  Result<void> freeze(bool f) override {
    TRY(sys::write_existing_file(dir_ + "/cgroup.freeze", f ? "1" : "0"));
    for (int i = 0; i < 1000; ++i) {
      if (TRY(frozen()) == f) return {};
      ::usleep(1000);
    }
    return Error::make(Errc::kUnavailable, "cgroup.freeze: state did not settle");
  }
  Result<bool> frozen() override {
    auto events = read_file(dir_ + "/cgroup.events");
    if (!events.ok()) return false;
    return events->find("frozen 1") != std::string::npos;
  }
  CgroupView view() const override {
    CgroupView v;
    v.v2 = true;
    v.v2_dir = dir_;
    v.created = created_;
    return v;
  }
  Result<std::string> read(const std::string&, const std::string& file) override {
    return read_file(dir_ + "/" + file);
  }

 private:
  // Each ancestor hands the controllers down through cgroup.subtree_control (one
  // that holds processes cannot: the no-internal-process rule; that is not an error).
  Result<void> enable_controllers() {
    auto avail = TRY(read_file(root_ + "/cgroup.controllers"));
    std::string want;
    for (const auto& c : split(std::string(trim(avail)), ' '))
      if (c == "memory" || c == "pids" || c == "cpu" || c == "cpuset" || c == "io" ||
          c == "hugetlb" || c == "rdma")
        want += "+" + c + " ";
    if (want.empty() || !dir_.starts_with(root_ + "/")) return {};
    std::string cur = root_;
    auto parts = split(dir_.substr(cur.size()), '/');
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      if (!parts[i].empty()) cur += "/" + parts[i];
      (void)sys::write_existing_file(cur + "/cgroup.subtree_control", std::string(trim(want)));
    }
    return {};
  }

  Result<void> apply(const oci::Resources& r) { return apply_v2_limits(dir_, r); }

  std::string root_, dir_;
};

// v1 hierarchies from /proc/self/mountinfo: controller -> mount point.
std::map<std::string, std::string> v1_mounts() {
  std::map<std::string, std::string> out;
  auto text = read_file("/proc/self/mountinfo");
  if (!text.ok()) return out;
  for (const auto& line : split(*text, '\n')) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto after = split(line.substr(dash + 3), ' ');
    if (after.size() < 3 || after[0] != "cgroup") continue;
    auto fields = split(line.substr(0, dash), ' ');
    if (fields.size() < 5) continue;
    for (const auto& opt : split(after[2], ',')) {
      static const char* kControllers[] = {"cpu",     "cpuacct",  "cpuset",      "memory",
                                           "devices", "freezer",  "blkio",       "pids",
                                           "net_cls", "net_prio", "perf_event",  "hugetlb",
                                           "rdma",    "misc",     "name=systemd"};
      for (const char* c : kControllers)
        if (opt == c) out[opt.starts_with("name=") ? opt.substr(5) : opt] = fields[4];
    }
  }
  return out;
}

}  // namespace

bool host_is_v2() {
  struct statfs fs;
  return ::statfs(kRoot, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

Result<std::unique_ptr<Manager>> open(const std::string& path, const std::string& id) {
  for (const auto& part : split(path, '/'))
    if (part == "." || part == "..")
      return Error::make(
          Errc::kInvalidArgument,
          fmt::format("linux.cgroupsPath \"{}\": \"{}\" not allowed", printable(path), part));
  if (!path.empty() && path.find_first_not_of('/') == std::string::npos)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("linux.cgroupsPath \"{}\": the root cgroup cannot be a "
                                   "container's",
                                   printable(path)));
  if (path.find(':') != std::string::npos)
    return Error::make(
        Errc::kUnsupported,
        fmt::format("linux.cgroupsPath \"{}\": systemd slices need --systemd-cgroup, "
                    "which is not supported",
                    path));
  auto own = own_cgroups();
  if (host_is_v2()) {
    std::string rel = resolve_path(path, id, own.count("") ? own.at("") : "/");
    return std::unique_ptr<Manager>(new V2(kRoot, std::string(kRoot) + rel));
  }
  std::map<std::string, std::string> dirs;
  for (const auto& [ctrl, mount] : v1_mounts()) {
    std::string rel = resolve_path(path, id, own.count(ctrl) ? own.at(ctrl) : "/");
    dirs[ctrl] = mount + rel;
  }
  if (dirs.empty()) return Error::make(Errc::kUnsupported, "no cgroup hierarchy is mounted");
  return std::unique_ptr<Manager>(new V1(std::move(dirs)));
}

std::unique_ptr<Manager> v2_at(const std::string& root, const std::string& dir) {
  return std::unique_ptr<Manager>(new V2(root, dir));
}

std::unique_ptr<Manager> none() { return std::unique_ptr<Manager>(new V1({})); }

Result<void> check_recorded(const CgroupView& view) {
  // A hand-edited or damaged state.json must not make delete kill or remove outside the
  // container's own cgroup: every directory is strictly below a hierarchy's root.
  std::vector<std::string> tops;
  if (view.v2) {
    tops.push_back(kRoot);
  } else {
    for (const auto& [ctrl, mount] : v1_mounts()) tops.push_back(mount);
  }
  auto below_a_top = [&](const std::string& d) {
    return std::any_of(tops.begin(), tops.end(),
                       [&](const std::string& t) { return strictly_below(d, t); });
  };
  std::vector<std::string> dirs;
  if (view.v2) {
    if (!view.v2_dir.empty()) dirs.push_back(view.v2_dir);
  } else {
    for (const auto& [ctrl, d] : view.v1_dirs) dirs.push_back(d);
  }
  for (const auto& d : dirs)
    if (!below_a_top(d))
      return Error::make(Errc::kCorrupt, fmt::format("cgroup `{}`: not below a cgroup "
                                                     "hierarchy's root",
                                                     printable(d)));
  for (const auto& c : view.created) {
    bool level = std::any_of(dirs.begin(), dirs.end(), [&](const std::string& d) {
      return d == c || d.starts_with(c + "/");
    });
    if (!level || !below_a_top(c))
      return Error::make(Errc::kCorrupt,
                         fmt::format("cgroup `{}`: recorded as made, but not a level of the "
                                     "container's cgroup",
                                     printable(c)));
  }
  return {};
}

Result<std::unique_ptr<Manager>> open_recorded(const CgroupView& view) {
  TRY_CTX(check_recorded(view), "state.json");
  std::unique_ptr<Manager> m;
  if (view.v2)
    m.reset(new V2(kRoot, view.v2_dir));
  else
    m.reset(new V1(view.v1_dirs));
  m->created_ = view.created;
  return m;
}

std::vector<std::string> missing_levels(const std::string& dir) {
  std::vector<std::string> out;
  for (std::string d = dir; d != "/" && !sys::exists(d); d = parent_of(d)) out.push_back(d);
  std::reverse(out.begin(), out.end());
  return out;
}

Result<void> Manager::make_leaf(const std::string& dir) {
  for (const auto& d : missing_levels(dir)) {
    if (::mkdir(d.c_str(), 0755) == 0) {
      created_.push_back(d);
    } else if (errno != EEXIST) {  // EEXIST: made meanwhile by someone else, not ours
      return Error::from_errno(errno, fmt::format("mkdir `{}`", printable(d)));
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) < 0)
    return Error::from_errno(errno, fmt::format("cgroup `{}`", printable(dir)));
  if (!S_ISDIR(st.st_mode))
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("cgroup `{}`: not a directory", printable(dir)));
  // runc's rule: a container's processes are killed with it, so its cgroup must not
  // hold anyone else's (a pre-made, empty cgroup may be joined).
  size_t procs = TRY(count_procs_below(dir));
  if (procs > 0)
    return Error::make(Errc::kExists,
                       fmt::format("container's cgroup is not empty: {} holds {} process{}",
                                   printable(dir), procs, procs == 1 ? "" : "es"));
  return {};
}

void Manager::undo_create() {
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) (void)::rmdir(it->c_str());
  created_.clear();
}

Result<void> Manager::destroy() {
  // Leaves (the last made in each hierarchy) must go; a made parent may still hold
  // another container's cgroup below it (EBUSY), and then it stays.
  const std::vector<std::string>& made = created_;
  for (auto it = made.rbegin(); it != made.rend(); ++it) {
    bool leaf = std::none_of(made.begin(), made.end(), [&](const std::string& o) {
      return o.size() > it->size() && o.starts_with(*it + "/");
    });
    if (leaf)
      TRY(remove_dir(*it));
    else
      (void)::rmdir(it->c_str());
  }
  created_.clear();
  return {};
}

}  // namespace strata::runtime::cgroup
