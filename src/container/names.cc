// SPDX-License-Identifier: Apache-2.0
// Container IDs, generated names and signal names.
#include <signal.h>
#include <sys/random.h>

#include <charconv>

#include "container/container.h"

namespace strata::container {

namespace {

// Docker's generator combines these two kinds of words; ours are our own short lists.
constexpr const char* kAdjectives[] = {
    "admiring", "agile",   "bold",    "brave",      "calm",    "clever",   "dazzling", "eager",
    "elastic",  "festive", "focused", "gentle",     "happy",   "hopeful",  "jolly",    "keen",
    "lucid",    "modest",  "nifty",   "optimistic", "patient", "quirky",   "relaxed",  "serene",
    "sharp",    "stoic",   "tender",  "upbeat",     "vibrant", "wizardly", "youthful", "zealous"};
constexpr const char* kSurnames[] = {
    "babbage", "bartik",  "curie",   "dijkstra", "easley",  "feynman",  "goldberg",  "hamilton",
    "hopper",  "jemison", "kare",    "knuth",    "lamarr",  "liskov",   "lovelace",  "mccarthy",
    "meitner", "noether", "perlman", "ritchie",  "shannon", "sinoussi", "thompson",  "torvalds",
    "turing",  "villani", "wiles",   "wozniak",  "yalow",   "yonath",   "zhukovsky", "allen"};

struct SignalName {
  const char* name;
  int number;
};
constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"BUS", SIGBUS},   {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS}};

}  // namespace

std::string generate_name(uint64_t seed) {
  constexpr size_t na = std::size(kAdjectives), ns = std::size(kSurnames);
  return fmt::format("{}_{}", kAdjectives[seed % na], kSurnames[(seed / na) % ns]);
}

std::string new_id() {
  uint8_t bytes[32];
  size_t have = 0;
  while (have < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + have, sizeof bytes - have, 0);
    if (n > 0) have += static_cast<size_t>(n);
  }
  std::string out;
  for (uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

int parse_signal(std::string_view s) {
  int n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec == std::errc() && end == s.data() + s.size()) return n > 0 && n < 65 ? n : 0;
  if (s.starts_with("SIG")) s.remove_prefix(3);
  for (const auto& sig : kSignals)
    if (s == sig.name) return sig.number;
  std::string upper;
  for (char c : s) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  if (upper != s) return parse_signal(upper);
  return 0;
}

}  // namespace strata::container
