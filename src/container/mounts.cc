// SPDX-License-Identifier: Apache-2.0
// The -v, --mount and --tmpfs parsers (Docker's syntax, its error texts from moby's
// volume/mounts and docker/cli's opts/mount.go), and the config.json mounts a container's
// record turns into.
#include "container/mounts.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "util/strings.h"

namespace strata::container {

namespace {

constexpr const char* kPropagations[] = {"shared",  "slave",  "private",
                                         "rshared", "rslave", "rprivate"};

bool is_propagation(std::string_view s) {
  return std::find(std::begin(kPropagations), std::end(kPropagations), s) !=
         std::end(kPropagations);
}

const char* type_name(MountType t) {
  switch (t) {
    case MountType::kBind:
      return "bind";
    case MountType::kVolume:
      return "volume";
    case MountType::kTmpfs:
      return "tmpfs";
  }
  return "";
}

// moby's errMountConfig: `invalid mount config for type "bind": <why>`.
Error mount_config_error(MountType t, std::string_view why) {
  return Error::make(Errc::kInvalidArgument,
                     fmt::format("invalid mount config for type \"{}\": {}", type_name(t), why));
}

std::string not_absolute(std::string_view path) {
  return fmt::format("invalid mount path: '{}' mount path must be absolute", printable(path));
}

// The -v options: each of rw/ro, z/Z, a propagation, a consistency and nocopy at most
// once (moby's ValidMountMode). Fills spec; false if the mode is not valid.
bool apply_mode(std::string_view mode, MountSpec& spec) {
  int rw = 0, label = 0, prop = 0, copy = 0, consistency = 0;
  for (const auto& o : split(mode, ',')) {
    if (o == "rw" || o == "ro") {
      ++rw;
      spec.readonly = o == "ro";
    } else if (o == "z" || o == "Z") {
      ++label;  // SELinux relabelling: there is no SELinux here, accepted and ignored
    } else if (is_propagation(o)) {
      ++prop;
      spec.propagation = o;
    } else if (o == "consistent" || o == "cached" || o == "delegated") {
      ++consistency;  // Docker Desktop's file sharing hints: nothing to do on Linux
    } else if (o == "nocopy") {
      ++copy;
      spec.nocopy = true;
    } else {
      return false;
    }
  }
  return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1 && consistency <= 1;
}

bool is_mode(std::string_view mode) {
  MountSpec scratch;
  return apply_mode(mode, scratch);
}

// "./data" relative to the working directory, cleaned; other paths as they are.
std::string absolute_host_path(std::string_view path) {
  if (path.starts_with("/")) return clean_path(path);
  char cwd[4096];
  std::string base = ::getcwd(cwd, sizeof cwd) ? cwd : "/";
  return clean_path(base + "/" + std::string(path));
}

// Go's strconv.ParseBool.
std::optional<bool> parse_bool(std::string_view s) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"})
    if (s == t) return true;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"})
    if (s == f) return false;
  return std::nullopt;
}

std::optional<uint32_t> parse_octal_mode(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 8);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v > 07777)
    return std::nullopt;
  return v;
}

// Checks what the daemon checks of a --mount once the flag parsed: the fields each type
// needs or must not have, and the paths.
Result<void> validate_mount(MountSpec& m) {
  if (m.type == MountType::kBind) {
    if (m.source.empty()) return mount_config_error(m.type, "field Source must not be empty");
    if (!m.source.starts_with("/") && !m.source.starts_with("."))
      return mount_config_error(m.type, not_absolute(m.source));
    m.source = absolute_host_path(m.source);
  } else if (m.type == MountType::kTmpfs) {
    if (!m.source.empty()) return mount_config_error(m.type, "field Source must not be specified");
  } else if (!m.source.empty()) {
    TRY(check_volume_name(m.source));
  }
  if (!m.target.starts_with("/")) return mount_config_error(m.type, not_absolute(m.target));
  m.target = clean_path(m.target);
  if (m.target == "/")
    return mount_config_error(m.type, "invalid specification: destination can't be '/'");
  return {};
}

