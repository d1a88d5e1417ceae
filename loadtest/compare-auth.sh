#!/usr/bin/env bash
#
# compare-auth.sh: what authentication and authorisation cost, side by side in one run (issue #10).
#
# Makes a Mosquitto password file ('ringmq.jar passwd', PBKDF2-SHA512 $7$, 101 iterations) for one load user and an
# ACL file of ACL_RULES rules (pattern lines with %c/%u, ACL_RULES - 10 'topic readwrite fleet/uN/#' rules of other
# users, and for the load user the topics its publishers write and its subscribers read), starts the brokers on free
# loopback ports, then
#   acl      fan-in QoS 0 and QoS 1 (PUBLISHERS publishers -> 1 '+' subscriber, unlimited rate, the fan-in settings
#            of compare-mosquitto.sh) against RingMQ with --password-file and --acl-file (the clients authenticate)
#            and against RingMQ without any auth options, RUNS times in alternating order: median received msg/s,
#            ratio with/without (target >= 0.90). A run counts only when messages arrive and none are lost.
#   storm    connect-storm of STORM_CONNECTIONS connections with --username/--password against RingMQ with
#            --password-file and Mosquitto with the same password_file and allow_anonymous false (compare mode:
#            alternating, RUNS runs each): connects/s ratio RingMQ/Mosquitto (target >= 1.0); for context the same
#            storm against RingMQ without auth versus RingMQ with the password file.
#   latency  pairs (PAIRS pairs, PAIRS_RATE msg/s in total, QoS 1, PAIRS_DURATION) p99 latency against RingMQ with
#            --password-file (pairs authenticate) without and with a second load tester churning CHURN_CONNECTIONS
#            password connections (connect-storm --reconnect, CHURN_RATE reconnects/s) for the whole run; p99 with /
#            without storm (target <= 1.20). The same against RingMQ without auth (storm without credentials) shows
#            the storm's own cost. During each pairs run the broker's threads are sampled from /proc (CPU % per
#            thread over PROFILE_SECONDS) into threads-*.txt, to see where the time goes.
# then prints one summary table and stops every broker it started, by PID.
#
# Usage (from the repository root, after building the jars):
#   mvn -B -pl loadtest -am package -DskipTests
#   loadtest/compare-auth.sh
#
# Environment (defaults in brackets):
#   DURATION          fan-in measurement time per run [10s]   WARMUP   warm-up per run [1s]
#   RUNS              runs per configuration and scenario [3]
#   PUBLISHERS        fan-in publishers [8]                   PAYLOAD  bytes [64]
#   ACL_RULES         rules in the generated ACL file [10000]
#   STORM_CONNECTIONS [5000]                                  CONNECT_CONCURRENCY [512]
#   PAIRS             [100]                                   PAIRS_RATE total msg/s [10000]
#   PAIRS_DURATION    [12s]                                   CHURN_CONNECTIONS connections the storm churns [50]
#   CHURN_RATE        reconnects/s of the storm (--ramp-up), 0 = as fast as they go [1000]
#   THREADS           load tester selector threads [1]       PROFILE_SECONDS broker thread sampling [5]
#   WARM_UP           1: an unmeasured 2,000-connection storm against each broker before the storm measurement
#                     (the latency measurement always warms up) [1]
#   SCENARIOS         subset of "acl storm latency" [all]
#   RINGMQ_JAR        [transport/target/ringmq.jar]           LOADTEST_JAR [loadtest/target/ringmq-loadtest.jar]
#   MOSQUITTO         [mosquitto on PATH or /usr/sbin/mosquitto]
#   RINGMQ_JAVA_OPTS  extra JVM options for the brokers []
#   RINGMQ_AUTH_OPTS  extra options for the RingMQ brokers that authenticate, e.g. "--auth-threads 1" []
#   OUT               directory for logs, auth files and JSON results [loadtest/target/compare-auth-<time>]
#
# Needs: Java 17, Mosquitto 2.x (and mosquitto_pub for the sanity checks), jq, Linux (/proc). Everything listens on
# and connects to 127.0.0.1 only; every run is bounded by its duration plus the load tester's drain and hard timeout,
# and the storm process also by 'timeout'.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-1s}"
RUNS="${RUNS:-3}"
PUBLISHERS="${PUBLISHERS:-8}"
PAYLOAD="${PAYLOAD:-64}"
ACL_RULES="${ACL_RULES:-10000}"
STORM_CONNECTIONS="${STORM_CONNECTIONS:-5000}"
CONNECT_CONCURRENCY="${CONNECT_CONCURRENCY:-512}"
PAIRS="${PAIRS:-100}"
PAIRS_RATE="${PAIRS_RATE:-10000}"
PAIRS_DURATION="${PAIRS_DURATION:-12s}"
CHURN_CONNECTIONS="${CHURN_CONNECTIONS:-50}"
CHURN_RATE="${CHURN_RATE:-1000}"
THREADS="${THREADS:-1}"
PROFILE_SECONDS="${PROFILE_SECONDS:-5}"
WARM_UP="${WARM_UP:-1}"
SCENARIOS="${SCENARIOS:-acl storm latency}"
RINGMQ_JAR="${RINGMQ_JAR:-$ROOT/transport/target/ringmq.jar}"
LOADTEST_JAR="${LOADTEST_JAR:-$ROOT/loadtest/target/ringmq-loadtest.jar}"
MOSQUITTO="${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"
OUT="${OUT:-$ROOT/loadtest/target/compare-auth-$(date +%Y%m%d-%H%M%S)}"

