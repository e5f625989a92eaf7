#!/usr/bin/env bash
# Regenerate the hashed lock files from pyproject.toml under the exact pins in requirements/pins.txt.
# Usage: tools/lock.sh   (needs pip-tools: pip install pip-tools)
set -euo pipefail
cd "$(dirname "$0")/.."
common=(--quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -c requirements/pins.txt)
pip-compile --quiet --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements/pip.txt requirements/pip.in
pip-compile "${common[@]}" -o requirements/lock.txt pyproject.toml requirements/build.in
pip-compile "${common[@]}" --extra dev -o requirements/dev-lock.txt pyproject.toml requirements/build.in
