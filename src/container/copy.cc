// SPDX-License-Identifier: Apache-2.0
// `cp`: one side is packed into a tar (archive::pack_entry, from an fd-relative parent
// and a name) and the other side extracts it (archive::extract_tar, the hostile-input
// path: every entry placed fd-relative beneath the destination, never following a link
// out of it). The two run on the two ends of a pipe, the packer in a thread.
#include "container/copy.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <functional>
#include <thread>

#include "archive/tar.h"
#include "container/copy_view.h"
#include "container/fs.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::container {

namespace {

using Produce = std::function<Result<void>(archive::Writer&)>;
using Consume = std::function<Result<void>(archive::Reader&)>;

Error not_found(const Container& c, std::string_view path) {
  return Error::make(Errc::kNotFound, fmt::format("Could not find the file {} in container {}",
                                                  sys::printable_path(path), c.name));
}

Error invalid(std::string_view what, std::string_view path) {
  return Error::make(Errc::kInvalidArgument,
                     fmt::format("{}: {}", sys::printable_path(path), what));
}

bool is_missing(const Error& e) { return e.sys_errno() == ENOENT || e.sys_errno() == ENOTDIR; }

std::string join(const std::string& dir, const std::string& base) {
  if (dir.empty()) return base;
  return base.empty() ? dir : dir + "/" + base;
}

// A host path's directory, as open() takes it.
std::string host_dir(std::string_view path, const CopyPath& p) {
  bool absolute = path.starts_with('/');
  if (p.dir.empty()) return absolute ? "/" : ".";
  return absolute ? "/" + p.dir : p.dir;
}

// `produce` writes into a pipe from a thread (SIGPIPE blocked there: a reader that stops
// early makes its write fail with EPIPE) while `consume` reads the other end.
Result<void> through_pipe(const Produce& produce, const Consume& consume) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return Error::from_errno(errno, "pipe");
  UniqueFd r(p[0]), w(p[1]);
  Result<void> produced;
  std::thread t([&] {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
    archive::FdWriter out(w.get(), "pipe");
    produced = produce(out);
    w.reset();
  });
  archive::FdReader in(r.get(), "pipe");
  Result<void> consumed = consume(in);
  if (consumed.ok()) (void)archive::drain(in);  // the tar's padding after its end
  r.reset();
  t.join();
  // The packer's own failure explains a truncated stream better than the reader's.
  if (!produced.ok() && produced.error().sys_errno() != EPIPE) return produced;
  if (!consumed.ok()) return consumed;
  return produced;
}

Result<void> extract_into(int dir_fd, archive::Reader& in) {
  TRY(archive::extract_tar(in, dir_fd, {}, archive::Whiteouts::kPlain));
  return {};
}

// The source inside the container: its parent directory (opened in the root) and name.
struct Source {
  UniqueFd parent;
  std::string name;  // "." for the top of what parent names
  struct stat st;
};

Result<Source> resolve_source(int root, std::string_view src, const Container& c, bool follow) {
  CopyPath p = parse_copy_path(src);
  std::string dir = p.dir, base = p.base;
  for (int hops = 0;; ++hops) {
    auto parent = sys::open_in_root(root, dir, O_PATH | O_DIRECTORY);
    if (!parent.ok()) {
      if (is_missing(parent.error())) return not_found(c, src);
      return std::move(parent).error();
    }
    Source s{std::move(*parent), base.empty() ? "." : base, {}};
    if (::fstatat(s.parent.get(), s.name.c_str(), &s.st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) return not_found(c, src);
      return Error::from_errno(errno, fmt::format("stat `{}`", sys::printable_path(src)));
    }
    if (follow && S_ISLNK(s.st.st_mode) && hops < 40) {
      char target[PATH_MAX];
      ssize_t n = ::readlinkat(s.parent.get(), s.name.c_str(), target, sizeof(target) - 1);
      if (n < 0) return Error::from_errno(errno, fmt::format("readlink `{}`", printable(src)));
      std::string next(target, static_cast<size_t>(n));
      CopyPath np = parse_copy_path(next.starts_with('/') ? next : join(dir, next));
      dir = np.dir;
      base = np.base;
      continue;
    }
    if ((p.trailing_slash || p.contents) && !S_ISDIR(s.st.st_mode))
      return invalid("not a directory", src);
    return s;
  }
}

}  // namespace

CopyPath parse_copy_path(std::string_view path) {
  CopyPath p;
  std::string s(path);
  p.contents = s == "." || s.ends_with("/.");
  p.trailing_slash = s.ends_with('/') || p.contents;
  std::vector<std::string> parts;
  for (const auto& part : split(s, '/'))
    if (!part.empty() && part != ".") parts.push_back(part);
  // A last ".." names a directory by climbing: it stays in dir (resolved in the root),
  // never given to a *at call on its own.
  if (!parts.empty() && parts.back() != "..") {
    p.base = parts.back();
    parts.pop_back();
  }
  for (const auto& part : parts) p.dir += (p.dir.empty() ? "" : "/") + part;
  return p;
}

Result<void> copy_from_container_tar(Engine& engine, const Container& c, std::string_view src,
                                     archive::Writer& out, const CopyOptions& o) {
  RootfsView v = TRY(open_copy_view(engine, c, src, false));
  Source s = TRY(resolve_source(v.root.get(), src, c, o.follow));
  CopyPath sp = parse_copy_path(src);
  archive::PackEntryOptions po;
  po.as = sp.contents || sp.base.empty() ? "." : sp.base;
  po.set_owner = !o.archive;
  po.uid = ::geteuid();
  po.gid = ::getegid();
  return archive::pack_entry(s.parent.get(), s.name, out, po);
}

