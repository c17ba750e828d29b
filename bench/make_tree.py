#!/usr/bin/env python3
"""Builds the benchmark tree: many small files plus a few large ones, about 1 GiB,
copied from real files under /usr (binaries, libraries, text) so that compression
ratios are realistic. Deterministic for a given machine image.

  make_tree.py DEST [TOTAL_MIB]
"""
import os
import shutil
import sys

dest = sys.argv[1]
total = int(sys.argv[2] if len(sys.argv) > 2 else 1024) << 20
large_count, large_size = 3, 48 << 20
small_budget = total - large_count * large_size

sources = []
for root, dirs, files in os.walk("/usr"):
    dirs.sort()
    for f in sorted(files):
        p = os.path.join(root, f)
        if os.path.isfile(p) and not os.path.islink(p):
            sources.append(p)

os.makedirs(dest)
used, count = 0, 0
for p in sources:
    size = os.path.getsize(p)
    if size == 0 or size > 1 << 20:
        continue
    if used + size > small_budget:
        break
    d = os.path.join(dest, "small", "%03d" % (count // 500))
    os.makedirs(d, exist_ok=True)
    shutil.copyfile(p, os.path.join(d, "%05d-%s" % (count, os.path.basename(p))))
    used += size
    count += 1

big_sources = [p for p in sources if os.path.getsize(p) > 1 << 20]
os.makedirs(os.path.join(dest, "large"))
i = 0
for n in range(large_count):
    with open(os.path.join(dest, "large", "blob%d" % n), "wb") as out:
        while out.tell() < large_size:
            with open(big_sources[i % len(big_sources)], "rb") as src:
                out.write(src.read(large_size - out.tell()))
            i += 1
print("tree: %d small files (%d MiB), %d large files (%d MiB)" %
      (count, used >> 20, large_count, large_count * large_size >> 20))
