// SPDX-License-Identifier: Apache-2.0
// Small string helpers shared by every module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

std::vector<std::string> split(std::string_view s, char sep);
// Fields separated by runs of spaces and tabs; with max_fields, the last field is the
// rest of the line (trimmed), spaces and all.
std::vector<std::string> split_fields(std::string_view s, size_t max_fields = SIZE_MAX);
std::string_view trim(std::string_view s);
// "1.5MB" style, as Docker prints sizes (decimal units, `precision` significant digits:
// units.HumanSize has 4, ps's SIZE column 3).
std::string human_size(uint64_t bytes, int precision = 4);
// "2 hours ago" style, as Docker prints CREATED.
std::string human_duration_ago(int64_t then_unix, int64_t now_unix);
// RFC 3339 with nanoseconds and a Z, as image configs carry.
std::string format_rfc3339(int64_t unix_seconds, int64_t nanos = 0);
// CLOCK_REALTIME in nanoseconds since the epoch.
int64_t realtime_ns();
// Makes a name from outside (a tar entry, a tag, a file in an archive) safe to print:
// control characters (C0, DEL, C1) and bytes that are not UTF-8 become \n, \t or
// \xNN, so hostile input cannot drive the terminal. Printable text is unchanged.
std::string printable(std::string_view s);
// Parses a size as Docker's flags take it (--memory, --shm-size): a number, with an
// optional fraction, then an optional binary unit b, k, m, g, t or p (any case, with
// an optional "b" or "ib" after it: "512m", "1.5GiB", "20gb"). False if malformed or
// past 2^64 - 1.
bool parse_size(std::string_view text, uint64_t* bytes);
// Parses RFC 3339 (with optional fraction and offset); false if malformed.
bool parse_rfc3339(std::string_view text, int64_t* unix_seconds);

}  // namespace strata
