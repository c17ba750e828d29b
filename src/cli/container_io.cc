// SPDX-License-Identifier: Apache-2.0
#include "cli/container_io.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <deque>
#include <thread>

#include "cli/terminal.h"
#include "container/monitor/protocol.h"
#include "sys/fs.h"
#include "sys/io.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

namespace mon = container::monitor;

constexpr std::initializer_list<int> kProxied = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
                                                 SIGUSR1, SIGUSR2, SIGWINCH};

// Frames as they arrive: returns the exit code once the exit frame is complete.
class FrameReader {
 public:
  // False when the peer sent something that is not a frame.
  bool feed(std::string_view data, std::optional<int>* exit_code) {
    buf_.append(data);
    mon::FrameType type;
    std::string payload;
    bool bad = false;
    while (mon::next_frame(buf_, &type, &payload, &bad)) {
      switch (type) {
        case mon::kStdout:
          (void)sys::write_all(1, payload);
          break;
        case mon::kStderr:
          (void)sys::write_all(2, payload);
          break;
        case mon::kExit: {
          int code = container::kUnknownExit;
          std::from_chars(payload.data(), payload.data() + payload.size(), code);
          *exit_code = code;
          break;
        }
        default:
          return false;
      }
    }
    return !bad;
  }

 private:
  std::string buf_;
};

}  // namespace

int start_failure_code(const Error& e) {
  std::string m = e.message();
  if (m.find("No such file or directory") != std::string::npos ||
      m.find("not found") != std::string::npos)
    return 127;
  if (m.find("Permission denied") != std::string::npos ||
      m.find("permission denied") != std::string::npos)
    return 126;
  return 125;
}

Result<void> check_input_tty(bool tty, bool interactive) {
  if (tty && interactive && !::isatty(0))
    return Error::make(Errc::kInvalidArgument, "the input device is not a TTY");
  return {};
}

std::optional<int> refuse_input_not_tty(bool tty, bool interactive) {
  auto r = check_input_tty(tty, interactive);
  if (r.ok()) return std::nullopt;
  print_error(r.error());
  return 1;
}

