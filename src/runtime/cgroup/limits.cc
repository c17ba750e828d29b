// SPDX-License-Identifier: Apache-2.0
// Resource limits into cgroup files. Each step takes one resource group (memory, cpu,
// pids, block IO, huge pages, rdma, network); each write is named by its config.json
// field, so "linux.resources.blockIO.weight: write `.../blkio.bfq.weight`: Invalid
// argument" says what to fix.
#include "runtime/cgroup/limits.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "runtime/cgroup/devices.h"
#include "sys/fs.h"
#include "util/log.h"
#include "util/strings.h"

namespace strata::runtime::cgroup {

namespace {

// Fields may hold names from the bundle (rdma devices, unified files): escaped.
Error unsupported(std::string_view field, std::string_view why) {
  return Error::make(Errc::kUnsupported, printable(fmt::format("{}: {}", field, why)));
}

// Deprecated by the kernel (no-op since 5.x, gone in 6.1) and ignored by runc 1.1 with
// the same warning; nothing is lost by not writing it.
void warn_kernel_memory(const oci::Resources& r) {
  if (r.memory_kernel)
    log::warn(
        "linux.resources.memory.kernel: kernel memory limits are ignored (the kernel "
        "no longer enforces them)");
}

std::string throttle_line(const oci::ThrottleDevice& d) {
  return fmt::format("{}:{} {}", d.major, d.minor, d.rate);
}

// The v1 writer: files below the directory of each controller.
class V1Files {
 public:
  explicit V1Files(const std::map<std::string, std::string>& dirs) : dirs_(dirs) {}

  bool has(const char* ctrl, const std::string& file) const {
    auto it = dirs_.find(ctrl);
    return it != dirs_.end() && sys::exists(it->second + "/" + file);
  }
  Result<void> set(const char* ctrl, const std::string& file, const std::string& value,
                   std::string_view field) const {
    auto it = dirs_.find(ctrl);
    if (it == dirs_.end())
      return unsupported(field, fmt::format("no {} cgroup controller on this host", ctrl));
    TRY_CTX(sys::write_existing_file(it->second + "/" + file, value), "{}", printable(field));
    return {};
  }
  Result<std::string> read(const char* ctrl, const std::string& file) const {
    auto it = dirs_.find(ctrl);
    if (it == dirs_.end()) return Error::make(Errc::kNotFound, ctrl);
    return sys::read_file(it->second + "/" + file, 4096);
  }
  // The first of `files` the controller has (BFQ's names before CFQ's, as runc).
  std::string first_of(const char* ctrl, std::initializer_list<const char*> files) const {
    for (const char* f : files)
      if (has(ctrl, f)) return f;
    return *files.begin();
  }

