// SPDX-License-Identifier: Apache-2.0
#include "runtime/state.h"

#include <optional>

#include "runtime/cgroup/cgroup.h"
#include "runtime/process.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::runtime {

namespace {

// Typed reads of a state file that keep going past a bad field, remembering the first
// error (load_state fails with it; salvage_state uses what did read).
class FieldReader {
 public:
  explicit FieldReader(const oci::Json& obj, std::string at = "") : obj_(obj), at_(std::move(at)) {}

  std::string str(const char* key) {
    const oci::Json* v = find(key);
    if (v == nullptr) return "";
    if (!v->is_string()) return bad(key, "want a string"), "";
    return v->get<std::string>();
  }
  uint64_t number(const char* key, uint64_t max) {
    const oci::Json* v = find(key);
    if (v == nullptr) return 0;
    if (!v->is_number_unsigned() || v->get<uint64_t>() > max)
      return bad(key, fmt::format("want an integer from 0 to {}", max)), 0;
    return v->get<uint64_t>();
  }
  bool boolean(const char* key) {
    const oci::Json* v = find(key);
    if (v == nullptr) return false;
    if (!v->is_boolean()) return bad(key, "want a boolean"), false;
    return v->get<bool>();
  }
  std::map<std::string, std::string> string_map(const char* key) {
    std::map<std::string, std::string> out;
    const oci::Json* v = find(key);
    if (v == nullptr) return out;
    if (!v->is_object()) return bad(key, "want an object"), out;
    for (auto it = v->begin(); it != v->end(); ++it) {
      if (!it.value().is_string()) return bad(key, "want string values"), out;
      out[it.key()] = it.value().get<std::string>();
    }
    return out;
  }
  std::vector<std::string> strings(const char* key) {
    std::vector<std::string> out;
    const oci::Json* v = find(key);
    if (v == nullptr) return out;
    if (!v->is_array()) return bad(key, "want an array"), out;
    for (const auto& e : *v) {
      if (!e.is_string()) return bad(key, "want strings"), out;
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  const oci::Json* object(const char* key) {
    const oci::Json* v = find(key);
    if (v != nullptr && !v->is_object()) return bad(key, "want an object"), nullptr;
    return v;
  }
  // A reader of a member object; its errors become this reader's.
  void adopt(const FieldReader& inner) {
    if (inner.error_ && !error_) error_ = inner.error_;
  }
  const std::optional<Error>& error() const { return error_; }

 private:
  const oci::Json* find(const char* key) {
    if (!obj_.is_object()) return nullptr;
    auto it = obj_.find(key);
    return it == obj_.end() || it->is_null() ? nullptr : &*it;
  }
  void bad(const char* key, std::string_view why) {
    if (!error_) error_ = Error::make(Errc::kCorrupt, fmt::format("{}{}: {}", at_, key, why));
  }

  const oci::Json& obj_;
  std::string at_;
  std::optional<Error> error_;
};

// Every field of a parsed state file; *damage is the first one that did not read.
ContainerState read_fields(const oci::Json& j, const std::string& id,
                           std::optional<Error>* damage) {
  FieldReader r(j);
  ContainerState s;
  s.id = id;
  s.oci_version = r.str("ociVersion");
  s.pid = static_cast<pid_t>(r.number("pid", 4194304));  // PID_MAX_LIMIT
  s.start_time = r.number("startTime", UINT64_MAX);
  s.bundle = r.str("bundle");
  s.rootfs = r.str("rootfs");
  s.created = r.str("created");
  s.owner = r.str("owner");
  s.annotations = r.string_map("annotations");
  if (const oci::Json* cg = r.object("cgroup")) {
    FieldReader c(*cg, "cgroup.");
    s.cgroup.v2 = c.boolean("v2");
    s.cgroup.v2_dir = c.str("v2Dir");
    s.cgroup.v1_dirs = c.string_map("v1Dirs");
    // State files from before `created` was recorded: the leaves were theirs.
    if (cg->contains("created")) {
      s.cgroup.created = c.strings("created");
    } else if (s.cgroup.v2) {
      s.cgroup.created = {s.cgroup.v2_dir};
    } else {
      for (const auto& [ctrl, dir] : s.cgroup.v1_dirs) s.cgroup.created.push_back(dir);
    }
    r.adopt(c);
  }
  *damage = r.error();
  return s;
}

std::string state_file(const std::string& root, const std::string& id) {
  return state_dir(root, id) + "/state.json";
}

Result<oci::Json> read_state_json(const std::string& root, const std::string& id) {
  TRY(check_id(id));
  auto text = sys::read_file(state_file(root, id));
  if (!text.ok()) {
    if (text.error().code() == Errc::kNotFound)
      return Error::make(Errc::kNotFound, fmt::format("container \"{}\" does not exist", id));
    return std::move(text).error();
  }
  return oci::parse_json(*text, state_file(root, id));
}

Result<std::string> compute_status(const std::string& root, const ContainerState& s) {
  if (!process_alive(s.pid, s.start_time)) return std::string("stopped");
  if (sys::exists(state_dir(root, s.id) + "/exec.fifo")) return std::string("created");
  auto mgr = TRY(cgroup::open_recorded(s.cgroup));
  return std::string(TRY(mgr->frozen()) ? "paused" : "running");
}

}  // namespace

Result<void> check_id(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 1024 && id != "." && id != "..";
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '+' ||
          c == '-'))
      ok = false;
  if (!ok)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid container ID \"{}\"", printable(id)));
  return {};
}

