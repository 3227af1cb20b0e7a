# Attachments: a large upload streamed through the server into its store
# (sealed under the tenant's key), and downloaded back (opened). Reports MiB/s for each against the disk's own
# ceiling (the same bytes written and read by this script, in the same
# directory, in the same run), and the server's peak RSS before and after:
# a streamed upload must not grow it by anything like the file's size.
#
#   python3 loadtest/scripts/upload_stream.py target/release/mandant 512
import http.client, json, os, subprocess, sys, tempfile, time, urllib.request, socket, hashlib

MIB = 1024 * 1024
size_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 512
chunk = bytes(range(256)) * 4096  # 1 MiB, not all one byte

def free():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close(); return p

def hwm(pid):
    for line in open(f'/proc/{pid}/status'):
        if line.startswith('VmHWM'):
            return int(line.split()[1]) / 1024
    return 0.0

port = free(); d = tempfile.mkdtemp()
env = dict(os.environ, MANDANT_DATA_DIR=d + '/data', MANDANT_LISTEN=f'127.0.0.1:{port}', MANDANT_DEMO_PASSWORD='bench-password-123',
           MANDANT_LOG='warn', MANDANT_UPLOAD_MAX_BYTES=str((size_mib + 1) * MIB),
           MANDANT_STORAGE_QUOTAS='free=none,standard=none,professional=none,enterprise=none')
p = subprocess.Popen([os.path.abspath(sys.argv[1]), 'serve', '--demo'], cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = f'/t/demo/api/v1'
def call(method, path, body=None, tok=None):
    req = urllib.request.Request(f'http://127.0.0.1:{port}{base}{path}', method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={'content-type': 'application/json', **({'authorization': 'Bearer ' + tok} if tok else {})})
    with urllib.request.urlopen(req) as r: return json.loads(r.read() or b'null')
for _ in range(100):
    try: urllib.request.urlopen(f'http://127.0.0.1:{port}/readyz'); break
    except Exception: time.sleep(0.2)
tok = call('POST', '/auth/login', {'email': 'admin@demo.example', 'password': 'bench-password-123'})['access_token']
contact = call('POST', '/contacts', {'last_name': 'Bench'}, tok)['id']
rss_before = hwm(p.pid)

# The ceiling: the same bytes to and from a file beside the store, as the
# store writes them (into the page cache: neither side waits for fsync).
t0 = time.time()
with open(d + '/ceiling.bin', 'wb') as f:
    for _ in range(size_mib): f.write(chunk)
disk_write = size_mib / (time.time() - t0)
t0 = time.time()
with open(d + '/ceiling.bin', 'rb') as f:
    while f.read(MIB): pass
disk_read = size_mib / (time.time() - t0)
os.unlink(d + '/ceiling.bin')

c = http.client.HTTPConnection('127.0.0.1', port, timeout=600)
t0 = time.time()
c.putrequest('POST', f'{base}/contacts/{contact}/files?name=bench.bin')
c.putheader('authorization', 'Bearer ' + tok); c.putheader('content-type', 'application/octet-stream')
c.putheader('content-length', str(size_mib * MIB)); c.endheaders()
digest = hashlib.sha256()
for _ in range(size_mib):
    c.send(chunk); digest.update(chunk)
r = c.getresponse(); f = json.loads(r.read())
up = size_mib / (time.time() - t0)
assert r.status == 201, f
assert f['sha256'] == digest.hexdigest(), 'the server hashed other bytes'
rss_after_up = hwm(p.pid)

t0 = time.time()
c.request('GET', f['download_url'])
r = c.getresponse(); n = 0
while True:
    b = r.read(4 * MIB)
    if not b: break
    n += len(b)
down = size_mib / (time.time() - t0)
assert n == size_mib * MIB
rss_after_down = hwm(p.pid)
print(f'{size_mib} MiB: upload {up:.0f} MiB/s ({up / disk_write * 100:.0f} % of the disk write ceiling {disk_write:.0f} MiB/s), '
      f'download {down:.0f} MiB/s ({down / disk_read * 100:.0f} % of the read ceiling {disk_read:.0f} MiB/s)')
print(f'server peak RSS: {rss_before:.0f} MiB before, {rss_after_up:.0f} MiB after the upload, {rss_after_down:.0f} MiB after the download')
# The same download by curl, a client that is not the bottleneck.
curl = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w', '%{speed_download}', f'http://127.0.0.1:{port}' + f['download_url']],
                      capture_output=True, text=True).stdout
print(f'download by curl: {float(curl) / MIB:.0f} MiB/s')
p.terminate(); p.wait()