 private:
  const std::map<std::string, std::string>& dirs_;
};

// memory.limit_in_bytes refuses a limit below the usage with EBUSY; say so.
Error memory_busy(Error e, const V1Files& f, int64_t limit) {
  if (e.sys_errno() != EBUSY) return e;
  auto usage = f.read("memory", "memory.usage_in_bytes");
  return Error::make(Errc::kInvalidArgument,
                     fmt::format("linux.resources.memory.limit: {} bytes is below the "
                                 "container's current memory usage ({} bytes)",
                                 limit, usage.ok() ? std::string(trim(*usage)) : "unknown"));
}

Result<void> v1_memory_limits(const V1Files& f, const oci::Resources& r) {
  constexpr const char* kMem = "memory";
  auto set_limit = [&]() -> Result<void> {
    if (!r.memory_limit) return {};
    auto w = f.set(kMem, "memory.limit_in_bytes", std::to_string(*r.memory_limit),
                   "linux.resources.memory.limit");
    if (!w.ok()) return memory_busy(std::move(w).error(), f, *r.memory_limit);
    return {};
  };
  bool memsw = f.has(kMem, "memory.memsw.limit_in_bytes");
  if (!r.memory_swap || !memsw) {
    TRY(set_limit());
    if (r.memory_swap && *r.memory_swap != r.memory_limit.value_or(-2) && *r.memory_swap != -1)
      return unsupported("linux.resources.memory.swap", "swap accounting is off on this host");
    return {};
  }
  // The kernel keeps memory <= memory+swap at every step (runc's order): a limit rising
  // above the memsw in force needs the new memsw first, a falling one goes first.
  auto cur = f.read(kMem, "memory.memsw.limit_in_bytes");
  int64_t cur_swap = cur.ok() ? std::strtoll(std::string(trim(*cur)).c_str(), nullptr, 10) : 0;
  bool swap_first = *r.memory_swap == -1 || (r.memory_limit && *r.memory_limit > cur_swap);
  if (!swap_first) TRY(set_limit());
  TRY(f.set(kMem, "memory.memsw.limit_in_bytes", std::to_string(*r.memory_swap),
            "linux.resources.memory.swap"));
  if (swap_first) TRY(set_limit());
  return {};
}

Result<void> v1_memory(const V1Files& f, const oci::Resources& r) {
  constexpr const char* kMem = "memory";
  TRY(v1_memory_limits(f, r));
  if (r.memory_reservation)
    TRY(f.set(kMem, "memory.soft_limit_in_bytes", std::to_string(*r.memory_reservation),
              "linux.resources.memory.reservation"));
  warn_kernel_memory(r);
  if (r.memory_kernel_tcp) {
    if (!f.has(kMem, "memory.kmem.tcp.limit_in_bytes"))
      return unsupported("linux.resources.memory.kernelTCP",
                         "this kernel has no memory.kmem.tcp.limit_in_bytes");
    TRY(f.set(kMem, "memory.kmem.tcp.limit_in_bytes", std::to_string(*r.memory_kernel_tcp),
              "linux.resources.memory.kernelTCP"));
  }
  if (r.memory_swappiness)
    TRY(f.set(kMem, "memory.swappiness", std::to_string(*r.memory_swappiness),
              "linux.resources.memory.swappiness"));
  if (r.disable_oom_killer)
    TRY(f.set(kMem, "memory.oom_control", "1", "linux.resources.memory.disableOOMKiller"));
  return {};
}

Result<void> v1_cpu(const V1Files& f, const oci::Resources& r) {
  if (r.cpu_shares)
    TRY(f.set("cpu", "cpu.shares", std::to_string(*r.cpu_shares), "linux.resources.cpu.shares"));
  if (r.cpu_period)
    TRY(f.set("cpu", "cpu.cfs_period_us", std::to_string(*r.cpu_period),
              "linux.resources.cpu.period"));
  if (r.cpu_quota)
    TRY(f.set("cpu", "cpu.cfs_quota_us", std::to_string(*r.cpu_quota),
              "linux.resources.cpu.quota"));
  if (r.cpu_burst)
    TRY(f.set("cpu", "cpu.cfs_burst_us", std::to_string(*r.cpu_burst),
              "linux.resources.cpu.burst"));
  // The period first: the kernel checks a runtime against the period in force.
  if (r.cpu_realtime_period)
    TRY(f.set("cpu", "cpu.rt_period_us", std::to_string(*r.cpu_realtime_period),
              "linux.resources.cpu.realtimePeriod"));
  if (r.cpu_realtime_runtime)
    TRY(f.set("cpu", "cpu.rt_runtime_us", std::to_string(*r.cpu_realtime_runtime),
              "linux.resources.cpu.realtimeRuntime"));
  if (r.cpu_idle)
    TRY(f.set("cpu", "cpu.idle", std::to_string(*r.cpu_idle), "linux.resources.cpu.idle"));
  if (!r.cpuset_cpus.empty())
    TRY(f.set("cpuset", "cpuset.cpus", r.cpuset_cpus, "linux.resources.cpu.cpus"));
  if (!r.cpuset_mems.empty())
    TRY(f.set("cpuset", "cpuset.mems", r.cpuset_mems, "linux.resources.cpu.mems"));
  return {};
}

Result<void> v1_blkio(const V1Files& f, const oci::BlockIO& b) {
  constexpr const char* kBlk = "blkio";
  const std::string weight = f.first_of(kBlk, {"blkio.bfq.weight", "blkio.weight"});
  const std::string weight_dev =
      f.first_of(kBlk, {"blkio.bfq.weight_device", "blkio.weight_device"});
  if (b.weight)
    TRY(f.set(kBlk, weight, std::to_string(*b.weight), "linux.resources.blockIO.weight"));
  if (b.leaf_weight)
    TRY(f.set(kBlk, "blkio.leaf_weight", std::to_string(*b.leaf_weight),
              "linux.resources.blockIO.leafWeight"));
  for (size_t i = 0; i < b.weight_device.size(); ++i) {
    const auto& d = b.weight_device[i];
    std::string field = fmt::format("linux.resources.blockIO.weightDevice[{}]", i);
    if (d.weight)
      TRY(f.set(kBlk, weight_dev, fmt::format("{}:{} {}", d.major, d.minor, *d.weight), field));
    if (d.leaf_weight)
      TRY(f.set(kBlk, "blkio.leaf_weight_device",
                fmt::format("{}:{} {}", d.major, d.minor, *d.leaf_weight), field));
  }
  std::pair<const char*, const std::vector<oci::ThrottleDevice>*> throttles[] = {
      {"ReadBps", &b.throttle_read_bps},
      {"WriteBps", &b.throttle_write_bps},
      {"ReadIOPS", &b.throttle_read_iops},
      {"WriteIOPS", &b.throttle_write_iops}};
  constexpr const char* kFiles[] = {
      "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
      "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
  for (size_t t = 0; t < std::size(throttles); ++t)
    for (size_t i = 0; i < throttles[t].second->size(); ++i)
      TRY(f.set(
          kBlk, kFiles[t], throttle_line((*throttles[t].second)[i]),
          fmt::format("linux.resources.blockIO.throttle{}Device[{}]", throttles[t].first, i)));
  return {};
}

Result<void> v1_hugetlb(const V1Files& f, const oci::Resources& r) {
  for (size_t i = 0; i < r.hugepage_limits.size(); ++i) {
    const auto& h = r.hugepage_limits[i];
    std::string field = fmt::format("linux.resources.hugepageLimits[{}]", i);
    std::string file = fmt::format("hugetlb.{}.limit_in_bytes", h.page_size);
    if (f.has("hugetlb", "cgroup.procs") && !f.has("hugetlb", file))
      return unsupported(field + ".pageSize",
                         fmt::format("{}: not a huge page size of this host", h.page_size));
    TRY(f.set("hugetlb", file, std::to_string(h.limit), field));
  }
  return {};
}

std::string rdma_line(const std::string& device, const oci::RdmaLimit& l) {
  std::string line = device;
  if (l.hca_handles) line += fmt::format(" hca_handle={}", *l.hca_handles);
  if (l.hca_objects) line += fmt::format(" hca_object={}", *l.hca_objects);
  return line;
}

Result<void> v1_rdma_and_network(const V1Files& f, const oci::Resources& r) {
  for (const auto& [device, l] : r.rdma)
    if (l.hca_handles || l.hca_objects)
      TRY(f.set("rdma", "rdma.max", rdma_line(device, l), "linux.resources.rdma." + device));
  if (r.network_class_id)
    TRY(f.set("net_cls", "net_cls.classid", std::to_string(*r.network_class_id),
              "linux.resources.network.classID"));
  for (const auto& [iface, prio] : r.network_priorities)
    TRY(f.set("net_prio", "net_prio.ifpriomap", fmt::format("{} {}", iface, prio),
              "linux.resources.network.priorities"));
  return {};
}

}  // namespace

uint64_t shares_to_weight(uint64_t shares) {
  uint64_t s = std::clamp<uint64_t>(shares, 2, 262144);
  return 1 + ((s - 2) * 9999) / 262142;
}

uint64_t blkio_weight_to_io_weight(uint64_t weight) {
  uint64_t w = std::clamp<uint64_t>(weight, 10, 1000);
  return 1 + (w - 10) * 9999 / 990;
}

Result<void> apply_v1_limits(const std::map<std::string, std::string>& dirs,
                             const oci::Resources& r) {
  TRY(check_limit_fields(r, false));
  V1Files f(dirs);
  TRY(v1_memory(f, r));
  TRY(v1_cpu(f, r));
  if (r.pids_limit)
    TRY(f.set("pids", "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max",
              "linux.resources.pids.limit"));
  TRY(v1_blkio(f, r.block_io));
  TRY(v1_hugetlb(f, r));
  TRY(v1_rdma_and_network(f, r));
  if (!r.devices.empty()) {
    if (!dirs.count("devices"))
      return unsupported("linux.resources.devices", "no devices cgroup controller");
    TRY(write_v1_device_rules(dirs.at("devices"), r.devices));
  }
  return {};
}

namespace {

// The v2 writer: files in the container's one directory.
class V2Files {
 public:
  explicit V2Files(const std::string& dir) : dir_(dir) {}
  bool has(const std::string& file) const { return sys::exists(dir_ + "/" + file); }
  Result<void> set(const std::string& file, const std::string& value,
                   std::string_view field) const {
    TRY_CTX(sys::write_existing_file(dir_ + "/" + file, value), "{}", printable(field));
    return {};
  }

