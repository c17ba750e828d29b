// SPDX-License-Identifier: Apache-2.0
// `commit`: the container's rw layer (overlay whiteouts and all) becomes a layer on top
// of its image (store/commit.cc), and the container's Config the new image's config, with
// `-c` changes applied as `import -c` takes them. Overlay's rw layer is upper/; vfs's is
// staged as overlay would hold it (stage_vfs_layer). A running container is paused with
// its runtime while the layer is read (Docker's --pause, on by default), and resumed after.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <set>

#include "archive/tar.h"
#include "container/fs.h"
#include "oci/change.h"
#include "snapshot/copy.h"
#include "store/image_io.h"
#include "sys/fs.h"
#include "util/defer.h"
#include "util/log.h"

namespace strata::container {

namespace {

Error errno_at(std::string_view what, std::string_view path) {
  return Error::from_errno(errno, fmt::format("{} `{}`", what, sys::printable_path(path)));
}

// `rel`'s directory in the tree (the tree itself for a top-level name), opened inside it.
Result<UniqueFd> open_parent(int tree, const std::string& rel, int flags) {
  size_t slash = rel.rfind('/');
  if (slash == std::string::npos) {
    UniqueFd fd(::fcntl(tree, F_DUPFD_CLOEXEC, 0));
    if (!fd.valid()) return Error::from_errno(errno, "dup");
    return fd;
  }
  return sys::open_in_root(tree, rel.substr(0, slash), flags | O_DIRECTORY);
}

std::string base_name(const std::string& rel) { return rel.substr(rel.rfind('/') + 1); }

// A vfs container's rw layer as an overlay upper directory would hold it, built in
// `scratch` (inside the container's directory: rootfs/'s file system): each added or
// changed entry hardlinked from rootfs/ (no data copied; links between them kept), each
// directory on the way made with rootfs/'s owner, mode, xattrs and times, each deletion
// a 0/0 whiteout. Paths in rootfs/ are resolved inside it: a running container swapping
// a directory for a symlink sends nothing outside its own tree.
class VfsStager {
 public:
  VfsStager(int rootfs, int tree) : rootfs_(rootfs), tree_(tree) {}
  Result<void> add(const Change& change);
  Result<void> finish();  // the directories' times, once nothing more is made in them