Result<std::optional<int>> relay(container::Engine& engine, container::Container& c, int sock,
                                 const RelayOptions& o) {
  std::optional<SignalFd> sigfd;
  sigfd.emplace(std::initializer_list<int>(kProxied));
  ::signal(SIGPIPE, SIG_IGN);
  std::optional<RawTerminal> raw;
  if (o.tty && o.stdin) raw.emplace(0);
  DetachWatch watch(o.stdin ? o.detach_keys : "");
  FrameReader frames;
  std::optional<int> code;
  bool stdin_open = o.stdin, detached = false, ended = false;
  char buf[65536];
  while (!code && !detached && !ended) {
    pollfd fds[3] = {{sock, POLLIN, 0}, {sigfd->fd(), POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) {
      while (int sig = sigfd->next()) {
        if (sig == SIGWINCH) {
          if (auto size = window_size(); size && o.tty)
            (void)sys::send_all(sock, mon::frame(mon::kResize, *size));
        } else if (o.sig_proxy && !o.tty) {
          (void)engine.kill(c, sig);
        } else {
          ended = true;  // no proxy: the signal ends this client (the container runs on)
          code = 128 + sig;
        }
      }
    }
    if (fds[2].revents && !ended) {
      ssize_t n = ::read(0, buf, sizeof buf);
      if (n > 0) {
        std::string pass = watch.feed({buf, static_cast<size_t>(n)}, &detached);
        if (!pass.empty()) (void)sys::send_all(sock, mon::frame(mon::kStdin, pass));
      } else if (n == 0 || errno != EINTR) {
        (void)sys::send_all(sock, mon::frame(mon::kStdinClose, ""));
        stdin_open = false;
      }
    }
    if (fds[0].revents && !ended && !detached) {
      ssize_t n = ::read(sock, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || !frames.feed({buf, static_cast<size_t>(n)}, &code)) break;
    }
  }
  raw.reset();
  sigfd.reset();
  if (detached) return std::optional<int>();
  if (ended) return code;
  if (o.on_exit) o.on_exit();
  // The exit is recorded (and the monitor gone, unless it restarts the container)
  // before this returns: a `ps -a` right after shows the container exited.
  auto waited = engine.wait(c, true);
  if (!waited.ok() && !(code && waited.error().code() == Errc::kNotFound))
    return std::move(waited).error();  // (gone already: its monitor applied --rm)
  int out = code ? *code : *waited;
  return std::optional<int>(out < 0 ? 255 : out);
}

bool parse_log_time(std::string_view text, int64_t now, int64_t* ns) {
  int64_t secs = 0;
  if (parse_rfc3339(text, &secs)) {
    *ns = secs * 1000000000;
    return true;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
  if (ec == std::errc() && end == text.data() + text.size()) {
    *ns = secs * 1000000000;
    return true;
  }
  // A Go duration: numbers with units h, m, s (ms too), before now.
  int64_t total = 0;
  std::string_view rest = text;
  if (rest.empty()) return false;
  while (!rest.empty()) {
    int64_t n = 0;
    auto [e, err] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (err != std::errc() || n < 0 || n > 1000000000) return false;
    rest.remove_prefix(static_cast<size_t>(e - rest.data()));
    int64_t unit = 0;
    if (rest.starts_with("ms")) {
      unit = 1000000;
      rest.remove_prefix(2);
    } else if (!rest.empty() && (rest[0] == 'h' || rest[0] == 'm' || rest[0] == 's')) {
      unit = rest[0] == 'h' ? 3600000000000 : rest[0] == 'm' ? 60000000000 : 1000000000;
      rest.remove_prefix(1);
    } else {
      return false;
    }
    total += n * unit;
  }
  *ns = now - total;
  return true;
}

namespace {

struct LogFlags {
  bool follow = false, timestamps = false;
  std::string tail = "all", since, until;
  std::string ref;
};

struct LogLine {
  int stream;  // 1 stdout, 2 stderr
  std::string text, time;
  int64_t ns = 0;
};

std::optional<LogLine> parse_line(std::string_view line) {
  auto j = oci::parse_json(line, "log line");
  if (!j.ok()) return std::nullopt;
  auto log = oci::get_string(*j, "log"), stream = oci::get_string(*j, "stream"),
       time = oci::get_string(*j, "time");
  if (!log.ok() || !stream.ok() || !time.ok()) return std::nullopt;
  LogLine l{*stream == "stderr" ? 2 : 1, *log, *time, 0};
  int64_t secs = 0;
  if (parse_rfc3339(*time, &secs)) {
    l.ns = secs * 1000000000;
    size_t dot = time->find('.');
    if (dot != std::string::npos) {  // the fraction: up to 9 digits
      int64_t frac = 0, scale = 1000000000;
      for (size_t i = dot + 1; i < time->size() && (*time)[i] >= '0' && (*time)[i] <= '9'; ++i)
        if (scale > 1) frac = frac * 10 + ((*time)[i] - '0'), scale /= 10;
      l.ns += frac * scale;
    }
  }
  return l;
}

std::string read_or_empty(const std::string& path) {
  auto text = sys::read_file(path, 1 << 30);
  return text.ok() ? std::move(*text) : std::string();
}

void print_line(const LogLine& l, bool timestamps) {
  std::string out = timestamps ? l.time + " " + l.text : l.text;
  (void)sys::write_all(l.stream, out);
}

Result<int> logs_command(const Context& ctx, const LogFlags& f) {
  auto env = TRY(ctx.open_engine());
  container::Container c = TRY(env.engine->get(f.ref));
  int64_t now = realtime_ns(), since = 0, until = INT64_MAX;
  if (!f.since.empty() && !parse_log_time(f.since, now, &since))
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid value for \"since\": {}", printable(f.since)));
  if (!f.until.empty() && !parse_log_time(f.until, now, &until))
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid value for \"until\": {}", printable(f.until)));
  size_t tail = SIZE_MAX;
  if (f.tail != "all") {
    auto [end, ec] = std::from_chars(f.tail.data(), f.tail.data() + f.tail.size(), tail);
    if (ec != std::errc() || end != f.tail.data() + f.tail.size())
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("invalid value for \"tail\": {}", printable(f.tail)));
  }
  std::string path = env.engine->log_path(c);
  std::deque<LogLine> lines;
  auto keep = [&](std::string_view text) {
    for (const auto& raw : split(text, '\n')) {
      auto l = parse_line(raw);
      if (!l || l->ns < since || l->ns > until) continue;
      lines.push_back(std::move(*l));
      if (lines.size() > tail) lines.pop_front();
    }
  };
  // Rotated files first, oldest first (log.2, log.1), then the live one.
  for (int i = 9; i >= 1; --i)
    if (auto text = sys::read_file(fmt::format("{}.{}", path, i), 64 << 20); text.ok()) keep(*text);
  std::string current = read_or_empty(path);
  size_t offset = current.rfind('\n') == std::string::npos ? 0 : current.rfind('\n') + 1;
  keep(std::string_view(current).substr(0, offset));
  for (const auto& l : lines) print_line(l, f.timestamps);
  if (!f.follow) return 0;
  struct stat last {};
  ::stat(path.c_str(), &last);
  for (;;) {
    bool running = c.state.running();
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_ino != last.st_ino)) offset = 0;  // rotated
    last = st;
    std::string text = read_or_empty(path);
    if (text.size() > offset) {
      size_t end = text.rfind('\n');
      if (end != std::string::npos && end + 1 > offset) {
        for (const auto& raw : split(std::string_view(text).substr(offset, end + 1 - offset), '\n'))
          if (auto l = parse_line(raw); l && l->ns >= since && l->ns <= until)
            print_line(*l, f.timestamps);
        offset = end + 1;
      }
    }
    if (!running) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c = TRY(env.engine->get(c.id));
  }
}

}  // namespace

void register_logs_command(const AddBoth& both, Context& ctx) {
  auto f = std::make_shared<LogFlags>();
  both("logs", {}, "Fetch the logs of a container", [f, &ctx](CLI::App* c) {
    c->add_flag("-f,--follow", f->follow, "Follow log output");
    c->add_flag("-t,--timestamps", f->timestamps, "Show timestamps");
    c->add_option("-n,--tail", f->tail, "Number of lines to show from the end of the logs");
    c->add_option("--since", f->since, "Show logs since timestamp or relative (e.g. 42m)");
    c->add_option("--until", f->until, "Show logs before a timestamp or relative (e.g. 42m)");
    c->add_option("CONTAINER", f->ref)->required();
    c->callback([f, &ctx] { ctx.action = [f, &ctx] { return logs_command(ctx, *f); }; });
  });
}

}  // namespace strata::cli
