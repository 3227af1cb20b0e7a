# Webhook delivery latency: from the event's time (its commit, in the
# payload) to its arrival at a receiver on 127.0.0.1, for N contacts
# written one after another through the API (GAP seconds apart, so the
# demo plan's request rate is not what is measured).
#
#   python3 loadtest/scripts/webhook_latency.py target/release/mandant 200
import json, os, subprocess, sys, threading, time, urllib.request, statistics, datetime, socket, tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

arrivals = []
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get('content-length', 0)); body = self.rfile.read(n)
        t = time.time()
        arrivals.append((t, json.loads(body)))
        self.send_response(200); self.end_headers(); self.wfile.write(b'ok')
    def log_message(self, *a): pass
srv = ThreadingHTTPServer(('127.0.0.1', 0), H); rport = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()

def free():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close(); return p
port = free(); d = tempfile.mkdtemp()
env = dict(os.environ, MANDANT_DATA_DIR=d + '/data', MANDANT_LISTEN=f'127.0.0.1:{port}', MANDANT_DEMO_PASSWORD='bench-password-123',
           MANDANT_WEBHOOK_ALLOW_NETWORKS='127.0.0.1', MANDANT_LOG='warn', MANDANT_LOGIN_PER_ADDRESS_PER_MIN='600')
p = subprocess.Popen([sys.argv[1], 'serve', '--demo'], cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = f'http://127.0.0.1:{port}/t/demo/api/v1'
def call(method, path, body=None, tok=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={'content-type': 'application/json', **({'authorization': 'Bearer ' + tok} if tok else {})})
    with urllib.request.urlopen(req) as r: return json.loads(r.read() or b'null')
for _ in range(100):
    try: urllib.request.urlopen(f'http://127.0.0.1:{port}/readyz'); break
    except Exception: time.sleep(0.2)
tok = call('POST', '/auth/login', {'email': 'admin@demo.example', 'password': 'bench-password-123'})['access_token']
call('POST', '/webhooks', {'url': f'http://127.0.0.1:{rport}/hook', 'role': 'admin', 'event_types': ['contact.created']}, tok)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 300
t0 = time.time()
for i in range(N):
    call('POST', '/contacts', {'first_name': f'B{i}', 'last_name': 'Bench'}, tok); time.sleep(float(os.environ.get('GAP', '0.05')))
wrote = time.time() - t0
while len(arrivals) < N and time.time() - t0 < 120: time.sleep(0.05)
lat = sorted((t - datetime.datetime.fromisoformat(b['timestamp'].replace('Z', '+00:00')).timestamp()) * 1000 for t, b in arrivals)
seqs = [b['seq'] for _, b in arrivals]
print(f'{len(arrivals)}/{N} delivered, in order: {seqs == sorted(seqs)}, writes took {wrote:.1f}s')
print(f'latency ms p50 {lat[len(lat)//2]:.1f} p90 {lat[int(len(lat)*0.9)]:.1f} p99 {lat[int(len(lat)*0.99)-1]:.1f} max {lat[-1]:.1f}')
p.terminate(); p.wait()
