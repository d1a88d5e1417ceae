#!/usr/bin/env bash
#
# isolation.sh: issue #8's test with the ringmq-loadtest "isolation" scenario. Healthy QoS 1 publisher/subscriber
# pairs plus one stalled subscriber to '#', three ways:
#   none       baseline, no stalled subscriber
#   connected  the extra subscriber stays connected and never reads its socket (4 KiB receive buffer)
#   offline    the extra subscriber keeps a persistent session (Clean Session 0 / session expiry) and goes offline
# Each run gets a freshly started broker (so its RSS and $SYS counters start from nothing); the modes are interleaved
# (none, connected, offline, none, ...) RUNS times. At the end it prints, per broker and mode, the medians of the
# runs: healthy received msg/s and its ratio to the baseline's median, healthy loss (acknowledged but not delivered),
# duplicates, unexpected disconnects and ping timeouts of healthy clients, slowest PINGRESP, latency p50/p99, broker
# RSS after set-up / peak while publishing / at the end, and the broker's $SYS counters (messages dropped because a
# session's queue was full, sessions stalled, publisher acknowledgements held).
#
# It builds nothing. Build first (from the repository root):
#   mvn -B -q install -DskipTests -pl store,core,transport,loadtest
#   loadtest/isolation.sh
#
# Environment (defaults in brackets):
#   PAIRS      healthy pairs [1000]                RATE      msg/s per pair [10]
#   DURATION   measurement per run [20s]           WARMUP    [2s]
#   RUNS       repetitions of each mode [3]        MODES     ["none connected offline"]
#   PROTOCOL   4 (3.1.1) or 5 [4]                  KEEP_ALIVE seconds [5]
#   THREADS    load tester selector threads [1]    SYS_WAIT  wait for the broker's next $SYS update [2s]
#   BROKERS    "ringmq" and/or "mosquitto" [ringmq, plus mosquitto when installed]
#   RINGMQ_ARGS extra broker options [] (the broker runs with --sys-interval 1 and its defaults:
#              --max-queued-messages 10000, --max-ack-delay 1000, --queue-overflow drop-new, journal on)
#   RINGMQ_JAVA_OPTS JVM options for the broker []
#   RINGMQ_JAR [transport/target/ringmq.jar]       LOADTEST_JAR [loadtest/target/ringmq-loadtest.jar]
#   MOSQUITTO  [mosquitto on PATH or /usr/sbin/mosquitto]; runs with persistence false, max_queued_messages 10000,
#              max_inflight_messages 64, sys_interval 1
#   OUT        logs and JSON results [loadtest/target/isolation-<time>]
#
# Needs: Java 17, jq, Linux (/proc), an open-file limit of 2 * PAIRS + 100 per process. Loopback only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PAIRS="${PAIRS:-1000}"
RATE="${RATE:-10}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-2s}"
RUNS="${RUNS:-3}"
MODES="${MODES:-none connected offline}"
PROTOCOL="${PROTOCOL:-4}"
KEEP_ALIVE="${KEEP_ALIVE:-5}"
THREADS="${THREADS:-1}"
SYS_WAIT="${SYS_WAIT:-2s}"
RINGMQ_JAR="${RINGMQ_JAR:-$ROOT/transport/target/ringmq.jar}"
LOADTEST_JAR="${LOADTEST_JAR:-$ROOT/loadtest/target/ringmq-loadtest.jar}"
MOSQUITTO="${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"
if [[ -z "${BROKERS:-}" ]]; then
    BROKERS="ringmq"
    [[ -x "$MOSQUITTO" ]] && BROKERS="ringmq mosquitto"
fi
OUT="${OUT:-$ROOT/loadtest/target/isolation-$(date +%Y%m%d-%H%M%S)}"

for file in "$RINGMQ_JAR" "$LOADTEST_JAR"; do
    if [[ ! -e "$file" ]]; then
        echo "isolation: missing $file (see the build command at the top of this script)" >&2
        exit 1
    fi
done
command -v jq >/dev/null || { echo "isolation: needs jq" >&2; exit 1; }
mkdir -p "$OUT"
ulimit -n 20000 2>/dev/null || true

BROKER_PID=""
# shellcheck source=broker-lib.sh
source "$ROOT/loadtest/broker-lib.sh"

cleanup() {
    stop_pid "$BROKER_PID"
    rm -rf "$OUT/ringmq-data"
}
trap cleanup EXIT INT TERM

start_broker() {
    local broker="$1"
    PORT="$(free_port)"
    case "$broker" in
        ringmq)
            rm -rf "$OUT/ringmq-data"
            mkdir -p "$OUT/ringmq-data"
            # shellcheck disable=SC2086
            java ${RINGMQ_JAVA_OPTS:-} -jar "$RINGMQ_JAR" --port "$PORT" --bind 127.0.0.1 \
                --data-dir "$OUT/ringmq-data" --sys-interval 1 ${RINGMQ_ARGS:-} >>"$OUT/ringmq.log" 2>&1 &
            BROKER_PID=$! ;;
        mosquitto)
            printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 10000\nmax_inflight_messages 64\nsys_interval 1\n' \
                "$PORT" >"$OUT/mosquitto.conf"
            "$MOSQUITTO" -c "$OUT/mosquitto.conf" >>"$OUT/mosquitto.log" 2>&1 &
            BROKER_PID=$! ;;
        *)
            echo "isolation: unknown broker $broker" >&2
            exit 2 ;;
    esac
    wait_listening "$PORT" "$BROKER_PID" "$broker"
}