// One key=value field of --mount into m; the error is the flag's (without its prefix).
Result<void> apply_mount_field(std::string_view field, MountSpec& m, std::string& type,
                               std::set<std::string>& kinds) {
  size_t eq = field.find('=');
  std::string key(field.substr(0, eq));
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  auto invalid = [&](std::string_view v) {
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid value for {}: {}", key, printable(v)));
  };
  if (eq == std::string_view::npos) {
    if (key == "readonly" || key == "ro") {
      m.readonly = true;
    } else if (key == "volume-nocopy") {
      m.nocopy = true;
      kinds.insert("volume");
    } else {
      return Error::make(
          Errc::kInvalidArgument,
          fmt::format("invalid field '{}' must be a key=value pair", printable(field)));
    }
    return {};
  }
  std::string_view val = field.substr(eq + 1);
  if (key == "type") {
    type = std::string(val);
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  } else if (key == "source" || key == "src") {
    m.source = std::string(val);
  } else if (key == "target" || key == "destination" || key == "dst") {
    m.target = std::string(val);
  } else if (key == "readonly" || key == "ro") {
    auto b = parse_bool(val);
    if (!b) return invalid(val);
    m.readonly = *b;
  } else if (key == "bind-propagation") {
    if (!is_propagation(val)) return invalid(val);
    m.propagation = std::string(val);
    kinds.insert("bind");
  } else if (key == "volume-nocopy") {
    auto b = parse_bool(val);
    if (!b) return invalid(val);
    m.nocopy = *b;
    kinds.insert("volume");
  } else if (key == "volume-driver") {
    if (val != "local")
      return Error::make(
          Errc::kInvalidArgument,
          fmt::format("volume driver {} is not supported (only local)", printable(val)));
    kinds.insert("volume");
  } else if (key == "tmpfs-size") {
    uint64_t bytes = 0;
    if (!parse_size(val, &bytes) || bytes == 0) return invalid(val);
    m.tmpfs_size = bytes;
    kinds.insert("tmpfs");
  } else if (key == "tmpfs-mode") {
    auto mode = parse_octal_mode(val);
    if (!mode) return invalid(val);
    m.tmpfs_mode = *mode;
    kinds.insert("tmpfs");
  } else if (key == "consistency") {
    // Docker Desktop's file sharing hint: nothing to do on Linux, as in Docker.
  } else {
    return Error::make(Errc::kInvalidArgument, fmt::format("unexpected key '{}' in '{}'",
                                                           printable(key), printable(field)));
  }
  return {};
}

// A tmpfs mount option of --tmpfs: the flags mount(8) knows for tmpfs, and its keyed
// options (size= and mode= checked here, the kernel checks uid=, gid=, nr_inodes=).
Result<void> apply_tmpfs_option(std::string_view o, MountSpec& m) {
  static const std::set<std::string_view> kFlags = {
      "ro",       "rw",         "exec",          "noexec",  "suid",     "nosuid",
      "dev",      "nodev",      "atime",         "noatime", "relatime", "norelatime",
      "diratime", "nodiratime", "strictatime",   "sync",    "async",    "dirsync",
      "mand",     "nomand",     "nostrictatime", "lazytime"};
  auto bad = [&] {
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid tmpfs option \"{}\"", printable(o)));
  };
  if (o.starts_with("size=")) {
    uint64_t bytes = 0;
    if (!parse_size(o.substr(5), &bytes) || bytes == 0) return bad();
    m.tmpfs_size = bytes;
  } else if (o.starts_with("mode=")) {
    auto mode = parse_octal_mode(o.substr(5));
    if (!mode) return bad();
    m.tmpfs_mode = *mode;
  } else if (o.starts_with("uid=") || o.starts_with("gid=") || o.starts_with("nr_inodes=") ||
             o.starts_with("nr_blocks=") || o.starts_with("huge=")) {
    if (o.substr(o.find('=') + 1).empty()) return bad();
    m.tmpfs_extra.emplace_back(o);
  } else if (kFlags.contains(o)) {
    if (o == "ro" || o == "rw") m.readonly = o == "ro";
    m.tmpfs_extra.emplace_back(o);
  } else {
    return bad();
  }
  return {};
}

