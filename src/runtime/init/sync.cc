// SPDX-License-Identifier: Apache-2.0
#include "runtime/init/sync.h"

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

}  // namespace

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
