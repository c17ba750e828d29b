// SPDX-License-Identifier: Apache-2.0
// Parsers for the create/run flags of host_flags.h, each refusing bad input with
// Docker's words, and record_host_flags, which records them in HostConfig.
#include "container/host_flags.h"

#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <charconv>
#include <cstring>
#include <set>

#include "container/security.h"
#include "oci/runtime_spec.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::container {

namespace {

Error invalid(std::string msg) { return Error::make(Errc::kInvalidArgument, std::move(msg)); }

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Docker's --ulimit names (go-units ulimitNameMapping).
constexpr std::pair<const char*, const char*> kUlimits[] = {
    {"core", "RLIMIT_CORE"},         {"cpu", "RLIMIT_CPU"},
    {"data", "RLIMIT_DATA"},         {"fsize", "RLIMIT_FSIZE"},
    {"locks", "RLIMIT_LOCKS"},       {"memlock", "RLIMIT_MEMLOCK"},
    {"msgqueue", "RLIMIT_MSGQUEUE"}, {"nice", "RLIMIT_NICE"},
    {"nofile", "RLIMIT_NOFILE"},     {"nproc", "RLIMIT_NPROC"},
    {"rss", "RLIMIT_RSS"},           {"rtprio", "RLIMIT_RTPRIO"},
    {"rttime", "RLIMIT_RTTIME"},     {"sigpending", "RLIMIT_SIGPENDING"},
    {"stack", "RLIMIT_STACK"}};

// A limit value: a number, or -1 / "unlimited" for no limit.
std::optional<int64_t> limit_value(std::string_view s) {
  if (s == "unlimited") return -1;
  auto v = parse_int(s);
  if (!v || *v < -1) return std::nullopt;
  return v;
}

Result<void> record_security_opts(const std::vector<std::string>& opts, oci::Json& hc);

// errno text as Go prints it (Docker's messages): lower case, "no such file or directory".
std::string go_errno_text(int err) {
  std::string t = std::strerror(err);
  if (!t.empty()) t[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(t[0])));
  return t;
}

// A file the user named that cannot be read, in Docker's words: "open FILE: no such
// file or directory".
Error open_error(const std::string& path, const Error& e) {
  std::string why = e.sys_errno() != 0 ? go_errno_text(e.sys_errno()) : e.message();
  return Error::make(e.code(), fmt::format("open {}: {}", printable(path), why));
}

}  // namespace

Result<void> check_memory(const HostFlags& f, int64_t memory) {
  if (f.memory_swap != 0 && f.memory_swap != -1) {
    if (memory == 0)
      return invalid(
          "You should always set the Memory limit when using Memoryswap limit, see usage");
    if (f.memory_swap < memory)
      return invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (f.memory_reservation != 0) {
    if (f.memory_reservation < 6 * 1024 * 1024)
      return invalid("Minimum memory reservation allowed is 6MB");
    if (memory > 0 && f.memory_reservation > memory)
      return invalid(
          "Minimum memory limit can not be less than memory reservation limit, see usage");
  }
  return {};
}

Result<std::vector<std::string>> parse_env_file(std::string_view text, std::string_view path) {
  std::vector<std::string> out;
  auto lines = split(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto where = [&](std::string msg) {
      return invalid(fmt::format("{}:{}: {}", printable(path), i + 1, msg));
    };
    // Docker trims leading whitespace only: a value keeps its trailing spaces.
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    size_t eq = line.find('=');
    std::string key = line.substr(0, eq);
    if (key.empty()) return where(fmt::format("no variable name on line '{}'", printable(line)));
    if (key.find_first_of(" \t") != std::string::npos)
      return where(fmt::format("variable '{}' contains whitespaces", printable(key)));
    if (eq != std::string::npos) {
      out.push_back(line);
    } else if (const char* v = ::getenv(key.c_str())) {
      out.push_back(key + "=" + v);
    }
  }
  return out;
}

Result<std::vector<std::string>> read_env_files(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    auto text = sys::read_file(p, 16 << 20);
    if (!text.ok()) return open_error(p, text.error());
    auto env = TRY(parse_env_file(*text, p));
    out.insert(out.end(), env.begin(), env.end());
  }
  return out;
}