command -v jq >/dev/null || { echo "compare-auth: needs jq" >&2; exit 1; }
mkdir -p "$OUT"
ulimit -n 20000 2>/dev/null || true

declare -A PORT=()
declare -A PID=()
# shellcheck source=broker-lib.sh
source "$ROOT/loadtest/broker-lib.sh"
require_files compare-auth "$RINGMQ_JAR" "$LOADTEST_JAR" "$MOSQUITTO"
# Run private copies: a jar rebuilt in place while a broker runs makes its JVM fail on the next class it loads
# (NoClassDefFoundError in Netty's event loops), and every part of the run should measure the same build.
cp "$RINGMQ_JAR" "$OUT/ringmq.jar"
cp "$LOADTEST_JAR" "$OUT/ringmq-loadtest.jar"
echo "RingMQ jar: $RINGMQ_JAR ($(date -r "$RINGMQ_JAR" '+%F %T'), sha256 $(sha256sum "$RINGMQ_JAR" | cut -c1-16))"
RINGMQ_JAR="$OUT/ringmq.jar"
LOADTEST_JAR="$OUT/ringmq-loadtest.jar"

cleanup() {
    local name
    for name in "${!PID[@]}"; do
        stop_pid "${PID[$name]}"
    done
    [[ -n "${STORM_PID:-}" ]] && stop_pid "$STORM_PID"
    rm -rf "$OUT"/data-*
}
trap cleanup EXIT INT TERM

# --- credentials and ACL --------------------------------------------------------------------------------------------
USER_NAME="loadtest"
USER_PASSWORD="lt-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
RUN_ID="auth"
AUTH="$OUT/auth"
mkdir -p "$AUTH"
java -jar "$RINGMQ_JAR" passwd -b -c "$AUTH/passwd" "$USER_NAME" "$USER_PASSWORD" >"$OUT/passwd.log" 2>&1 ||
    { echo "compare-auth: 'ringmq.jar passwd' failed, see $OUT/passwd.log" >&2; exit 1; }
