#!/usr/bin/env bash
#
# Shell functions shared by the compare-*.sh scripts: free loopback ports, waiting for a broker to listen,
# stopping a broker by the PID we started, reading its RSS. Source it; it expects $OUT to be set.

stop_pid() {
    local pid="$1"
    [[ -z "$pid" ]] && return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || return 0
            sleep 0.2
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A port nothing listens on, below Linux's default ephemeral range (32768-60999): no outgoing connection takes it
# between this choice and the broker's bind (RingMQ's start-up warm-up makes thousands of loopback connections).
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 12000))
        if ! port_open "$port"; then
            echo "$port"
            return 0
        fi
    done
    echo "compare: no free port found" >&2
    return 1
}

wait_listening() {
    local port="$1" pid="$2" name="$3"
    for _ in $(seq 1 150); do
        if port_open "$port"; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "compare: $name exited during start-up, see $OUT/$name.log" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "compare: $name is not listening on $port after 30 s" >&2
    return 1
}

rss_kb() {
    awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo "?"
}

# require_files NAME FILE...: exit with one line naming the first missing file (jars not built, broker missing).
require_files() {
    local name="$1"
    shift
    local file
    for file in "$@"; do
        if [[ ! -e "$file" ]]; then
            echo "$name: missing $file (see the build commands at the top of the script)" >&2
            exit 1
        fi
    done
}
