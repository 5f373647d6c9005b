#!/usr/bin/env python3
"""A loopback test server for vhr's HTTP client (Python 3 standard library only).

Usage: server.py [--mode http|close|silent|refuse] [--tls CERT KEY]

Binds 127.0.0.1 on a free port, prints "PORT <n>" on stdout, then serves until stdin closes
(so it never outlives the test that started it).

Modes:
  http    an HTTP/1.1 server (HTTPS with --tls); routes, for any method:
            /status/<code>   answers <code>; a 503 carries "Retry-After: 120"
            /big/<n>         n bytes of body with Content-Length
            /stream/<n>      n bytes of body without Content-Length (ends by closing)
            /redirect        302 to /echo
            /continue        an unsolicited "100 Continue" (with a header), then 200
            anything else    200 echoing the request as JSON: method, path, headers (in order), body (base64)
  close   reads the request, then closes the connection without answering
  silent  reads the request and never answers
  refuse  binds the port without listening, so connecting is refused
"""
import argparse
import base64
import json
import os
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.route()

    do_POST = do_PUT = do_DELETE = do_GET

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length) if length else b""

    def reply(self, status, body, headers=(), length=True):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def route(self):
        body = self.read_body()
        parts = self.path.split("/")
        if self.path.startswith("/status/"):
            status = int(parts[2])
            headers = [("Retry-After", "120")] if status == 503 else []
            self.reply(status, f"status {status}".encode(), headers)
        elif self.path.startswith("/big/"):
            self.reply(200, b"x" * int(parts[2]))
        elif self.path.startswith("/stream/"):
            self.reply(200, b"y" * int(parts[2]), length=False)
        elif self.path == "/redirect":
            self.reply(302, b"", [("Location", "/echo")])
        elif self.path == "/continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n")
            self.reply(200, b"final", [("X-Final", "yes")])
        else:
            echo = {
                "method": self.command,
                "path": self.path,
                "headers": [[name, value] for name, value in self.headers.items()],
                "body": base64.b64encode(body).decode(),
            }
            headers = [("Content-Type", "application/json"), ("X-Repeated", "first"), ("X-Repeated", "second")]
            self.reply(200, json.dumps(echo).encode(), headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    tls = None

    def handle_error(self, request, client_address):
        # Clients that give up mid-response (the oversize and cancel tests) are expected.
        pass

    def finish_request(self, request, client_address):
        # The handshake runs in the connection's own thread, so a client that fails it (the point
        # of the TLS tests) never blocks the accepting thread.
        if self.tls is not None:
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)


def raw_server(mode):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    if mode == "refuse":
        return listener, None
    listener.listen(16)
    held = []

    def serve():
        while True:
            connection, _ = listener.accept()
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                data += chunk
            if mode == "close":
                connection.close()
            else:
                held.append(connection)

    return listener, serve


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="http", choices=["http", "close", "silent", "refuse"])
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    arguments = parser.parse_args()

    if arguments.mode == "http":
        server = Server(("127.0.0.1", 0), Handler)
        if arguments.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*arguments.tls)
            server.tls = context
        port = server.server_address[1]
        serve = server.serve_forever
    else:
        listener, serve = raw_server(arguments.mode)
        port = listener.getsockname()[1]

    if serve is not None:
        threading.Thread(target=serve, daemon=True).start()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
