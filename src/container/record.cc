// SPDX-License-Identifier: Apache-2.0
// Container rows: reading, resolving a reference, listing, saving state.
#include <charconv>

#include "container/container.h"
#include "util/strings.h"

namespace strata::container {

namespace {

constexpr const char* kColumns =
    "SELECT id, name, image_id, image_name, created, config, state, driver FROM containers";

// The fields restart policies brought are left out while they hold their defaults: a
// row written before them reads back as the same text, which save_state_if compares.
oci::Json state_json(const State& s) {
  oci::Json j = {{"Status", s.status},          {"Pid", s.pid},
                 {"MonitorPid", s.monitor_pid}, {"ExitCode", s.exit_code},
                 {"StartedAt", s.started_ns},   {"FinishedAt", s.finished_ns}};
  if (s.restart_count != 0) j["RestartCount"] = s.restart_count;
  if (s.oom_killed) j["OOMKilled"] = true;
  if (s.manually_stopped) j["ManuallyStopped"] = true;
  return j;
}

Result<State> parse_state(std::string_view text) {
  oci::Json j = TRY(oci::parse_json(text, "container state"));
  State s;
  s.status = TRY(oci::get_string(j, "Status"));
  s.pid = TRY(oci::get_int(j, "Pid"));
  s.monitor_pid = TRY(oci::get_int(j, "MonitorPid"));
  s.exit_code = static_cast<int>(TRY(oci::get_int(j, "ExitCode")));
  s.started_ns = TRY(oci::get_int(j, "StartedAt"));
  s.finished_ns = TRY(oci::get_int(j, "FinishedAt"));
  if (auto it = j.find("RestartCount"); it != j.end())
    s.restart_count = TRY(oci::int_of_type<int>(*it, "RestartCount"));
  s.oom_killed = TRY(oci::get_bool_or(j, "OOMKilled", false));
  s.manually_stopped = TRY(oci::get_bool_or(j, "ManuallyStopped", false));
  return s;
}

}  // namespace

Result<Container> Engine::load_row(store::Stmt& st) {
  Container c;
  c.id = st.text(0);
  c.name = st.text(1);
  c.image_id = TRY(oci::Digest::parse(st.text(2)));
  c.image_name = st.text(3);
  c.created_ns = st.integer(4);
  oci::Json cfg = TRY(oci::parse_json(st.text(5), "container config"));
  c.config = *TRY(oci::get_object(cfg, "Config"));
  c.host_config = *TRY(oci::get_object(cfg, "HostConfig"));
  if (cfg.contains("Mounts")) c.mounts = *TRY(oci::get_array(cfg, "Mounts"));
  c.state = TRY_CTX(parse_state(st.text(6)), "container {}", c.short_id());
  c.driver = st.text(7);
  return c;
}

Result<void> Engine::save_state(const Container& c) {
  auto st = TRY(store_.db().prepare("UPDATE containers SET state = ? WHERE id = ?"));
  st.bind(1, oci::dump_json(state_json(c.state))).bind(2, c.id);
  return st.run();
}

Result<bool> Engine::save_state_if(const Container& c, const State& before) {
  auto st = TRY(store_.db().prepare("UPDATE containers SET state = ? WHERE id = ? AND state = ?"));
  st.bind(1, oci::dump_json(state_json(c.state))).bind(2, c.id);
  st.bind(3, oci::dump_json(state_json(before)));
  TRY(st.run());
  return store_.db().changes() > 0;
}

Result<Container> Engine::find(std::string_view ref) {
  auto not_found = [&] {
    return Error::make(Errc::kNotFound, fmt::format("No such container: {}", printable(ref)));
  };
  if (ref.empty()) return not_found();
  auto by_name = TRY(store_.db().prepare(fmt::format("{} WHERE id = ? OR name = ?", kColumns)));
  std::string name(ref.starts_with("/") ? ref.substr(1) : ref);
  by_name.bind(1, ref).bind(2, name);
  if (TRY(by_name.step())) return load_row(by_name);
  if (!oci::is_hex(ref)) return not_found();
  auto st = TRY(store_.db().prepare(fmt::format("{} WHERE substr(id, 1, ?) = ?", kColumns)));
  st.bind(1, static_cast<int64_t>(ref.size())).bind(2, ref);
  if (!TRY(st.step())) return not_found();
  Container found = TRY(load_row(st));
  if (TRY(st.step()))
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("multiple containers found with provided prefix: {}", ref));
  return found;
}

Result<Container> Engine::get(std::string_view ref) {
  // The lookup's statements are finished before sync writes: a statement left open
  // holds a read snapshot, and a write after another connection's would fail at once
  // (SQLITE_BUSY_SNAPSHOT) instead of waiting.
  Container c = TRY(find(ref));
  TRY(sync(c));
  return c;
}

Result<std::vector<Container>> Engine::list() {
  auto st = TRY(store_.db().prepare(fmt::format("{} ORDER BY created DESC", kColumns)));
  std::vector<Container> out;
  while (TRY(st.step())) out.push_back(TRY(load_row(st)));
  for (auto& c : out) TRY(sync(c));
  return out;
}

Result<std::string> Engine::unique_name(const std::string& wanted) {
  auto taken = [&](const std::string& n) -> Result<bool> {
    return TRY(store_.db().query_text("SELECT id FROM containers WHERE name = ?", n)).has_value();
  };
  if (!wanted.empty()) {
    std::string n = wanted.starts_with("/") ? wanted.substr(1) : wanted;
    bool ok = !n.empty() && n.size() <= 128 &&
              ((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') ||
               (n[0] >= '0' && n[0] <= '9'));
    for (char ch : n)
      ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-');
    if (!ok)
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("Invalid container name ({}), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                                     "are allowed",
                                     printable(wanted)));
    if (TRY(taken(n)))
      return Error::make(Errc::kExists,
                         fmt::format("Conflict. The container name \"/{}\" is already in use. "
                                     "You have to remove (or rename) that container to be able "
                                     "to reuse that name.",
                                     n));
    return n;
  }
  for (int i = 0;; ++i) {
    std::string id = new_id();
    uint64_t seed = 0;
    std::from_chars(id.data(), id.data() + 15, seed, 16);
    std::string n = generate_name(seed);
    if (i >= 10) n += std::to_string(seed % 100);  // as Docker does after a few retries
    if (!TRY(taken(n))) return n;
  }
}

}  // namespace strata::container
