// SPDX-License-Identifier: Apache-2.0
#include "oci/change.h"

#include <algorithm>
#include <cctype>

#include "util/strings.h"

namespace strata::oci {

namespace {

Error bad(std::string_view instruction, std::string_view why) {
  return Error::make(Errc::kInvalidArgument, fmt::format("--change \"{}\": {}", instruction, why));
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

}  // namespace

Result<void> apply_change(Json& cfg, std::string_view instruction) {
  std::string_view text = trim(instruction);
  auto sp = text.find_first_of(" \t");
  std::string word(text.substr(0, sp));
  std::string_view args = sp == std::string_view::npos ? "" : trim(text.substr(sp));
  std::transform(word.begin(), word.end(), word.begin(), ::toupper);
  if (!cfg.is_object()) cfg = Json::object();
  if (args.empty()) return bad(instruction, fmt::format("{} needs an argument", word));
  if (word == "CMD" || word == "ENTRYPOINT") {
    cfg[word == "CMD" ? "Cmd" : "Entrypoint"] = command(args);
  } else if (word == "ENV") {
    auto kvs = TRY(key_values(instruction, args));
    Json env = cfg.contains("Env") && cfg["Env"].is_array() ? cfg["Env"] : Json::array();
    for (const auto& [k, v] : kvs) {
      // A later value for the same name replaces the earlier one.
      std::string prefix = k + "=";
      Json kept = Json::array();
      for (const auto& e : env)
        if (!e.get<std::string>().starts_with(prefix)) kept.push_back(e);
      kept.push_back(k + "=" + v);
      env = kept;
    }
    cfg["Env"] = env;
  } else if (word == "LABEL") {
    auto kvs = TRY(key_values(instruction, args));
    if (!cfg.contains("Labels") || !cfg["Labels"].is_object()) cfg["Labels"] = Json::object();
    for (const auto& [k, v] : kvs) cfg["Labels"][unquote(k)] = v;
  } else if (word == "EXPOSE") {
    if (!cfg.contains("ExposedPorts") || !cfg["ExposedPorts"].is_object())
      cfg["ExposedPorts"] = Json::object();
    for (const auto& p : split(args, ' ')) {
      if (p.empty()) continue;
      auto slash = p.find('/');
      std::string port = p.substr(0, slash);
      std::string proto = slash == std::string::npos ? "tcp" : p.substr(slash + 1);
      bool digits = !port.empty() && std::all_of(port.begin(), port.end(), ::isdigit);
      if (!digits || std::stoul(port) > 65535 ||
          (proto != "tcp" && proto != "udp" && proto != "sctp"))
        return bad(instruction, fmt::format("invalid port \"{}\"", p));
      cfg["ExposedPorts"][port + "/" + proto] = Json::object();
    }
  } else if (word == "USER") {
    cfg["User"] = std::string(args);
  } else if (word == "WORKDIR") {
    cfg["WorkingDir"] = std::string(args);
  } else if (word == "STOPSIGNAL") {
    cfg["StopSignal"] = std::string(args);
  } else if (word == "VOLUME") {
    if (!cfg.contains("Volumes") || !cfg["Volumes"].is_object()) cfg["Volumes"] = Json::object();
    if (auto j = exec_form(args)) {
      for (const auto& v : *j) cfg["Volumes"][v.get<std::string>()] = Json::object();
    } else {
      for (const auto& v : split(args, ' '))
        if (!v.empty()) cfg["Volumes"][v] = Json::object();
    }
  } else if (word == "ONBUILD") {
    if (!cfg.contains("OnBuild") || !cfg["OnBuild"].is_array()) cfg["OnBuild"] = Json::array();
    cfg["OnBuild"].push_back(std::string(args));
  } else {
    return bad(instruction,
               fmt::format("unknown instruction {} (want CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
                           "ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR)",
                           word));
  }
  return {};
}

}  // namespace strata::oci
