// SPDX-License-Identifier: Apache-2.0
#include "util/result.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace strata {

Errc errc_from_errno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ESRCH:
      return Errc::kNotFound;
    case EEXIST:
    case ENOTEMPTY:
      return Errc::kExists;
    case EPERM:
    case EACCES:
    case EROFS:
      return Errc::kPermission;
    case EINVAL:
    case ENAMETOOLONG:
    case ELOOP:
    case EXDEV:
      return Errc::kInvalidArgument;
    case ENOSPC:
    case EDQUOT:
      return Errc::kNoSpace;
    case ENOSYS:
    case EOPNOTSUPP:
      return Errc::kUnsupported;
    case EAGAIN:
    case EBUSY:
      return Errc::kUnavailable;
    case EINTR:
    case ECANCELED:
      return Errc::kCancelled;
    default:
      return Errc::kInternal;
  }
}

Error Error::from_errno(int err, std::string what) {
  return Error(errc_from_errno(err), err, std::move(what));
}

Error Error::make(Errc code, std::string what) { return Error(code, 0, std::move(what)); }

Error&& Error::context(std::string_view outer) && {
  context_inplace(outer);
  return std::move(*this);
}

Error& Error::context_inplace(std::string_view outer) {
  what_ = fmt::format("{}: {}", outer, what_);
  return *this;
}

std::string Error::message() const {
  if (errno_ == 0) return what_;
  return fmt::format("{}: {}", what_, std::strerror(errno_));
}

void check_failed(const char* file, int line, const char* expr) {
  std::fprintf(stderr, "strata: internal error at %s:%d: check failed: %s\n", file, line, expr);
  std::abort();
}

}  // namespace strata
