#!/usr/bin/env python3
"""Fails when a source file includes a project header from outside its module's declared
dependencies (STYLE.md section 1: dependencies point one way).

Modules are read from the strata_module(NAME n SOURCES ... DEPS ...) calls in
src/**/CMakeLists.txt; a header belongs to the module of the .cc beside it, else to the
module that owns most sources in its folder (or a subfolder of it). A module may include
its own headers and those of its DEPS, transitively. Tests (*_test.cc, testing/) may also
include tests/testutil. src/cli is the top: it may include anything.
"""
import os
import re
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = os.path.join(top, "src")
include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

owner = {}  # source path relative to src -> module
deps = {}  # module -> its DEPS
for dirpath, _, files in os.walk(src):
    if "CMakeLists.txt" not in files:
        continue
    text = re.sub(r"#[^\n]*", "", open(os.path.join(dirpath, "CMakeLists.txt")).read())
    for m in re.finditer(r"strata_module\(([^)]*)\)", text):
        section, name, sections = None, None, {"SOURCES": [], "DEPS": [], "LIBS": []}
        for w in m.group(1).split():
            if w in ("NAME", "SOURCES", "DEPS", "LIBS"):
                section = w
            elif section == "NAME":
                name = w
            elif section:
                sections[section].append(w)
        deps[name] = sections["DEPS"]
        for s in sections["SOURCES"]:
            owner[os.path.relpath(os.path.join(dirpath, s), src)] = name


def closure(m, seen=None):
    seen = seen if seen is not None else set()
    if m in seen:
        return seen
    seen.add(m)
    for d in deps.get(m, []):
        closure(d, seen)
    return seen


def folder_module(folder):
    """The module owning most sources at or below `folder`."""
    counts = {}
    for path, m in owner.items():
        if path == folder or path.startswith(folder + "/"):
            counts[m] = counts.get(m, 0) + (2 if os.path.dirname(path) == folder else 1)
    return max(counts, key=counts.get) if counts else None


def module_of(rel):
    if rel.startswith("cli/"):
        return "cli"
    base, ext = os.path.splitext(rel)
    for cand in (base + ".cc", base.removesuffix("_internal") + ".cc"):
        if cand in owner:
            return owner[cand]
    if base.endswith("_test"):
        return module_of(base.removesuffix("_test") + ".h")
    folder = os.path.dirname(rel)
    while folder:
        m = folder_module(folder)
        if m:
            return m
        folder = os.path.dirname(folder)
    return None


errors = []
for dirpath, _, files in os.walk(src):
    for f in files:
        if not f.endswith((".cc", ".h")):
            continue
        rel = os.path.relpath(os.path.join(dirpath, f), src)
        mod = module_of(rel)
        if mod is None or mod == "cli":
            continue
        allowed = closure(mod)
        is_test = f.endswith("_test.cc") or "/testing/" in rel
        for inc in include.findall(open(os.path.join(dirpath, f)).read()):
            if is_test and inc.startswith("testutil/"):
                continue
            if not os.path.exists(os.path.join(src, inc)):
                continue  # a system or generated header
            target = module_of(inc)
            if target not in allowed:
                errors.append(f"src/{rel}: includes {inc} (module {target}), but module {mod} "
                              f"depends only on {', '.join(sorted(allowed))}")
for e in errors:
    print(e, file=sys.stderr)
if errors:
    sys.exit(1)
print(f"include check: {len(owner)} sources in {len(deps)} modules, no stray includes")
