#!/usr/bin/env bash
#
# compare-tls.sh: what TLS and WebSocket cost, side by side in one run.
#
# Makes a CA and a server certificate for localhost (openssl, into $OUT/certs: SAN DNS:localhost,IP:127.0.0.1,
# PKCS#8 key), starts RingMQ with plain, mqtts, ws and wss listeners and Mosquitto with a plain and a TLS listener
# using the same certificate, all on free loopback ports, then
#   1. fan-in QoS 0 (8 publishers -> 1 wildcard subscriber, unlimited rate) against RingMQ over each of
#      TRANSPORTS (mqtt = plain TCP, mqtts, ws, wss), RUNS times in rotating order; medians of received msg/s,
#      p99 latency, and the ratio to plain
#   2. the same at QoS 1 (window of 64 per publisher)
#   3. TLS connection set-up: connect-storm (STORM_CONNECTIONS new connections, each a full handshake:
#      connect time = TCP open to CONNACK, TLS handshake included) against RingMQ's and Mosquitto's TLS
#      listeners with the compare mode (alternating, RUNS runs, ratio of medians), and the same over plain TCP
#      for reference
# then stops both brokers by the PIDs it started.
#
# Usage (from the repository root, after building the jars):
#   mvn -B -pl loadtest -am package -DskipTests
#   loadtest/compare-tls.sh
#
# Environment (defaults in brackets):
#   DURATION            measurement time per run [10s]     WARMUP   warm-up per run [1s]
#   RUNS                runs per transport/broker and scenario [3]
#   TRANSPORTS          [mqtt mqtts wss]  (add ws for plain WebSocket)
#   PUBLISHERS          fan-in publishers [8]              PAYLOAD  bytes [64]
#   STORM_CONNECTIONS   [2000]                             CONNECT_CONCURRENCY [256]
#   THREADS             load tester selector threads [1]
#   TLS_PROVIDER        the load tester's TLS: openssl or jdk [openssl] (the client's cipher work shares the
#                       machine's cores with the broker: the JDK engine costs several times more per byte)
#   SCENARIOS           subset of "fanin0 fanin1 storm" [all]
#   RINGMQ_JAR          [transport/target/ringmq.jar]      LOADTEST_JAR [loadtest/target/ringmq-loadtest.jar]
#   MOSQUITTO           [mosquitto on PATH or /usr/sbin/mosquitto]
#   RINGMQ_JAVA_OPTS    extra JVM options for the broker []
#   OUT                 directory for logs, certificates and JSON results [loadtest/target/compare-tls-<time>]
#
# Needs: Java 17, openssl, Mosquitto 2.x, jq, Linux (/proc). Everything listens on and connects to 127.0.0.1 only;
# every run is bounded by DURATION plus the load tester's drain and hard timeout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-1s}"
RUNS="${RUNS:-3}"
TRANSPORTS="${TRANSPORTS:-mqtt mqtts wss}"
PUBLISHERS="${PUBLISHERS:-8}"
PAYLOAD="${PAYLOAD:-64}"
STORM_CONNECTIONS="${STORM_CONNECTIONS:-2000}"
CONNECT_CONCURRENCY="${CONNECT_CONCURRENCY:-256}"
THREADS="${THREADS:-1}"
TLS_PROVIDER="${TLS_PROVIDER:-openssl}"
SCENARIOS="${SCENARIOS:-fanin0 fanin1 storm}"
RINGMQ_JAR="${RINGMQ_JAR:-$ROOT/transport/target/ringmq.jar}"
LOADTEST_JAR="${LOADTEST_JAR:-$ROOT/loadtest/target/ringmq-loadtest.jar}"
MOSQUITTO="${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"
OUT="${OUT:-$ROOT/loadtest/target/compare-tls-$(date +%Y%m%d-%H%M%S)}"

for tool in openssl jq; do
    command -v "$tool" >/dev/null || { echo "compare-tls: needs $tool" >&2; exit 1; }
done
mkdir -p "$OUT"
ulimit -n 20000 2>/dev/null || true

RINGMQ_PID=""
MOSQUITTO_PID=""
# shellcheck source=broker-lib.sh
source "$ROOT/loadtest/broker-lib.sh"
require_files compare-tls "$RINGMQ_JAR" "$LOADTEST_JAR" "$MOSQUITTO"

cleanup() {
    stop_pid "$RINGMQ_PID"
    stop_pid "$MOSQUITTO_PID"
    rm -rf "$OUT/ringmq-data"
}
trap cleanup EXIT INT TERM

