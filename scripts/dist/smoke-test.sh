#!/usr/bin/env bash
# Installs the .deb built by `mvn -Pdist package` and uses it as a newcomer would, with no Maven and no JDK on PATH:
# the command line on a fresh project, then the app under Xvfb until its gallery has painted; removes it again.
# Run as root (dpkg). Usage: scripts/dist/smoke-test.sh [target/dist/loupe_*.deb]
set -euo pipefail
deb=${1:-$(ls target/dist/loupe_*_amd64.deb)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v Xvfb >/dev/null 2>&1 && command -v import >/dev/null 2>&1 \
  || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb imagemagick >/dev/null; }
# dpkg cannot fetch dependencies (GTK for JavaFX); apt-get -f installs them and finishes the install.
dpkg -i "$deb" || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq; }
test "$(readlink /usr/bin/loupe)" = /opt/loupe/bin/Loupe
# postinst made the class-data sharing archive (ADR 0041), and the launcher maps it
test -s /opt/loupe/lib/app/loupe.jsa || { echo "smoke: no /opt/loupe/lib/app/loupe.jsa after install" >&2; exit 1; }
shared=$(env -i PATH=/usr/bin:/bin JAVA_TOOL_OPTIONS="-Xlog:class+load=info" loupe --version 2>/dev/null | grep -c "source: shared objects file" || true)
[ "$shared" -gt 500 ] || { echo "smoke: only $shared classes came from the archive" >&2; exit 1; }
echo "smoke: $shared classes of \`loupe --version\` came from the class-data sharing archive"

# No JAVA_HOME, no mvn, no java needed. Java takes its home from the password file, not $HOME: user.home keeps the
# sample project and ~/.javacpp out of the CI user's own home (a sample project left there would point into /opt/loupe).
bare=(env -i PATH=/usr/bin:/bin HOME="$work/home" JAVA_TOOL_OPTIONS="-Duser.home=$work/home")
mkdir -p "$work/home" && cd "$work"
"${bare[@]}" loupe import demo.loupe /opt/loupe/lib/app/sample-images --labels-from-subfolders >/dev/null
"${bare[@]}" loupe status demo.loupe --json > status.json
grep -q '"images" : 343' status.json || { cat status.json; echo "smoke: expected 343 images" >&2; exit 1; }
echo "smoke: CLI imported and embedded the sample images in a fresh project"

# The app with no argument: it builds the sample project itself and shows the gallery.
Xvfb :91 -screen 0 1600x1000x24 >/dev/null 2>&1 & xvfb=$!
sleep 1
"${bare[@]}" DISPLAY=:91 loupe > app.log 2>&1 & app=$!
for _ in $(seq 1 120); do grep -q "LabellingSession" app.log && break; sleep 1; done
sleep 8
DISPLAY=:91 import -window root shot.png
kill "$app" "$xvfb" || true
colours=$(convert shot.png -format '%k' info:)
# The empty window shows a few thousand colours (grey panes, text); the gallery of thumbnails tens of thousands.
if [ "$colours" -lt 20000 ]; then
  tail -20 app.log; echo "smoke: the app's window shows $colours colours, no gallery" >&2; exit 1
fi
echo "smoke: the app painted its gallery ($colours colours on screen)"

dpkg --purge loupe >/dev/null
test ! -e /usr/bin/loupe
test ! -e /opt/loupe/lib/app/loupe.jsa
echo "smoke: removed; /usr/bin/loupe gone"
