"""Integration-test harness: a real local HTTP endpoint and a real `mailrelay serve` process.

Tests talk to mailrelay only over sockets (smtplib, swaks, curl, openssl, raw sockets).
"""
import contextlib
import http.server
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

MAILRELAY_BIN = os.environ.get("MAILRELAY_BIN", "")
SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas",
                           "webhook.schema.json")


def webhook_validator():
    """Validates every JSON payload the endpoint receives against schemas/webhook.schema.json."""
    import jsonschema  # Debian's python3-jsonschema
    with open(SCHEMA_PATH) as f:
        schema = json.load(f)
    return jsonschema.Draft7Validator(schema)


def _ephemeral_low():
    """The first port of the kernel's ephemeral range (outgoing connections, bind to 0)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port():
    """A port nothing listens on, chosen below the kernel's ephemeral range.

    A port the kernel hands out for bind(0) is in the range it also gives to every outgoing
    connection, so between this call and mailrelay's bind any client socket on the machine
    (the parallel tests make thousands) can take it. Below the range, only another test's
    explicit choice can; `Relay` retries that rare case."""
    low = _ephemeral_low()
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(10000, low)
        if port_free(port):
            return port
    raise RuntimeError("no free port below %d" % low)


def port_free(port):
    """True when nothing listens on 127.0.0.1:port (the quickstart tests need 2525 and 8025)."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_for_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def wait_for_log(path, text, proc, timeout=15.0):
    """True once `text` is in the file at path; False at the timeout or when proc exits."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(path, "rb") as f:
            if text.encode() in f.read():
                return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


class Endpoint:
    """A customer's HTTP endpoint whose answer depends on the path.

    /ok → 200, /reject → 422 text/plain (two lines), /error → 500, /slow → sleeps 3 s,
    /busy → 429, /redirect → 307 to /ok, /loop → 307 to itself, /html422 → 422 text/html.
    """

    def __init__(self):
        self.requests = []
        self.schema_errors = []
        self.validator = webhook_validator()
        self.lock = threading.Lock()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    errors = [e.message for e in
                              endpoint.validator.iter_errors(json.loads(body))]
                else:
                    errors = []
                with endpoint.lock:
                    endpoint.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body})
                    endpoint.schema_errors += errors
                path = self.path.split("?")[0]
                if path == "/ok":
                    self.answer(200, "text/plain", b"thanks")
                elif path == "/reject":
                    self.answer(422, "text/plain; charset=utf-8",
                                b"Mailbox full for this customer\r\nsecond line")
                elif path == "/html422":
                    self.answer(422, "text/html", b"<p>nope</p>")
                elif path == "/error":
                    self.answer(500, "text/plain", b"boom")
                elif path == "/busy":
                    self.answer(429, "text/plain", b"slow down")
                elif path == "/slow":
                    time.sleep(3)
                    self.answer(200, "text/plain", b"late")
                elif path == "/redirect":
                    self.send_response(307)
                    self.send_header("Location", "/ok")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path == "/auth-redirect":
                    # Same host and port, another origin name: credentials must not follow.
                    self.send_response(307)
                    self.send_header("Location", "http://localhost:%d/ok" % endpoint.port)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path == "/loop":
                    self.send_response(307)
                    self.send_header("Location", "/loop")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.answer(404, "text/plain", b"no such path")

            def answer(self, status, ctype, body):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def posts(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def clear(self):
        with self.lock:
            self.requests.clear()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def make_cert(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=mx.test.invalid", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


class Relay:
    """A running `mailrelay serve --config …` with routes to an Endpoint."""

    def __init__(self, endpoint, limits=None, tls=False, extra_routes=None, prepare_data_dir=None,
                 api_tls=False, extra_config=None):
        """`prepare_data_dir(path)`, when given, is called with the data directory (not yet
        created) before `keys init` writes into it. `extra_config` adds top-level config keys
        (e.g. {"spf": {...}})."""
        if not MAILRELAY_BIN or not os.access(MAILRELAY_BIN, os.X_OK):
            raise unittest.SkipTest("MAILRELAY_BIN not set")
        self.dir = tempfile.mkdtemp(prefix="mailrelay-it-")
        if prepare_data_dir:
            prepare_data_dir(os.path.join(self.dir, "var"))
        self.endpoint = endpoint
        self.limits, self.tls, self.api_tls = limits, tls, api_tls
        self.extra_routes, self.extra_config = extra_routes, extra_config
        self.smtp_port = free_port()
        self.api_port = free_port()
        self._write_config()
        init = subprocess.run([MAILRELAY_BIN, "keys", "init", "--config", self.config_path],
                              capture_output=True, text=True, timeout=60)
        if init.returncode != 0:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise RuntimeError("keys init failed: " + init.stderr)
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        for attempt in range(3):
            self._start()
            # The log line, not a connect: the port may be another test's listener.
            if wait_for_log(self.stderr_path, '"event":"service.started"', self.proc):
                return
            self.stop()
            if "Address already in use" not in self.log_text() or attempt == 2:
                raise RuntimeError("mailrelay did not start: " + self.log_text())
            # Another test took a port between free_port() and serve's bind: new ports.
            self.smtp_port = free_port()
            self.api_port = free_port()
            self._write_config()

    def _write_config(self):
        endpoint, limits, tls, api_tls = self.endpoint, self.limits, self.tls, self.api_tls
        extra_routes, extra_config = self.extra_routes, self.extra_config
        routes = [
            {"id": "ok", "match": ["*@ok.test", "exact@multi.test"], "target": endpoint.url("/ok"),
             "secret": "0123456789abcdef0123", "timeout_ms": 2000},
            {"id": "ok2", "match": ["*@ok2.test"], "target": endpoint.url("/ok")},
            {"id": "reject", "match": ["*@reject.test"], "target": endpoint.url("/reject")},
            {"id": "html422", "match": ["*@html422.test"], "target": endpoint.url("/html422")},
            {"id": "error", "match": ["*@error.test"], "target": endpoint.url("/error")},
            {"id": "busy", "match": ["*@busy.test"], "target": endpoint.url("/busy")},
            {"id": "slow", "match": ["*@slow.test"], "target": endpoint.url("/slow"),
             "timeout_ms": 1000},
            {"id": "redirect", "match": ["*@redirect.test"], "target": endpoint.url("/redirect")},
            {"id": "loop", "match": ["*@loop.test"], "target": endpoint.url("/loop")},
            {"id": "down", "match": ["*@down.test"],
             "target": "http://127.0.0.1:%d/gone" % free_port()},
            {"id": "authredir", "match": ["*@authredir.test"],
             "target": "http://user:p%%40ss@127.0.0.1:%d/auth-redirect" % endpoint.port},
            {"id": "eu", "match": ["*@eu.test"], "target": endpoint.url("/ok"), "region": "eu",
             "account": "acme-eu"},
            {"id": "raw", "match": ["*@raw.test"], "target": endpoint.url("/ok"), "format": "raw"},
            {"id": "form", "match": ["*@form.test"], "target": endpoint.url("/ok"),
             "format": "multipart"},
        ] + (extra_routes or [])
        config = {
            "data_dir": os.path.join(self.dir, "var"),
            "log_level": "info",
            "smtp": {"listen": "127.0.0.1:%d" % self.smtp_port, "hostname": "mx.test.invalid",
                     "limits": limits or {}},
            "api": {"listen": "127.0.0.1:%d" % self.api_port},
            "routes": routes,
        }
        config.update(extra_config or {})
        if tls or api_tls:
            self.cert, key = make_cert(self.dir)
        if tls:
            config["smtp"]["tls"] = {"cert_file": self.cert, "key_file": key}
        if api_tls:
            config["api"]["tls"] = {"cert_file": self.cert, "key_file": key}
        self.config_path = os.path.join(self.dir, "config.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f)

    def _start(self):
        self.stdout = open(os.path.join(self.dir, "stdout.log"), "wb")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([MAILRELAY_BIN, "serve", "--config", self.config_path],
                                     stdout=self.stdout, stderr=self.stderr)

    def restart(self):
        """Stops serve and starts it again on the same ports, config and data (a fresh log)."""
        self.stop()
        self._start()
        if not wait_for_log(self.stderr_path, '"event":"service.started"', self.proc):
            raise RuntimeError("mailrelay did not start again: " + self.log_text())

    def wait_idle(self, timeout=5.0):
        """Waits until the server has no SMTP session open (e.g. the start-up probe's)."""
        import urllib.request
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = urllib.request.urlopen(
                "http://127.0.0.1:%d/metrics" % self.api_port, timeout=2).read().decode()
            if "\nmailrelay_smtp_sessions_active 0\n" in text:
                return
            time.sleep(0.02)
        raise AssertionError("sessions still open after %.1f s" % timeout)

    def messages(self, *args):
        out = subprocess.run([MAILRELAY_BIN, "messages", "--config", self.config_path] +
                             list(args), capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("messages failed: " + out.stderr)
        return json.loads(out.stdout)

    def log_text(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=None):
        if self.proc.poll() is None:
            self.proc.terminate() if sig is None else self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=45)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stdout.close()
        self.stderr.close()
        return self.proc.returncode

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class SmtpClient:
    """A raw SMTP client over a socket: send exact bytes, read whole replies."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def read_reply(self):
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                data = self.sock.recv(65536)
                if not data:
                    return lines
                self.buf += data
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("utf-8", "replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return lines

    def code(self):
        lines = self.read_reply()
        return int(lines[-1][:3]) if lines else None

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()


class RelayTestCase(unittest.TestCase):
    """One endpoint + one relay per test class."""
    relay_limits = None
    relay_tls = False
    relay_api_tls = False

    @classmethod
    def setUpClass(cls):
        cls.endpoint = Endpoint()
        cls.relay = Relay(cls.endpoint, limits=cls.relay_limits, tls=cls.relay_tls,
                          api_tls=cls.relay_api_tls)

    def tearDown(self):
        self.assertEqual(self.endpoint.schema_errors, [],
                         "a JSON payload did not validate against webhook.schema.json")

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.relay.cleanup()
        cls.endpoint.close()

    def setUp(self):
        self.endpoint.clear()

    def wait_posts(self, n, path=None, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.endpoint.posts(path)) >= n:
                break
            time.sleep(0.02)
        return self.endpoint.posts(path)