# --- certificates -------------------------------------------------------------------------------------------------
CERTS="$OUT/certs"
mkdir -p "$CERTS"
(
    cd "$CERTS"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=compare-tls CA"
    openssl req -newkey rsa:2048 -nodes -keyout server.rsa -out server.csr -subj "/CN=localhost"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
        >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
        -extfile server.ext
    openssl pkcs8 -topk8 -nocrypt -in server.rsa -out server.key
) >"$OUT/openssl.log" 2>&1 || { echo "compare-tls: openssl failed, see $OUT/openssl.log" >&2; exit 1; }

# --- brokers ------------------------------------------------------------------------------------------------------
pick_ports() {
    local ports=() p
    while [[ ${#ports[@]} -lt "$1" ]]; do
        p="$(free_port)"
        [[ " ${ports[*]:-} " == *" $p "* ]] || ports+=("$p")
    done
    echo "${ports[@]}"
}
read -r RINGMQ_PORT RINGMQ_MQTTS RINGMQ_WS RINGMQ_WSS MOSQUITTO_PORT MOSQUITTO_TLS < <(pick_ports 6)

mkdir -p "$OUT/ringmq-data"
# shellcheck disable=SC2086
java ${RINGMQ_JAVA_OPTS:-} -jar "$RINGMQ_JAR" --bind 127.0.0.1 --port "$RINGMQ_PORT" \
    --mqtts-port "$RINGMQ_MQTTS" --ws-port "$RINGMQ_WS" --wss-port "$RINGMQ_WSS" \
    --certfile "$CERTS/server.pem" --keyfile "$CERTS/server.key" \
    --data-dir "$OUT/ringmq-data" --max-queued-messages 100000 >>"$OUT/ringmq.log" 2>&1 &
RINGMQ_PID=$!

# As root Mosquitto would switch to the user "mosquitto", which cannot read our 0600 key: stay who we are.
cat >"$OUT/mosquitto.conf" <<EOF
user $(id -un)
per_listener_settings false
allow_anonymous true
persistence false
max_queued_messages 100000
max_inflight_messages 0
listener $MOSQUITTO_PORT 127.0.0.1
listener $MOSQUITTO_TLS 127.0.0.1
certfile $CERTS/server.pem
keyfile $CERTS/server.key
EOF
"$MOSQUITTO" -c "$OUT/mosquitto.conf" >>"$OUT/mosquitto.log" 2>&1 &
MOSQUITTO_PID=$!

for pair in "$RINGMQ_PORT:ringmq:$RINGMQ_PID" "$RINGMQ_MQTTS:ringmq:$RINGMQ_PID" "$RINGMQ_WS:ringmq:$RINGMQ_PID" \
    "$RINGMQ_WSS:ringmq:$RINGMQ_PID" "$MOSQUITTO_PORT:mosquitto:$MOSQUITTO_PID" "$MOSQUITTO_TLS:mosquitto:$MOSQUITTO_PID"; do
    IFS=: read -r port name pid <<<"$pair"
    wait_listening "$port" "$pid" "$name"
done
echo "RingMQ    pid $RINGMQ_PID: mqtt $RINGMQ_PORT, mqtts $RINGMQ_MQTTS, ws $RINGMQ_WS, wss $RINGMQ_WSS"
echo "Mosquitto pid $MOSQUITTO_PID: mqtt $MOSQUITTO_PORT, mqtts $MOSQUITTO_TLS ($("$MOSQUITTO" -h 2>/dev/null | head -1))"
echo "results in $OUT; $RUNS run(s) of $DURATION per transport and scenario; $(nproc) cores"

# Load tester options for a RingMQ transport.
transport_args() {
    case "$1" in
        mqtt) echo "--port $RINGMQ_PORT" ;;
        mqtts) echo "--port $RINGMQ_MQTTS --tls --tls-provider $TLS_PROVIDER --cafile $CERTS/ca.pem" ;;
        ws) echo "--port $RINGMQ_WS --websocket" ;;
        wss) echo "--port $RINGMQ_WSS --websocket --tls --tls-provider $TLS_PROVIDER --cafile $CERTS/ca.pem" ;;
        *) echo "compare-tls: unknown transport $1" >&2; exit 2 ;;
    esac
}