chmod 600 "$AUTH/passwd"
{
    echo "# generated by compare-auth.sh: $ACL_RULES rules"
    echo "pattern readwrite devices/%c/#"
    echo "pattern read status/%u/#"
    echo "pattern write telemetry/%u/%c/#"
    echo "pattern read \$SYS/broker/clients/%c"
    awk -v n="$((ACL_RULES - 10))" 'BEGIN { for (i = 0; i < n; i++) printf "user u%d\ntopic readwrite fleet/u%d/#\n", i, i }'
    # The load user, last so a linear search would have to pass every other rule: its publishers write
    # lt/<run>/in/<i> (fan-in) and lt/<run>/pair/<i> (pairs); its subscribers read lt/<run>/in/+ and lt/<run>/pair/<i>.
    echo "user $USER_NAME"
    echo "topic write lt/$RUN_ID/in/#"
    echo "topic read lt/$RUN_ID/in/#"
    echo "topic write lt/$RUN_ID/pair/#"
    echo "topic read lt/$RUN_ID/pair/#"
    echo "topic deny lt/$RUN_ID/forbidden/#"
    echo "topic read status/all/#"
} >"$AUTH/acl"
echo "ACL file: $(grep -cE '^(topic|pattern) ' "$AUTH/acl") rules for $(grep -c '^user ' "$AUTH/acl") users"

# --- brokers --------------------------------------------------------------------------------------------------------
# start_ringmq NAME [broker options]: a RingMQ broker on a free loopback port, PORT[NAME] and PID[NAME] set.
start_ringmq() {
    local name="$1"
    shift
    PORT[$name]="$(free_port)"
    rm -rf "$OUT/data-$name"
    mkdir -p "$OUT/data-$name"
    # shellcheck disable=SC2086
    java ${RINGMQ_JAVA_OPTS:-} -jar "$RINGMQ_JAR" --port "${PORT[$name]}" --bind 127.0.0.1 \
        --data-dir "$OUT/data-$name" --max-queued-messages 100000 "$@" >>"$OUT/$name.log" 2>&1 &
    PID[$name]=$!
    wait_listening "${PORT[$name]}" "${PID[$name]}" "$name"
    echo "$name: pid ${PID[$name]} on 127.0.0.1:${PORT[$name]} $*"
}

# start_mosquitto NAME: Mosquitto with the same password file, no anonymous clients.
start_mosquitto() {
    local name="$1"
    PORT[$name]="$(free_port)"
    # As root Mosquitto would switch to the user "mosquitto", which cannot read our 0600 password file.
    cat >"$OUT/$name.conf" <<EOF
user $(id -un)
per_listener_settings false
allow_anonymous false
password_file $AUTH/passwd
persistence false
max_queued_messages 100000
max_inflight_messages 0
listener ${PORT[$name]} 127.0.0.1
EOF
    "$MOSQUITTO" -c "$OUT/$name.conf" >>"$OUT/$name.log" 2>&1 &
    PID[$name]=$!
    wait_listening "${PORT[$name]}" "${PID[$name]}" "$name"
    echo "$name: pid ${PID[$name]} on 127.0.0.1:${PORT[$name]} ($("$MOSQUITTO" -h 2>/dev/null | head -1))"
}

stop_broker() {
    stop_pid "${PID[$1]:-}"
    unset "PID[$1]"
}

# check_auth NAME: a client without credentials and one with a wrong password are refused, the load user is let in.
check_auth() {
    local name="$1" port="${PORT[$1]}"
    if ! command -v mosquitto_pub >/dev/null; then
        return 0
    fi
    local anon=ok wrong=ok right=refused
    mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -t "lt/$RUN_ID/in/0" -m x >/dev/null 2>&1 && anon=ACCEPTED
    mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -u "$USER_NAME" -P wrong -t "lt/$RUN_ID/in/0" -m x >/dev/null 2>&1 &&
        wrong=ACCEPTED
    mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -u "$USER_NAME" -P "$USER_PASSWORD" -t "lt/$RUN_ID/in/0" -m x \
        >/dev/null 2>&1 && right=ok
    echo "$name auth check: anonymous refused ($anon), wrong password refused ($wrong), load user accepted ($right)"
    if [[ "$anon$wrong$right" != "okokok" ]]; then
        echo "compare-auth: $name does not enforce the password file as expected" >&2
        exit 1
    fi
}