 private:
  Result<void> make_dir(const std::string& rel);
  Result<void> ensure_parents(const std::string& rel);
  int rootfs_, tree_;
  std::set<std::string> made_;
  std::vector<std::string> dirs_;
};

Result<void> VfsStager::make_dir(const std::string& rel) {
  auto src_parent = TRY(open_parent(rootfs_, rel, O_RDONLY));
  auto dst_parent = TRY(open_parent(tree_, rel, O_RDONLY));
  std::string name = base_name(rel);
  UniqueFd src(
      ::openat(src_parent.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!src.valid()) return errno_at("open", rel);
  struct stat st;
  if (::fstat(src.get(), &st) < 0) return errno_at("stat", rel);
  if (::mkdirat(dst_parent.get(), name.c_str(), 0700) < 0) return errno_at("mkdir", rel);
  UniqueFd dst(
      ::openat(dst_parent.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dst.valid()) return errno_at("open", rel);
  if (::fchown(dst.get(), st.st_uid, st.st_gid) < 0) return errno_at("chown", rel);
  if (::fchmod(dst.get(), st.st_mode & 07777) < 0) return errno_at("chmod", rel);
  TRY_CTX(snapshot::copy_xattrs({src.get()}, {dst.get()}), "`{}`", sys::printable_path(rel));
  made_.insert(rel);
  dirs_.push_back(rel);
  return {};
}

Result<void> VfsStager::ensure_parents(const std::string& rel) {
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1))
    if (!made_.count(rel.substr(0, slash))) TRY(make_dir(rel.substr(0, slash)));
  return {};
}

Result<void> VfsStager::add(const Change& change) {
  std::string rel = change.path.substr(1);
  TRY(ensure_parents(rel));
  std::string name = base_name(rel);
  auto dst_parent = TRY(open_parent(tree_, rel, O_RDONLY));
  if (change.kind == ChangeKind::kDelete) {
    if (::mknodat(dst_parent.get(), name.c_str(), S_IFCHR | 0600, makedev(0, 0)) < 0)
      return errno_at("make the whiteout of", rel);
    return {};
  }
  auto src_parent = TRY(open_parent(rootfs_, rel, O_RDONLY));
  struct stat st;
  if (::fstatat(src_parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno_at("stat", rel);
  if (S_ISDIR(st.st_mode)) return made_.count(rel) ? Result<void>() : make_dir(rel);
  if (::linkat(src_parent.get(), name.c_str(), dst_parent.get(), name.c_str(), 0) < 0)
    return errno_at("link", rel);
  return {};
}

Result<void> VfsStager::finish() {
  for (const auto& rel : dirs_) {
    auto src = TRY(sys::open_in_root(rootfs_, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    auto dst = TRY(sys::open_in_root(tree_, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    struct stat st;
    if (::fstat(src.get(), &st) < 0) return errno_at("stat", rel);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(dst.get(), times) < 0) return errno_at("set times of", rel);
  }
  return {};
}

// Stages a vfs container's changes in `scratch` (replacing what a killed commit left);
// the open tree.
Result<UniqueFd> stage_vfs_layer(Engine& engine, const Container& c, const std::string& scratch) {
  TRY(sys::remove_all(scratch));
  TreeChanges changes = TRY(vfs_changes(engine, c));
  if (::mkdir(scratch.c_str(), 0700) < 0) return errno_at("mkdir", scratch);
  auto tree = TRY(sys::open_dir(scratch));
  auto rootfs = TRY(sys::open_dir(engine.dir(c) + "/rootfs"));
  VfsStager stager(rootfs.get(), tree.get());
  for (const auto& change : changes.changes) TRY(stager.add(change));
  TRY(stager.finish());
  return tree;
}

// The image config's "config": the image's own (ExposedPorts, Volumes, Healthcheck, ...)
// with what the container set over it, then the changes.
Result<oci::Json> image_config(store::Store& store, const Container& c,
                               const std::vector<std::string>& changes) {
  oci::Json parent = TRY(oci::parse_json(TRY(store.read_blob(c.image_id)), "image config"));
  oci::Json cfg = oci::Json::object();
  if (auto it = parent.find("config"); it != parent.end() && it->is_object()) cfg = *it;
  for (const char* k :
       {"User", "Env", "Cmd", "WorkingDir", "Entrypoint", "Labels", "StopSignal", "Healthcheck"}) {
    auto it = c.config.find(k);
    bool empty = it == c.config.end() || it->is_null() || (it->is_string() && it->empty()) ||
                 ((it->is_array() || it->is_object()) && it->empty());
    if (empty)
      cfg.erase(k);
    else
      cfg[k] = *it;
  }
  for (const auto& ch : changes) TRY(oci::apply_change(cfg, ch));
  return cfg;
}

}  // namespace

std::string command_line(const Container& c) {
  std::string out;
  for (const char* k : {"Entrypoint", "Cmd"}) {
    auto it = c.config.find(k);
    if (it == c.config.end() || !it->is_array()) continue;
    for (const auto& a : *it)
      if (a.is_string()) out += (out.empty() ? "" : " ") + a.get<std::string>();
  }
  return out;
}

Result<oci::Digest> commit(Engine& engine, const Container& ref, const CommitOptions& o) {
  auto lock = TRY(engine.lock(ref));  // not started, stopped or removed meanwhile
  Container c = TRY(engine.get(ref.id));
  store::Store& store = engine.store();
  store::CommitImageOptions opts;
  opts.config = TRY(image_config(store, c, o.changes));  // bad -c: nothing paused or written
  opts.author = o.author;
  opts.comment = o.message;
  opts.created_by = command_line(c);
  opts.tag = o.tag;
  opts.skip = [](std::string_view path, const struct stat& st) {
    return is_generated_mount_point(path, st);
  };
  store::ImageRecord parent = TRY(store.get_image(c.image_id));
  bool vfs = TRY(driver_of(c)) == snapshot::Driver::kVfs;
  UniqueFd layer;
  if (!vfs) layer = TRY(sys::open_dir(engine.dir(c) + "/upper"));

  bool paused = false;
  if (c.state.running() && o.pause) {
    int rc = TRY(engine.run_runtime(c, {"pause", c.id}));
    if (rc != 0)
      return Error::make(Errc::kInternal,
                         fmt::format("pause container {}: the runtime exited with {}", c.name, rc));
    paused = true;
  }
  Defer resume([&] {
    if (!paused) return;
    auto rc = engine.run_runtime(c, {"resume", c.id});
    // The commit's own result is what the caller needs; a container left paused is said.
    if (!rc.ok() || *rc != 0) log::warn("resume container {}: the runtime failed", c.name);
  });
  std::string scratch = engine.dir(c) + "/commit";
  Defer clean([&] {
    if (vfs) (void)sys::remove_all(scratch);
  });
  if (vfs) layer = TRY_CTX(stage_vfs_layer(engine, c, scratch), "stage the container's changes");
  store::ImageRecord img = TRY(store::commit_image(store, parent, layer.get(), opts));
  return img.id;
}

}  // namespace strata::container
