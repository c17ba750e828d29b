// SPDX-License-Identifier: Apache-2.0
// RuntimeSpec -> config.json, for the engine that generates bundles: what is set is
// written in the spec's own member names, what is unset is left out, so that
// parse_spec reads back an equal RuntimeSpec (runtime_spec_test.cc checks the round
// trip, and tests/e2e/runtime_errors.bats runs a written config under runc and crun).
#include "oci/runtime_spec.h"
#include "oci/runtime_spec_internal.h"

namespace strata::oci {

namespace {

// Sets j[key] = v when the optional is set.
template <typename T>
void put(Json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
void put(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
template <typename T>
void put(Json& j, const char* key, const std::vector<T>& v) {
  if (!v.empty()) j[key] = v;
}
void put(Json& j, const char* key, Json v) {
  if (!v.empty()) j[key] = std::move(v);
}

// A JSON array of to_json(item) for each item.
template <typename T, typename F>
Json array_of(const std::vector<T>& items, F to_json) {
  Json a = Json::array();
  for (const auto& item : items) a.push_back(to_json(item));
  return a;
}

Json capabilities_json(const Capabilities& c) {
  Json j = Json::object();
  auto names = [](const std::vector<int>& caps) {
    return array_of(caps, [](int cap) { return std::string(capability_name(cap)); });
  };
  std::pair<const char*, const std::vector<int>*> sets[] = {{"bounding", &c.bounding},
                                                            {"effective", &c.effective},
                                                            {"inheritable", &c.inheritable},
                                                            {"permitted", &c.permitted},
                                                            {"ambient", &c.ambient}};
  for (const auto& [name, caps] : sets)
    if (!caps->empty()) j[name] = names(*caps);
  return j;
}

Json user_json(const User& u) {
  Json j = {{"uid", u.uid}, {"gid", u.gid}};
  put(j, "umask", u.umask);
  put(j, "additionalGids", u.additional_gids);
  return j;
}

Json hooks_json(const std::vector<Hook>& hooks) {
  return array_of(hooks, [](const Hook& h) {
    Json j = {{"path", h.path}};
    put(j, "args", h.args);
    put(j, "env", h.env);
    put(j, "timeout", h.timeout);
    return j;
  });
}

Json all_hooks_json(const Hooks& h) {
  Json j = Json::object();
  put(j, "prestart", hooks_json(h.prestart));
  put(j, "createRuntime", hooks_json(h.create_runtime));
  put(j, "createContainer", hooks_json(h.create_container));
  put(j, "startContainer", hooks_json(h.start_container));
  put(j, "poststart", hooks_json(h.poststart));
  put(j, "poststop", hooks_json(h.poststop));
  return j;
}

Json memory_json(const Resources& r) {
  Json j = Json::object();
  put(j, "limit", r.memory_limit);
  put(j, "reservation", r.memory_reservation);
  put(j, "swap", r.memory_swap);
  put(j, "kernel", r.memory_kernel);
  put(j, "kernelTCP", r.memory_kernel_tcp);
  put(j, "swappiness", r.memory_swappiness);
  if (r.disable_oom_killer) j["disableOOMKiller"] = true;
  return j;
}

Json cpu_json(const Resources& r) {
  Json j = Json::object();
  put(j, "shares", r.cpu_shares);
  put(j, "quota", r.cpu_quota);
  put(j, "period", r.cpu_period);
  put(j, "realtimeRuntime", r.cpu_realtime_runtime);
  put(j, "realtimePeriod", r.cpu_realtime_period);
  put(j, "burst", r.cpu_burst);
  put(j, "idle", r.cpu_idle);
  put(j, "cpus", r.cpuset_cpus);
  put(j, "mems", r.cpuset_mems);
  return j;
}

Json throttle_json(const std::vector<ThrottleDevice>& devs) {
  return array_of(devs, [](const ThrottleDevice& d) {
    return Json{{"major", d.major}, {"minor", d.minor}, {"rate", d.rate}};
  });
}

Json block_io_json(const BlockIO& b) {
  Json j = Json::object();
  put(j, "weight", b.weight);
  put(j, "leafWeight", b.leaf_weight);
  put(j, "weightDevice", array_of(b.weight_device, [](const WeightDevice& d) {
        Json w = {{"major", d.major}, {"minor", d.minor}};
        put(w, "weight", d.weight);
        put(w, "leafWeight", d.leaf_weight);
        return w;
      }));
  put(j, "throttleReadBpsDevice", throttle_json(b.throttle_read_bps));
  put(j, "throttleWriteBpsDevice", throttle_json(b.throttle_write_bps));
  put(j, "throttleReadIOPSDevice", throttle_json(b.throttle_read_iops));
  put(j, "throttleWriteIOPSDevice", throttle_json(b.throttle_write_iops));
  return j;
}

Json device_rules_json(const std::vector<DeviceRule>& rules) {
  return array_of(rules, [](const DeviceRule& d) {
    Json j = {{"allow", d.allow}, {"type", std::string(1, d.type)}, {"access", d.access}};
    if (d.major != -1) j["major"] = d.major;
    if (d.minor != -1) j["minor"] = d.minor;
    return j;
  });
}

Json resources_json(const Resources& r) {
  Json j = Json::object();
  put(j, "memory", memory_json(r));
  put(j, "cpu", cpu_json(r));
  if (r.pids_limit) j["pids"] = {{"limit", *r.pids_limit}};
  put(j, "devices", device_rules_json(r.devices));
  put(j, "blockIO", block_io_json(r.block_io));
  put(j, "hugepageLimits", array_of(r.hugepage_limits, [](const HugepageLimit& h) {
        return Json{{"pageSize", h.page_size}, {"limit", h.limit}};
      }));
  Json rdma = Json::object();
  for (const auto& [name, l] : r.rdma) {
    rdma[name] = Json::object();
    put(rdma[name], "hcaHandles", l.hca_handles);
    put(rdma[name], "hcaObjects", l.hca_objects);
  }
  put(j, "rdma", std::move(rdma));
  Json net = Json::object();
  put(net, "classID", r.network_class_id);
  put(net, "priorities", array_of(r.network_priorities, [](const auto& p) {
        return Json{{"name", p.first}, {"priority", p.second}};
      }));
  put(j, "network", std::move(net));
  put(j, "unified", Json(r.unified));
  return j;
}

Json mappings_json(const std::vector<IdMapping>& maps) {
  return array_of(maps, [](const IdMapping& m) {
    return Json{{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}};
  });
}

Json devices_json(const std::vector<Device>& devices) {
  return array_of(devices, [](const Device& d) {
    Json j = {{"path", d.path}, {"type", d.type}, {"major", d.major}, {"minor", d.minor}};
    put(j, "fileMode", d.file_mode);
    put(j, "uid", d.uid);
    put(j, "gid", d.gid);
    return j;
  });
}

Json linux_json(const RuntimeSpec& s) {
  Json j = Json::object();
  put(j, "namespaces", array_of(s.namespaces, [](const Namespace& n) {
        Json e = {{"type", n.type}};
        put(e, "path", n.path);
        return e;
      }));
  put(j, "uidMappings", mappings_json(s.uid_mappings));
  put(j, "gidMappings", mappings_json(s.gid_mappings));
  put(j, "sysctl", Json(s.sysctl));
  put(j, "resources", resources_json(s.resources));
  put(j, "cgroupsPath", s.cgroups_path);
  put(j, "maskedPaths", s.masked_paths);
  put(j, "readonlyPaths", s.readonly_paths);
  put(j, "rootfsPropagation", s.rootfs_propagation);
  put(j, "devices", devices_json(s.devices));
  Json offsets = Json::object();
  for (const auto& [clock, o] : s.time_offsets)
    offsets[clock] = {{"secs", o.first}, {"nanosecs", o.second}};
  put(j, "timeOffsets", std::move(offsets));
  if (s.personality_linux32) j["personality"] = {{"domain", "LINUX32"}};
  if (!s.seccomp.is_null()) j["seccomp"] = s.seccomp;
  return j;
}

Json mounts_json(const std::vector<Mount>& mounts) {
  return array_of(mounts, [](const Mount& m) {
    Json j = {{"destination", m.destination}};
    put(j, "type", m.type);
    put(j, "source", m.source);
    put(j, "options", m.options);
    return j;
  });
}

}  // namespace

Json process_to_json(const Process& p) {
  Json j = Json::object();
  if (p.terminal) j["terminal"] = true;
  if (p.console_size)
    j["consoleSize"] = {{"height", p.console_size->first}, {"width", p.console_size->second}};
  j["user"] = user_json(p.user);
  j["args"] = p.args;
  put(j, "env", p.env);
  j["cwd"] = p.cwd;
  if (p.capabilities) j["capabilities"] = capabilities_json(*p.capabilities);
  put(j, "rlimits", array_of(p.rlimits, [](const Rlimit& r) {
        return Json{{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}};
      }));
  if (p.no_new_privileges) j["noNewPrivileges"] = true;
  put(j, "oomScoreAdj", p.oom_score_adj);
  put(j, "apparmorProfile", p.apparmor_profile);
  put(j, "selinuxLabel", p.selinux_label);
  return j;
}

Json spec_to_json(const RuntimeSpec& s) {
  Json j = Json::object();
  j["ociVersion"] = s.oci_version;
  j["process"] = process_to_json(s.process);
  j["root"] = {{"path", s.root_path}};
  if (s.root_readonly) j["root"]["readonly"] = true;
  put(j, "hostname", s.hostname);
  put(j, "domainname", s.domainname);
  put(j, "mounts", mounts_json(s.mounts));
  j["linux"] = linux_json(s);
  put(j, "hooks", all_hooks_json(s.hooks));
  put(j, "annotations", Json(s.annotations));
  return j;
}

}  // namespace strata::oci
