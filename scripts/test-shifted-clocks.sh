#!/usr/bin/env bash
# Runs the test suite again with every Node process's clock shifted ahead (libfaketime, Debian
# package `faketime`) to two other times of the week: a weekend night and a weekday. Recommendations
# depend on the coming day (weekend or weekday), so a test that passes only on some days fails here.
# Go programs (kubectl, helm, prometheus, promtool) keep the real clock, as they would in CI.
# Expects `npm test` to have built dist/ (it runs the compiled tests as they are).
#
#   scripts/test-shifted-clocks.sh            # two shifts chosen from the real time, each at most 6 days ahead
#   scripts/test-shifted-clocks.sh 86400 ...  # the given shifts, in seconds
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v faketime >/dev/null 2>&1 || { echo "test-shifted-clocks: faketime not found (apt-get install faketime)" >&2; exit 2; }
[ -d dist ] || { echo "test-shifted-clocks: dist/ is missing: run npm test (or npm run build) first" >&2; exit 2; }

now=$(date -u +%s)
min_ahead=$((3 * 3600))
max_ahead=$((6 * 86400))

# Seconds from now to the first of the given times of the week ("<weekday 0-6, Sunday 0> <HH:MM>"
# UTC) that comes 3 h to 6 days ahead. Each list spreads its times so that one always does.
first_shift() {
  local candidate weekday time day at ahead
  for candidate in "$@"; do
    weekday=${candidate% *} time=${candidate#* }
    for day in 0 1 2 3 4 5 6 7; do
      at=$(date -u -d "$(date -u -d "@$((now + day * 86400))" +%Y-%m-%d) $time" +%s)
      ahead=$((at - now))
      if [ "$(date -u -d "@$at" +%w)" = "$weekday" ] && [ "$ahead" -ge "$min_ahead" ] && [ "$ahead" -le "$max_ahead" ]; then
        echo "$ahead"
        return
      fi
    done
  done
  echo "test-shifted-clocks: no time in '$*' is 3 h to 6 days ahead" >&2
  exit 2
}

if [ $# -gt 0 ]; then
  shifts=("$@")
else
  # A weekend night (Saturday or Sunday) and a weekday morning or night.
  shifts=("$(first_shift "6 22:30" "0 22:30" "0 03:00" "6 03:00")" "$(first_shift "1 07:30" "3 03:00" "4 14:00")")
fi

for seconds in "${shifts[@]}"; do
  echo
  echo "== tests with the clock shifted +${seconds}s: $(faketime -f "+${seconds}s" date -u '+%A %H:%M UTC') =="
  faketime -f "+${seconds}s" node --experimental-vm-modules node_modules/jest/bin/jest.js
done
