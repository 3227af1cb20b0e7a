#!/usr/bin/env bash
# The PostgreSQL write ceiling of the `crm` scenario: the write transaction
# Mandant sends for one `POST /t/<slug>/api/v1/contacts`, statement for
# statement, run by pgbench straight against PostgreSQL (no server in
# between) on N tenant schemas shaped exactly like Mandant's, with as many
# clients as the server has pooled connections. Mandant's writes/s in the
# crm-pg run are reported as a percentage of this.
#
#   loadtest/ceiling/pg-writes.sh [--server target/release/mandant]
#       [--tenants 1000] [--clients 16] [--seconds 20] [--warmup 5]
#       [--mode random|affine|both] [--out FILE]
#
# How (see loadtest/README.md, "The PostgreSQL write ceiling"):
#  1. a database `mandant_ceiling` (dropped first if present);
#  2. one real Mandant server on it makes ONE tenant through the API (as the
#     load test provisions them: plan enterprise, its admin signed in once);
#     the server is stopped;
#  3. `pg_dump --schema-only -n <its schema>` and `--data-only` are replayed
#     N times with the schema and role names substituted: clone i is schema
#     t_<i as 32 zero-padded digits>, role mandant_t_<the same>, with the
#     role and grants Mandant's provisioning makes (the dump carries the
#     schema, table and default-privilege grants; the role and
#     `GRANT role TO CURRENT_USER` are added) and the fresh tenant's rows
#     (event_counter, audit_head, the admin user, ...). The real tenant's
#     own schema stays, unused;
#  4. pgbench runs the captured statement sequence (below), choosing the
#     tenant per transaction: `random` (any of N) or `affine` (client c
#     keeps to tenants c*N/C+1 .. (c+1)*N/C), for --warmup + --seconds;
#     transactions/s are counted over the last --seconds only (the crm
#     scenario's own warm-up is 5 s: the backends' caches of 1,000
#     tenants' catalogs are cold at first), from pgbench's per-second
#     log; the peak memory of the backends serving it is read from
#     /proc/<pid>/smaps_rollup;
#  5. the database and every role it made are dropped (also on failure).
#
# Needs: psql, pg_dump, pgbench, curl; PostgreSQL at $PGHOST:$PGPORT
# (default 127.0.0.1:5432) as a superuser ($PGUSER, default postgres) on the
# same machine (for /proc).
set -euo pipefail

SERVER=target/release/mandant
TENANTS=1000
CLIENTS=16
SECS=20
WARMUP=5
MODE=both
OUT=""
DB=mandant_ceiling
SLUG=ceiling
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"

usage() {
    sed -n '9,11p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}

while (($#)); do
    case "$1" in
    --server) SERVER="$2"; shift 2 ;;
    --tenants) TENANTS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --seconds) SECS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --mode) MODE="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
    esac
done

for n in "$TENANTS" "$CLIENTS" "$SECS"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "not a positive number: $n" >&2; exit 2; }
done
[[ "$WARMUP" =~ ^[0-9]+$ ]] || { echo "--warmup is a number of seconds" >&2; exit 2; }
case "$MODE" in
random) MODES=(random) ;;
affine) MODES=(affine) ;;
both) MODES=(random affine) ;;
*) echo "--mode is random, affine or both" >&2; exit 2 ;;
esac
if [[ " ${MODES[*]} " == *" affine "* ]] && ((TENANTS < CLIENTS)); then
    echo "affine mode needs at least as many tenants as clients" >&2
    exit 2
fi
((TENANTS <= 99999999)) || { echo "--tenants is at most 99999999" >&2; exit 2; }
[[ -x "$SERVER" ]] || { echo "no server binary at $SERVER (--server PATH)" >&2; exit 2; }
SERVER="$(cd "$(dirname "$SERVER")" && pwd)/$(basename "$SERVER")"
for tool in psql pg_dump pgbench curl; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done
if [[ -n "$OUT" ]]; then
    mkdir -p "$(dirname "$OUT")"
    : >"$OUT"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/pg-writes.XXXXXX")"
SERVER_PID=""
SAMPLER_PID=""

q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

# The clones' names: t_ / mandant_t_ and the number as 32 digits (valid
# hex, so shaped like Mandant's; no UUID Mandant makes has 24 leading
# zeros, which is how leftovers of an interrupted run are recognised).
CLONE_ROLE_RE='^mandant_t_0{24}[0-9]{8}$'

