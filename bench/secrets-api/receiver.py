#!/usr/bin/env python3
"""A webhook receiver for the secrets benchmark: answers every POST with 204 at once and counts them.

    receiver.py PORT      listens on 127.0.0.1:PORT (HTTP/1.1, keep-alive)

GET /stats answers "count=N first=T last=T" (T: Unix seconds of the first and last POST since the
last reset, 0 before any); GET /reset sets the count back to 0. It checks no signature: the benchmark
measures the server's side of delivery, and a receiver that does little keeps its CPU out of the way.
"""
import asyncio
import sys
import time

count, first, last = 0, 0.0, 0.0


def answer(status, body=b""):
    return b"HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body)


async def serve(reader, writer):
    global count, first, last
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            method, target = lines[0].split(b" ")[:2]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            if method == b"POST":
                now = time.time()
                count += 1
                first = first or now
                last = now
                writer.write(answer(b"204 No Content"))
            elif target == b"/stats":
                writer.write(answer(b"200 OK", b"count=%d first=%.3f last=%.3f\n" % (count, first, last)))
            elif target == b"/reset":
                count, first, last = 0, 0.0, 0.0
                writer.write(answer(b"200 OK"))
            else:
                writer.write(answer(b"404 Not Found"))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]), backlog=512)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
