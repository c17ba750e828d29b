// SPDX-License-Identifier: Apache-2.0
#include "runtime/cgroup/cgroup.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <memory>

#include "runtime/cgroup/limits.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::runtime::cgroup {

namespace {

constexpr const char* kRoot = "/sys/fs/cgroup";

constexpr size_t kMaxProcsBytes = 1 << 20;

Result<std::string> read_file(const std::string& path) { return sys::read_file(path, 1 << 20); }

// Whether `path` is a clean absolute path strictly below `top` (no ".", "..", or empty
// components): what a recorded cgroup directory must be.
bool strictly_below(const std::string& path, const std::string& top) {
  if (!path.starts_with(top + "/") || path.size() == top.size() + 1) return false;
  for (const auto& part : split(std::string_view(path).substr(top.size() + 1), '/'))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

Result<std::vector<pid_t>> parse_procs(std::string_view text, std::string_view dir) {
  std::vector<pid_t> out;
  for (const auto& line : split(text, '\n')) {
    if (line.empty()) continue;
    pid_t pid = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
    if (ec != std::errc() || end != line.data() + line.size() || pid <= 0)
      return Error::make(Errc::kCorrupt, fmt::format("{}/cgroup.procs: not a pid: \"{}\"",
                                                     printable(dir), printable(line)));
    out.push_back(pid);
  }
  return out;
}

// The pids in cgroup.procs of the cgroup directory dir_fd (`dir` names it); a cgroup
// removed meanwhile holds none.
Result<std::vector<pid_t>> read_procs_at(int dir_fd, std::string_view dir) {
  UniqueFd fd(::openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENODEV) return std::vector<pid_t>{};
    return Error::from_errno(errno, fmt::format("open `{}/cgroup.procs`", printable(dir)));
  }
  std::string text;
  char buf[8192];
  while (text.size() <= kMaxProcsBytes) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ENODEV) return std::vector<pid_t>{};  // removed while read
    if (n < 0) return Error::from_errno(errno, fmt::format("read `{}/cgroup.procs`", dir));
    if (n == 0) return parse_procs(text, dir);
    text.append(buf, static_cast<size_t>(n));
  }
  return Error::make(Errc::kUnsupported, fmt::format("{}/cgroup.procs: more than {} bytes",
                                                     printable(dir), kMaxProcsBytes));
}

// Calls `each` with the directory fd and path of `dir` and of every cgroup below it,
// parents first (walk_tree: any depth, O(1) fds, no symlink followed). A missing `dir`
// has none; `leave`, if given, gets each cgroup below `dir` after everything below it.
using CgroupFn = std::function<Result<void>(int dir_fd, const std::string& path)>;
Result<void> walk_cgroups(const std::string& dir, const CgroupFn& each,
                          const std::function<Result<void>(const sys::WalkEntry&)>& leave = {}) {
  UniqueFd top(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!top.valid()) {
    if (errno == ENOENT) return {};
    return Error::from_errno(errno, fmt::format("cgroup `{}`", printable(dir)));
  }
  TRY(each(top.get(), dir));
  sys::WalkVisitor v;
  v.enter = [&](const sys::WalkEntry& e) -> Result<bool> {
    if (!S_ISDIR(e.st.st_mode)) return false;
    TRY(each(e.fd, dir + "/" + std::string(e.path)));
    return true;
  };
  v.leave = leave;
  TRY_CTX(sys::walk_tree(top.get(), v), "cgroup `{}`", printable(dir));
  return {};
}

// The processes in `dir` and every cgroup below it, added to *out (runc's "not empty"
// counts them all: a container's limits, freezer and kill apply to the whole subtree).
Result<void> procs_below(const std::string& dir, std::vector<pid_t>* out) {
  return walk_cgroups(dir, [&](int fd, const std::string& path) -> Result<void> {
    for (pid_t p : TRY(read_procs_at(fd, path))) out->push_back(p);
    return {};
  });
}

Result<size_t> count_procs_below(const std::string& dir) {
  std::vector<pid_t> procs;
  TRY(procs_below(dir, &procs));
  return procs.size();
}