median() {
    sort -g | awk '{v[NR]=$1} END {if (NR == 0) print 0; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}

# Fan-in at one QoS over every transport, rotating the order each run so no transport always goes first.
fan_in() {
    local qos="$1" name="fan-in-qos$1"
    local -a transports
    read -r -a transports <<<"$TRANSPORTS"
    echo
    echo "### $name: $PUBLISHERS publishers -> 1 subscriber, unlimited rate, payload $PAYLOAD, RUNS=$RUNS"
    for run in $(seq 1 "$RUNS"); do
        local n=${#transports[@]}
        for i in $(seq 0 $((n - 1))); do
            local t="${transports[$(((i + run - 1) % n))]}"
            local json="$OUT/$name-$t-run$run.json"
            # shellcheck disable=SC2046
            java -jar "$LOADTEST_JAR" fan-in $(transport_args "$t") --publishers "$PUBLISHERS" --subscribers 1 \
                --qos "$qos" --rate 0 --inflight 64 --payload "$PAYLOAD" --duration "$DURATION" --warmup "$WARMUP" \
                --drain 10s --threads "$THREADS" --no-progress --quiet --json "$json" >>"$OUT/loadtest.log" 2>&1 ||
                echo "compare-tls: run $run over $t failed, see $OUT/loadtest.log" >&2
            if [[ -s "$json" ]]; then
                printf 'run %d %-6s %s\n' "$run" "$t" "$(jq -r '"received \(.receiveRate | floor) msg/s  p50 \(.latencyUs.p50) us  p99 \(.latencyUs.p99) us  lost \(.lost)  sent \(.sent)"' "$json")"
            fi
        done
    done | tee "$OUT/$name.txt"
    echo "medians:" | tee -a "$OUT/$name.txt"
    local base=""
    for t in "${transports[@]}"; do
        local rate p99 lost
        rate="$(cat "$OUT/$name-$t"-run*.json 2>/dev/null | jq -r '.receiveRate' | median)"
        p99="$(cat "$OUT/$name-$t"-run*.json 2>/dev/null | jq -r '.latencyUs.p99' | median)"
        lost="$(cat "$OUT/$name-$t"-run*.json 2>/dev/null | jq -r '.lost' | awk '{s+=$1} END {print s+0}')"
        [[ -z "$base" ]] && base="$rate"
        printf '  %-6s %12.0f msg/s  p99 %10.0f us  lost (all runs) %s  ratio to %s %.3f\n' "$t" "$rate" "$p99" \
            "$lost" "${transports[0]}" "$(awk -v a="$rate" -v b="$base" 'BEGIN {print (b > 0 ? a / b : 0)}')" |
            tee -a "$OUT/$name.txt"
    done
}

# Connection set-up rate, RingMQ against Mosquitto, over TLS and, for reference, plain TCP.
storm() {
    local label="$1" a="$2" b="$3"
    shift 3
    echo
    echo "### connect-storm $label: $STORM_CONNECTIONS connections, connect concurrency $CONNECT_CONCURRENCY"
    java -jar "$LOADTEST_JAR" compare \
        --a "127.0.0.1:$a" --a-name ringmq --a-pid "$RINGMQ_PID" \
        --b "127.0.0.1:$b" --b-name mosquitto --b-pid "$MOSQUITTO_PID" \
        --runs "$RUNS" --json "$OUT/connect-storm-$label.json" \
        connect-storm --connections "$STORM_CONNECTIONS" --connect-concurrency "$CONNECT_CONCURRENCY" "$@" \
        --threads "$THREADS" --no-progress 2>>"$OUT/loadtest.log" | tee "$OUT/connect-storm-$label.txt"
}

for scenario in $SCENARIOS; do
    case "$scenario" in
        fanin0) fan_in 0 ;;
        fanin1) fan_in 1 ;;
        storm)
            storm tls "$RINGMQ_MQTTS" "$MOSQUITTO_TLS" --tls --tls-provider "$TLS_PROVIDER" --cafile "$CERTS/ca.pem"
            storm plain "$RINGMQ_PORT" "$MOSQUITTO_PORT" ;;
        *)
            echo "compare-tls: unknown scenario $scenario" >&2
            exit 2 ;;
    esac
done

echo
echo "summary:"
for file in "$OUT"/fan-in-qos*.txt; do
    [[ -e "$file" ]] || continue
    echo "  $(basename "$file" .txt):"
    sed -n '/^medians:/,$p' "$file" | tail -n +2
done
for file in "$OUT"/connect-storm-*.txt; do
    [[ -e "$file" ]] || continue
    printf '  %-20s %s\n' "$(basename "$file" .txt)" \
        "$(grep -E '^ratio of medians' "$file" | sed -E 's/ratio of medians //' | awk '{print $1, $2, $3}' | paste -sd ' ')"
done