 private:
  const std::string& dir_;
};

Result<void> v2_memory(const V2Files& f, const oci::Resources& r) {
  if (r.memory_limit)
    TRY(f.set("memory.max", *r.memory_limit > 0 ? std::to_string(*r.memory_limit) : "max",
              "linux.resources.memory.limit"));
  if (r.memory_reservation)
    TRY(f.set("memory.low", std::to_string(*r.memory_reservation),
              "linux.resources.memory.reservation"));
  if (r.memory_swap) {
    // The spec's swap is memory+swap; v2's memory.swap.max is swap alone.
    std::string v = "max";
    if (*r.memory_swap >= 0 && r.memory_limit)
      v = std::to_string(std::max<int64_t>(0, *r.memory_swap - *r.memory_limit));
    if (f.has("memory.swap.max")) TRY(f.set("memory.swap.max", v, "linux.resources.memory.swap"));
  }
  warn_kernel_memory(r);
  return {};
}

Result<void> v2_cpu(const V2Files& f, const oci::Resources& r) {
  if (r.cpu_shares)
    TRY(f.set("cpu.weight", std::to_string(shares_to_weight(*r.cpu_shares)),
              "linux.resources.cpu.shares"));
  if (r.cpu_quota || r.cpu_period) {
    std::string quota = r.cpu_quota && *r.cpu_quota > 0 ? std::to_string(*r.cpu_quota) : "max";
    TRY(f.set("cpu.max", quota + " " + std::to_string(r.cpu_period.value_or(100000)),
              "linux.resources.cpu.quota"));
  }
  if (r.cpu_burst)
    TRY(f.set("cpu.max.burst", std::to_string(*r.cpu_burst), "linux.resources.cpu.burst"));
  if (r.cpu_idle) TRY(f.set("cpu.idle", std::to_string(*r.cpu_idle), "linux.resources.cpu.idle"));
  if (!r.cpuset_cpus.empty()) TRY(f.set("cpuset.cpus", r.cpuset_cpus, "linux.resources.cpu.cpus"));
  if (!r.cpuset_mems.empty()) TRY(f.set("cpuset.mems", r.cpuset_mems, "linux.resources.cpu.mems"));
  return {};
}

// io.max takes "MAJ:MIN rbps=N"; a v1 rate of 0 (no limit) is "max" there.
std::string io_max_line(const oci::ThrottleDevice& d, const char* key) {
  return fmt::format("{}:{} {}={}", d.major, d.minor, key,
                     d.rate == 0 ? "max" : std::to_string(d.rate));
}

Result<void> v2_io(const V2Files& f, const oci::BlockIO& b) {
  // With BFQ the v1 scale (1 to 1000) applies as is; io.weight needs runc's conversion.
  bool bfq = f.has("io.bfq.weight");
  if (b.weight)
    TRY(f.set(bfq ? "io.bfq.weight" : "io.weight",
              std::to_string(bfq ? *b.weight : blkio_weight_to_io_weight(*b.weight)),
              "linux.resources.blockIO.weight"));
  for (size_t i = 0; i < b.weight_device.size(); ++i) {
    const auto& d = b.weight_device[i];
    std::string field = fmt::format("linux.resources.blockIO.weightDevice[{}]", i);
    if (d.weight)
      TRY(f.set(bfq ? "io.bfq.weight" : "io.weight",
                fmt::format("{}:{} {}", d.major, d.minor,
                            bfq ? *d.weight : blkio_weight_to_io_weight(*d.weight)),
                field));
  }
  std::tuple<const char*, const char*, const std::vector<oci::ThrottleDevice>*> throttles[] = {
      {"ReadBps", "rbps", &b.throttle_read_bps},
      {"WriteBps", "wbps", &b.throttle_write_bps},
      {"ReadIOPS", "riops", &b.throttle_read_iops},
      {"WriteIOPS", "wiops", &b.throttle_write_iops}};
  for (const auto& [name, key, devs] : throttles)
    for (size_t i = 0; i < devs->size(); ++i)
      TRY(f.set("io.max", io_max_line((*devs)[i], key),
                fmt::format("linux.resources.blockIO.throttle{}Device[{}]", name, i)));
  return {};
}

Result<void> v2_hugetlb_rdma_network(const V2Files& f, const oci::Resources& r) {
  for (size_t i = 0; i < r.hugepage_limits.size(); ++i) {
    const auto& h = r.hugepage_limits[i];
    TRY(f.set(fmt::format("hugetlb.{}.max", h.page_size), std::to_string(h.limit),
              fmt::format("linux.resources.hugepageLimits[{}]", i)));
  }
  for (const auto& [device, l] : r.rdma)
    if (l.hca_handles || l.hca_objects)
      TRY(f.set("rdma.max", rdma_line(device, l), "linux.resources.rdma." + device));
  return {};
}

}  // namespace

Result<void> check_limit_fields(const oci::Resources& r, bool v2) {
  if (!v2) {
    if (!r.unified.empty())
      return unsupported("linux.resources.unified", "needs cgroup v2 (this host uses v1)");
    return {};
  }
  // TCP buffers are charged to memory.max on v2; there is no separate limit to set.
  if (r.memory_kernel_tcp)
    return unsupported("linux.resources.memory.kernelTCP",
                       "cgroup v2 has no TCP memory limit (TCP buffers count toward memory.max)");
  if (r.memory_swappiness)
    return unsupported("linux.resources.memory.swappiness", "cgroup v2 has no swappiness");
  if (r.disable_oom_killer)
    return unsupported("linux.resources.memory.disableOOMKiller",
                       "cgroup v2 cannot disable the OOM killer");
  if (r.cpu_realtime_runtime || r.cpu_realtime_period)
    return unsupported(r.cpu_realtime_runtime ? "linux.resources.cpu.realtimeRuntime"
                                              : "linux.resources.cpu.realtimePeriod",
                       "cgroup v2 has no realtime cpu budget");
  if (r.block_io.leaf_weight)
    return unsupported("linux.resources.blockIO.leafWeight", "cgroup v2 has no leaf weights");
  for (size_t i = 0; i < r.block_io.weight_device.size(); ++i)
    if (r.block_io.weight_device[i].leaf_weight)
      return unsupported(fmt::format("linux.resources.blockIO.weightDevice[{}].leafWeight", i),
                         "cgroup v2 has no leaf weights");
  if (r.network_class_id || !r.network_priorities.empty())
    return unsupported("linux.resources.network",
                       "cgroup v2 has no net_cls or net_prio (use a BPF program)");
  return {};
}

Result<void> apply_v2_limits(const std::string& dir, const oci::Resources& r) {
  TRY(check_limit_fields(r, true));
  V2Files f(dir);
  TRY(v2_memory(f, r));
  TRY(v2_cpu(f, r));
  if (r.pids_limit)
    TRY(f.set("pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max",
              "linux.resources.pids.limit"));
  TRY(v2_io(f, r.block_io));
  TRY(v2_hugetlb_rdma_network(f, r));
  for (const auto& [file, value] : r.unified)
    TRY(f.set(file, value, "linux.resources.unified." + file));
  if (!r.devices.empty()) TRY(attach_v2_device_program(dir, r.devices));
  return {};
}

}  // namespace strata::runtime::cgroup