std::string state_dir(const std::string& root, const std::string& id) { return root + "/" + id; }

Result<void> save_state(const std::string& root, const ContainerState& s) {
  oci::Json j = state_json(s);
  j["startTime"] = s.start_time;
  oci::Json cg = oci::Json::object();
  cg["v2"] = s.cgroup.v2;
  cg["v2Dir"] = s.cgroup.v2_dir;
  cg["v1Dirs"] = s.cgroup.v1_dirs;
  cg["created"] = s.cgroup.created;
  j["cgroup"] = cg;
  return sys::write_file_atomic(state_file(root, s.id), oci::dump_json(j), 0600);
}

Result<ContainerState> load_state(const std::string& root, const std::string& id) {
  oci::Json j = TRY(read_state_json(root, id));
  std::optional<Error> damage;
  ContainerState s = read_fields(j, id, &damage);
  if (damage) return std::move(*damage).context(state_file(root, id));
  s.status = TRY(compute_status(root, s));
  return s;
}

Result<CgroupView> load_recorded_cgroup(const std::string& root, const std::string& id) {
  oci::Json j = TRY(read_state_json(root, id));
  std::optional<Error> damage;
  ContainerState s = read_fields(j, id, &damage);
  if (damage) return std::move(*damage).context(state_file(root, id));
  return s.cgroup;
}

ContainerState salvage_state(const std::string& root, const std::string& id, Error* damage) {
  ContainerState s;
  s.id = id;
  s.status = "stopped";
  auto j = read_state_json(root, id);
  if (!j.ok()) {
    *damage = std::move(j).error();
    return s;
  }
  std::optional<Error> bad;
  s = read_fields(*j, id, &bad);
  if (bad) *damage = std::move(*bad).context(state_file(root, id));
  auto status = compute_status(root, s);
  s.status = status.ok() ? *status : "stopped";
  return s;
}

oci::Json state_json(const ContainerState& s) {
  oci::Json j = oci::Json::object();
  j["ociVersion"] = s.oci_version.empty() ? "1.2.0" : s.oci_version;
  j["id"] = s.id;
  j["pid"] = s.status == "stopped" ? 0 : s.pid;
  j["status"] = s.status;
  j["bundle"] = s.bundle;
  j["rootfs"] = s.rootfs;
  j["created"] = s.created;
  j["owner"] = s.owner;
  if (!s.annotations.empty()) j["annotations"] = s.annotations;
  return j;
}

ContainerState with_status(const ContainerState& s, const char* status) {
  ContainerState copy = s;
  copy.status = status;
  return copy;
}

}  // namespace strata::runtime
