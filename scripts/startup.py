#!/usr/bin/env python3
"""Start to first answer: starts `ramd serve` (trust mode) on a data directory and polls until one
GetResourceShares call answers 200, printing the elapsed milliseconds and the process's resident
memory then, as JSON. Usage: scripts/startup.py RAMD_BIN DATA_DIR [extra serve flags...]"""
import http.client, json, socket, subprocess, sys, time

binary, data_dir, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
auth = "AWS4-HMAC-SHA256 Credential=111111111111/20261202/us-east-1/ram/aws4_request, SignedHeaders=host, Signature=00"
started = time.perf_counter()
proc = subprocess.Popen([binary, "serve", "--auth", "trust", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir, *extra],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("POST", "/getresourceshares", body='{"resourceOwner":"SELF","maxResults":1}',
                      headers={"Authorization": auth, "Content-Type": "application/json"})
            if c.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.002)
    elapsed_ms = (time.perf_counter() - started) * 1000
    rss_kib = next(int(l.split()[1]) for l in open(f"/proc/{proc.pid}/status") if l.startswith("VmRSS"))
    print(json.dumps({"start_to_first_answer_ms": round(elapsed_ms, 1), "rss_mib": round(rss_kib / 1024, 1)}))
finally:
    proc.terminate(); proc.wait()