# thread_ticks PID: "tid ticks name" per thread (utime + stime from /proc/PID/task/TID/stat).
thread_ticks() {
    local t stat comm
    for t in /proc/"$1"/task/*; do
        stat="$(cat "$t/stat" 2>/dev/null)" || continue
        comm="$(tr ' ' '_' <"$t/comm" 2>/dev/null)" || continue
        # Fields after "(comm) ": state is field 3, utime 14 and stime 15 of the whole line.
        awk -v tid="${t##*/}" -v comm="$comm" '{print tid, $12 + $13, comm}' <<<"${stat##*) }"
    done
}

# profile_threads PID SECONDS: the busiest threads of a process over SECONDS, CPU % of one core, and per thread name
# with digits removed (thread pools).
profile_threads() {
    local pid="$1" seconds="$2" before after hz
    hz="$(getconf CLK_TCK)"
    before="$(thread_ticks "$pid")"
    sleep "$seconds"
    after="$(thread_ticks "$pid")"
    echo "broker pid $pid, CPU % of one core over ${seconds}s, by thread:"
    awk -v hz="$hz" -v s="$seconds" 'NR == FNR {b[$1] = $2; next} {d = $2 - ($1 in b ? b[$1] : 0); if (d > 0) printf "%7.1f %s\n", 100 * d / hz / s, $3}' \
        <(echo "$before") <(echo "$after") | sort -rn | head -12
    echo "by pool:"
    awk -v hz="$hz" -v s="$seconds" 'NR == FNR {b[$1] = $2; next} {d = $2 - ($1 in b ? b[$1] : 0); n = $3; gsub(/[0-9]+/, "N", n); p[n] += d} END {for (n in p) if (p[n] > 0) printf "%7.1f %s\n", 100 * p[n] / hz / s, n}' \
        <(echo "$before") <(echo "$after") | sort -rn | head -8
}

median() {
    sort -g | awk '{v[NR]=$1} END {if (NR == 0) print 0; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}'
}

# verdict VALUE OP TARGET: "met" or "MISSED".
verdict() {
    awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == ">=" ? v >= t : v <= t); print (ok ? "met" : "MISSED")}'
}

SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
summary() {
    printf '%-44s %14s %14s %8s %-8s %s\n' "$@" >>"$SUMMARY"
}

CREDS=(--username "$USER_NAME" --password "$USER_PASSWORD")

# --- acl: fan-in throughput with and without password file + ACL ---------------------------------------------------
fan_in() {
    local qos="$1" name="fan-in-qos$1"
    echo
    echo "### $name: $PUBLISHERS publishers -> 1 subscriber, unlimited rate, payload $PAYLOAD, RUNS=$RUNS"
    local run config order
    for run in $(seq 1 "$RUNS"); do
        order="noauth acl"
        ((run % 2 == 0)) && order="acl noauth"
        for config in $order; do
            local json="$OUT/$name-$config-run$run.json" args=()
            [[ "$config" == acl ]] && args=("${CREDS[@]}")
            java -jar "$LOADTEST_JAR" fan-in --port "${PORT[ringmq-$config]}" --run-id "$RUN_ID" "${args[@]}" \
                --publishers "$PUBLISHERS" --subscribers 1 --qos "$qos" --rate 0 --inflight 64 --payload "$PAYLOAD" \
                --duration "$DURATION" --warmup "$WARMUP" --drain 10s --broker-pid "${PID[ringmq-$config]}" \
                --threads "$THREADS" --no-progress --quiet --json "$json" >>"$OUT/loadtest.log" 2>&1 ||
                echo "compare-auth: $name run $run against ringmq-$config failed, see $OUT/loadtest.log" >&2
            if [[ -s "$json" ]]; then
                printf 'run %d %-7s %s\n' "$run" "$config" "$(jq -r '"received \(.receiveRate | floor) msg/s  p99 \(.latencyUs.p99) us  received \(.received)  lost \(.lost)  refused \(.publishRefused)"' "$json")"
            fi
        done
    done | tee "$OUT/$name.txt"
    local config rate with without bad
    for config in noauth acl; do
        rate="$(cat "$OUT/$name-$config"-run*.json 2>/dev/null | jq -r '.receiveRate' | median)"
        # QoS 0 may be dropped by a broker under overload; nothing received or a refused PUBLISH means the ACL
        # (or the password file) stopped the traffic, which would make the figure meaningless.
        bad="$(cat "$OUT/$name-$config"-run*.json 2>/dev/null |
            jq -r --argjson qos "$qos" 'select(.received == 0 or .publishRefused != 0 or ($qos > 0 and .lost != 0)) | .runId' | wc -l)"
        [[ "$bad" != 0 ]] && echo "compare-auth: $name ringmq-$config: $bad run(s) with nothing received, refusals or QoS 1 losses" >&2
        printf '  median %-7s %12.0f msg/s\n' "$config" "$rate" | tee -a "$OUT/$name.txt"
        [[ "$config" == acl ]] && with="$rate" || without="$rate"
    done
    local r
    r="$(ratio "$with" "$without")"
    echo "  ratio acl/noauth $r (target >= 0.90: $(verdict "$r" '>=' 0.90))" | tee -a "$OUT/$name.txt"
    summary "fan-in QoS $qos msg/s (password+ACL vs none)" "$(printf '%.0f' "$with")" "$(printf '%.0f' "$without")" \
        "$r" "$(verdict "$r" '>=' 0.90)" ">= 0.90"
}