int depth(std::string_view path) {
  return static_cast<int>(std::count(path.begin(), path.end(), '/'));
}

oci::Json tmpfs_entry(const std::string& dest, const std::vector<std::string>& extra) {
  std::vector<std::string> options = {"nosuid", "nodev", "noexec"};
  options.insert(options.end(), extra.begin(), extra.end());
  return {{"destination", dest}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", options}};
}

}  // namespace

std::string clean_path(std::string_view path) {
  std::vector<std::string> parts;
  for (const auto& p : split(path, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(p);
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

Result<void> check_volume_name(std::string_view name) {
  auto word = [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
  };
  bool ok = name.size() >= 2 && word(name[0]);
  for (char ch : name) ok = ok && (word(ch) || ch == '_' || ch == '.' || ch == '-');
  if (!ok)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("create {0}: \"{0}\" includes invalid characters for a local "
                                   "volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. "
                                   "If you intended to pass a host directory, use absolute path",
                                   printable(name)));
  return {};
}

Result<MountSpec> parse_volume_flag(std::string_view spec) {
  auto invalid_spec = [&] {
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid volume specification: '{}'", printable(spec)));
  };
  auto parts = split(spec, ':');
  if (spec.empty() || parts.size() > 3 ||
      std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); }))
    return invalid_spec();
  MountSpec m;
  m.create_source = true;
  if (parts.size() == 1) {
    m.target = parts[0];
  } else if (parts.size() == 2 && is_mode(parts[1])) {
    m.target = parts[0];
    m.mode = parts[1];
  } else {
    m.source = parts[0];
    m.target = parts[1];
    if (parts.size() == 3) m.mode = parts[2];
  }
  if (!m.mode.empty() && !apply_mode(m.mode, m))
    return Error::make(Errc::kInvalidArgument, fmt::format("invalid mode: {}", printable(m.mode)));
  m.type = m.source.starts_with("/") || m.source.starts_with(".") ? MountType::kBind
                                                                  : MountType::kVolume;
  if (m.type == MountType::kVolume) m.propagation.clear();  // binds only, as Docker
  auto r = validate_mount(m);
  if (!r.ok()) {
    if (r.error().message().starts_with("create ")) return std::move(r).error();  // the name
    return std::move(r).error().context(
        fmt::format("invalid volume specification: '{}'", printable(spec)));
  }
  return m;
}

Result<MountSpec> parse_mount_flag(std::string_view spec) {
  MountSpec m;
  m.flag = MountFlag::kMount;
  std::string type;
  std::set<std::string> kinds;  // whose type-specific options were given
  auto flag_error = [&](const Error& e) {
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid argument \"{}\" for \"--mount\" flag: {}",
                                   printable(spec), e.message()));
  };
  for (const auto& field : split(spec, ',')) {
    auto r = apply_mount_field(field, m, type, kinds);
    if (!r.ok()) return flag_error(r.error());
  }
  if (type.empty()) return flag_error(Error::make(Errc::kInvalidArgument, "type is required"));
  if (m.target.empty())
    return flag_error(Error::make(Errc::kInvalidArgument, "target is required"));
  for (const auto& k : kinds)
    if (k != type)
      return flag_error(Error::make(
          Errc::kInvalidArgument,
          fmt::format("cannot mix '{}-*' options with mount type '{}'", k, printable(type))));
  if (type == "bind") {
    m.type = MountType::kBind;
  } else if (type == "volume") {
    m.type = MountType::kVolume;
  } else if (type == "tmpfs") {
    m.type = MountType::kTmpfs;
  } else {
    return Error::make(
        Errc::kInvalidArgument,
        fmt::format("invalid mount config for type \"{}\": mount type unknown", printable(type)));
  }
  TRY(validate_mount(m));
  return m;
}

