#!/usr/bin/env bash
# Debian's Chromium and a CJK font for the browser tests (never `playwright install`).
set -u
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wqy"; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null 2>&1 || \
    echo "browser: could not install chromium; browser tests will skip with a reason" >&2
fi
exit 0
