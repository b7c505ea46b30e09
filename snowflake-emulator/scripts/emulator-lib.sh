# Shared by the emulator's test scripts (sourced, not run): start a fresh
# emulator on a free port, remember its pid, stop it by that pid.
#   start_emulator DIR [ARGS...]  -> sets EMULATOR_PID and EMULATOR_PORT
#   stop_emulator
# DIR receives the emulator's stdout and stderr.

start_emulator() {
    local dir="$1"
    shift
    "$BIN" --port 0 "$@" >"$dir/emulator.out" 2>"$dir/emulator.err" &
    EMULATOR_PID=$!
    for _ in $(seq 1 300); do
        if grep -q '^listening on ' "$dir/emulator.out"; then
            EMULATOR_PORT="$(sed -n 's/^listening on http:\/\/[^:]*:\([0-9]*\)$/\1/p' "$dir/emulator.out")"
            return 0
        fi
        if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
            echo "emulator exited before listening:" >&2
            cat "$dir/emulator.err" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "emulator did not report its port within 30 s" >&2
    return 1
}

stop_emulator() {
    if [[ -n "${EMULATOR_PID:-}" ]]; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
        EMULATOR_PID=""
    fi
}

# venv_with DIR REQUIREMENT...: a virtualenv at DIR holding exactly the pinned
# REQUIREMENTs (name==version), created or recreated only when they differ.
venv_with() {
    local venv="$1"
    shift
    if ! "$venv/bin/python" - "$@" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
for req in sys.argv[1:]:
    name, want = req.split("==")
    assert version(name) == want, req
PY
    then
        echo "==> creating $venv ($*)" >&2
        rm -rf "$venv"
        "${PYTHON:-python3}" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2
    fi
}