# --- storm: connects/s with PBKDF2 passwords --------------------------------------------------------------------------
# storm_compare LABEL A B [load tester options]: compare mode, A against B; prints the medians of connects/s.
storm_compare() {
    local label="$1" a="$2" b="$3"
    shift 3
    echo
    echo "### connect-storm $label: $STORM_CONNECTIONS connections, connect concurrency $CONNECT_CONCURRENCY"
    java -jar "$LOADTEST_JAR" compare \
        --a "127.0.0.1:${PORT[$a]}" --a-name "$a" --a-pid "${PID[$a]}" \
        --b "127.0.0.1:${PORT[$b]}" --b-name "$b" --b-pid "${PID[$b]}" \
        --runs "$RUNS" --json "$OUT/connect-storm-$label.json" \
        connect-storm --connections "$STORM_CONNECTIONS" --connect-concurrency "$CONNECT_CONCURRENCY" "$@" \
        --threads "$THREADS" --no-progress 2>>"$OUT/loadtest.log" | tee "$OUT/connect-storm-$label.txt"
}

storm_median() {
    jq -r --arg b "$2" '.. | objects | select(.broker? == $b) | .connectsPerSecond' "$1" | median
}

# --- latency: p99 of connected pairs with and without a connect storm -----------------------------------------------
pairs_run() {
    local config="$1" storm="$2" run="$3"
    local name="pairs-$config-$storm-run$run" args=() storm_args=()
    local port="${PORT[ringmq-$config]}"
    [[ "$config" == password ]] && args=("${CREDS[@]}")
    if [[ "$storm" == storm ]]; then
        # Churn for longer than the pairs run takes (connect, warm-up, measurement, drain), bounded twice over.
        local churn_s
        churn_s=$(( $(LoadOptions_seconds "$PAIRS_DURATION") + 10 ))
        timeout $((churn_s + 60)) java -jar "$LOADTEST_JAR" connect-storm --port "$port" --run-id "storm$run" \
            "${args[@]}" --connections "$CHURN_CONNECTIONS" --reconnect --ramp-up "$CHURN_RATE" --warmup 1s \
            --duration "${churn_s}s" \
            --threads 1 --no-progress --quiet --json "$OUT/storm-$config-run$run.json" >>"$OUT/storm.log" 2>&1 &
        STORM_PID=$!
        sleep 3
    fi
    # Sample the broker's threads in the middle of the measurement (after connect and warm-up).
    (sleep 4; profile_threads "${PID[ringmq-$config]}" "$PROFILE_SECONDS" >"$OUT/threads-$name.txt") &
    local profiler=$!
    java -jar "$LOADTEST_JAR" pairs --port "$port" --run-id "$RUN_ID" "${args[@]}" --pairs "$PAIRS" \
        --total-rate "$PAIRS_RATE" --qos 1 --payload "$PAYLOAD" --duration "$PAIRS_DURATION" --warmup "$WARMUP" \
        --drain 10s --broker-pid "${PID[ringmq-$config]}" --threads "$THREADS" --no-progress --quiet \
        --json "$OUT/$name.json" >>"$OUT/loadtest.log" 2>&1 ||
        echo "compare-auth: $name failed, see $OUT/loadtest.log" >&2
    wait "$profiler" || true
    local storm_rate="-"
    if [[ "$storm" == storm ]]; then
        wait "$STORM_PID" || echo "compare-auth: storm of $name failed, see $OUT/storm.log" >&2
        STORM_PID=""
        [[ -s "$OUT/storm-$config-run$run.json" ]] &&
            storm_rate="$(jq -r '.connections.connectsPerSecond | floor' "$OUT/storm-$config-run$run.json")"
    fi
    if [[ -s "$OUT/$name.json" ]]; then
        printf 'run %d %-8s %-8s %s  storm %s connects/s\n' "$run" "$config" "$storm" \
            "$(jq -r '"p50 \(.latencyUs.p50) us  p99 \(.latencyUs.p99) us  p99.9 \(.latencyUs."p99.9" // "?") us  received \(.receiveRate | floor) msg/s  lost \(.lost)"' "$OUT/$name.json")" \
            "$storm_rate"
    fi
}

# Whole seconds of a duration such as 12s, 500ms or 2m.
LoadOptions_seconds() {
    local v="$1"
    case "$v" in
        *ms) echo $(( ${v%ms} / 1000 + 1 )) ;;
        *s) echo "${v%s}" ;;
        *m) echo $(( ${v%m} * 60 )) ;;
        *) echo "$v" ;;
    esac
}

