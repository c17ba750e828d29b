// SPDX-License-Identifier: Apache-2.0
// `commit`: the container's upper/ (overlay whiteouts and all) becomes a layer on top of
// its image (store/commit.cc), and the container's Config the new image's config, with
// `-c` changes applied as `import -c` takes them. A running container is paused with its
// runtime while upper/ is read (Docker's --pause, on by default), and resumed after.
#include "archive/tar.h"
#include "container/fs.h"
#include "oci/change.h"
#include "store/image_io.h"
#include "sys/fs.h"
#include "util/defer.h"
#include "util/log.h"

namespace strata::container {

namespace {

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
  auto upper = TRY(sys::open_dir(engine.dir(c) + "/upper"));

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
  store::ImageRecord img = TRY(store::commit_image(store, parent, upper.get(), opts));
  return img.id;
}

}  // namespace strata::container
