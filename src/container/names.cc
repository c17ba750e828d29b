// SPDX-License-Identifier: Apache-2.0
// Container IDs, generated names, and signal names as Docker takes them (any case).
#include <sys/random.h>

#include <algorithm>

#include "container/container.h"
#include "sys/signals.h"

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
  std::string upper(s);
  for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return std::max(sys::signal_number(upper), 0);
}

}  // namespace strata::container
