#!/usr/bin/env bash
#
# compare-journal.sh: what the journal costs. QoS 1 fan-in into persistent sessions (8 publishers -> 1 wildcard
# subscriber with a persistent session, unlimited rate, window 64) against two RingMQ brokers side by side:
#   A  --persistence false            (sessions in memory only: the figure of the in-memory broker)
#   B  --persistence true --sync MODE (every accepted message and every acknowledgement in the mapped log)
# for MODE in SYNCS, each RUNS times alternately, with the ringmq-loadtest "compare" mode, which prints per-run
# figures and the ratio of the medians (B/A is the journal's share of the in-memory throughput).
# Then it measures disk bytes per queued message: a persistent subscriber goes offline, QUEUED messages of
# PAYLOAD bytes are published to it, and the growth of the log is divided by QUEUED.
#
# Usage (from the repository root, after building the jars; see compare-mosquitto.sh):
#   loadtest/compare-journal.sh
#
# Environment (defaults in brackets):
#   DURATION [10s]  WARMUP [1s]  RUNS [3]  SYNCS ["none batch"]  PAYLOAD [64]  QUEUED [50000]
#   RINGMQ_JAR [transport/target/ringmq.jar]  LOADTEST_JAR [loadtest/target/ringmq-loadtest.jar]
#   RINGMQ_JAVA_OPTS extra JVM options for both brokers []
#   OUT directory for logs, data and JSON/HTML results [loadtest/target/journal-<time>]
# Everything listens on and connects to 127.0.0.1 only; both brokers are stopped by PID at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-1s}"
RUNS="${RUNS:-3}"
SYNCS="${SYNCS:-none batch}"
PAYLOAD="${PAYLOAD:-64}"
QUEUED="${QUEUED:-50000}"
RINGMQ_JAR="${RINGMQ_JAR:-$ROOT/transport/target/ringmq.jar}"
LOADTEST_JAR="${LOADTEST_JAR:-$ROOT/loadtest/target/ringmq-loadtest.jar}"
OUT="${OUT:-$ROOT/loadtest/target/journal-$(date +%Y%m%d-%H%M%S)}"

for file in "$RINGMQ_JAR" "$LOADTEST_JAR"; do
    if [[ ! -e "$file" ]]; then
        echo "compare-journal: missing $file (build the jars first)" >&2
        exit 1
    fi
done
mkdir -p "$OUT"
# shellcheck source=broker-lib.sh
source "$ROOT/loadtest/broker-lib.sh"

MEMORY_PID=""
JOURNAL_PID=""
cleanup() {
    stop_pid "$MEMORY_PID"
    stop_pid "$JOURNAL_PID"
    rm -rf "$OUT/memory-data" "$OUT/journal-data"
}
trap cleanup EXIT INT TERM

start_ringmq() {
    local name="$1" port="$2"
    shift 2
    rm -rf "$OUT/$name-data"
    # shellcheck disable=SC2086
    java ${RINGMQ_JAVA_OPTS:-} -jar "$RINGMQ_JAR" --port "$port" --bind 127.0.0.1 --data-dir "$OUT/$name-data" \
        --max-queued-messages 1000000 "$@" >>"$OUT/$name.log" 2>&1 &
    echo $!
}

MEMORY_PORT="$(free_port)"
MEMORY_PID="$(start_ringmq memory "$MEMORY_PORT" --persistence false)"
wait_listening "$MEMORY_PORT" "$MEMORY_PID" memory

for sync in $SYNCS; do
    JOURNAL_PORT="$(free_port)"
    while [[ "$JOURNAL_PORT" == "$MEMORY_PORT" ]]; do JOURNAL_PORT="$(free_port)"; done
    JOURNAL_PID="$(start_ringmq journal "$JOURNAL_PORT" --persistence true --sync "$sync")"
    wait_listening "$JOURNAL_PORT" "$JOURNAL_PID" journal
    echo
    echo "### fan-in QoS 1 into a persistent session: in-memory (a) vs sync=$sync (b)"
    java -jar "$LOADTEST_JAR" compare \
        --a "127.0.0.1:$MEMORY_PORT" --a-name memory --a-pid "$MEMORY_PID" \
        --b "127.0.0.1:$JOURNAL_PORT" --b-name "sync-$sync" --b-pid "$JOURNAL_PID" \
        --runs "$RUNS" --json "$OUT/fan-in-qos1-$sync.json" --html "$OUT/fan-in-qos1-$sync.html" \
        fan-in --publishers 8 --subscribers 1 --qos 1 --rate 0 --inflight 64 --payload "$PAYLOAD" \
        --persistent-sessions --duration "$DURATION" --warmup "$WARMUP" --no-progress \
        2>>"$OUT/loadtest.log" | tee "$OUT/fan-in-qos1-$sync.txt"
    stop_pid "$JOURNAL_PID"
    JOURNAL_PID=""
done

store_used() {
    mosquitto_sub -h 127.0.0.1 -p "$JOURNAL_PORT" -t '$SYS/broker/store/bytes/used' -C 1 -W 5
}
payload="$(head -c "$PAYLOAD" /dev/zero | tr '\0' 'x')"
for sync in $SYNCS; do
    echo
    echo "### disk bytes per queued message, sync=$sync ($QUEUED messages of $PAYLOAD bytes to one offline session)"
    JOURNAL_PORT="$(free_port)"
    JOURNAL_PID="$(start_ringmq journal "$JOURNAL_PORT" --persistence true --sync "$sync" --sys-interval 1)"
    wait_listening "$JOURNAL_PORT" "$JOURNAL_PID" journal
    mosquitto_sub -h 127.0.0.1 -p "$JOURNAL_PORT" -i offline-device -c -q 1 -t 'queue/#' -E
    sleep 1.2
    before="$(store_used)"
    for _ in $(seq 1 "$QUEUED"); do echo "$payload"; done \
        | mosquitto_pub -h 127.0.0.1 -p "$JOURNAL_PORT" -q 1 -t queue/device/telemetry -l
    sleep 1.2
    after="$(store_used)"
    echo "log bytes in use before $before, after $after: $(( (after - before) / QUEUED )) bytes per queued" \
        "message (topic queue/device/telemetry, $PAYLOAD-byte payload)" | tee "$OUT/queued-$sync.txt"
    stop_pid "$JOURNAL_PID"
    JOURNAL_PID=""
done
