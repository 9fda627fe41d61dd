#!/usr/bin/env bash
# Headless Chromium and its ChromeDriver from Debian's packages, for the browser test
# (tests/e2e/test_report_ui_browser.py). Does nothing when both are installed. Needs root (CI runs as root).
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
command -v chromium && command -v chromedriver
