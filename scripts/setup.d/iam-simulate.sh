#!/usr/bin/env bash
# Installs @cloud-copilot/iam-simulate (AGPL-3.0) into tests/.tools/iam-simulate for the IAM differential
# tests. It is an outside oracle only: run as a separate node process, never imported or copied.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION="${IAM_SIMULATE_VERSION:-0.1.173}"
DEST=tests/.tools/iam-simulate
if [ -f "$DEST/node_modules/@cloud-copilot/iam-simulate/package.json" ] &&
  grep -q "\"version\": \"$VERSION\"" "$DEST/node_modules/@cloud-copilot/iam-simulate/package.json"; then
  exit 0
fi
mkdir -p "$DEST"
[ -f "$DEST/package.json" ] || echo '{"name": "ringfence-iam-oracle", "private": true}' >"$DEST/package.json"
npm install --prefix "$DEST" --no-audit --no-fund --silent "@cloud-copilot/iam-simulate@$VERSION"
