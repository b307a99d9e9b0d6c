#!/usr/bin/env python3
"""N clients download the same URL once, all at the same moment, one connection each (asyncio, HTTP/1.1).

Prints one JSON object: per-client connect / first-byte / done times (seconds from the common start), bytes,
and whether each body's sha256 matched (checked only when --digest is given). The times are what fairness is
read from: the spread between the fastest and the slowest client.
"""
import argparse, asyncio, hashlib, json, time
from urllib.parse import urlsplit


async def one(host, port, path, start_at, digest, out):
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    t0 = time.monotonic()
    rec = {"connect": None, "first_byte": None, "done": None, "bytes": 0, "status": 0, "ok": False, "error": None}
    try:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        rec["connect"] = time.monotonic() - t0
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        rec["first_byte"] = time.monotonic() - t0
        lines = head.decode("latin-1").split("\r\n")
        rec["status"] = int(lines[0].split()[1])
        length = next(int(l.split(":", 1)[1]) for l in lines[1:] if l.lower().startswith("content-length:"))
        h = hashlib.sha256() if digest else None
        left = length
        while left > 0:
            chunk = await reader.read(min(left, 1 << 18))
            if not chunk:
                break
            if h:
                h.update(chunk)
            left -= len(chunk)
        rec["bytes"] = length - left
        rec["done"] = time.monotonic() - t0
        rec["ok"] = rec["status"] == 200 and left == 0 and (not h or "sha256:" + h.hexdigest() == digest)
        writer.close()
    except Exception as e:  # one failed client is a result, not a crash of the measurement
        rec["error"] = f"{type(e).__name__}: {e}"
        rec["done"] = time.monotonic() - t0
    out.append(rec)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--digest", default="")
    a = p.parse_args()
    u = urlsplit(a.url)
    out = []
    start_at = time.monotonic() + 0.5  # every task created first, then all start together
    wall0 = time.monotonic()
    await asyncio.gather(*(one(u.hostname, u.port, u.path, start_at, a.digest, out) for _ in range(a.clients)))
    print(json.dumps({"wall": time.monotonic() - max(wall0, start_at), "clients": out}))


asyncio.run(main())