echo "isolation: $PAIRS pairs x $RATE msg/s (QoS 1, keep-alive $KEEP_ALIVE s), $DURATION per run, $RUNS run(s) of" \
    "each mode ($MODES) per broker ($BROKERS); results in $OUT"
for run in $(seq 1 "$RUNS"); do
    for mode in $MODES; do
        for broker in $BROKERS; do
            start_broker "$broker"
            json="$OUT/$broker-$mode-$run.json"
            printf '%-9s %-9s run %d: ' "$broker" "$mode" "$run"
            if java -jar "$LOADTEST_JAR" isolation --port "$PORT" --pairs "$PAIRS" --rate "$RATE" --qos 1 \
                --keep-alive "$KEEP_ALIVE" --protocol "$PROTOCOL" --duration "$DURATION" --warmup "$WARMUP" \
                --threads "$THREADS" --stalled "$mode" --sys-wait "$SYS_WAIT" --broker-pid "$BROKER_PID" \
                --no-progress --json "$json" >"$OUT/$broker-$mode-$run.txt" 2>>"$OUT/loadtest.log"; then
                jq -r '"\(.isolation.healthyReceiveRate | floor) msg/s, lost \(.lost), dup \(.duplicated), " +
                    "disconnects \(.isolation.healthyDisconnects), p99 \(.latencyUs.p99 | floor) us, " +
                    "RSS peak \(.isolation.brokerRssMaxKb) KiB, sys \(.isolation.sys | tostring)"' "$json"
            else
                echo "failed, see $OUT/$broker-$mode-$run.txt and $OUT/loadtest.log"
            fi
            stop_pid "$BROKER_PID"
            BROKER_PID=""
        done
    done
done

median() {
    # median of the numbers on stdin (the upper middle one for an even count)
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else print v[int(NR / 2) + 1] }'
}

field() {
    local files=("$@")
    jq -r "$FIELD" "${files[@]}" | median
}

echo
{
echo "medians of $RUNS run(s): $PAIRS pairs x $RATE msg/s, QoS 1; ratio = healthy received msg/s / baseline (none)"
printf '%-9s %-9s %9s %6s %5s %4s %6s %6s %8s %9s %9s %10s %10s %10s %12s %8s %8s\n' broker mode "rcv/s" ratio lost \
    dup discon pingTO "maxPing" "p50" "p99" "RSSsetup" "RSSpeak" "RSSend" "droppedQFull" stalled acksHeld
for broker in $BROKERS; do
    baseline=""
    for mode in $MODES; do
        files=()
        for run in $(seq 1 "$RUNS"); do
            [[ -s "$OUT/$broker-$mode-$run.json" ]] && files+=("$OUT/$broker-$mode-$run.json")
        done
        [[ ${#files[@]} -eq 0 ]] && continue
        FIELD='.isolation.healthyReceiveRate'; rate="$(field "${files[@]}")"
        [[ "$mode" == none ]] && baseline="$rate"
        ratio="n/a"
        if [[ -n "$baseline" ]]; then
            ratio="$(awk -v a="$rate" -v b="$baseline" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
        fi
        FIELD='.lost'; lost="$(field "${files[@]}")"
        FIELD='.duplicated'; dup="$(field "${files[@]}")"
        FIELD='.isolation.healthyDisconnects'; disc="$(field "${files[@]}")"
        FIELD='.isolation.pingTimeouts'; pto="$(field "${files[@]}")"
        FIELD='.isolation.maxPingRttUs / 1000 | floor'; ping="$(field "${files[@]}")"
        FIELD='.latencyUs.p50 | floor'; p50="$(field "${files[@]}")"
        FIELD='.latencyUs.p99 | floor'; p99="$(field "${files[@]}")"
        FIELD='.isolation.brokerRssSetupKb'; rss0="$(field "${files[@]}")"
        FIELD='.isolation.brokerRssMaxKb'; rss1="$(field "${files[@]}")"
        FIELD='.isolation.brokerRssEndKb'; rss2="$(field "${files[@]}")"
        FIELD='.isolation.sys["publish/messages/dropped/queue-full"] // .isolation.sys["publish/messages/dropped"] // "n/a"'
        dropped="$(field "${files[@]}")"
        FIELD='.isolation.sys["clients/stalled"] // "n/a"'; stalled="$(field "${files[@]}")"
        FIELD='.isolation.sys["publish/acks/held"] // "n/a"'; held="$(field "${files[@]}")"
        printf '%-9s %-9s %9.0f %6s %5s %4s %6s %6s %6sms %7sus %7sus %7sKiB %7sKiB %7sKiB %12s %8s %8s\n' \
            "$broker" "$mode" "$rate" "$ratio" "$lost" "$dup" "$disc" "$pto" "$ping" "$p50" "$p99" "$rss0" "$rss1" \
            "$rss2" "$dropped" "$stalled" "$held"
    done
done
} | tee "$OUT/summary.txt"
