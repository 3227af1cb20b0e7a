#!/usr/bin/env bash
# Issue 19: the deploy artefacts, checked offline and bounded in time.
#  (a) deploy/ rendered with kustomize (the base, the migrate Job, the base
#      with the optional ServiceMonitor component) and every object
#      validated against the Kubernetes JSON schemas of the oldest and the
#      newest version we claim (kubernetes-validate bundles them: no API
#      server), plus the cross-checks in .ci/deploy_check.py;
#  (b) the alert rules: promtool check rules, then their unit tests;
#  (c) the Grafana dashboard: every query parsed by promtool, every metric
#      it or the rules name exported by the server;
#  (d) the Containerfile linted by hadolint.
# Installs what it needs: promtool unpacked from Debian's prometheus package
# into target/deploy-check-tools (installing the package would also set up a
# Prometheus service), kubectl if missing (Debian's kubernetes-client), and
# the pinned PyPI tools into target/deploy-check-venv. A few seconds once
# installed.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/deploy-check-venv
TOOLS=target/deploy-check-tools
REQ=.ci/requirements-deploy-check.txt
OUT=target/deploy-check
# The oldest Kubernetes the manifests promise to work on, and the newest the
# validator knows.
K8S_VERSIONS=${DEPLOY_CHECK_K8S_VERSIONS:-"1.30.0 1.37.0"}
# Each step's hard stop: CI must not hang on a tool.
STEP=${DEPLOY_CHECK_STEP_SECS:-120}

say() { echo "deploy-check: $*"; }
fail() { echo "deploy-check: FAIL: $*" >&2; exit 1; }
run() { timeout "$STEP" "$@"; }

apt_install() {
  say "installing $* (Debian)"
  timeout 300 apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || fail "apt-get install $* failed"
}
PROMTOOL=$(command -v promtool || true)
if [ -z "$PROMTOOL" ]; then
  PROMTOOL=$PWD/$TOOLS/usr/bin/promtool
  if [ ! -x "$PROMTOOL" ]; then
    say "unpacking promtool from Debian's prometheus package into $TOOLS"
    rm -rf "$TOOLS" && mkdir -p "$TOOLS"
    timeout 300 apt-get update -qq || fail "apt-get update failed"
    # apt's download user cannot write into target/: fetch into a temp dir.
    deb_dir=$(mktemp -d) && chmod 0777 "$deb_dir"
    (cd "$deb_dir" && timeout 300 apt-get download -qq prometheus) || fail "apt-get download prometheus failed"
    dpkg-deb -x "$deb_dir"/prometheus_*.deb "$TOOLS" && rm -rf "$deb_dir" "$TOOLS/usr/bin/prometheus"
    "$PROMTOOL" --version >/dev/null || fail "promtool does not run"
  fi
fi
# The machine image has kubectl 1.32 (kustomize v5). Debian's 1.20 renders
# the base, but its kustomize predates components: that step then fails.
command -v kubectl >/dev/null || apt_install kubernetes-client

# A venv keeps pip off the system Python; the copy of the requirements
# marks a finished install.
if ! cmp -s "$REQ" "$VENV/installed-requirements.txt" 2>/dev/null; then
  say "installing $(grep -c '==' "$REQ") pinned packages into $VENV"
  rm -rf "$VENV"
  "$(command -v python3.11 || command -v python3)" -m venv "$VENV"
  timeout 300 "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -r "$REQ" \
    || fail "pip install -r $REQ failed"
  cp "$REQ" "$VENV/installed-requirements.txt"
fi

rm -rf "$OUT"
mkdir -p "$OUT/with-servicemonitor"

# (a) Render. The optional component goes through an overlay made here, as
# an operator's would be.
say "kustomize: deploy/, deploy/migrate, deploy/ + components/servicemonitor"
run kubectl kustomize deploy >"$OUT/base.yaml" || fail "kubectl kustomize deploy"
run kubectl kustomize deploy/migrate >"$OUT/migrate.yaml" || fail "kubectl kustomize deploy/migrate"
cat >"$OUT/with-servicemonitor/kustomization.yaml" <<'EOF'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../../../deploy]
components: [../../../deploy/components/servicemonitor]
EOF
run kubectl kustomize "$OUT/with-servicemonitor" >"$OUT/with-servicemonitor.yaml" \
  || fail "kubectl kustomize with the servicemonitor component"

# Strict: a misspelt or misplaced field is an error, not ignored. The
# ServiceMonitor (a CRD the validator has no schema for) is checked by
# deploy_check.py instead.
for v in $K8S_VERSIONS; do
  say "kubernetes-validate --strict, Kubernetes $v"
  run "$VENV/bin/kubernetes-validate" --strict --quiet -k "$v" \
    "$OUT/base.yaml" "$OUT/migrate.yaml" deploy/secret.example.yaml \
    || fail "manifests do not validate against Kubernetes $v"
done
run "$VENV/bin/python" .ci/deploy_check.py manifests "$OUT" || fail "manifest cross-checks"

# (b) Alert rules, and their unit tests (paths relative to the test file).
say "promtool check rules"
run "$PROMTOOL" check rules deploy/monitoring/mandant-alerts.yaml >/dev/null \
  || { "$PROMTOOL" check rules deploy/monitoring/mandant-alerts.yaml || true; fail "alert rules"; }
say "promtool test rules"
(cd deploy/monitoring && run "$PROMTOOL" test rules tests/alerts.test.yaml) || fail "alert rule unit tests"

# (c) The dashboard's queries become recording rules so that promtool parses
# them; every metric name is checked against the server's source.
run "$VENV/bin/python" .ci/deploy_check.py metrics "$OUT" || fail "metrics used by rules or dashboard"
run "$PROMTOOL" check rules "$OUT/dashboard-queries.rules.yaml" >/dev/null \
  || { "$PROMTOOL" check rules "$OUT/dashboard-queries.rules.yaml" || true; fail "dashboard queries"; }

# (d) The Containerfile.
say "hadolint Containerfile"
run "$VENV/bin/hadolint" Containerfile || fail "hadolint Containerfile"

say "OK"
