#!/usr/bin/env bash
#
# compare-cluster.sh: what crossing nodes costs. Starts a three-node cluster on 127.0.0.1, .2 and .3 (each its own
# --bind, data directory and HTTP address), then runs fan-in (8 publishers -> 1 wildcard subscriber) RUNS times,
# alternately within one node (publishers and subscriber on node 0) and across nodes (publishers on node 0,
# subscriber on node 1), for each QoS in QOS, unlimited rate (QoS 1/2: window INFLIGHT per publisher), and at a
# fixed total RATE; prints each run's delivered rate, loss and latency, and the medians.
#
# Usage (from the repository root, after building the jars: mvn -B -q install -DskipTests):
#   loadtest/compare-cluster.sh
#
# Environment (defaults in brackets):
#   DURATION [8s]  WARMUP [2s]  RUNS [3]  QOS ["0 1"]  INFLIGHT [16]  RATE [20000]  PAYLOAD [64]
#   RINGMQ_JAR [transport/target/ringmq.jar]  LOADTEST_JAR [loadtest/target/ringmq-loadtest.jar]
#   RINGMQ_JAVA_OPTS extra JVM options for every node [-Xmx1g]
#   OUT directory for logs and data [loadtest/target/cluster-<time>]
# Everything listens on and connects to 127.0.0.1-3 only; the nodes are stopped by PID at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-8s}"
WARMUP="${WARMUP:-2s}"
RUNS="${RUNS:-3}"
QOS="${QOS:-0 1}"
INFLIGHT="${INFLIGHT:-16}"
RATE="${RATE:-20000}"
PAYLOAD="${PAYLOAD:-64}"
RINGMQ_JAR="${RINGMQ_JAR:-$ROOT/transport/target/ringmq.jar}"
LOADTEST_JAR="${LOADTEST_JAR:-$ROOT/loadtest/target/ringmq-loadtest.jar}"
OUT="${OUT:-$ROOT/loadtest/target/cluster-$(date +%Y%m%d-%H%M%S)}"

mkdir -p "$OUT"
# shellcheck source=broker-lib.sh
source "$ROOT/loadtest/broker-lib.sh"
require_files compare-cluster "$RINGMQ_JAR" "$LOADTEST_JAR"

PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    rm -rf "$OUT"/data-*
}
trap cleanup EXIT INT TERM

# A port free on all three addresses (free_port looks at 127.0.0.1 only).
MQTT_PORT=""
for _ in $(seq 1 50); do
    candidate="$(free_port)"
    if ! (exec 3<>"/dev/tcp/127.0.0.2/$candidate") 2>/dev/null && \
        ! (exec 3<>"/dev/tcp/127.0.0.3/$candidate") 2>/dev/null; then
        MQTT_PORT="$candidate"
        break
    fi
done
[[ -n "$MQTT_PORT" ]] || { echo "compare-cluster: no port free on 127.0.0.1-3" >&2; exit 1; }
MEMBERS="127.0.0.1,127.0.0.2,127.0.0.3"
for i in 0 1 2; do
    # shellcheck disable=SC2086
    java ${RINGMQ_JAVA_OPTS:--Xmx1g} -jar "$RINGMQ_JAR" --bind "127.0.0.$((i + 1))" --port "$MQTT_PORT" \
        --http-port 0 --data-dir "$OUT/data-$i" --node-id "$i" --cluster-members "$MEMBERS" \
        >>"$OUT/node-$i.log" 2>&1 &
    PIDS+=("$!")
done
for i in 0 1 2; do
    for _ in $(seq 1 150); do
        (exec 3<>"/dev/tcp/127.0.0.$((i + 1))/$MQTT_PORT") 2>/dev/null && break
        kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "compare-cluster: node $i exited, see $OUT/node-$i.log" >&2; exit 1; }
        sleep 0.2
    done
done
sleep 5   # the control plane elects a leader and every node joins

# run LABEL SUBSCRIBER_NODE QOS [loadtest options...]: one fan-in run; prints "LABEL delivered/s lost p50 p99".
run() {
    local label="$1" node="$2" qos="$3"
    shift 3
    java -jar "$LOADTEST_JAR" fan-in --no-progress --protocol 5 --publishers 8 --subscribers 1 --qos "$qos" \
        --inflight "$INFLIGHT" --payload "$PAYLOAD" --duration "$DURATION" --warmup "$WARMUP" \
        --publisher-hosts "127.0.0.1:$MQTT_PORT" --subscriber-hosts "127.0.0.$((node + 1)):$MQTT_PORT" "$@" \
        2>>"$OUT/loadtest.log" | tee -a "$OUT/runs.txt" | awk -v label="$label" '
        /^rate/ { for (i = 1; i <= NF; i++) if ($i == "received") rate = $(i - 2) }
        /^total/ { lost = $6 }
        /^latency/ { for (i = 1; i <= NF; i++) { if ($i == "p50") p50 = $(i + 1) " " $(i + 2); if ($i == "p99") p99 = $(i + 1) " " $(i + 2) } }
        END { gsub(",", "", rate); printf "%-28s %10s msg/s  lost %-8s p50 %-10s p99 %s\n", label, rate, lost, p50, p99 }'
}

rates() {
    awk '{ for (i = 2; i <= NF; i++) if ($i == "msg/s") print $(i - 1) }'
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

for qos in $QOS; do
    echo
    echo "### fan-in 8 -> 1, QoS $qos, unlimited rate: one node vs across nodes ($RUNS runs each, alternating)"
    : >"$OUT/one-$qos.txt"
    : >"$OUT/across-$qos.txt"
    for r in $(seq 1 "$RUNS"); do
        run "run $r one node" 0 "$qos" --rate 0 | tee -a "$OUT/one-$qos.txt"
        run "run $r across nodes" 1 "$qos" --rate 0 | tee -a "$OUT/across-$qos.txt"
    done
    one="$(rates <"$OUT/one-$qos.txt" | median)"
    across="$(rates <"$OUT/across-$qos.txt" | median)"
    echo "median delivered: one node $one msg/s, across nodes $across msg/s (across/one = $(awk -v a="$across" \
        -v o="$one" 'BEGIN { if (o > 0) printf "%.3f", a / o; else print "?" }'))"
    echo "### fan-in 8 -> 1, QoS $qos, $RATE msg/s in all"
    run "one node at $RATE/s" 0 "$qos" --total-rate "$RATE"
    run "across nodes at $RATE/s" 1 "$qos" --total-rate "$RATE"
done
echo
echo "compare-cluster: logs and every run's full report in $OUT"
