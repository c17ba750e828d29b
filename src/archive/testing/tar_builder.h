// SPDX-License-Identifier: Apache-2.0
// Builds tar streams in memory for tests, hostile ones included.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <string>
#include <utility>
#include <vector>

namespace strata::archive::testing {

class TarBuilder {
 public:
  TarBuilder() : a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_);
    archive_write_set_bytes_in_last_block(a_, 1);
    archive_write_open(a_, this, nullptr, &TarBuilder::write_cb, nullptr);
  }
  ~TarBuilder() { archive_write_free(a_); }

  TarBuilder& file(const std::string& path, const std::string& data, int mode = 0644) {
    auto* e = base(path, AE_IFREG, mode);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_write_header(a_, e);
    archive_write_data(a_, data.data(), data.size());
    archive_entry_free(e);
    return *this;
  }
  TarBuilder& dir(const std::string& path, int mode = 0755) { return simple(path, AE_IFDIR, mode); }
  TarBuilder& fifo(const std::string& path, int mode = 0644) {
    return simple(path, AE_IFIFO, mode);
  }
  // `depth` nested directories "d/d/...", each as its own entry, parents first.
  TarBuilder& nested_dirs(int depth, const std::string& name = "d") {
    std::string p;
    for (int i = 0; i < depth; ++i) dir(p += (i == 0 ? "" : "/") + name);
    return *this;
  }
  // An xattr for the next entry.
  TarBuilder& xattr(const std::string& name, const std::string& value) {
    xattrs_.emplace_back(name, value);
    return *this;
  }
  TarBuilder& symlink(const std::string& path, const std::string& target) {
    auto* e = base(path, AE_IFLNK, 0777);
    archive_entry_set_symlink(e, target.c_str());
    archive_write_header(a_, e);
    archive_entry_free(e);
    return *this;
  }
  TarBuilder& hardlink(const std::string& path, const std::string& target) {
    auto* e = base(path, AE_IFREG, 0644);
    archive_entry_set_hardlink(e, target.c_str());
    archive_entry_set_size(e, 0);
    archive_write_header(a_, e);
    archive_entry_free(e);
    return *this;
  }
  std::string finish() {
    archive_write_close(a_);
    return out_;
  }

 private:
  TarBuilder& simple(const std::string& path, int type, int mode) {
    auto* e = base(path, type, mode);
    archive_write_header(a_, e);
    archive_entry_free(e);
    return *this;
  }
  struct archive_entry* base(const std::string& path, int type, int mode) {
    auto* e = archive_entry_new();
    for (const auto& [k, v] : xattrs_)
      archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    xattrs_.clear();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, static_cast<unsigned>(type));
    archive_entry_set_perm(e, static_cast<mode_t>(mode));
    archive_entry_set_mtime(e, 1700000000, 0);
    return e;
  }
  static la_ssize_t write_cb(struct archive*, void* ud, const void* buf, size_t n) {
    static_cast<TarBuilder*>(ud)->out_.append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  }
  struct archive* a_;
  std::string out_;
  std::vector<std::pair<std::string, std::string>> xattrs_;
};

}  // namespace strata::archive::testing
