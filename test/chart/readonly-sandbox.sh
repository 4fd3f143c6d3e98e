#!/usr/bin/env bash
# Runs a command the way the chart runs the image: uid/gid 1001, no capabilities, no new
# privileges, a read-only root filesystem and only /tmp writable (a fresh tmpfs, as the chart's
# emptyDir). Needs root to build the sandbox: a private mount namespace (unshare), in which / is
# remounted read-only; nothing outside that namespace changes.
#
#   readonly-sandbox.sh --app DIR [--tls] -- COMMAND...
#
# DIR (the repository, holding dist/ and node_modules/ as the image's /app does) is bind-mounted
# read-only at /var/tmp/trendmaster-app, so uid 1001 can read it wherever the clone lives.
# --tls: before dropping privileges, put a self-signed serving certificate in /tmp/tls (as the
# chart's cert-manager Secret mount would be), readable by uid 1001.
# After COMMAND, prints to stderr `__EXIT__ <code>` and one `__WRITTEN__ <path>` per file uid 1001
# left in /tmp; exits 90 when the sandbox itself does not hold (the root filesystem stayed writable).
set -euo pipefail

if [[ "${1:-}" != "--inside" ]]; then
  exec unshare --mount --propagation private -- "$0" --inside "$@"
fi
shift
app=""
tls=false
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    --app) app="$2"; shift 2 ;;
    --tls) tls=true; shift ;;
    *) echo "readonly-sandbox: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ "${1:-}" == "--" ]] && shift
[[ -n "$app" ]] || { echo "readonly-sandbox: --app DIR is required" >&2; exit 2; }

mount -o remount,bind,ro /
mount -t tmpfs -o size=16m,mode=0755,nosuid,nodev tmpfs /var/tmp
mkdir /var/tmp/trendmaster-app
mount --bind "$app" /var/tmp/trendmaster-app
mount -o remount,bind,ro /var/tmp/trendmaster-app
mount -o remount,ro /var/tmp
mount -t tmpfs -o size=64m,mode=1777,nosuid,nodev tmpfs /tmp
# The sandbox must hold even for root: writes outside /tmp have to fail.
for probe in "/usr/.trendmaster-readonly-probe-$$" "/var/tmp/trendmaster-app/.trendmaster-readonly-probe-$$"; do
  if touch "$probe" 2>/dev/null; then
    rm -f "$probe"
    echo "__SANDBOX_WRITABLE__ $probe could be written" >&2
    exit 90
  fi
done

if $tls; then
  mkdir -m 0755 /tmp/tls
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout /tmp/tls/tls.key -out /tmp/tls/tls.crt 2>/dev/null
  chgrp 1001 /tmp/tls/tls.key && chmod 0640 /tmp/tls/tls.key
fi

cd /tmp
set +e
setpriv --reuid=1001 --regid=1001 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- \
  env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp NODE_ENV=production "$@"
code=$?
set -e
echo "__EXIT__ $code" >&2
find /tmp -mindepth 1 -uid 1001 -printf '__WRITTEN__ %p\n' >&2
exit 0