# warm_storm NAME [credentials]: an unmeasured connect storm (WARM_UP=0 skips it before the storm measurement).
warm_storm() {
    local name="$1"
    shift
    java -jar "$LOADTEST_JAR" connect-storm --port "${PORT[$name]}" --run-id warm "$@" --connections 2000 \
        --threads 1 --no-progress --quiet >>"$OUT/warm-up.log" 2>&1 || true
}

# warm_up NAME [credentials]: an unmeasured connect storm and a short pairs run, so the JIT has compiled the CONNECT,
# password and publish paths before the first measured run (otherwise run 1 pays for the compilation).
warm_up() {
    local name="$1"
    shift
    warm_storm "$name" "$@"
    java -jar "$LOADTEST_JAR" pairs --port "${PORT[$name]}" --run-id warm "$@" --pairs "$PAIRS" \
        --total-rate "$PAIRS_RATE" --qos 1 --duration 3s --warmup 1s --drain 5s --threads 1 --no-progress --quiet \
        >>"$OUT/warm-up.log" 2>&1 || true
}

latency() {
    warm_up ringmq-password "${CREDS[@]}"
    warm_up ringmq-noauth
    echo
    echo "### pairs latency: $PAIRS pairs, $PAIRS_RATE msg/s, QoS 1, $PAIRS_DURATION; storm = $CHURN_CONNECTIONS connections churned at ${CHURN_RATE}/s (0 = unpaced)"
    local run config storm
    for run in $(seq 1 "$RUNS"); do
        for config in password noauth; do
            local order="none storm"
            ((run % 2 == 0)) && order="storm none"
            for storm in $order; do
                pairs_run "$config" "$storm" "$run"
            done
        done
    done | tee "$OUT/pairs-latency.txt"
    for config in password noauth; do
        local p99_none p99_storm churn r
        p99_none="$(cat "$OUT/pairs-$config-none"-run*.json 2>/dev/null | jq -r '.latencyUs.p99' | median)"
        p99_storm="$(cat "$OUT/pairs-$config-storm"-run*.json 2>/dev/null | jq -r '.latencyUs.p99' | median)"
        churn="$(cat "$OUT/storm-$config"-run*.json 2>/dev/null | jq -r '.connections.connectsPerSecond' | median)"
        r="$(ratio "$p99_storm" "$p99_none")"
        echo "  $config: median p99 without storm $p99_none us, with storm $p99_storm us (storm $churn connects/s): ratio $r" |
            tee -a "$OUT/pairs-latency.txt"
        summary "pairs p99 us, storm/no storm ($config)" "$p99_storm" "$p99_none" "$r" \
            "$( [[ "$config" == password ]] && verdict "$r" '<=' 1.20 || echo "-")" \
            "$( [[ "$config" == password ]] && echo "<= 1.20" || echo "context")"
        summary "  storm connects/s ($config)" "$(printf '%.0f' "$churn")" "" "" "" ""
    done
}

