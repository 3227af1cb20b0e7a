"""What schema validation and promtool cannot see in deploy/ (run by
.ci/deploy-check.sh, with its venv's Python):

  manifests OUT_DIR      the rendered objects agree with each other and with
                         the server: every env name the ConfigMap and the
                         Secret template set is one the server reads, every
                         selector finds the pods, the Ingress's body limit is
                         MANDANT_UPLOAD_MAX_BYTES, the ServiceMonitor scrapes
                         the Service's port with the Secret's token.
  metrics OUT_DIR        every metric the alert rules and the dashboard use
                         is one the server exports (or one of the few named in
                         EXTERNAL); writes the dashboard's queries, variables
                         filled in, as recording rules to OUT_DIR for
                         `promtool check rules`.

Exits non-zero naming every problem found.
"""

import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "monitoring" / "mandant-alerts.yaml"
DASHBOARD = DEPLOY / "monitoring" / "mandant-dashboard.json"

# Series that come from Prometheus itself or kube-state-metrics, not from the
# server. Adding one here is a decision: the rules then depend on that exporter.
EXTERNAL = {
    "up",  # Prometheus, per scrape target
    "kube_deployment_status_replicas_unavailable",  # kube-state-metrics
}

# PromQL words that look like metric names.
PROMQL_WORDS = {
    "sum", "count", "max", "min", "avg", "stddev", "stdvar", "topk", "bottomk",
    "quantile", "count_values", "group", "by", "without", "on", "ignoring",
    "group_left", "group_right", "and", "or", "unless", "bool", "offset",
    "rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear",
    "clamp", "clamp_min", "clamp_max", "vector", "scalar", "absent",
    "absent_over_time", "abs", "ceil", "floor", "round", "sqrt", "exp", "ln",
    "histogram_quantile", "label_replace", "label_join", "time", "timestamp",
    "sort", "sort_desc", "avg_over_time", "min_over_time", "max_over_time",
    "sum_over_time", "count_over_time", "last_over_time", "quantile_over_time",
    "changes", "resets", "inf", "nan",
}

problems: list[str] = []


def problem(msg: str) -> None:
    problems.append(msg)


