// SPDX-License-Identifier: Apache-2.0
// Error, Result<T> and TRY: the error model of all of Strata (STYLE.md section 2).
// An Error carries a category (Errc), the errno that caused it (0 if none) and a
// message built outer-to-inner with context(). No exceptions cross our code.
#pragma once

#include <fmt/format.h>

#include <cstdlib>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace strata {

enum class Errc {
  kNotFound,
  kExists,
  kInvalidArgument,
  kPermission,
  kCorrupt,
  kUnsupported,
  kUnavailable,
  kCancelled,
  kNoSpace,
  kInternal,
};

class [[nodiscard]] Error {
 public:
  // what names the failing operation and its object: "openat2 `etc/passwd`".
  static Error from_errno(int err, std::string what);
  static Error make(Errc code, std::string what);

  // Prepends "outer: " to the message.
  Error&& context(std::string_view outer) &&;
  Error& context_inplace(std::string_view outer);

  Errc code() const { return code_; }
  int sys_errno() const { return errno_; }
  // The full message, with the errno text once at the end.
  std::string message() const;

 private:
  Error(Errc code, int err, std::string what) : code_(code), errno_(err), what_(std::move(what)) {}
  Errc code_;
  int errno_;
  std::string what_;
};

Errc errc_from_errno(int err);

[[noreturn]] void check_failed(const char* file, int line, const char* expr);

#define STRATA_CHECK(cond) ((cond) ? (void)0 : ::strata::check_failed(__FILE__, __LINE__, #cond))

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT implicit
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT implicit
  template <typename U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, Error> &&
           !std::is_same_v<std::decay_t<U>, T> && !std::is_same_v<std::decay_t<U>, Result>)
      Result(U&& value)
      : v_(std::in_place_index<0>, T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    STRATA_CHECK(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    STRATA_CHECK(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    STRATA_CHECK(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const& {
    STRATA_CHECK(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    STRATA_CHECK(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT implicit
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  void value() const { STRATA_CHECK(ok()); }
  const Error& error() const& {
    STRATA_CHECK(!ok());
    return *e_;
  }
  Error&& error() && {
    STRATA_CHECK(!ok());
    return std::move(*e_);
  }

 private:
  std::optional<Error> e_;
};

namespace detail {
template <typename T>
T unwrap(Result<T>&& r) {
  return std::move(r).value();
}
inline void unwrap(Result<void>&&) {}
}  // namespace detail

// Returns the error early, else yields the value (a GNU statement expression).
#define TRY(expr)                                                     \
  ({                                                                  \
    auto strata_try_r_ = (expr);                                      \
    if (!strata_try_r_.ok()) return std::move(strata_try_r_).error(); \
    ::strata::detail::unwrap(std::move(strata_try_r_));               \
  })

// Same, adding context (formatted only on failure).
#define TRY_CTX(expr, ...)                                                       \
  ({                                                                             \
    auto strata_try_r_ = (expr);                                                 \
    if (!strata_try_r_.ok())                                                     \
      return std::move(strata_try_r_).error().context(fmt::format(__VA_ARGS__)); \
    ::strata::detail::unwrap(std::move(strata_try_r_));                          \
  })

// Runs a command's action as the last line of defence of main(): a library exception
// that got past the code's own checks (std::bad_alloc above all, or a std::system_error
// from a thread that could not start) becomes an error, after the stack has unwound and
// every Defer has undone its step, instead of std::terminate.
template <class F>
Result<int> run_guarded(F&& action) {
  try {
    return action();
  } catch (const std::bad_alloc&) {
    return Error::make(Errc::kNoSpace, "out of memory");
  } catch (const std::exception& e) {
    return Error::make(Errc::kInternal, fmt::format("internal error: {}", e.what()));
  }
}

// For impossible failures: aborts with the message.
#define MUST(expr)                                                                          \
  ({                                                                                        \
    auto strata_must_r_ = (expr);                                                           \
    if (!strata_must_r_.ok())                                                               \
      ::strata::check_failed(__FILE__, __LINE__, strata_must_r_.error().message().c_str()); \
    ::strata::detail::unwrap(std::move(strata_must_r_));                                    \
  })

}  // namespace strata
