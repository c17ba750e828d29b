// SPDX-License-Identifier: Apache-2.0
// linux.resources (config-linux.md "Control groups"), read as runc 1.1 reads it: zero
// means unset for the values runc skips when zero (Docker sends `cpu.shares: 0` and
// `blockIO.weight: 0`), -1 means unlimited where runc allows it, and every number is
// range-checked for its field. Names that become cgroup file names or lines
// (hugepage sizes, rdma devices, interface names) are checked so they cannot.
#include <cctype>
#include <climits>

#include "oci/runtime_spec_internal.h"

namespace strata::oci {

using spec_reader::bad;
using spec_reader::Fields;

namespace {

// The value unless it is zero (runc writes only non-zero values of these).
template <typename T>
std::optional<T> unless_zero(std::optional<T> v) {
  if (v && *v == 0) return std::nullopt;
  return v;
}

// Memory values: a byte count, or -1 for unlimited.
Result<std::optional<int64_t>> memory_value(const Fields& mem, const char* key) {
  return unless_zero(TRY(mem.opt_int(key, -1, INT64_MAX)));
}

Result<void> parse_memory(const Fields& res, Resources* r) {
  Fields mem = TRY(res.object("memory"));
  r->memory_limit = TRY(memory_value(mem, "limit"));
  r->memory_reservation = TRY(memory_value(mem, "reservation"));
  r->memory_swap = TRY(memory_value(mem, "swap"));
  r->memory_kernel = TRY(memory_value(mem, "kernel"));
  r->memory_kernel_tcp = TRY(memory_value(mem, "kernelTCP"));
  // runc reads the uint64 form of -1 as "unset" (engines that wrote an int64 -1).
  if (auto s = TRY(mem.opt<uint64_t>("swappiness")); s && *s != UINT64_MAX) {
    if (*s > 100)
      return bad(mem.at("swappiness"), fmt::format("{} is out of range (0 to 100)", *s));
    r->memory_swappiness = s;
  }
  r->disable_oom_killer = TRY(mem.bool_or("disableOOMKiller"));
  // useHierarchy (always on since Linux 5.x) is accepted and ignored, as runc 1.1
  // does; its type is still checked. checkBeforeUpdate matters to `update` on v2.
  TRY(mem.opt_bool("useHierarchy"));
  r->memory_check_before_update = TRY(mem.bool_or("checkBeforeUpdate"));
  return {};
}

Result<void> parse_cpu(const Fields& res, Resources* r) {
  Fields cpu = TRY(res.object("cpu"));
  r->cpu_shares = unless_zero(TRY(cpu.opt<uint64_t>("shares")));
  r->cpu_quota = unless_zero(TRY(cpu.opt_int("quota", -1, INT64_MAX)));
  r->cpu_period = unless_zero(TRY(cpu.opt<uint64_t>("period")));
  r->cpu_realtime_runtime = unless_zero(TRY(cpu.opt_int("realtimeRuntime", -1, INT64_MAX)));
  r->cpu_realtime_period = unless_zero(TRY(cpu.opt<uint64_t>("realtimePeriod")));
  r->cpu_burst = TRY(cpu.opt<uint64_t>("burst"));
  // cpu.idle takes 0 or 1 (kernel/sched/fair.c sched_group_set_idle).
  r->cpu_idle = TRY(cpu.opt_int("idle", 0, 1));
  r->cpuset_cpus = TRY(cpu.string_or("cpus"));
  r->cpuset_mems = TRY(cpu.string_or("mems"));
  return {};
}

Result<std::vector<DeviceRule>> parse_device_rules(const Fields& res) {
  std::vector<DeviceRule> out;
  for (const Fields& f : TRY(res.objects("devices"))) {
    const std::string& at = f.at();
    DeviceRule d;
    if (!f.has("allow")) return bad(at + ".allow", "missing");
    d.allow = TRY(f.bool_or("allow"));
    std::string type = TRY(f.string_or("type", "a"));
    if (type != "a" && type != "c" && type != "b")
      return bad(at + ".type", fmt::format("unknown device type \"{}\" (want a, c or b)", type));
    d.type = type[0];
    d.major = TRY(f.opt_int("major", -1, kMaxDeviceMajor)).value_or(-1);
    d.minor = TRY(f.opt_int("minor", -1, kMaxDeviceMinor)).value_or(-1);
    d.access = TRY(f.string_or("access"));
    if (d.access.empty()) d.access = "rwm";
    if (d.access.find_first_not_of("rwm") != std::string::npos)
      return bad(at + ".access", fmt::format("\"{}\": want some of r, w, m", d.access));
    out.push_back(d);
  }
  return out;
}

Result<std::pair<int64_t, int64_t>> block_device(const Fields& f) {
  auto major = TRY(f.opt_int("major", 0, kMaxDeviceMajor));
  auto minor = TRY(f.opt_int("minor", 0, kMaxDeviceMinor));
  if (!major || !minor) return bad(f.at(), "want major and minor");
  return std::make_pair(*major, *minor);
}

// blkio weights: 10 to 1000 on v1 (1 with BFQ), converted for v2; 0 is unset.
Result<std::optional<uint16_t>> weight(const Fields& f, const char* key) {
  auto w = unless_zero(TRY(f.opt_uint(key, 1000)));
  if (!w) return std::optional<uint16_t>();
  return std::optional<uint16_t>(static_cast<uint16_t>(*w));
}

Result<std::vector<ThrottleDevice>> parse_throttle(const Fields& blkio, const char* key) {
  std::vector<ThrottleDevice> out;
  for (const Fields& f : TRY(blkio.objects(key))) {
    const std::string& at = f.at();
    auto [major, minor] = TRY(block_device(f));
    auto rate = TRY(f.opt<uint64_t>("rate"));
    if (!rate) return bad(at + ".rate", "missing");
    out.push_back({major, minor, *rate});
  }
  return out;
}

Result<BlockIO> parse_block_io(const Fields& res) {
  Fields blkio = TRY(res.object("blockIO"));
  BlockIO b;
  b.weight = TRY(weight(blkio, "weight"));
  b.leaf_weight = TRY(weight(blkio, "leafWeight"));
  for (const Fields& f : TRY(blkio.objects("weightDevice"))) {
    WeightDevice d;
    std::tie(d.major, d.minor) = TRY(block_device(f));
    d.weight = TRY(weight(f, "weight"));
    d.leaf_weight = TRY(weight(f, "leafWeight"));
    b.weight_device.push_back(d);
  }
  b.throttle_read_bps = TRY(parse_throttle(blkio, "throttleReadBpsDevice"));
  b.throttle_write_bps = TRY(parse_throttle(blkio, "throttleWriteBpsDevice"));
  b.throttle_read_iops = TRY(parse_throttle(blkio, "throttleReadIOPSDevice"));
  b.throttle_write_iops = TRY(parse_throttle(blkio, "throttleWriteIOPSDevice"));
  return b;
}

// "2MB", "1GB", "64KB": the names of /sys/kernel/mm/hugepages sizes as the hugetlb
// controller spells them in its file names.
bool is_page_size(std::string_view s) {
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  std::string_view unit = s.substr(digits);
  return digits > 0 && digits <= 10 && (unit == "KB" || unit == "MB" || unit == "GB");
}

// A name that goes into a cgroup file as one word of a line: printable ASCII, no blanks.
bool is_word(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s)
    if (!std::isgraph(static_cast<unsigned char>(c))) return false;
  return true;
}

// A cgroup file name ("memory.max", "io.bfq.weight"): it becomes a path below the
// container's cgroup, and appears in errors.
bool is_cgroup_file_name(std::string_view s) {
  if (s.empty() || s.size() > 255 || s.front() == '.' || s.find('.') == std::string_view::npos)
    return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return false;
  return true;
}

Result<std::vector<HugepageLimit>> parse_hugepages(const Fields& res) {
  std::vector<HugepageLimit> out;
  for (const Fields& f : TRY(res.objects("hugepageLimits"))) {
    const std::string& at = f.at();
    HugepageLimit h;
    h.page_size = TRY(f.string_or("pageSize"));
    if (!is_page_size(h.page_size))
      return bad(at + ".pageSize",
                 fmt::format("\"{}\": want a page size such as 2MB", h.page_size));
    auto limit = TRY(f.opt<uint64_t>("limit"));
    if (!limit) return bad(at + ".limit", "missing");
    h.limit = *limit;
    out.push_back(h);
  }
  return out;
}

Result<std::map<std::string, RdmaLimit>> parse_rdma(const Fields& res) {
  std::map<std::string, RdmaLimit> out;
  Fields rdma = TRY(res.object("rdma"));
  for (const auto& [name, j] : rdma.members()) {
    std::string at = rdma.at(name);
    if (!is_word(name)) return bad(at, "not a device name");
    Fields f = TRY(Fields::of(*j, at));
    RdmaLimit l;
    l.hca_handles = TRY(f.opt<uint32_t>("hcaHandles"));
    l.hca_objects = TRY(f.opt<uint32_t>("hcaObjects"));
    out[name] = l;
  }
  return out;
}

Result<void> parse_network(const Fields& res, Resources* r) {
  Fields net = TRY(res.object("network"));
  r->network_class_id = unless_zero(TRY(net.opt<uint32_t>("classID")));
  for (const Fields& f : TRY(net.objects("priorities"))) {
    const std::string& at = f.at();
    std::string name = TRY(f.string_or("name"));
    if (!is_word(name)) return bad(at + ".name", "not an interface name");
    uint32_t prio = TRY(f.opt<uint32_t>("priority")).value_or(0);
    r->network_priorities.emplace_back(name, prio);
  }
  return {};
}

// The cgroup core files (cgroup-v2.rst "Core Interface Files") that are not limits:
// cgroup.procs and cgroup.threads move any process named by pid into the container's
// cgroup (a host process, killed with the container), cgroup.subtree_control,
// cgroup.type, cgroup.freeze and cgroup.kill change the cgroup's shape or its
// processes; v1's `tasks` moves by pid. Only the two hierarchy limits are taken (runc
// takes them too).
bool is_limit_file(std::string_view file) {
  if (file == "tasks") return false;
  if (!file.starts_with("cgroup.")) return true;
  return file == "cgroup.max.depth" || file == "cgroup.max.descendants";
}

Result<std::map<std::string, std::string>> parse_unified(const Fields& res) {
  auto out = TRY(res.string_map("unified"));
  for (const auto& [file, value] : out) {
    if (!is_cgroup_file_name(file) && file != "tasks")
      return bad("linux.resources.unified." + file, "not a cgroup file name");
    if (!is_limit_file(file))
      return bad("linux.resources.unified", fmt::format("\"{}\" is not a limit", file));
  }
  return out;
}

}  // namespace