# Drops the database and every role this script makes: the real tenant's
# (read from the control plane while the database is there) and the clones'.
drop_all() {
    local roles=""
    if [[ "$(q -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$DB'")" == 1 ]]; then
        roles="$(q -d "$DB" -c "SELECT 'mandant_t_' || replace(id::text, '-', '') FROM mandant_control.tenants" 2>/dev/null || true)"
        # The tenant schemas first, five to a transaction: DROP DATABASE
        # alone unlinks ~150,000 files in one go without absorbing other
        # sessions' ProcSignalBarriers, and every CREATE/DROP DATABASE
        # elsewhere on the cluster waits for it (minutes, on a busy disk).
        q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null || true
        q -d "$DB" -c "SELECT nspname FROM pg_namespace WHERE nspname ~ '^t_[0-9a-f]{32}$'" 2>/dev/null |
            awk '{ s = s (n++ % 5 ? ", " : "DROP SCHEMA ") $1; if (n % 5 == 0) { print s " CASCADE;"; s = "" } }
                 END { if (s != "") print s " CASCADE;" }' |
            psql -X -q -d "$DB" -v ON_ERROR_STOP=1 >/dev/null 2>&1 || true
    fi
    q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    roles+=$'\n'"$(q -d postgres -c "SELECT rolname FROM pg_roles WHERE rolname ~ '$CLONE_ROLE_RE'")"
    local chunk=() r
    while read -r r; do
        [[ "$r" =~ ^mandant_t_[0-9a-f]{32}$ ]] || continue
        chunk+=("$r")
        if ((${#chunk[@]} == 200)); then
            q -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $(IFS=,; echo "${chunk[*]}")"
            chunk=()
        fi
    done <<<"$roles"
    if ((${#chunk[@]})); then
        q -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $(IFS=,; echo "${chunk[*]}")"
    fi
}

stop_server() {
    [[ -n "$SERVER_PID" ]] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.5
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null
    stop_server
    echo "dropping database $DB and its roles" >&2
    drop_all || echo "could not drop $DB or its roles; drop them by hand" >&2
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- 1. database
echo "== database $DB (dropped first if present)"
drop_all
q -d postgres -c "CREATE DATABASE $DB"

# ------------------------------------------------- 2. one tenant, by Mandant
echo "== one tenant made by $SERVER"
TOKEN="ceiling-platform-token-0123456789abcdef"
PASSWORD="violet tractor sings at dawn 42"
mkdir -p "$WORK/data"
printf 'log = "warn"\naccess_token_ttl_secs = 86400\nlogin_per_account_per_min = 1000000\nlogin_per_address_per_min = 1000000\n' \
    >"$WORK/data/mandant.toml"
(
    cd "$WORK"
    exec env -u DATABASE_URL -u REDIS_URL -u MANDANT_SHARDS -u MANDANT_MASTER_KEY_FILE \
        MANDANT_CONFIG="$WORK/data/mandant.toml" \
        MANDANT_LISTEN=127.0.0.1:0 \
        MANDANT_DATA_DIR="$WORK/data" \
        MANDANT_PLATFORM_TOKEN="$TOKEN" \
        MANDANT_JWT_SECRET=mandant-loadtest-jwt-secret-0123456789abcdef \
        MANDANT_MASTER_KEY=6d616e64616e742d6c6f6164746573742d6d61737465722d6b65792d30303031 \
        MANDANT_LOG=warn \
        DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" \
        "$SERVER" serve
) >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ADDR=""
for _ in $(seq 1 240); do
    ADDR="$(grep -m1 -o 'Mandant listening on http://[^ ]*' "$WORK/server.log" | sed 's|.*http://||' || true)"
    [[ -n "$ADDR" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
done
if [[ -z "$ADDR" ]]; then
    echo "the server did not start:" >&2
    cat "$WORK/server.log" >&2
    exit 1
fi
curl -fsS -o /dev/null -X POST "http://$ADDR/api/v1/tenants" \
    -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"slug\":\"$SLUG\",\"name\":\"Ceiling\",\"plan\":\"enterprise\",\"admin\":{\"email\":\"admin@$SLUG.example\",\"password\":\"$PASSWORD\",\"name\":\"Load Admin\"}}"
# Signed in once, as every tenant of the load test is (a session row).
curl -fsS -o /dev/null -X POST "http://$ADDR/t/$SLUG/api/v1/auth/login" \
    -H 'content-type: application/json' \
    -d "{\"email\":\"admin@$SLUG.example\",\"password\":\"$PASSWORD\"}"
stop_server

HEX="$(q -d "$DB" -c "SELECT replace(id::text, '-', '') FROM mandant_control.tenants WHERE slug = '$SLUG'")"
[[ "$HEX" =~ ^[0-9a-f]{32}$ ]] || { echo "no tenant '$SLUG' in the control plane" >&2; exit 1; }
SCHEMA="t_$HEX"
USER_ID="$(q -d "$DB" -c "SELECT id FROM $SCHEMA.users ORDER BY id LIMIT 1")"
echo "   tenant schema $SCHEMA, role mandant_t_$HEX, admin $USER_ID"

# ------------------------------------------------------- 3. N clones of it
echo "== $TENANTS tenant schemas cloned from it"
pg_dump --schema-only -n "$SCHEMA" "$DB" >"$WORK/schema.sql"
pg_dump --data-only -n "$SCHEMA" "$DB" >"$WORK/data.sql"
{
    echo "BEGIN;"
    echo "CREATE ROLE mandant_t_@@HEX@@ NOLOGIN;"
    echo "GRANT mandant_t_@@HEX@@ TO CURRENT_USER;"
    cat "$WORK/schema.sql" "$WORK/data.sql"
    echo "COMMIT;"
} | sed "s/$HEX/@@HEX@@/g" >"$WORK/template.sql"
if grep -q '^\\restrict\|^\\unrestrict' "$WORK/template.sql"; then
    # pg_dump 17.6+/15.14+ fences its output with \restrict KEY: one
    # key per dump, and the clones are one stream: drop the fences.
    sed -i '/^\\restrict /d; /^\\unrestrict /d' "$WORK/template.sql"
fi
t0=$(now_ms)
# Two streams (the odd and the even clones), one per core; each clone is
# one transaction.
clone() {
    awk -v n="$TENANTS" -v first="$1" '
        { line[NR] = $0 }
        END {
            print "SET synchronous_commit = off;"
            for (i = first; i <= n; i += 2) {
                hex = sprintf("%032d", i)
                for (j = 1; j <= NR; j++) { l = line[j]; gsub(/@@HEX@@/, hex, l); print l }
            }
        }' "$WORK/template.sql" | psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >"$WORK/clone-$1.log" 2>&1
}
clone 1 &
odd=$!
clone 2 &
even=$!
ok=1
wait "$odd" || ok=0
wait "$even" || ok=0
if ((!ok)); then
    tail -5 "$WORK"/clone-*.log >&2
    exit 1
fi
echo "   built in $(( ($(now_ms) - t0) / 1000 )) s"
q -d "$DB" -c "CHECKPOINT"

# ---------------------------------------------------------- 4. the script
# The statements of one `POST /t/<slug>/api/v1/contacts`, captured from
# PostgreSQL's log (log_statement = all) of a Mandant server on a scratch
# database, in order. Mandant sends the first four as ONE simple-protocol
# query ("ROLLBACK; BEGIN; SELECT set_config(…); LOCK TABLE fence …",
# src/storage/tenant_db.rs) and COMMIT as a simple query; every other
# statement is a named prepared statement (sqlx, extended protocol).
# pgbench cannot send a multi-statement string under -M prepared, so the
# four are pipelined (\startpipeline: one round trip, as Mandant's one
# query is). Values: Mandant's binds, with the same sizes and the same
# admin id; the record id is UUIDv7-like (time-ordered high half), the
# timestamps now(), and the audit hash (SHA-256 computed by Mandant between
# its two audit statements) a constant of the same length.
rid="(lpad(to_hex(:idhi::bigint), 16, '0') || lpad(to_hex(:idlo::bigint), 16, '0'))::uuid"
body() {
    cat <<EOF
\\set seqno :seqno + 1
\\set idhi :t0 * 4194304 + :seqno * 1024 + :client_id
\\set idlo random(0, 4611686018427387903)
\\startpipeline
ROLLBACK;
BEGIN;
SELECT set_config('search_path', 't_' || lpad(:n::text, 32, '0'), true), set_config('role', 'mandant_t_' || lpad(:n::text, 32, '0'), true);
LOCK TABLE fence IN ROW SHARE MODE;
\\endpipeline
SELECT id, kind, key, label, type, options, required, retired, sensitive, version, created_at, updated_at FROM custom_fields WHERE kind = :kind ORDER BY key;
INSERT INTO records (id, kind, data, custom, people, team_id, parent_id, search, version, created_by, created_at, updated_at) VALUES ($rid, :kind, :rdata, :empty, :people, NULL, NULL, :search, :version, :uid, now(), now());
WITH c AS (UPDATE event_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq) INSERT INTO events (seq, at, type, kind, record_id, actor, people, team_id, data) SELECT c.seq, now(), :action, :kind, $rid, :uid::uuid, :people::jsonb, NULL, :edata::jsonb FROM c RETURNING seq;
UPDATE audit_head SET seq = seq + :one WHERE id = 1 RETURNING seq AS aseq, hash AS prevhash \\gset
WITH h AS (UPDATE audit_head SET hash = :newhash WHERE id = 1) INSERT INTO audit_log (seq, at, action, actor_type, actor_id, kind, record_id, entry, prev_hash, hash) VALUES (:aseq, now(), :action, :actor_type, :uid, :kind, $rid, :entry, :prevhash, :newhash);
COMMIT;
EOF
}
{
    echo '\set n random(1, :tenants)'
    body
} >"$WORK/random.sql"
{
    echo '\set lo 1 + :client_id * :tenants / :clients'
    echo '\set hi (:client_id + 1) * :tenants / :clients'
    echo '\set n random(:lo, :hi)'
    body
} >"$WORK/affine.sql"

# Mandant's values for one contact (the load test's marker in last_name).
MARK="lt~1.3.12343.0.1796673940123456789~"
RID0="01a25253-f364-75ac-9367-dc352674ffa1"
STAMP="2026-12-07T21:06:03.236966569Z"
VARS=(
    -D "tenants=$TENANTS" -D "clients=$CLIENTS" -D seqno=0
    -D kind=contact -D version=1 -D one=1 -D empty='{}'
    -D action=contact.created -D actor_type=user
    -D "uid=$USER_ID"
    -D "people=[\"$USER_ID\"]"
    -D "rdata={\"owner_id\": \"$USER_ID\", \"last_name\": \"$MARK\", \"first_name\": \"Load\"}"
    -D "search=Load $MARK"
    -D "edata={\"id\": \"$RID0\", \"custom\": {}, \"version\": 1, \"owner_id\": \"$USER_ID\", \"last_name\": \"$MARK\", \"created_at\": \"$STAMP\", \"created_by\": \"$USER_ID\", \"first_name\": \"Load\", \"updated_at\": \"$STAMP\"}"
    -D "entry={\"action\":\"contact.created\",\"actor\":{\"id\":\"$USER_ID\",\"kind\":\"staff\",\"type\":\"user\"},\"at\":\"2026-12-07T21:06:03.238232Z\",\"detail\":{\"changes\":{\"first_name\":{\"changed\":true},\"last_name\":{\"changed\":true},\"owner_id\":{\"from\":null,\"to\":\"$USER_ID\"}}},\"ip\":\"127.0.0.1\",\"kind\":\"contact\",\"record_id\":\"$RID0\",\"request_id\":\"fbac9ab37ede0f36\",\"seq\":4}"
    -D newhash=5f8b61b6790ae39530323a38c732c99c20c84ac31f79393d8e9fbca969b122f3
)

# ------------------------------------------------ 5. memory of the backends
# Samples /proc/<pid>/smaps_rollup of the backends connected to $DB at
# 60 %, 75 % and 90 % of the run, warm-up included (the sampler itself is
# connected to `postgres`): a line "pid rss_kib pss_kib private_kib" each.
sample_backends() {
    local start="$1" out="$2" frac target pid
    for frac in 60 75 90; do
        target=$((start + (WARMUP + SECS) * 10 * frac))
        while (($(now_ms) < target)); do sleep 0.2; done
        for pid in $(q -d postgres -c "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND backend_type = 'client backend'"); do
            awk -v pid="$pid" '
                /^Rss:/ { rss = $2 } /^Pss:/ { pss = $2 }
                /^Private_(Clean|Dirty):/ { priv += $2 }
                END { if (rss) print pid, rss, pss, priv }' "/proc/$pid/smaps_rollup" 2>/dev/null || true
        done >>"$out"
    done
}

# Per backend its peak over the samples; then max and mean over backends.
memory_json() {
    awk '
        { if ($2 > r[$1]) r[$1] = $2; if ($3 > p[$1]) p[$1] = $3; if ($4 > v[$1]) v[$1] = $4 }
        END {
            n = 0
            for (k in r) {
                n++; rs += r[k]; ps += p[k]; vs += v[k]
                if (r[k] > rm) rm = r[k]; if (p[k] > pm) pm = p[k]; if (v[k] > vm) vm = v[k]
            }
            if (n == 0) { printf "\"backends\":0"; exit }
            printf "\"backends\":%d,\"backend_rss_mib_max\":%.1f,\"backend_rss_mib_mean\":%.1f,", n, rm/1024, rs/n/1024
            printf "\"backend_pss_mib_max\":%.1f,\"backend_pss_mib_mean\":%.1f,\"backend_pss_mib_sum\":%.1f,", pm/1024, ps/n/1024, ps/1024
            printf "\"backend_private_mib_max\":%.1f,\"backend_private_mib_mean\":%.1f", vm/1024, vs/n/1024
        }' "$1"
}

# Transactions per second of the run from pgbench's per-second log (one
# file per thread: "interval_start transactions ..."): prints the steady
# tps (the seconds after the warm-up, the run's last, possibly partial,
# second left out), then the tps of each 5 s of the whole run.
steady_tps() {
    cat "$@" | awk -v warm="$WARMUP" -v secs="$SECS" '
        { n[$1] += $2; if (first == "" || $1 < first) first = $1; if ($1 > last) last = $1 }
        END {
            for (t = first + warm; t < first + warm + secs && t < last; t++) { tx += n[t]; k++ }
            printf "%.1f ", (k ? tx / k : 0)
            for (t = first; t < last; t += 5) {
                c = 0; m = 0
                for (u = t; u < t + 5 && u < last; u++) { c += n[u]; m++ }
                printf "%s%.0f", (t == first ? "" : ","), c / m
            }
            print ""
        }'
}

# ------------------------------------------------------------------ 6. runs
for mode in "${MODES[@]}"; do
    echo "== $mode: pgbench -n -c $CLIENTS -j 2 -T $((WARMUP + SECS)) -M prepared, $TENANTS tenants, counted after ${WARMUP} s"
    q -d "$DB" -c "CHECKPOINT"
    : >"$WORK/mem-$mode.txt"
    sample_backends "$(now_ms)" "$WORK/mem-$mode.txt" &
    SAMPLER_PID=$!
    # Mandant's pools run at client_min_messages = error: the leading
    # ROLLBACK's warning is written to the server log, not sent.
    if ! PGOPTIONS="-c client_min_messages=error" pgbench -n -c "$CLIENTS" -j 2 -T "$((WARMUP + SECS))" -M prepared \
        --log --aggregate-interval=1 --log-prefix="$WORK/agg-$mode" \
        -D "t0=$(date +%s)" "${VARS[@]}" -f "$WORK/$mode.sql" "$DB" >"$WORK/pgbench-$mode.log" 2>&1; then
        cat "$WORK/pgbench-$mode.log" >&2
        exit 1
    fi
    wait "$SAMPLER_PID" || true
    SAMPLER_PID=""
    grep -E '^(number of (transactions actually processed|failed transactions)|latency average|tps)' "$WORK/pgbench-$mode.log" | sed 's/^/   pgbench: /'
    whole="$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$WORK/pgbench-$mode.log" | tail -1)"
    [[ -n "$whole" ]] || { cat "$WORK/pgbench-$mode.log" >&2; exit 1; }
    read -r tps series < <(steady_tps "$WORK/agg-$mode".*)
    echo "   tps by 5 s: $series"
    echo "   tps after the ${WARMUP} s warm-up: $tps"
    mem="$(memory_json "$WORK/mem-$mode.txt")"
    line="{\"mode\":\"$mode\",\"tps\":$tps,\"clients\":$CLIENTS,\"tenants\":$TENANTS,\"seconds\":$SECS,\"warmup\":$WARMUP,\"tps_whole_run\":$whole,\"tps_by_5s\":[$series],$mem}"
    echo "   $line"
    [[ -z "$OUT" ]] || echo "$line" >>"$OUT"
done
