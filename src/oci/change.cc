// SPDX-License-Identifier: Apache-2.0
#include "oci/change.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "util/duration.h"
#include "util/strings.h"

namespace strata::oci {

namespace {

// Both parts come from the command line: printed escaped.
Error bad(std::string_view instruction, std::string_view why) {
  return Error::make(Errc::kInvalidArgument,
                     fmt::format("--change \"{}\": {}", printable(instruction), printable(why)));
}

// JSON array of strings ("exec form"), or nullopt if `args` is not one.
std::optional<Json> exec_form(std::string_view args) {
  if (!args.starts_with("[")) return std::nullopt;
  auto j = parse_json(args, "exec form");
  if (!j.ok() || !j->is_array()) return std::nullopt;
  for (const auto& v : *j)
    if (!v.is_string()) return std::nullopt;
  return *j;
}

Json command(std::string_view args) {
  if (auto j = exec_form(args)) return *j;
  return Json::array({"/bin/sh", "-c", std::string(args)});
}

std::string unquote(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    return std::string(v.substr(1, v.size() - 2));
  return std::string(v);
}

// "k=v k2=v2" (values may be quoted) or the legacy "k v" form.
Result<std::vector<std::pair<std::string, std::string>>> key_values(std::string_view instr,
                                                                    std::string_view args) {
  std::vector<std::pair<std::string, std::string>> out;
  auto eq = args.find('=');
  auto sp = args.find_first_of(" \t");
  if (eq == std::string_view::npos || (sp != std::string_view::npos && sp < eq)) {
    if (sp == std::string_view::npos) return bad(instr, "want KEY=VALUE");
    out.emplace_back(std::string(args.substr(0, sp)), std::string(trim(args.substr(sp + 1))));
    return out;
  }
  size_t i = 0;
  while (i < args.size()) {
    while (i < args.size() && std::isspace(static_cast<unsigned char>(args[i]))) ++i;
    if (i == args.size()) break;
    size_t k = args.find('=', i);
    if (k == std::string_view::npos) return bad(instr, "want KEY=VALUE");
    std::string key(args.substr(i, k - i));
    if (key.empty() || key.find_first_of(" \t") != std::string::npos)
      return bad(instr, "empty key");
    size_t v = k + 1, end = v;
    if (v < args.size() && (args[v] == '"' || args[v] == '\'')) {
      end = args.find(args[v], v + 1);
      if (end == std::string_view::npos) return bad(instr, "unterminated quote");
      ++end;
    } else {
      while (end < args.size() && !std::isspace(static_cast<unsigned char>(args[end]))) ++end;
    }
    out.emplace_back(key, unquote(args.substr(v, end - v)));
    i = end;
  }
  return out;
}

// The member `key` of cfg as an object (made empty if absent or null); an error if it
// holds something else, so a change never silently drops what the config had.
Result<Json*> object_member(Json& cfg, const char* key, std::string_view instr) {
  Json& v = cfg[key];
  if (v.is_null()) v = Json::object();
  if (!v.is_object()) return bad(instr, fmt::format("config {} is not an object", key));
  return &v;
}

Result<Json*> array_member(Json& cfg, const char* key, std::string_view instr) {
  Json& v = cfg[key];
  if (v.is_null()) v = Json::array();
  if (!v.is_array()) return bad(instr, fmt::format("config {} is not an array", key));
  return &v;
}

Result<void> apply_env(Json& cfg, std::string_view instr, std::string_view args) {
  auto kvs = TRY(key_values(instr, args));
  Json* env = TRY(array_member(cfg, "Env", instr));
  for (const auto& [k, v] : kvs) {
    // A later value for the same name replaces the earlier one.
    std::string prefix = k + "=";
    Json kept = Json::array();
    for (const auto& e : *env) {
      if (!e.is_string()) return bad(instr, "config Env holds a value that is not a string");
      if (!e.get_ref<const std::string&>().starts_with(prefix)) kept.push_back(e);
    }
    kept.push_back(k + "=" + v);
    *env = std::move(kept);
  }
  return {};
}

Result<void> apply_label(Json& cfg, std::string_view instr, std::string_view args) {
  auto kvs = TRY(key_values(instr, args));
  Json* labels = TRY(object_member(cfg, "Labels", instr));
  for (const auto& [k, v] : kvs) (*labels)[unquote(k)] = v;
  return {};
}

// A port number 1-65535, read with from_chars: no exception, no overflow.
std::optional<uint32_t> port_number(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1 || v > 65535) return std::nullopt;
  return v;
}

// "80", "53/udp", "8000-8010/tcp", as Docker's nat.ParsePortSpec takes them.
Result<void> apply_expose(Json& cfg, std::string_view instr, std::string_view args) {
  Json* ports = TRY(object_member(cfg, "ExposedPorts", instr));
  for (const auto& p : split(args, ' ')) {
    if (p.empty()) continue;
    auto slash = p.find('/');
    std::string_view range = std::string_view(p).substr(0, slash);
    std::string proto = slash == std::string::npos ? "tcp" : p.substr(slash + 1);
    auto dash = range.find('-');
    auto first = port_number(range.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : port_number(range.substr(dash + 1));
    if (!first || !last || *last < *first)
      return bad(instr, fmt::format("invalid port \"{}\": want 1-65535 or a range of them", p));
    if (proto != "tcp" && proto != "udp" && proto != "sctp")
      return bad(instr, fmt::format("invalid protocol \"{}\": want tcp, udp or sctp", proto));
    if (ports->size() + (*last - *first + 1) > kMaxJsonMembers)
      return bad(instr,
                 fmt::format("\"{}\": more than {} exposed ports in all", p, kMaxJsonMembers));
    for (uint32_t n = *first; n <= *last; ++n)
      (*ports)[fmt::format("{}/{}", n, proto)] = Json::object();
  }
  return {};
}

Result<void> apply_volume(Json& cfg, std::string_view instr, std::string_view args) {
  Json* volumes = TRY(object_member(cfg, "Volumes", instr));
  if (auto j = exec_form(args)) {
    for (const auto& v : *j) (*volumes)[v.get_ref<const std::string&>()] = Json::object();
    return {};
  }
  for (const auto& v : split(args, ' '))
    if (!v.empty()) (*volumes)[v] = Json::object();
  return {};
}

// One --name=value flag of HEALTHCHECK, as BuildKit checks it.
Result<void> health_flag(Json& hc, std::string_view instr, std::string_view flag) {
  size_t eq = flag.find('=');
  std::string name(flag.substr(2, eq == std::string_view::npos ? flag.npos : eq - 2));
  static constexpr std::pair<const char*, const char*> kDurations[] = {
      {"interval", "Interval"},
      {"timeout", "Timeout"},
      {"start-period", "StartPeriod"},
      {"start-interval", "StartInterval"}};
  const char* key = nullptr;
  for (const auto& [n, k] : kDurations)
    if (name == n) key = k;
  if (key == nullptr && name != "retries") return bad(instr, fmt::format("Unknown flag: {}", name));
  if (eq == std::string_view::npos || eq + 1 == flag.size())
    return bad(instr, fmt::format("Missing a value on flag: {}", name));
  std::string value(flag.substr(eq + 1));
  if (key == nullptr) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    bool whole = ec == std::errc() && end == value.data() + value.size();
    if (!whole || n < INT32_MIN || n > INT32_MAX)
      return bad(instr,
                 fmt::format("strconv.ParseInt: parsing \"{}\": {}", value,
                             whole || ec == std::errc::result_out_of_range ? "value out of range"
                                                                           : "invalid syntax"));
    if (n < 0) return bad(instr, fmt::format("--retries cannot be negative ({})", n));
    if (n > 0) hc["Retries"] = n;
    return {};
  }
  auto d = parse_go_duration(value);
  if (!d.ok()) return bad(instr, d.error().message());
  if (*d != 0 && *d < 1'000'000)  // BuildKit's minimum
    return bad(instr, fmt::format("Interval \"{}\" cannot be less than 1ms", name));
  if (*d != 0) hc[key] = *d;
  return {};
}

// HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D]
// [--retries=N] CMD command | NONE, as BuildKit parses it: CMD's shell form is CMD-SHELL.
Result<void> apply_healthcheck(Json& cfg, std::string_view instr, std::string_view args) {
  Json hc = Json::object();
  Json flags = Json::object();
  while (args.starts_with("--")) {
    size_t end = args.find_first_of(" \t");
    TRY(health_flag(flags, instr, args.substr(0, end)));
    args = end == std::string_view::npos ? "" : trim(args.substr(end));
  }
  size_t sp = args.find_first_of(" \t");
  std::string type(args.substr(0, sp));
  std::string_view rest = sp == std::string_view::npos ? "" : trim(args.substr(sp));
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (type == "NONE") {
    if (!rest.empty()) return bad(instr, "HEALTHCHECK NONE takes no arguments");
    cfg["Healthcheck"] = {{"Test", Json::array({"NONE"})}};
    return {};
  }
  if (type != "CMD")
    return bad(instr, fmt::format("Unknown type \"{}\" in HEALTHCHECK (try CMD)", type));
  Json test = Json::array({"CMD-SHELL", std::string(rest)});
  if (auto j = exec_form(rest)) {
    test = Json::array({"CMD"});
    for (const auto& a : *j) test.push_back(a);
  }
  if (rest.empty() || test.size() < 2) return bad(instr, "Missing command after HEALTHCHECK CMD");
  hc["Test"] = test;
  for (const char* k : {"Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"})
    if (flags.contains(k)) hc[k] = flags[k];
  cfg["Healthcheck"] = hc;
  return {};
}

}  // namespace