bool is_ip_address(std::string_view s) {
  std::string str(s);
  unsigned char buf[16];
  return ::inet_pton(AF_INET, str.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, str.c_str(), buf) == 1;
}

Result<std::string> parse_add_host(std::string_view value) {
  // Docker 25+: "name=ip" or "name:ip"; an IPv6 address may be in brackets. The name
  // ends at the first '=' or, failing that, the first ':'.
  size_t sep = value.find('=');
  if (sep == std::string_view::npos) sep = value.find(':');
  auto bad = [&] {
    return invalid(fmt::format("bad format for add-host: \"{}\"", printable(value)));
  };
  if (sep == std::string_view::npos || sep == 0) return bad();
  std::string_view host = value.substr(0, sep), ip = value.substr(sep + 1);
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (host.find_first_of(" \t") != std::string_view::npos) return bad();
  if (ip == "host-gateway")
    return Error::make(Errc::kUnsupported,
                       "add-host: host-gateway needs a bridge network, which Strata does not "
                       "have yet");
  if (!is_ip_address(ip))
    return invalid(fmt::format("invalid IP address in add-host: \"{}\"", printable(ip)));
  return fmt::format("{}:{}", host, ip);
}

Result<oci::Json> parse_ulimit(std::string_view value) {
  size_t eq = value.find('=');
  if (eq == std::string_view::npos)
    return invalid(fmt::format("invalid ulimit argument: {}", printable(value)));
  std::string_view name = value.substr(0, eq), limits = value.substr(eq + 1);
  const char* rlimit = nullptr;
  for (const auto& [n, r] : kUlimits)
    if (name == n) rlimit = r;
  if (rlimit == nullptr) return invalid(fmt::format("invalid ulimit type: {}", printable(name)));
  auto parts = split(limits, ':');
  if (parts.size() > 2)
    return invalid(
        fmt::format("too many limit value arguments - {}, can only have up to two, `soft[:hard]`",
                    printable(limits)));
  auto soft = limit_value(parts[0]);
  if (!soft) return invalid(fmt::format("invalid ulimit soft value: {}", printable(parts[0])));
  auto hard = parts.size() == 2 ? limit_value(parts[1]) : soft;
  if (!hard) return invalid(fmt::format("invalid ulimit hard value: {}", printable(parts[1])));
  auto as_rlim = [](int64_t v) { return v < 0 ? RLIM_INFINITY : static_cast<rlim_t>(v); };
  if (as_rlim(*soft) > as_rlim(*hard))
    return invalid(fmt::format(
        "ulimit soft limit must be less than or equal to hard limit: {} > {}", *soft, *hard));
  // Raising a hard limit needs CAP_SYS_RESOURCE, which the engine's root may lack (it
  // does on these hosts): refuse now rather than fail at start.
  struct rlimit cur {};
  if (::getrlimit(oci::rlimit_from_name(rlimit), &cur) == 0 && as_rlim(*hard) > cur.rlim_max)
    return invalid(
        fmt::format("ulimit {}: hard limit {} is above the host's hard limit {} (raising it needs "
                    "CAP_SYS_RESOURCE)",
                    name, parts.size() == 2 ? parts[1] : parts[0],
                    cur.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(cur.rlim_max)));
  return oci::Json{{"Name", std::string(name)}, {"Hard", *hard}, {"Soft", *soft}};
}

Result<std::vector<int>> parse_cpu_list(std::string_view list) {
  std::set<int> cpus;
  auto bad = [&] {
    return invalid(fmt::format("Invalid value {} for cpuset cpus", printable(list)));
  };
  if (trim(list).empty()) return std::vector<int>{};
  for (const auto& part : split(trim(list), ',')) {
    size_t dash = part.find('-');
    auto lo = parse_int(part.substr(0, dash));
    auto hi = dash == std::string::npos ? lo : parse_int(part.substr(dash + 1));
    if (!lo || !hi || *lo < 0 || *hi < *lo || *hi > 8191) return bad();
    for (int64_t c = *lo; c <= *hi; ++c) cpus.insert(static_cast<int>(c));
  }
  return std::vector<int>(cpus.begin(), cpus.end());
}