# --- run ------------------------------------------------------------------------------------------------------------
echo "results in $OUT; RUNS=$RUNS; $(nproc) cores; scenarios: $SCENARIOS"
summary "measurement" "with" "without" "ratio" "target" ""
for scenario in $SCENARIOS; do
    case "$scenario" in
        acl)
            start_ringmq ringmq-noauth
            start_ringmq ringmq-acl --password-file "$AUTH/passwd" --acl-file "$AUTH/acl" ${RINGMQ_AUTH_OPTS:-}
            check_auth ringmq-acl
            fan_in 0
            fan_in 1
            refusals="$(grep -ciE 'refus|denied|not authori' "$OUT/ringmq-acl.log" || true)"
            echo "ringmq-acl log lines about refusals: $refusals (the auth checks above cause some)"
            stop_broker ringmq-acl
            stop_broker ringmq-noauth ;;
        storm)
            start_ringmq ringmq-password --password-file "$AUTH/passwd" ${RINGMQ_AUTH_OPTS:-}
            start_mosquitto mosquitto-password
            check_auth ringmq-password
            check_auth mosquitto-password
            if [[ "$WARM_UP" == 1 ]]; then
                # A fresh JVM compiles the CONNECT and PBKDF2 paths during its first storm; Mosquitto gets the same
                # storm so both are measured in the state they reach after their first burst of connections.
                warm_storm ringmq-password "${CREDS[@]}"
                warm_storm mosquitto-password "${CREDS[@]}"
            fi
            storm_compare password ringmq-password mosquitto-password "${CREDS[@]}"
            stop_broker mosquitto-password
            start_ringmq ringmq-noauth
            [[ "$WARM_UP" == 1 ]] && warm_storm ringmq-noauth "${CREDS[@]}"
            storm_compare ringmq-auth-cost ringmq-noauth ringmq-password "${CREDS[@]}"
            stop_broker ringmq-noauth
            stop_broker ringmq-password
            ring="$(storm_median "$OUT/connect-storm-password.json" ringmq-password)"
            mosq="$(storm_median "$OUT/connect-storm-password.json" mosquitto-password)"
            noauth="$(storm_median "$OUT/connect-storm-ringmq-auth-cost.json" ringmq-noauth)"
            ring2="$(storm_median "$OUT/connect-storm-ringmq-auth-cost.json" ringmq-password)"
            r="$(ratio "$ring" "$mosq")"
            summary "connects/s PBKDF2, RingMQ (with) / Mosquitto" "$(printf '%.0f' "$ring")" \
                "$(printf '%.0f' "$mosq")" "$r" "$(verdict "$r" '>=' 1.0)" ">= 1.0"
            summary "connects/s RingMQ password / no auth" "$(printf '%.0f' "$ring2")" "$(printf '%.0f' "$noauth")" \
                "$(ratio "$ring2" "$noauth")" "-" "context" ;;
        latency)
            start_ringmq ringmq-password --password-file "$AUTH/passwd" ${RINGMQ_AUTH_OPTS:-}
            start_ringmq ringmq-noauth
            check_auth ringmq-password
            latency
            stop_broker ringmq-password
            stop_broker ringmq-noauth ;;
        *)
            echo "compare-auth: unknown scenario $scenario" >&2
            exit 2 ;;
    esac
done

echo
echo "summary (medians of $RUNS runs; 'with' = with auth / with storm):"
cat "$SUMMARY"