Result<MountSpec> parse_tmpfs_flag(std::string_view spec) {
  MountSpec m;
  m.type = MountType::kTmpfs;
  m.flag = MountFlag::kTmpfs;
  size_t colon = spec.find(':');
  m.target = std::string(spec.substr(0, colon));
  if (colon != std::string_view::npos) {
    m.mode = std::string(spec.substr(colon + 1));
    for (const auto& o : split(m.mode, ',')) TRY(apply_tmpfs_option(o, m));
  }
  if (!m.target.starts_with("/"))
    return Error::make(Errc::kInvalidArgument, fmt::format("invalid tmpfs {}: {}", printable(spec),
                                                           not_absolute(m.target)));
  m.target = clean_path(m.target);
  if (m.target == "/")
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid tmpfs {}: destination can't be '/'", printable(spec)));
  return m;
}

Result<void> add_user_mounts(const Container& c, oci::Json& mounts) {
  std::vector<oci::Json> out;
  for (const auto& m : c.mounts) {
    std::string type = TRY(oci::get_string(m, "Type"));
    if (type != "bind" && type != "volume") continue;  // tmpfs: from HostConfig below
    std::string prop = TRY(oci::get_string_or(m, "Propagation", ""));
    bool rw = TRY(oci::get_bool_or(m, "RW", true));
    // Recursive: a plain bind would show what a mount below the source hides.
    std::vector<std::string> options = {"rbind", prop.empty() ? "rprivate" : prop,
                                        rw ? "rw" : "ro"};
    out.push_back({{"destination", TRY(oci::get_string(m, "Destination"))},
                   {"type", "bind"},
                   {"source", TRY(oci::get_string(m, "Source"))},
                   {"options", options}});
  }
  if (auto t = c.host_config.find("Tmpfs"); t != c.host_config.end() && t->is_object()) {
    for (const auto& item : t->items()) {
      std::string opts = TRY(oci::get_string(*t, item.key()));
      out.push_back(
          tmpfs_entry(item.key(), opts.empty() ? std::vector<std::string>{} : split(opts, ',')));
    }
  }
  if (auto ms = c.host_config.find("Mounts"); ms != c.host_config.end() && ms->is_array()) {
    for (const auto& m : *ms) {
      if (TRY(oci::get_string(m, "Type")) != "tmpfs") continue;
      std::vector<std::string> extra;
      if (TRY(oci::get_bool_or(m, "ReadOnly", false))) extra.push_back("ro");
      if (auto o = m.find("TmpfsOptions"); o != m.end() && o->is_object()) {
        if (o->contains("SizeBytes"))
          extra.push_back(fmt::format("size={}", TRY(oci::get_int(*o, "SizeBytes"))));
        if (o->contains("Mode"))
          extra.push_back(fmt::format("mode={:o}", TRY(oci::get_int(*o, "Mode"))));
      }
      out.push_back(tmpfs_entry(TRY(oci::get_string(m, "Target")), extra));
    }
  }
  std::vector<std::pair<int, oci::Json>> by_depth;
  for (auto& m : out) by_depth.emplace_back(depth(TRY(oci::get_string(m, "destination"))), m);
  std::stable_sort(by_depth.begin(), by_depth.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::set<std::string> mine;
  for (const auto& [d, m] : by_depth) mine.insert(TRY(oci::get_string(m, "destination")));
  oci::Json all = oci::Json::array();
  for (const auto& m : mounts)
    if (!mine.contains(TRY(oci::get_string(m, "destination")))) all.push_back(m);
  for (auto& [d, m] : by_depth) all.push_back(std::move(m));
  mounts = std::move(all);
  return {};
}

}  // namespace strata::container