def load_all(path: pathlib.Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def server_env_names() -> set[str]:
    """Environment variables the server reads: quoted names in src/."""
    names: set[str] = set()
    for f in (ROOT / "src").rglob("*.rs"):
        names.update(re.findall(r'"((?:MANDANT_[A-Z0-9_]+)|DATABASE_URL|REDIS_URL)"', f.read_text()))
    return names


def server_histograms() -> set[str]:
    """Names the server records with histogram!: in the exposition they
    are only _bucket, _sum and _count series (src/telemetry_metrics.rs sets
    buckets for them), so the bare name selects nothing."""
    pat = re.compile(r'histogram!\(\s*"([a-z_:][a-z0-9_:]*)"')
    return {n for f in (ROOT / "src").rglob("*.rs") for n in pat.findall(f.read_text())}


def server_metric_names() -> set[str]:
    """Series names the server exports: counters and gauges as named,
    histograms as their _bucket/_sum/_count series."""
    names: set[str] = set()
    pat = re.compile(r'(counter|gauge|histogram)!\(\s*"([a-z_:][a-z0-9_:]*)"')
    for f in (ROOT / "src").rglob("*.rs"):
        for kind, name in pat.findall(f.read_text()):
            if kind == "histogram":
                names.update({name + "_sum", name + "_count", name + "_bucket"})
            else:
                names.add(name)
    return names


def unknown(name: str, histograms: set[str]) -> str:
    if name in histograms:
        return f"{name}, a histogram: select its _bucket, _sum or _count series"
    return f"{name}, which the server does not export"


def by_kind(objs: list[dict], kind: str) -> list[dict]:
    return [o for o in objs if o.get("kind") == kind]


def selects(selector: dict, labels: dict) -> bool:
    want = selector.get("matchLabels", selector)
    return bool(want) and all(labels.get(k) == v for k, v in want.items())


def check_manifests(out: pathlib.Path) -> None:
    base = load_all(out / "base.yaml")
    migrate = load_all(out / "migrate.yaml")
    monitor = load_all(out / "with-servicemonitor.yaml")
    secret = load_all(DEPLOY / "secret.example.yaml")[0]
    config = by_kind(base, "ConfigMap")[0]

    # Env names: a typo here is a setting silently ignored.
    known = server_env_names()
    for key in list(config["data"]) + list(secret["stringData"]):
        if key not in known:
            problem(f"ConfigMap/Secret sets {key}, which the server never reads (src/)")

    # Every workload reads the ConfigMap and Secret that exist.
    for obj in by_kind(base, "Deployment") + by_kind(migrate, "Job"):
        spec = obj["spec"]["template"]["spec"]
        for c in spec["containers"]:
            for src in c.get("envFrom", []):
                ref = src.get("configMapRef") or src.get("secretRef")
                if "configMapRef" in src and ref["name"] != config["metadata"]["name"]:
                    problem(f"{obj['kind']} {obj['metadata']['name']} reads ConfigMap {ref['name']}, which is not defined")
                if "secretRef" in src and ref["name"] != secret["metadata"]["name"]:
                    problem(f"{obj['kind']} {obj['metadata']['name']} reads Secret {ref['name']}, not the template's")

    deploy = by_kind(base, "Deployment")[0]
    pod_labels = deploy["spec"]["template"]["metadata"]["labels"]
    if not selects(deploy["spec"]["selector"], pod_labels):
        problem("the Deployment's selector does not match its own pods")
    service = by_kind(base, "Service")[0]
    if not selects(service["spec"]["selector"], pod_labels):
        problem("the Service selects no server pod")
    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        for o in by_kind(base, kind):
            sel = o["spec"].get("selector") or o["spec"].get("podSelector")
            if not selects(sel, pod_labels):
                problem(f"{kind} {o['metadata']['name']} selects no server pod")
    hpa = by_kind(base, "HorizontalPodAutoscaler")[0]
    if hpa["spec"]["scaleTargetRef"]["name"] != deploy["metadata"]["name"]:
        problem("the HPA scales another Deployment")

    # The ports: container -> Service -> Ingress -> ServiceMonitor.
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    port_names = {p["name"] for p in container["ports"]}
    listen_port = int(config["data"]["MANDANT_LISTEN"].rsplit(":", 1)[1])
    if {p["containerPort"] for p in container["ports"]} != {listen_port}:
        problem(f"the container port is not MANDANT_LISTEN's {listen_port}")
    svc_ports = {p["name"] for p in service["spec"]["ports"]}
    for p in service["spec"]["ports"]:
        if p["targetPort"] not in port_names:
            problem(f"Service port {p['name']} targets {p['targetPort']}, not a container port")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        if container[probe]["httpGet"]["port"] not in port_names:
            problem(f"{probe} uses a port the container does not name")
    ingress = by_kind(base, "Ingress")[0]
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            b = path["backend"]["service"]
            if b["name"] != service["metadata"]["name"] or b["port"].get("name") not in svc_ports:
                problem(f"Ingress path {path['path']} points at no port of the Service")
        if not config["data"]["MANDANT_PUBLIC_URL"].startswith(f"https://{rule['host']}"):
            problem(f"Ingress host {rule['host']} is not MANDANT_PUBLIC_URL's (passkeys, links, SSO)")
    for np in by_kind(base, "NetworkPolicy"):
        for rule in np["spec"]["ingress"]:
            for p in rule.get("ports", []):
                if p["port"] not in (listen_port, *port_names):
                    problem(f"NetworkPolicy admits port {p['port']}, which the server does not listen on")

    # The proxy's body limit and the server's upload limit are one number.
    size = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    m = re.fullmatch(r"(\d+)([kmg]?)", size.lower())
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    proxy_bytes = int(m.group(1)) * factor[m.group(2)] if m else -1
    upload = int(config["data"]["MANDANT_UPLOAD_MAX_BYTES"])
    if proxy_bytes != upload:
        problem(f"Ingress proxy-body-size {size} ({proxy_bytes} bytes) != MANDANT_UPLOAD_MAX_BYTES {upload}")

    # The optional ServiceMonitor: the base's objects unchanged, plus one
    # that scrapes the Service's port with the Secret's platform token.
    sms = by_kind(monitor, "ServiceMonitor")
    if len(sms) != 1 or len(monitor) != len(base) + 1:
        problem("the servicemonitor component should add exactly one ServiceMonitor")
    for sm in sms:
        if sm["metadata"].get("namespace") != service["metadata"]["namespace"]:
            problem("the ServiceMonitor is not in the Service's namespace")
        if not selects(sm["spec"]["selector"], service["metadata"]["labels"]):
            problem("the ServiceMonitor selects no Service")
        for ep in sm["spec"]["endpoints"]:
            if ep["port"] not in svc_ports:
                problem(f"the ServiceMonitor scrapes port {ep['port']}, which the Service does not name")
            tok = ep.get("bearerTokenSecret", {})
            if tok.get("name") != secret["metadata"]["name"] or tok.get("key") not in secret["stringData"]:
                problem("the ServiceMonitor's bearerTokenSecret is not the platform token in the Secret")
    if problems:
        return
    print(f"deploy-check: cross-checked {len(base)} base objects, the migrate Job, the Secret template "
          f"and the ServiceMonitor")


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression (good enough for ours: selectors,
    grouping clauses, strings and durations are removed first)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    words = set(re.findall(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", e))
    return {w for w in words if w.lower() not in PROMQL_WORDS}


def dashboard_exprs(dash: dict) -> list[tuple[str, str]]:
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((p.get("title", "?"), t["expr"]))
            walk(p.get("panels", []))

    walk(dash.get("panels", []))
    return out


def fill_grafana_vars(expr: str) -> str:
    """Grafana's variables, replaced by what they stand for at query time."""
    for var, value in {
        "$__rate_interval": "5m",
        "$__interval": "1m",
        "$__range": "1h",
        "${job}": "mandant",
        "$job": "mandant",
        "${tenant}": ".*",
        "$tenant": ".*",
    }.items():
        expr = expr.replace(var, value)
    if "$" in expr:
        problem(f"dashboard query uses an unknown variable: {expr}")
    return expr


def check_metrics(out: pathlib.Path) -> None:
    exported = server_metric_names()
    histograms = server_histograms()
    if not exported:
        problem("found no metrics in src/: the pattern in server_metric_names needs updating")

    rules = yaml.safe_load(RULES.read_text())
    rule_names: set[str] = set()
    for group in rules["groups"]:
        for r in group["rules"]:
            names = metric_names(r["expr"])
            rule_names |= names
            for n in names - exported - EXTERNAL:
                problem(f"rule {r.get('alert') or r.get('record')} uses {unknown(n, histograms)}")

    dash = json.loads(DASHBOARD.read_text())
    exprs = dashboard_exprs(dash)
    if not exprs:
        problem("the dashboard has no queries")
    records = []
    for i, (title, expr) in enumerate(exprs):
        for n in metric_names(expr) - exported - rule_names:
            if n in histograms:
                problem(f"dashboard panel {title!r} uses {unknown(n, histograms)}")
            else:
                problem(f"dashboard panel {title!r} uses {n}, which neither the server nor the rules know")
        records.append({"record": f"dashboard:query_{i}", "expr": fill_grafana_vars(expr)})
    for var in dash.get("templating", {}).get("list", []):
        q = var.get("definition") or ""
        for n in re.findall(r"label_values\(\s*([a-zA-Z_:][\w:]*)", q):
            if n not in exported and n not in rule_names:
                problem(f"dashboard variable {var['name']} reads {unknown(n, histograms)}")
    (out / "dashboard-queries.rules.yaml").write_text(
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": records}]}, sort_keys=False)
    )
    if problems:
        return
    print(f"deploy-check: {len(exprs)} dashboard queries and {sum(len(g['rules']) for g in rules['groups'])} rules "
          f"use only exported metrics ({', '.join(sorted((rule_names | set().union(*(metric_names(e) for _, e in exprs))) & exported))})")


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("manifests", "metrics"):
        print(__doc__, file=sys.stderr)
        return 2
    out = pathlib.Path(sys.argv[2])
    {"manifests": check_manifests, "metrics": check_metrics}[sys.argv[1]](out)
    for p in problems:
        print(f"deploy-check: FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
