#!/usr/bin/env bash
# Installs the browser tests' npm packages (axe-core, exactly as package-lock.json pins it) into
# tests/browser/node_modules. Needs Node.js and npm. CI runs this before the tests; without it the axe
# checks are skipped locally and fail in CI.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
