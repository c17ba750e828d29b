// SPDX-License-Identifier: Apache-2.0
#include "runtime/init/sync.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "sys/io.h"
#include "util/strings.h"

namespace strata::runtime::init {

namespace {

// Parses a decimal number at the start of `s`; advances `s` past it.
template <typename T>
bool take_number(std::string_view* s, T* out) {
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), *out);
  if (ec != std::errc() || end == s->data()) return false;
  s->remove_prefix(static_cast<size_t>(end - s->data()));
  return true;
}

constexpr size_t kGoChunkBytes = 32 << 10;

}  // namespace

int send_go(int sock, std::string_view payload) {
  if (payload.size() > kMaxGoPayloadBytes) {
    errno = EMSGSIZE;
    return -1;
  }
  char head[32];
  auto end = fmt::format_to_n(head, sizeof(head), "{}{}", kGo, payload.size()).out;
  if (sys::send_all(sock, std::string_view(head, static_cast<size_t>(end - head))) < 0) return -1;
  while (!payload.empty()) {
    std::string_view chunk = payload.substr(0, kGoChunkBytes);
    if (sys::send_all(sock, chunk) < 0) return -1;
    payload.remove_prefix(chunk.size());
  }
  return 0;
}

bool recv_go(int sock, std::string* payload) {
  char head[32];
  ssize_t n;
  while ((n = ::recv(sock, head, sizeof(head), 0)) < 0 && errno == EINTR) {
  }
  if (n < 2 || head[0] != kGo) return false;
  std::string_view rest(head + 1, static_cast<size_t>(n - 1));
  size_t size = 0;
  if (!take_number(&rest, &size) || !rest.empty() || size > kMaxGoPayloadBytes) return false;
  payload->resize(size);
  for (size_t got = 0; got < size;) {
    // One record per recv: each fits in what is left, as send_go sent them.
    n = ::recv(sock, payload->data() + got, size - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

void fail_and_exit(int sock, int err, std::string_view what) {
  std::string rec = fmt::format("{}{}:{}", kError, err, what);
  (void)sys::write_all(sock, rec);
  _exit(1);
}

void report_clone(int sock, long pid, bool placed, std::string_view what) noexcept {
  if (pid < 0) fail_and_exit(sock, errno, what);
  std::string rec = fmt::format("{}{} {}", kCloned, pid, placed ? 1 : 0);
  (void)sys::write_all(sock, rec);
  _exit(0);
}

Error error_from_record(std::string_view rec) {
  std::string_view rest = rec.substr(rec.empty() ? 0 : 1);
  int err = 0;
  if (rec.empty() || rec[0] != kError || !take_number(&rest, &err) || rest.empty() ||
      rest[0] != ':')
    return Error::make(Errc::kInternal,
                       fmt::format("malformed record from the child: \"{}\"", printable(rec)));
  rest.remove_prefix(1);
  if (err == 0) return Error::make(Errc::kInternal, std::string(rest));
  return Error::from_errno(err, std::string(rest));
}

Result<Cloned> parse_clone_report(std::string_view rec) {
  if (rec.empty() || rec[0] != kCloned) return error_from_record(rec);
  std::string_view rest = rec.substr(1);
  Cloned c;
  bool ok = take_number(&rest, &c.pid) && c.pid > 0 && (rest == " 0" || rest == " 1");
  if (!ok)
    return Error::make(Errc::kInternal,
                       fmt::format("malformed record from the child: \"{}\"", printable(rec)));
  c.placed = rest == " 1";
  return c;
}

}  // namespace strata::runtime::init
