#!/usr/bin/env bash
# An AT_END (or AT_SESSION) hook for app_open.sh: runs Duplicates & outliers ▸ Outliers in the app it opened and prints
# how long the search took and the resident size during it (BENCHMARKS "Issue 16h"):
#
#   AT_END="bash scripts/bench/hooks/outliers.sh" scripts/bench/app_open.sh target/loupe.jar P -Xmx320m ...
#
# It clicks where the tab and the button are in the window's first layout (1280×820, the size a new user home gets),
# measured from the window's corner; with another layout the clicks miss and it says so. Leaves a screenshot in
# ${SHOT:-/tmp/outliers.png} to look at.
set -euo pipefail
pid=${APP_PID:?run from app_open.sh, which sets APP_PID}
export DISPLAY
DISPLAY=$(tr '\0' '\n' <"/proc/$pid/environ" | grep '^DISPLAY=' | cut -d= -f2)
win=$(xdotool search --onlyvisible --name '^Loupe' | head -1)
eval "$(xdotool getwindowgeometry --shell "$win")" # X, Y
echo "before the check: $(grep VmHWM "/proc/$pid/status")"
xdotool mousemove $((X + 1182)) $((Y + 46)) click 1 # the Duplicates & outliers tab
sleep 1.5
xdotool mousemove $((X + 1083)) $((Y + 78)) click 1 # Find: Outliers
t0=$(date +%s.%N)
started=""
for _ in $(seq 1 100); do # the search runs on its own thread
  if grep -q "loupe-data-chec" /proc/"$pid"/task/*/comm 2>/dev/null; then started=1; break; fi
  sleep 0.1
done
[ -n "$started" ] || { echo "no data check started (did the clicks miss? see the screenshot)"; import -window root "${SHOT:-/tmp/outliers.png}"; exit 1; }
peak=0
while grep -q "loupe-data-chec" /proc/"$pid"/task/*/comm 2>/dev/null; do
  r=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  [ "$r" -gt "$peak" ] && peak=$r
  sleep 0.5
done
t1=$(date +%s.%N)
sleep 2
echo "check took $(echo "$t1 - $t0" | bc) s; VmRSS sampled during it up to $peak kB; after: $(grep -E 'VmHWM|VmRSS' "/proc/$pid/status" | tr '\n' ' ')"
import -window root "${SHOT:-/tmp/outliers.png}"
