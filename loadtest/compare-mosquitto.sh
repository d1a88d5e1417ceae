#!/usr/bin/env bash
#
# compare-mosquitto.sh: RingMQ against Mosquitto with the ringmq-loadtest "compare" mode.
#
# Starts a RingMQ broker and a Mosquitto broker (persistence false) on two free loopback ports, runs
#   1. fan-in  QoS 0 (8 publishers -> 1 wildcard subscriber, unlimited rate: throughput)
#   2. fan-in  QoS 1 (same, window of 64 per publisher)
#   3. pairs   latency (100 pairs, 10,000 msg/s in total, QoS 1)
#   3b. fanout latency (1 publisher -> 100 subscribers of its topic, 500 msg/s, QoS 0)
#   4. idle    10,000 connections: broker RSS per connection (/proc/<pid>/status VmRSS minus the baseline
#              taken before connecting), on freshly started brokers for each run
#   5. connect-storm (5,000 connections at STORM_RATE per second, 0 = as fast as possible: connects/s, CONNACK p99)
#   and, only when named in SCENARIOS, fanin0rate: fan-in QoS 0 at FANIN_RATE msg/s in all (latency at a fixed rate)
# each RUNS times alternately against both brokers, prints per-run figures and the ratio of the medians
# (RingMQ/Mosquitto and Mosquitto/RingMQ), then stops both brokers by PID.
#
# Usage (from the repository root, after building the jars):
#   mvn -B -pl store,core install -DskipTests
#   mvn -B -pl transport package -Dmaven.test.skip=true
#   mvn -B -pl loadtest package -DskipTests
#   loadtest/compare-mosquitto.sh
#
# Environment (defaults in brackets):
#   DURATION            measurement time per run [10s]     WARMUP   warm-up per run [1s]
#   RUNS                runs per broker and scenario [3]
#   TESTER_WARMUP       unmeasured runs against Mosquitto first (more while the load tester still compiles much),
#                       so that its own JIT warm-up does not count against RingMQ's first run (RingMQ is not
#                       warmed by them; not for idle) [1]
#   IDLE_CONNECTIONS    [10000]                            STORM_CONNECTIONS [5000]
#   PAIRS               [100]                              PAIRS_RATE total msg/s [10000]
#   PAIRS_QOS           [1]                                STORM_RATE connections/s, 0 = unlimited [5000]
#   FANOUT_SUBSCRIBERS  [100]                              FANOUT_RATE msg/s of the one publisher [500]
#   THREADS             load tester selector threads [1]
#   SCENARIOS           subset, e.g. "fanin0 fanin1 pairs fanout idle storm" [all]
#   RINGMQ_JAR          [transport/target/ringmq.jar]      LOADTEST_JAR [loadtest/target/ringmq-loadtest.jar]
#   MOSQUITTO           [mosquitto on PATH or /usr/sbin/mosquitto]
#   RINGMQ_JAVA_OPTS    extra JVM options for the broker []
#   RINGMQ_ARGS         extra broker options, e.g. "--warm-up-connections 0" []
#   FANIN_RATE          total msg/s of fanin0rate [800000]
#   BROKER_CPUS         CPUs both brokers run on (taskset -c list, e.g. 1) [any]
#   LOAD_CPUS           CPUs the load tester runs on (e.g. 0), so that it does not take the brokers' CPU [any]
#   OUT                 directory for logs and JSON/HTML results [loadtest/target/compare-<time>]
#
# Needs: Java 17, Mosquitto 2.x, Linux (/proc), an open-file limit of at least IDLE_CONNECTIONS + 1000 for
# each process. Everything listens on and connects to 127.0.0.1 only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-1s}"
RUNS="${RUNS:-3}"
TESTER_WARMUP="${TESTER_WARMUP:-1}"
IDLE_CONNECTIONS="${IDLE_CONNECTIONS:-10000}"
STORM_CONNECTIONS="${STORM_CONNECTIONS:-5000}"
PAIRS="${PAIRS:-100}"
PAIRS_RATE="${PAIRS_RATE:-10000}"
PAIRS_QOS="${PAIRS_QOS:-1}"
STORM_RATE="${STORM_RATE:-5000}"
FANOUT_SUBSCRIBERS="${FANOUT_SUBSCRIBERS:-100}"
FANOUT_RATE="${FANOUT_RATE:-500}"
FANIN_RATE="${FANIN_RATE:-800000}"
BROKER_PIN=()
LOAD_PIN=()
if [[ -n "${BROKER_CPUS:-}" ]]; then BROKER_PIN=(taskset -c "$BROKER_CPUS"); fi
if [[ -n "${LOAD_CPUS:-}" ]]; then LOAD_PIN=(taskset -c "$LOAD_CPUS"); fi
THREADS="${THREADS:-1}"
SCENARIOS="${SCENARIOS:-fanin0 fanin1 pairs fanout idle storm}"
RINGMQ_JAR="${RINGMQ_JAR:-$ROOT/transport/target/ringmq.jar}"
LOADTEST_JAR="${LOADTEST_JAR:-$ROOT/loadtest/target/ringmq-loadtest.jar}"
MOSQUITTO="${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"
OUT="${OUT:-$ROOT/loadtest/target/compare-$(date +%Y%m%d-%H%M%S)}"

mkdir -p "$OUT"
ulimit -n 20000 2>/dev/null || true

RINGMQ_PID=""
MOSQUITTO_PID=""
# shellcheck source=broker-lib.sh
source "$ROOT/loadtest/broker-lib.sh"
require_files compare-mosquitto "$RINGMQ_JAR" "$LOADTEST_JAR" "$MOSQUITTO"

cleanup() {
    stop_brokers
    rm -rf "$OUT/ringmq-data"
}
trap cleanup EXIT INT TERM

