#!/usr/bin/env bash
# Regenerates the README screenshots assets/screenshots/{overview,strategies,execution,risk}.png:
# runs the real `autobot` TUI on the generated demo market inside a detached tmux session
# (200 x 60, TERM=xterm-256color), lets it trade for a while, captures each tab with its colour
# escapes (`t capture-pane -e -p`) and renders the captures with `examples/term2png`.
#
# Usage: scripts/screenshots.sh            (WARMUP=seconds of running before the first capture,
#                                          PROFILE=release to use an optimised build)
# Needs: tmux, cargo.
set -euo pipefail
cd "$(dirname "$0")/.."

COLS=200
ROWS=60
WARMUP=${WARMUP:-15}
SPEED=${SPEED:-3000}
OUT=assets/screenshots

command -v tmux >/dev/null || { echo "screenshots.sh: tmux is not installed" >&2; exit 1; }
PROFILE=${PROFILE:-debug}
flag=$([ "$PROFILE" = release ] && echo --release || true)
cargo build $flag --bin autobot
cargo build $flag --example term2png
mkdir -p "$OUT"

work=$(mktemp -d)
session="autobot-shot-$$"
# A private tmux server (own socket, no user config) so a running tmux is not disturbed.
t() { tmux -L "$session" -f /dev/null "$@"; }
cleanup() {
    t kill-server 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/home"

t new-session -d -s "$session" -x "$COLS" -y "$ROWS" \
    "env TERM=xterm-256color HOME='$work/home' target/$PROFILE/autobot --db '$work/shot.db' --speed $SPEED"
t set-option -t "$session" window-size manual >/dev/null 2>&1 || true
t resize-window -t "$session" -x "$COLS" -y "$ROWS" >/dev/null 2>&1 || true

echo "letting the demo market run for ${WARMUP}s..."
sleep "$WARMUP"
t has-session -t "$session" 2>/dev/null || { echo "screenshots.sh: autobot exited early" >&2; exit 1; }

tab=1
for name in overview strategies execution risk; do
    t send-keys -t "$session" "$tab"
    sleep 1.5
    t capture-pane -e -p -t "$session" > "$work/$name.ansi"
    target/$PROFILE/examples/term2png "$work/$name.ansi" "$OUT/$name.png" "$COLS" "$ROWS"
    echo "wrote $OUT/$name.png ($(wc -c < "$OUT/$name.png") bytes)"
    tab=$((tab + 1))
done
if [ -n "${KEEP_ANSI:-}" ]; then cp "$work"/*.ansi "$KEEP_ANSI"/; fi
t send-keys -t "$session" q
sleep 0.5