Result<void> copy_from_container(Engine& engine, const Container& c, std::string_view src,
                                 const std::string& dest, const CopyOptions& o) {
  RootfsView v = TRY(open_copy_view(engine, c, src, false));
  Source s = TRY(resolve_source(v.root.get(), src, c, o.follow));
  CopyPath sp = parse_copy_path(src), dp = parse_copy_path(dest);
  bool src_dir = S_ISDIR(s.st.st_mode);
  archive::PackEntryOptions po;
  po.set_owner = !o.archive;
  po.uid = ::geteuid();
  po.gid = ::getegid();
  std::string target;
  struct stat st;
  int rc = ::stat(dest.c_str(), &st);
  int err = errno;
  if (rc == 0 && S_ISDIR(st.st_mode)) {
    target = dest;
    po.as = sp.contents || sp.base.empty() ? "." : sp.base;
  } else if (rc < 0 && err != ENOENT && err != ENOTDIR) {
    return Error::from_errno(err, fmt::format("stat `{}`", sys::printable_path(dest)));
  } else {
    bool exists = ::lstat(dest.c_str(), &st) == 0;
    if (exists && src_dir) return invalid("cannot copy directory", dest);
    if (dp.trailing_slash && !src_dir)
      return invalid(exists ? "not a directory" : "no such directory", dest);
    target = host_dir(dest, dp);
    po.as = dp.base;
  }
  auto dir = sys::open_dir(target);
  if (!dir.ok()) {
    if (is_missing(dir.error())) return invalid("no such directory", target);
    return std::move(dir).error();
  }
  return through_pipe(
      [&](archive::Writer& w) { return archive::pack_entry(s.parent.get(), s.name, w, po); },
      [&](archive::Reader& r) { return extract_into(dir->get(), r); });
}

Result<void> copy_to_container(Engine& engine, const Container& c, const std::string& src,
                               std::string_view dest, const CopyOptions& o) {
  std::string from = src;
  if (o.follow) {
    char real[PATH_MAX];
    if (::realpath(src.c_str(), real) == nullptr)
      return Error::from_errno(errno, fmt::format("lstat {}", sys::printable_path(src)));
    from = real;
    if (src.ends_with("/.")) from += "/.";
  }
  CopyPath sp = parse_copy_path(from), dp = parse_copy_path(dest);
  auto sparent = sys::open_dir(host_dir(from, sp));
  if (!sparent.ok()) return Error::from_errno(ENOENT, fmt::format("lstat {}", printable(src)));
  std::string sname = sp.base.empty() ? "." : sp.base;
  struct stat st;
  if (::fstatat(sparent->get(), sname.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
    return Error::from_errno(errno, fmt::format("lstat {}", sys::printable_path(src)));
  bool src_dir = S_ISDIR(st.st_mode);
  if ((sp.trailing_slash || sp.contents) && !src_dir) return invalid("not a directory", src);

  RootfsView v = TRY(open_copy_view(engine, c, dest, true));
  int root = v.root.get();
  archive::PackEntryOptions po;
  po.set_owner = !o.archive;  // root:root in the container, as Docker does
  std::string whole = join(dp.dir, dp.base);
  auto found = sys::open_in_root(root, whole, O_PATH);  // a link is followed, inside the root
  struct stat dst;
  UniqueFd target;
  if (found.ok() && ::fstat(found->get(), &dst) == 0 && S_ISDIR(dst.st_mode)) {
    target = TRY(sys::open_in_root(root, whole, O_RDONLY | O_DIRECTORY));
    po.as = sp.contents || sp.base.empty() ? "." : sp.base;
  } else {
    if (!found.ok() && !is_missing(found.error())) return std::move(found).error();
    if (found.ok() && src_dir) return invalid("cannot copy directory", dest);
    if (dp.trailing_slash && !src_dir)
      return invalid(found.ok() ? "not a directory" : "no such directory", dest);
    auto parent = sys::open_in_root(root, dp.dir, O_RDONLY | O_DIRECTORY);
    if (!parent.ok()) {
      if (is_missing(parent.error())) return not_found(c, "/" + dp.dir);
      return std::move(parent).error();
    }
    target = std::move(*parent);
    po.as = dp.base;
  }
  return through_pipe(
      [&](archive::Writer& w) { return archive::pack_entry(sparent->get(), sname, w, po); },
      [&](archive::Reader& r) { return extract_into(target.get(), r); });
}

Result<void> copy_tar_to_container(Engine& engine, const Container& c, archive::Reader& in,
                                   std::string_view dest) {
  RootfsView v = TRY(open_copy_view(engine, c, dest, true));
  CopyPath dp = parse_copy_path(dest);
  auto dir = sys::open_in_root(v.root.get(), join(dp.dir, dp.base), O_RDONLY | O_DIRECTORY);
  if (!dir.ok()) {
    if (dir.error().sys_errno() == ENOTDIR)
      return Error::make(Errc::kInvalidArgument, "extraction point is not a directory");
    if (is_missing(dir.error())) return not_found(c, dest);
    return std::move(dir).error();
  }
  return extract_into(dir->get(), in);
}

}  // namespace strata::container