start_brokers() {
    RINGMQ_PORT="$(free_port)"
    MOSQUITTO_PORT="$(free_port)"
    while [[ "$MOSQUITTO_PORT" == "$RINGMQ_PORT" ]]; do MOSQUITTO_PORT="$(free_port)"; done

    rm -rf "$OUT/ringmq-data"
    mkdir -p "$OUT/ringmq-data"
    # shellcheck disable=SC2086
    "${BROKER_PIN[@]}" java ${RINGMQ_JAVA_OPTS:-} -jar "$RINGMQ_JAR" --port "$RINGMQ_PORT" --bind 127.0.0.1 \
        --data-dir "$OUT/ringmq-data" --max-queued-messages 100000 ${RINGMQ_ARGS:-} >>"$OUT/ringmq.log" 2>&1 &
    RINGMQ_PID=$!

    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\nmax_inflight_messages 0\n' \
        "$MOSQUITTO_PORT" >"$OUT/mosquitto.conf"
    "${BROKER_PIN[@]}" "$MOSQUITTO" -c "$OUT/mosquitto.conf" >>"$OUT/mosquitto.log" 2>&1 &
    MOSQUITTO_PID=$!

    wait_listening "$RINGMQ_PORT" "$RINGMQ_PID" ringmq
    wait_listening "$MOSQUITTO_PORT" "$MOSQUITTO_PID" mosquitto
    echo "RingMQ    pid $RINGMQ_PID on 127.0.0.1:$RINGMQ_PORT (RSS $(rss_kb "$RINGMQ_PID") KiB)"
    echo "Mosquitto pid $MOSQUITTO_PID on 127.0.0.1:$MOSQUITTO_PORT (RSS $(rss_kb "$MOSQUITTO_PID") KiB)"
}

stop_brokers() {
    stop_pid "$RINGMQ_PID"
    stop_pid "$MOSQUITTO_PID"
    RINGMQ_PID=""
    MOSQUITTO_PID=""
}

start_brokers
echo "$("$MOSQUITTO" -h 2>/dev/null | head -1); results in $OUT; $RUNS run(s) of $DURATION per broker and scenario"

compare() {
    local name="$1"
    shift
    echo
    echo "### $name"
    "${LOAD_PIN[@]}" java -jar "$LOADTEST_JAR" compare \
        --a "127.0.0.1:$RINGMQ_PORT" --a-name ringmq --a-pid "$RINGMQ_PID" \
        --b "127.0.0.1:$MOSQUITTO_PORT" --b-name mosquitto --b-pid "$MOSQUITTO_PID" \
        --runs "${RUNS_OVERRIDE:-$RUNS}" --tester-warm-up "${TESTER_WARMUP_OVERRIDE:-$TESTER_WARMUP}" \
        --json "$OUT/$name.json" --html "$OUT/$name.html" \
        "$@" --threads "$THREADS" --no-progress 2>>"$OUT/loadtest.log" | tee "$OUT/$name.txt"
}

for scenario in $SCENARIOS; do
    case "$scenario" in
        fanin0)
            compare fan-in-qos0 fan-in --publishers 8 --subscribers 1 --qos 0 --rate 0 --payload 64 \
                --duration "$DURATION" --warmup "$WARMUP" ;;
        fanin0rate)
            compare fan-in-qos0-rate fan-in --publishers 8 --subscribers 1 --qos 0 --total-rate "$FANIN_RATE" \
                --payload 64 --duration "$DURATION" --warmup "$WARMUP" ;;
        fanin1)
            compare fan-in-qos1 fan-in --publishers 8 --subscribers 1 --qos 1 --rate 0 --inflight 64 --payload 64 \
                --duration "$DURATION" --warmup "$WARMUP" ;;
        pairs)
            compare pairs-latency pairs --pairs "$PAIRS" --total-rate "$PAIRS_RATE" --qos "$PAIRS_QOS" --payload 64 \
                --duration "$DURATION" --warmup "$WARMUP" ;;
        fanout)
            compare fan-out-latency fan-out --publishers 1 --subscribers "$FANOUT_SUBSCRIBERS" --qos 0 \
                --total-rate "$FANOUT_RATE" --payload 64 --duration "$DURATION" --warmup "$WARMUP" ;;
        idle)
            # RSS only grows on pages never touched before, so each idle run gets freshly started brokers; the
            # baseline is read just before connecting. compare-summary takes the medians over the runs.
            files=()
            for run in $(seq 1 "$RUNS"); do
                stop_brokers
                start_brokers
                RUNS_OVERRIDE=1 TESTER_WARMUP_OVERRIDE=0 compare "idle-run$run" idle --connections "$IDLE_CONNECTIONS" --keep-alive 4 \
                    --duration "$DURATION" --warmup 1s
                files+=("$OUT/idle-run$run.json")
            done
            echo
            echo "### idle"
            java -jar "$LOADTEST_JAR" compare-summary "${files[@]}" | tee "$OUT/idle.txt"
            rm -f "$OUT"/idle-run*.txt ;;
        storm)
            compare connect-storm connect-storm --connections "$STORM_CONNECTIONS" --ramp-up "$STORM_RATE" ;;
        *)
            echo "compare-mosquitto: unknown scenario $scenario" >&2
            exit 2 ;;
    esac
done

echo
echo "summary (ratio of medians, ringmq/mosquitto; rate = received msg/s, connects/s, or RSS bytes/connection):"
for file in "$OUT"/*.txt; do
    printf '  %-16s %s\n' "$(basename "$file" .txt)" \
        "$(grep -E '^ratio of medians' "$file" | sed -E 's/ratio of medians //' | awk '{print $1, $4, $5}' | paste -sd ' ')"
done
