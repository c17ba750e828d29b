#!/usr/bin/env bash
# Runs one bats file from a fresh temporary directory, removed afterwards: tools the
# tests drive may write to their working directory (Debian's conmon writes an `oom`
# file there), and nothing may land in the source tree.
set -euo pipefail
work=$(mktemp -d /tmp/strata-e2e.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
bats "$@"
