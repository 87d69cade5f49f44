#!/usr/bin/env bash
# Opens the real app on a copy of a big project under Xvfb, labels 100 images with hotkeys and prints its start-up
# stamps (docs/adr/0031-big-project-open.md): ms since JVM start and resident MiB at each, then the peak resident size.
#
#   scripts/bench/app_open.sh JAR PROJECT [java options...]
#   e.g. scripts/bench/app_open.sh target/loupe.jar P -XX:SharedArchiveFile=target/loupe.jsa -Xmx320m -XX:GCTimeRatio=1 \
#          -Dorg.bytedeco.javacpp.maxPhysicalBytes=0
#   or   scripts/bench/app_open.sh /opt/loupe/bin/Loupe P   (the installed app, with the options it was packaged with)
#
# PROJECT is copied first (never written to); it must be of this Loupe's schema (open it once with `loupe status`
# beforehand, else the copy's upgrade is timed too) and have classes with hotkeys 1-9. Key 1 is pressed as soon as
# the gallery's items are shown, then 99 keys 1-9, 0.15 s apart, once the session is shown. Needs Xvfb and xdotool.
# The user home is a fresh folder (no recent projects, no settings); JavaCPP's unpacked natives are reused from
# ~/.javacpp/cache. Prints the load average beside the numbers: they move by seconds on a busy machine.
set -euo pipefail
jar=$(realpath "${1:?usage: app_open.sh JAR|LAUNCHER PROJECT [java options...]}")
project=${2:?usage: app_open.sh JAR|LAUNCHER PROJECT [java options...]}
shift 2
work=$(mktemp -d)
disp=:$((70 + RANDOM % 20))
xvfb=""
app=""
cleanup() {
  set +e # every step runs, whatever the one before returned
  if [ -n "$app" ]; then kill "$app" 2>/dev/null; wait "$app" 2>/dev/null; fi
  if [ -n "$xvfb" ]; then kill "$xvfb" 2>/dev/null; wait "$xvfb" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
cp -r "$project" "$work/p.loupe"
rm -f "$work/p.loupe/project.lock"
mkdir -p "$work/home"
Xvfb "$disp" -screen 0 1600x1000x24 >/dev/null 2>&1 &
xvfb=$!
sleep 1
stamps=$work/stamps
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $jar == *.jar ]]; then
  DISPLAY=$disp java -Duser.home="$work/home" -Dorg.bytedeco.javacpp.cachedir="$HOME/.javacpp/cache" \
    -Dloupe.stamps="$stamps" "$@" -jar "$jar" "$work/p.loupe" >"$work/app.log" 2>&1 &
else # an installed launcher (/opt/loupe/bin/Loupe): its own options, ours through JAVA_TOOL_OPTIONS
  DISPLAY=$disp JAVA_TOOL_OPTIONS="-Duser.home=$work/home -Dorg.bytedeco.javacpp.cachedir=$HOME/.javacpp/cache \
    -Dloupe.stamps=$stamps $*" "$jar" "$work/p.loupe" >"$work/app.log" 2>&1 &
fi
app=$!
has() { [ -f "$stamps" ] && grep -q "^$1 " "$stamps"; }
waitfor() { # name seconds
  for _ in $(seq 1 $(($2 * 20))); do has "$1" && return 0; kill -0 "$app" 2>/dev/null || return 1; sleep 0.05; done
  return 1
}
waitfor gallery_items_shown 120 || { echo "no gallery"; cat "$work/app.log"; exit 1; }
win=$(DISPLAY=$disp xdotool search --sync --onlyvisible --name . | head -1)
DISPLAY=$disp xdotool windowfocus --sync "$win" 2>/dev/null || true
DISPLAY=$disp xdotool key 1
waitfor session_shown 180 || { echo "no session"; tail -20 "$work/app.log"; exit 1; }
[ -n "${AT_SESSION:-}" ] && APP_PID=$app bash -c "$AT_SESSION"
for i in $(seq 2 100); do
  DISPLAY=$disp xdotool key $(((i - 1) % 9 + 1))
  sleep 0.15
done
waitfor label_100_accepted 120 || echo "(label 100 not accepted in 120 s)"
sleep 5 # what the last steps and the idle refresh leave
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$stamps"
grep -E "^(VmHWM|VmRSS|RssAnon|RssFile)" "/proc/$app/status"
[ -n "${AT_END:-}" ] && APP_PID=$app bash -c "$AT_END"
[ -n "${LOG_TO:-}" ] && cp "$work/app.log" "$LOG_TO"
grep -c RELABEL "$work/app.log" | sed 's/^/RELABEL log lines: /' || true