Result<void> apply_change(Json& cfg, std::string_view instruction) {
  std::string_view text = trim(instruction);
  auto sp = text.find_first_of(" \t");
  std::string word(text.substr(0, sp));
  std::string_view args = sp == std::string_view::npos ? "" : trim(text.substr(sp));
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!cfg.is_object()) cfg = Json::object();
  if (args.empty()) return bad(instruction, fmt::format("{} needs an argument", word));
  if (word == "CMD" || word == "ENTRYPOINT") {
    cfg[word == "CMD" ? "Cmd" : "Entrypoint"] = command(args);
  } else if (word == "ENV") {
    TRY(apply_env(cfg, instruction, args));
  } else if (word == "LABEL") {
    TRY(apply_label(cfg, instruction, args));
  } else if (word == "EXPOSE") {
    TRY(apply_expose(cfg, instruction, args));
  } else if (word == "USER" || word == "WORKDIR" || word == "STOPSIGNAL") {
    const char* key = word == "USER" ? "User" : word == "WORKDIR" ? "WorkingDir" : "StopSignal";
    cfg[key] = std::string(args);
  } else if (word == "VOLUME") {
    TRY(apply_volume(cfg, instruction, args));
  } else if (word == "HEALTHCHECK") {
    TRY(apply_healthcheck(cfg, instruction, args));
  } else if (word == "ONBUILD") {
    TRY(array_member(cfg, "OnBuild", instruction))->push_back(std::string(args));
  } else {
    return bad(instruction,
               fmt::format("unknown instruction {} (want CMD, ENTRYPOINT, ENV, EXPOSE, "
                           "HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR)",
                           word));
  }
  return {};
}

}  // namespace strata::oci