// Removes the cgroup `name` in dir_fd (`dir` names it in errors).
Result<void> remove_dir_at(int dir_fd, const std::string& name, std::string_view dir) {
  // A cgroup directory only goes with rmdir, and only once it has no processes (the
  // last ones may take a moment to leave after being killed).
  for (int i = 0; i < 100; ++i) {
    if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT) return {};
    if (errno != EBUSY) break;
    ::usleep(10000);
  }
  return Error::from_errno(errno, fmt::format("remove cgroup `{}`", printable(dir)));
}

Result<void> remove_dir(const std::string& dir) { return remove_dir_at(AT_FDCWD, dir, dir); }

// Removes the cgroups below `dir` (a container's processes may have made them),
// deepest first, then `dir`.
Result<void> remove_tree(const std::string& dir) {
  auto nothing = [](int, const std::string&) -> Result<void> { return {}; };
  TRY(walk_cgroups(dir, nothing, [&](const sys::WalkEntry& e) {
    return remove_dir_at(e.parent_fd, e.name, dir + "/" + std::string(e.path));
  }));
  return remove_dir(dir);
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
  Result<void> update(const oci::Resources& r) override { return apply(r); }
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
  // In every hierarchy: a process moved into a child cgroup (or out of the leaf) in one
  // hierarchy alone is still the container's in the others.
  Result<std::vector<pid_t>> processes() override {
    std::vector<pid_t> out;
    for (const auto& [ctrl, dir] : dirs_) TRY(procs_below(dir, &out));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
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
  Result<void> update(const oci::Resources& r) override {
    if (r.memory_check_before_update && r.memory_limit && *r.memory_limit > 0)
      TRY(check_memory_usage(*r.memory_limit));
    return apply(r);
  }
  Result<void> add_process(pid_t pid) override {
    return sys::write_existing_file(dir_ + "/cgroup.procs", std::to_string(pid));
  }
  Result<std::vector<pid_t>> processes() override {
    std::vector<pid_t> out;
    TRY(procs_below(dir_, &out));
    return out;
  }
  // cgroup.kill (Linux 5.14) kills the whole subtree at once, a process forking
  // meanwhile included.
  Result<bool> kill_all() override {
    auto r = sys::write_existing_file(dir_ + "/cgroup.kill", "1");
    if (!r.ok() && r.error().code() == Errc::kNotFound) return false;
    TRY(std::move(r));
    return true;
  }
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

  // v2's memory.max takes any value and then reclaims, OOM-killing the container's
  // processes if it cannot: with checkBeforeUpdate a limit below the usage is refused
  // instead, as v1's memory.limit_in_bytes refuses it (EBUSY).
  Result<void> check_memory_usage(int64_t limit) {
    auto cur = read_file(dir_ + "/memory.current");
    if (!cur.ok()) return {};  // no memory controller here: the write will say so
    uint64_t usage = std::strtoull(std::string(trim(*cur)).c_str(), nullptr, 10);
    if (static_cast<uint64_t>(limit) < usage)
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("linux.resources.memory.limit: {} bytes is below the "
                                     "container's current memory usage ({} bytes)",
                                     limit, usage));
    return {};
  }

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
  // Leaves (the last made in each hierarchy) must go, with the cgroups the container's
  // processes made below them; a made parent may still hold another container's cgroup
  // below it (EBUSY), and then it stays.
  CgroupView v = view();
  auto own = [&](const std::string& d) {
    if (v.v2) return d == v.v2_dir;
    return std::any_of(v.v1_dirs.begin(), v.v1_dirs.end(),
                       [&](const auto& e) { return e.second == d; });
  };
  const std::vector<std::string>& made = created_;
  for (auto it = made.rbegin(); it != made.rend(); ++it) {
    bool leaf = std::none_of(made.begin(), made.end(), [&](const std::string& o) {
      return o.size() > it->size() && o.starts_with(*it + "/");
    });
    if (leaf && own(*it))
      TRY(remove_tree(*it));
    else if (leaf)
      TRY(remove_dir(*it));
    else
      (void)::rmdir(it->c_str());
  }
  created_.clear();
  return {};
}

}  // namespace strata::runtime::cgroup
