// SPDX-License-Identifier: Apache-2.0
#include "runtime/cgroup/devices.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "sys/fs.h"
#include "sys/io.h"
#include "util/strings.h"
#include "util/unique_fd.h"

namespace strata::runtime::cgroup {

namespace {

// runc's AllowedDevices: mknod of anything (the node is useless without access), the
// standard character devices, ptys, and the tun device.
const oci::DeviceRule kDefaultRules[] = {
    {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},    {true, 'c', 1, 3, "rwm"},
    {true, 'c', 1, 8, "rwm"}, {true, 'c', 1, 7, "rwm"},    {true, 'c', 5, 0, "rwm"},
    {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 9, "rwm"},    {true, 'c', 136, -1, "rwm"},
    {true, 'c', 5, 2, "rwm"}, {true, 'c', 10, 200, "rwm"},
};

std::string number(int64_t n) { return n < 0 ? "*" : std::to_string(n); }

uint32_t access_bits(const std::string& access) {
  uint32_t bits = 0;
  for (char c : access)
    bits |= c == 'm' ? BPF_DEVCG_ACC_MKNOD : c == 'r' ? BPF_DEVCG_ACC_READ : BPF_DEVCG_ACC_WRITE;
  return bits;
}

struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  struct bpf_insn i = {};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

constexpr uint32_t kAllAccess = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

}  // namespace

std::vector<oci::DeviceRule> device_rules(const oci::RuntimeSpec& spec) {
  std::vector<oci::DeviceRule> out = {{false, 'a', -1, -1, "rwm"}};
  out.insert(out.end(), spec.resources.devices.begin(), spec.resources.devices.end());
  out.insert(out.end(), std::begin(kDefaultRules), std::end(kDefaultRules));
  for (const auto& d : spec.devices)
    if (d.type != "p")  // a fifo is no device
      out.push_back({true, d.type == "b" ? 'b' : 'c', d.major, d.minor, "rwm"});
  // A rule for every device and access wipes out what came before it.
  auto last_reset = std::find_if(out.rbegin(), out.rend(), [](const oci::DeviceRule& r) {
    return r.type == 'a' && r.major < 0 && r.minor < 0 && access_bits(r.access) == kAllAccess;
  });
  out.erase(out.begin(), last_reset.base() - 1);
  return out;
}

Result<void> write_v1_device_rules(const std::string& dir,
                                   const std::vector<oci::DeviceRule>& rules) {
  // One rule per write(2); each file is opened once.
  UniqueFd files[2];
  for (const oci::DeviceRule& r : rules) {
    std::string line = r.type == 'a' ? "a"
                                     : fmt::format("{} {}:{} {}", r.type, number(r.major),
                                                   number(r.minor), r.access);
    UniqueFd& f = files[r.allow ? 1 : 0];
    std::string path = dir + (r.allow ? "/devices.allow" : "/devices.deny");
    if (!f.valid()) f.reset(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!f.valid() || sys::write_all(f.get(), line) < 0)
      return Error::from_errno(
          errno, fmt::format("linux.resources.devices: write \"{}\" to `{}`", line, path));
  }
  return {};
}

std::vector<struct bpf_insn> device_program(const std::vector<oci::DeviceRule>& rules) {
  // r1: struct bpf_cgroup_dev_ctx {u32 access_type (access << 16 | type); u32 major, minor}
  std::vector<struct bpf_insn> p = {
      insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0),       // w2 = access_type
      insn(BPF_ALU | BPF_MOV | BPF_X, 3, 2, 0, 0),       // w3 = w2
      insn(BPF_ALU | BPF_AND | BPF_K, 3, 0, 0, 0xffff),  // w3: type
      insn(BPF_ALU | BPF_RSH | BPF_K, 2, 0, 0, 16),      // w2: requested access
      insn(BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0),       // w4 = major
      insn(BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0),       // w5 = minor
  };
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    const oci::DeviceRule& r = *it;
    // Jumps to the next rule are written with off = -1 and patched below.
    std::vector<struct bpf_insn> b;
    if (r.type != 'a')
      b.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 3, 0, -1,
                       r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
    uint32_t bits = access_bits(r.access);
    if (bits != kAllAccess) {
      b.push_back(insn(BPF_ALU | BPF_MOV | BPF_X, 6, 2, 0, 0));
      if (r.allow) {  // every requested bit must be allowed
        b.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 6, 0, 0, static_cast<int32_t>(~bits & 7)));
        b.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 6, 0, -1, 0));
      } else {  // any requested bit denied
        b.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 6, 0, 0, static_cast<int32_t>(bits)));
        b.push_back(insn(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, -1, 0));
      }
    }
    if (r.major >= 0)
      b.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 4, 0, -1, static_cast<int32_t>(r.major)));
    if (r.minor >= 0)
      b.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, -1, static_cast<int32_t>(r.minor)));
    b.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r.allow ? 1 : 0));
    b.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    bool matches_all = b.size() == 2;
    for (size_t i = 0; i < b.size(); ++i)
      if (b[i].off == -1) b[i].off = static_cast<int16_t>(b.size() - i - 1);
    p.insert(p.end(), b.begin(), b.end());
    // Everything after a rule that matches every access is unreachable, which the
    // verifier refuses: earlier rules are shadowed by it.
    if (matches_all) return p;
  }
  p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1));
  p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return p;
}

Result<void> attach_v2_device_program(const std::string& dir,
                                      const std::vector<oci::DeviceRule>& rules) {
  std::vector<struct bpf_insn> prog = device_program(rules);
  static const char kLicense[] = "Apache-2.0";
  union bpf_attr load = {};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(prog.data());
  load.insn_cnt = static_cast<uint32_t>(prog.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  int fd = static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load)));
  if (fd < 0 && errno == EINVAL) {
    // Load again for the verifier's reason.
    std::string log(4096, '\0');
    load.log_level = 1;
    load.log_buf = reinterpret_cast<uint64_t>(log.data());
    load.log_size = static_cast<uint32_t>(log.size());
    fd = static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load)));
    if (fd < 0)
      return Error::from_errno(EINVAL, fmt::format("linux.resources.devices: load the BPF device "
                                                   "program: verifier: {}",
                                                   trim(log.c_str())));
  }
  if (fd < 0)
    return Error::from_errno(errno, "linux.resources.devices: load the BPF device program");
  UniqueFd prog_fd(fd);
  int cg = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) return Error::from_errno(errno, fmt::format("open cgroup `{}`", dir));
  UniqueFd cg_fd(cg);
  union bpf_attr attach = {};
  attach.target_fd = static_cast<uint32_t>(cg);
  attach.attach_bpf_fd = static_cast<uint32_t>(fd);
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (::syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)) < 0)
    return Error::from_errno(errno, fmt::format("linux.resources.devices: attach the BPF device "
                                                "program to `{}`",
                                                dir));
  return {};  // the attachment keeps the program; it goes with the cgroup
}

}  // namespace strata::runtime::cgroup
