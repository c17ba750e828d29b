// SPDX-License-Identifier: Apache-2.0
// From the -v/--mount/--tmpfs flags and the image's VOLUME entries to what a container
// mounts and records: every spec checked before anything is made, then the host
// directories -v creates, then (in the create transaction) the volumes and their uses.
#include <sys/stat.h>

#include <set>

#include "container/volumes.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::container {

namespace {

// Docker's HostConfig.Mounts entry (api/types/mount.Mount) for a --mount.
oci::Json host_mount_json(const MountSpec& m) {
  const char* type = m.type == MountType::kBind    ? "bind"
                     : m.type == MountType::kTmpfs ? "tmpfs"
                                                   : "volume";
  oci::Json j = {{"Type", type}, {"Source", m.source}, {"Target", m.target}};
  if (m.readonly) j["ReadOnly"] = true;
  if (!m.propagation.empty()) j["BindOptions"] = {{"Propagation", m.propagation}};
  if (m.nocopy) j["VolumeOptions"] = {{"NoCopy", true}};
  if (m.tmpfs_size || m.tmpfs_mode) {
    oci::Json t = oci::Json::object();
    if (m.tmpfs_size) t["SizeBytes"] = *m.tmpfs_size;
    if (m.tmpfs_mode) t["Mode"] = *m.tmpfs_mode;
    j["TmpfsOptions"] = t;
  }
  return j;
}

}  // namespace

Result<MountPlan> plan_mounts(const Options& o, const std::vector<std::string>& image_volumes) {
  MountPlan p;
  std::set<std::string> targets;
  auto add = [&](MountSpec m) -> Result<void> {
    if (!targets.insert(m.target).second)
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("Duplicate mount point: {}", printable(m.target)));
    p.mounts.push_back(std::move(m));
    return {};
  };
  for (const auto& v : o.volumes) {
    MountSpec m = TRY(parse_volume_flag(v));
    if (m.type == MountType::kVolume && m.source.empty())
      p.config_volumes[m.target] = oci::Json::object();  // as Docker records `-v /ctr`
    else
      p.binds.push_back(v);
    TRY(add(std::move(m)));
  }
  for (const auto& s : o.mounts) {
    MountSpec m = TRY(parse_mount_flag(s));
    struct stat st;
    if (m.type == MountType::kBind && ::stat(m.source.c_str(), &st) != 0)
      return Error::make(Errc::kNotFound,
                         fmt::format("invalid mount config for type \"bind\": bind source path "
                                     "does not exist: {}",
                                     printable(m.source)));
    p.host_mounts.push_back(host_mount_json(m));
    TRY(add(std::move(m)));
  }
  for (const auto& t : o.tmpfs) {
    MountSpec m = TRY(parse_tmpfs_flag(t));
    p.tmpfs[m.target] = m.mode;
    TRY(add(std::move(m)));
  }
  // The image's VOLUME entries: an anonymous volume each, unless a mount covers it.
  for (const auto& iv : image_volumes) {
    if (!iv.starts_with("/")) continue;  // not a path a container can have
    MountSpec m;
    m.flag = MountFlag::kImage;
    m.target = clean_path(iv);
    if (m.target == "/" || targets.contains(m.target)) continue;
    p.config_volumes[m.target] = oci::Json::object();
    TRY(add(std::move(m)));
  }
  return p;
}

Result<void> make_bind_sources(const MountPlan& plan) {
  for (const auto& m : plan.mounts) {
    struct stat st;
    if (m.type == MountType::kBind && m.create_source && ::stat(m.source.c_str(), &st) != 0)
      TRY_CTX(sys::mkdir_p(m.source, 0755), "create bind source {}", printable(m.source));
  }
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>> attach_volumes(store::Store& store,
                                                                        Container& c,
                                                                        const MountPlan& plan) {
  Volumes vols(store);
  std::vector<std::pair<std::string, std::string>> copy;
  c.mounts = oci::Json::array();
  for (const auto& m : plan.mounts) {
    if (m.type == MountType::kBind) {
      c.mounts.push_back({{"Type", "bind"},
                          {"Source", m.source},
                          {"Destination", m.target},
                          {"Mode", m.mode},
                          {"RW", !m.readonly},
                          {"Propagation", m.propagation.empty() ? "rprivate" : m.propagation}});
    } else if (m.type == MountType::kVolume) {
      bool anonymous = m.source.empty();
      std::string name = anonymous ? new_id() : m.source;
      bool made = TRY(vols.ensure_in_tx(name, anonymous));
      // Never into a volume another container uses: it may be running, writing to the
      // volume (or swapping names in it) while the copy runs. An unused volume is
      // copied into if it is empty (copy_up checks), as Docker does.
      bool used = false;
      if (!made)
        for (const auto& user : TRY(vols.users(name))) used = used || user != c.id;
      TRY(vols.add_use_in_tx(name, c.id));
      if (!m.nocopy && !used) copy.emplace_back(m.target, vols.data_dir(name));
      c.mounts.push_back({{"Type", "volume"},
                          {"Name", name},
                          {"Source", vols.data_dir(name)},
                          {"Destination", m.target},
                          {"Driver", "local"},
                          {"Mode", m.mode},
                          {"RW", !m.readonly},
                          {"Propagation", ""}});
    } else if (m.flag == MountFlag::kMount) {  // --tmpfs is HostConfig.Tmpfs only, as Docker
      c.mounts.push_back({{"Type", "tmpfs"},
                          {"Source", ""},
                          {"Destination", m.target},
                          {"Mode", ""},
                          {"RW", !m.readonly},
                          {"Propagation", ""}});
    }
  }
  return copy;
}

}  // namespace strata::container