Result<Resources> parse_resources(const Fields& linux) {
  Fields res = TRY(linux.object("resources"));
  Resources r;
  TRY(parse_memory(res, &r));
  TRY(parse_cpu(res, &r));
  r.pids_limit = unless_zero(TRY(TRY(res.object("pids")).opt_int("limit", -1, INT64_MAX)));
  r.devices = TRY(parse_device_rules(res));
  r.block_io = TRY(parse_block_io(res));
  r.hugepage_limits = TRY(parse_hugepages(res));
  r.rdma = TRY(parse_rdma(res));
  TRY(parse_network(res, &r));
  r.unified = TRY(parse_unified(res));
  return r;
}

Result<Resources> parse_linux_resources(const Json& resources) {
  Json linux = {{"resources", resources}};
  Fields f = TRY(Fields::of(linux, "linux"));
  return parse_resources(f);
}

bool BlockIO::any() const {
  return weight || leaf_weight || !weight_device.empty() || !throttle_read_bps.empty() ||
         !throttle_write_bps.empty() || !throttle_read_iops.empty() || !throttle_write_iops.empty();
}

bool Resources::any() const {
  return memory_limit || memory_reservation || memory_swap || memory_kernel_tcp || cpu_shares ||
         cpu_quota || cpu_period || cpu_realtime_runtime || cpu_realtime_period || cpu_idle ||
         !cpuset_cpus.empty() || !cpuset_mems.empty() || pids_limit || memory_swappiness ||
         disable_oom_killer || cpu_burst || block_io.any() || !hugepage_limits.empty() ||
         !rdma.empty() || network_class_id || !network_priorities.empty() || !unified.empty();
}

}  // namespace strata::oci