Result<void> check_cpuset(std::string_view wanted, std::string_view online) {
  auto want = TRY(parse_cpu_list(wanted));
  auto have = TRY_CTX(parse_cpu_list(online), "online cpus");
  for (int c : want)
    if (!std::binary_search(have.begin(), have.end(), c))
      return invalid(fmt::format("Requested CPUs are not available - requested {}, available: {}",
                                 printable(wanted), trim(online)));
  return {};
}

Result<std::string> normalize_cap(std::string_view name) {
  std::string up;
  for (char ch : name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (up == "ALL") return up;
  if (!up.starts_with("CAP_")) up = "CAP_" + up;
  if (oci::capability_from_name(up) < 0)
    return invalid(fmt::format("unknown capability: \"{}\"", printable(up)));
  return up;
}

Result<oci::Json> parse_device(std::string_view value) {
  auto parts = split(value, ':');
  std::string host = parts[0], inside = parts[0], perms = "rwm";
  auto is_mode = [](std::string_view m) {
    return !m.empty() && m.find_first_not_of("rwm") == std::string_view::npos;
  };
  if (parts.size() == 2) {
    if (is_mode(parts[1]))
      perms = parts[1];
    else
      inside = parts[1];
  } else if (parts.size() == 3) {
    inside = parts[1];
    perms = parts[2];
  }
  if (parts.size() > 3 || host.empty() || inside.empty() || inside[0] != '/')
    return invalid(fmt::format("bad format for path: {}", printable(value)));
  if (!is_mode(perms)) return invalid(fmt::format("bad mode specified: {}", printable(perms)));
  struct stat st {};
  if (::stat(host.c_str(), &st) < 0)
    return Error::make(errno == ENOENT ? Errc::kNotFound : Errc::kInvalidArgument,
                       fmt::format("error gathering device information while adding custom "
                                   "device \"{}\": {}",
                                   printable(host), go_errno_text(errno)));
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
    return invalid(fmt::format(
        "error gathering device information while adding custom device \"{}\": not a device node",
        printable(host)));
  return oci::Json{{"PathOnHost", host}, {"PathInContainer", inside}, {"CgroupPermissions", perms}};
}

Result<oci::Json> parse_log_opts(const std::vector<std::string>& opts) {
  oci::Json cfg = oci::Json::object();
  for (const auto& o : opts) {
    size_t eq = o.find('=');
    if (eq == std::string::npos)
      return invalid(fmt::format("invalid key value pair format in log-opt: \"{}\"", printable(o)));
    std::string k = o.substr(0, eq), v = o.substr(eq + 1);
    uint64_t n = 0;
    if (k == "max-size") {
      if (!parse_size(v, &n) || n == 0 || n > (uint64_t{1} << 62))
        return invalid(fmt::format("invalid log-opt max-size: invalid size: '{}'", printable(v)));
    } else if (k == "max-file") {
      auto files = parse_int(v);
      if (!files || *files < 1 || *files > 1000)
        return invalid(fmt::format(
            "invalid log-opt max-file: \"{}\" (want a number from 1 to 1000)", printable(v)));
    } else {
      return invalid(fmt::format("unknown log opt '{}' for json-file log driver", printable(k)));
    }
    cfg[k] = v;
  }
  return cfg;
}

Result<std::pair<std::string, std::string>> log_rotation(const oci::Json& hc) {
  std::pair<std::string, std::string> out = {"10485760", "3"};
  auto lc = hc.find("LogConfig");
  if (lc == hc.end() || !lc->is_object() || !lc->contains("Config")) return out;
  const oci::Json& cfg = (*lc)["Config"];
  uint64_t bytes = 0;
  std::string size = TRY(oci::get_string_or(cfg, "max-size", ""));
  if (!size.empty() && parse_size(size, &bytes)) out.first = std::to_string(bytes);
  out.second = TRY(oci::get_string_or(cfg, "max-file", out.second));
  return out;
}

Result<void> record_host_flags(const HostFlags& f, oci::Json& hc) {
  oci::Json hosts = oci::Json::array(), ulimits = oci::Json::array(), devices = oci::Json::array();
  for (const auto& h : f.add_hosts) hosts.push_back(TRY(parse_add_host(h)));
  for (const auto& d : f.dns)
    if (!is_ip_address(d))
      return invalid(
          fmt::format("invalid argument \"{}\" for \"--dns\" flag: {} is not an ip address",
                      printable(d), printable(d)));
  for (const auto& s : f.dns_search)
    if (s.empty() || s.find_first_of(" \t\n") != std::string::npos)
      return invalid(
          fmt::format("invalid argument \"{}\" for \"--dns-search\" flag: {} is not a "
                      "valid domain",
                      printable(s), printable(s)));
  for (const auto& s : f.dns_options)
    if (s.empty() || s.find_first_of(" \t\n") != std::string::npos)
      return invalid(
          fmt::format("invalid argument \"{}\" for \"--dns-option\" flag", printable(s)));
  for (const auto& u : f.ulimits)
    ulimits.push_back(
        TRY_CTX(parse_ulimit(u), "invalid argument \"{}\" for \"--ulimit\" flag", printable(u)));
  if (!f.cpuset_cpus.empty()) {
    auto online = TRY(sys::read_file("/sys/devices/system/cpu/online", 4096));
    TRY(check_cpuset(f.cpuset_cpus, online));
  }
  oci::Json add = oci::Json::array(), drop = oci::Json::array();
  for (const auto& c : f.cap_add) add.push_back(TRY(normalize_cap(c)));
  for (const auto& c : f.cap_drop) drop.push_back(TRY(normalize_cap(c)));
  for (const auto& d : f.devices) devices.push_back(TRY(parse_device(d)));
  if (f.cpu_shares < 0 || f.cpu_shares > 262144)
    return invalid("invalid --cpu-shares: the allowed range is 2 to 262144 (0: the default)");
  TRY(check_memory(f, TRY(oci::get_int(hc, "Memory"))));
  hc["ExtraHosts"] = hosts;
  hc["Dns"] = f.dns;
  hc["DnsSearch"] = f.dns_search;
  hc["DnsOptions"] = f.dns_options;
  hc["MemorySwap"] = f.memory_swap;
  hc["MemoryReservation"] = f.memory_reservation;
  hc["CpuShares"] = f.cpu_shares;
  hc["CpusetCpus"] = f.cpuset_cpus;
  hc["Ulimits"] = ulimits;
  hc["CapAdd"] = add;
  hc["CapDrop"] = drop;
  hc["Privileged"] = f.privileged;
  hc["Devices"] = devices;
  hc["ReadonlyRootfs"] = f.read_only;
  hc["Init"] = f.init;
  hc["LogConfig"] = {{"Type", "json-file"}, {"Config", TRY(parse_log_opts(f.log_opts))}};
  TRY(record_security_opts(f.security_opt, hc));
  return {};
}

namespace {

Result<void> record_security_opts(const std::vector<std::string>& opts, oci::Json& hc) {
  oci::Json out = oci::Json::array();
  for (const auto& o : opts) {
    size_t eq = o.find_first_of("=:");
    std::string k = o.substr(0, eq), v = eq == std::string::npos ? "" : o.substr(eq + 1);
    if (k == "no-new-privileges") {
      if (eq != std::string::npos && v != "true" && v != "false")
        return invalid(fmt::format("invalid --security-opt 2: \"{}\"", printable(o)));
      out.push_back(eq == std::string::npos ? "no-new-privileges" : "no-new-privileges=" + v);
    } else if (k == "seccomp" && !v.empty()) {
      if (v == "unconfined") {
        out.push_back("seccomp=unconfined");
        continue;
      }
      // Docker reads the profile when the container is created and keeps its text.
      auto text = sys::read_file(v, 4 << 20);
      if (!text.ok())
        return open_error(v, text.error())
            .context(fmt::format("opening seccomp profile ({}) failed", printable(v)));
      auto json = TRY_CTX(oci::parse_json(*text, v), "seccomp profile ({})", printable(v));
      TRY_CTX(check_seccomp_profile(json), "seccomp profile ({})", printable(v));
      out.push_back("seccomp=" + oci::dump_json(json));
    } else {
      return invalid(fmt::format("Invalid --security-opt: \"{}\"", printable(o)));
    }
  }
  hc["SecurityOpt"] = out;
  return {};
}

}  // namespace

}  // namespace strata::container
