#!/usr/bin/env bash
# Fetches the 13 MB GitHub REST description (npm package @octokit/openapi@23.0.2) into a cache
# beside the benchmarks (bench/.peers/octokit/) and links it to /tmp/octokit/api.github.com.json,
# where bench/spec/load_bench.cpp looks for it. Idempotent: a second run only relinks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="$here/../.peers/octokit"
file="$cache/package/generated/api.github.com.json"
if [ ! -f "$file" ]; then
  mkdir -p "$cache"
  (cd "$cache" && npm pack @octokit/openapi@23.0.2 >/dev/null && tar xzf octokit-openapi-23.0.2.tgz)
fi
mkdir -p /tmp/octokit
ln -sf "$file" /tmp/octokit/api.github.com.json
echo "$file"
