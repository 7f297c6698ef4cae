"""The HTTP API against a real `mailrelay serve`: bearer tokens made by `mailrelay tokens`,
401 vs 403 per endpoint and role, revocation while serving, GET /v1/messages, /metrics."""
import http.client
import json
import os
import re
import signal
import smtplib
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import MAILRELAY_BIN, RelayTestCase, free_port, port_free, wait_for_port

TOKEN_RE = re.compile(r"^mr_[1-9][0-9]*_[0-9a-f]{64}$")


class ApiTestCase(RelayTestCase):
    def tokens(self, *args, check=True):
        out = subprocess.run([MAILRELAY_BIN, "tokens"] + list(args) +
                             ["--config", self.relay.config_path],
                             capture_output=True, text=True, timeout=60)
        if check and out.returncode != 0:
            raise AssertionError("tokens %s failed (%d): %s" % (args, out.returncode, out.stderr))
        return out

    def create(self, role, name=None):
        out = self.tokens("create", "--role", role, "--name", name or ("it-" + role))
        created = json.loads(out.stdout)
        self.assertRegex(created["token"], TOKEN_RE)
        self.assertEqual(created["role"], role)
        return created

    def create_one_per_role(self):
        """Returns {role: token} with a fresh token for each role."""
        return {role: self.create(role)["token"] for role in ("admin", "compliance", "auditor")}

    def call(self, path, token=None, method="GET", authorization=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.relay.api_port, timeout=10)
        headers = {}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        if authorization is not None:
            headers["Authorization"] = authorization
        conn.request(method, path, headers=headers)
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        conn.close()
        return resp.status, resp, body

    def send(self, rcpt, subject, sender="sender@example.org"):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.sendmail(sender, [rcpt],
                       "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@it.test>\r\n\r\nhi\r\n"
                       % (sender, rcpt, subject, subject))


class RoleMatrixTest(ApiTestCase):
    """Each endpoint with no token, a bad token, a revoked token and each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = ApiTestCase("run")
        t.relay = cls.relay
        cls.tok = t.create_one_per_role()
        revoked = t.create("admin", "to-revoke")
        t.tokens("revoke", str(revoked["id"]))
        cls.revoked = revoked["token"]
        # Right shape, wrong secret for an existing id.
        admin_id = cls.tok["admin"].split("_")[1]
        cls.bad = "mr_%s_%s" % (admin_id, "0" * 64)

    def expect(self, path, cases):
        for label, token, want in cases:
            status, resp, body = self.call(path, token=token)
            self.assertEqual(status, want, "%s %s: %s" % (path, label, body))
            if status == 401:
                self.assertTrue(resp.getheader("WWW-Authenticate", "").startswith("Bearer"),
                                "%s %s" % (path, label))
            if status >= 400:
                self.assertIn("error", json.loads(body))

    def test_healthz_is_open(self):
        self.expect("/healthz", [("none", None, 200), ("bad", self.bad, 200),
                                 ("revoked", self.revoked, 200),
                                 ("admin", self.tok["admin"], 200),
                                 ("compliance", self.tok["compliance"], 200),
                                 ("auditor", self.tok["auditor"], 200)])

    def test_metrics_open_on_loopback_admin_with_token(self):
        self.expect("/metrics", [("none (loopback)", None, 200), ("bad", self.bad, 401),
                                 ("garbage", "not-a-token", 401),
                                 ("revoked", self.revoked, 401),
                                 ("admin", self.tok["admin"], 200),
                                 ("compliance", self.tok["compliance"], 403),
                                 ("auditor", self.tok["auditor"], 403)])

    def test_messages_needs_admin_or_compliance(self):
        self.expect("/v1/messages", [("none", None, 401), ("bad", self.bad, 401),
                                     ("garbage", "not-a-token", 401),
                                     ("revoked", self.revoked, 401),
                                     ("admin", self.tok["admin"], 200),
                                     ("compliance", self.tok["compliance"], 200),
                                     ("auditor", self.tok["auditor"], 403)])

    def test_other_schemes_and_shapes_are_401(self):
        for auth in ["Basic YWRtaW46YWRtaW4=", "Bearer", "Token " + self.tok["admin"],
                     "Bearer " + self.tok["admin"] + "x", "Bearer " + self.tok["admin"].upper()]:
            status, resp, body = self.call("/v1/messages", authorization=auth)
            self.assertEqual(status, 401, auth)
            self.assertIn('error="invalid_token"', resp.getheader("WWW-Authenticate"))
        status, resp, _ = self.call("/v1/messages")
        self.assertEqual(resp.getheader("WWW-Authenticate"), 'Bearer realm="mailrelay"')

    def test_unknown_path_and_wrong_method(self):
        status, _, body = self.call("/v1/nothing", token=self.tok["admin"])
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"], "no such endpoint")
        status, resp, _ = self.call("/v1/messages", token=self.tok["admin"], method="POST")
        self.assertEqual(status, 405)
        self.assertEqual(resp.getheader("Allow"), "GET")

    def test_list_never_shows_secrets(self):
        out = self.tokens("list").stdout
        listed = json.loads(out)["tokens"]
        self.assertEqual(sorted(t["role"] for t in listed),
                         ["admin", "admin", "auditor", "compliance"])
        self.assertEqual([t["revoked"] for t in listed if t["name"] == "to-revoke"], [True])
        for token in list(self.tok.values()) + [self.revoked]:
            self.assertNotIn(token.split("_")[2], out)
        self.assertNotIn("token\"", out.replace('"tokens"', ""))


class LiveTokensTest(ApiTestCase):
    def test_cli_tokens_work_at_once_and_revoke_takes_effect_while_serving(self):
        created = self.create("compliance", "live")
        status, _, _ = self.call("/v1/messages", token=created["token"])
        self.assertEqual(status, 200)
        self.tokens("revoke", str(created["id"]))
        status, resp, body = self.call("/v1/messages", token=created["token"])
        self.assertEqual(status, 401)
        self.assertIn("revoked", json.loads(body)["error"])
        again = self.tokens("revoke", str(created["id"]), check=False)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("already revoked", again.stderr)
        missing = self.tokens("revoke", "987654", check=False)
        self.assertNotEqual(missing.returncode, 0)

    def test_a_token_with_an_expiry_says_so_and_works_until_then(self):
        before = time.time() * 1000
        out = self.tokens("create", "--role", "auditor", "--name", "quarterly-audit",
                          "--expires-in-days", "30")
        created = json.loads(out.stdout)
        expected = before + 30 * 86_400_000
        self.assertTrue(expected <= created["expires_at_ms"] <= expected + 60_000, created)
        listed = {t["id"]: t for t in json.loads(self.tokens("list").stdout)["tokens"]}
        self.assertEqual(listed[created["id"]]["expires_at_ms"], created["expires_at_ms"])
        status, _, _ = self.call("/v1/audit/checkpoint", token=created["token"])
        self.assertEqual(status, 200)
        self.assertIsNone(self.create("admin")["expires_at_ms"])

    def test_cli_usage_errors(self):
        for args in [["create", "--role", "root", "--name", "x"], ["create", "--role", "admin"],
                     ["revoke", "abc"], ["frobnicate"],
                     ["create", "--role", "admin", "--name", "x", "--expires-in-days", "0"],
                     ["create", "--role", "admin", "--name", "x", "--expires-in-days", "3651"],
                     ["create", "--role", "admin", "--name", "x", "--expires-in-days", "1.5"]]:
            out = self.tokens(*args, check=False)
            self.assertEqual(out.returncode, 64, args)
            self.assertEqual(out.stdout, "")


class MessagesTest(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = ApiTestCase("run")
        t.relay = cls.relay
        cls.admin = t.create("admin")["token"]

    def get_json(self, path):
        status, _, body = self.call(path, token=self.admin)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_records_of_smtp_messages_decrypted_newest_first_with_cursor_pages(self):
        subjects = ["api-subject-%d" % i for i in range(5)]
        for i, subject in enumerate(subjects):
            self.send("user%d@ok2.test" % i, subject, sender="alice%d@sender.test" % i)
            time.sleep(0.005)  # distinct received_at_ms
        page = self.get_json("/v1/messages?route=ok2&limit=2")
        self.assertEqual([m["subject"] for m in page["messages"]], subjects[::-1][:2])
        first = page["messages"][0]
        self.assertEqual(first["recipient"], "user4@ok2.test")
        self.assertEqual(first["sender"], "alice4@sender.test")
        self.assertEqual(first["sender_ip"], "127.0.0.1")
        self.assertEqual(first["message_id"], "<api-subject-4@it.test>")
        self.assertEqual(first["smtp_code"], 250)
        self.assertEqual(first["route"], "ok2")
        seen = [m["subject"] for m in page["messages"]]
        while page["next_cursor"]:
            page = self.get_json("/v1/messages?route=ok2&limit=2&cursor=" + page["next_cursor"])
            seen += [m["subject"] for m in page["messages"]]
        self.assertEqual(seen, subjects[::-1])
        # The same shape and content as `mailrelay messages`.
        cli = self.relay.messages("--route", "ok2", "--limit", "5")
        api = self.get_json("/v1/messages?route=ok2&limit=5")
        self.assertEqual(cli, api)

    def test_filters(self):
        self.send("x@ok.test", "api-delivered")
        try:
            self.send("x@reject.test", "api-rejected")
        except smtplib.SMTPDataError:
            pass
        rejected = self.get_json("/v1/messages?status=rejected")["messages"]
        self.assertIn("api-rejected", [m["subject"] for m in rejected])
        self.assertTrue(all(m["smtp_code"] == 554 for m in rejected))
        delivered = self.get_json("/v1/messages?status=delivered&route=ok")["messages"]
        self.assertIn("api-delivered", [m["subject"] for m in delivered])
        self.assertTrue(all(m["smtp_code"] == 250 and m["route"] == "ok" for m in delivered))
        future = int(time.time() * 1000) + 3600 * 1000
        self.assertEqual(self.get_json("/v1/messages?since=%d" % future)["messages"], [])
        since_2020 = self.get_json("/v1/messages?since=2020-01-01T00:00:00Z")["messages"]
        self.assertTrue({"api-delivered", "api-rejected"} <= {m["subject"] for m in since_2020})

    def test_bad_parameters_are_400_naming_the_parameter(self):
        for query, name in [("limit=0", "limit"), ("limit=abc", "limit"), ("limit=5000", "limit"),
                            ("status=lost", "status"), ("since=yesterday", "since"),
                            ("cursor=%21%21not-a-cursor", "cursor"), ("colour=red", "colour"),
                            ("limit=1&limit=2", "limit"), ("route=", "route")]:
            status, _, body = self.call("/v1/messages?" + query, token=self.admin)
            self.assertEqual(status, 400, query)
            self.assertIn(name, json.loads(body)["error"], query)

    def metric(self, text, name):
        m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
        self.assertIsNotNone(m, name)
        return float(m.group(1))

    def test_metrics_count_messages_and_latencies(self):
        names = ['mailrelay_messages_total{outcome="accepted"}',
                 'mailrelay_messages_total{outcome="bounced"}',
                 'mailrelay_messages_total{outcome="deferred"}',
                 "mailrelay_delivery_duration_seconds_count",
                 'mailrelay_delivery_duration_seconds_bucket{le="+Inf"}',
                 "mailrelay_vault_commit_duration_seconds_count",
                 "mailrelay_smtp_connections_total",
                 "mailrelay_vault_commit_batches_total"]
        before = self.call("/metrics")[2]
        for i in range(3):
            self.send("m%d@ok.test" % i, "metrics-%d" % i)
        try:
            self.send("x@reject.test", "metrics-rejected")
        except smtplib.SMTPDataError:
            pass
        status, resp, text = self.call("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/plain; version=0.0.4"))
        delta = [self.metric(text, n) - self.metric(before, n) for n in names]
        self.assertEqual(delta, [3, 1, 0, 4, 4, 4, 4, 4])
        # One client sending one message at a time: no two commits can share a transaction.
        self.assertEqual(self.metric(text, "mailrelay_vault_commit_transactions_total") -
                         self.metric(before, "mailrelay_vault_commit_transactions_total"), 4)
        self.assertGreater(self.metric(text, "mailrelay_delivery_duration_seconds_sum"), 0)
        self.assertIn("\nmailrelay_smtp_connections_refused_total 0\n", text)
        self.assertIn("\n# TYPE mailrelay_smtp_sessions_active gauge\n", text)
        self.assertIn("\n# TYPE mailrelay_delivery_duration_seconds histogram\n", text)


def _get(port, path, token):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Authorization": "Bearer " + token})
    status = conn.getresponse().status
    conn.close()
    return status


class ApiTlsTest(ApiTestCase):
    """api.tls: the API answers over HTTPS only (TLS 1.2+), tokens and records never in the
    clear."""
    relay_api_tls = True

    def https(self, path, token=None):
        context = ssl.create_default_context(cafile=self.relay.cert)
        context.check_hostname = False  # the test certificate names mx.test.invalid
        conn = http.client.HTTPSConnection("127.0.0.1", self.relay.api_port, timeout=10,
                                           context=context)
        headers = {"Authorization": "Bearer " + token} if token else {}
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read().decode()
        version = conn.sock.version()
        conn.close()
        return resp.status, body, version

    def test_health_and_a_token_read_over_https(self):
        status, body, version = self.https("/healthz")
        self.assertEqual((status, json.loads(body)), (200, {"status": "ok"}))
        self.assertIn(version, ("TLSv1.2", "TLSv1.3"))
        token = self.create("admin")["token"]
        status, body, _ = self.https("/v1/messages", token)
        self.assertEqual(status, 200, body)
        self.assertIn("messages", json.loads(body))
        status, _, _ = self.https("/v1/messages", "mr_1_" + "0" * 64)
        self.assertEqual(status, 401)

    def test_plain_http_gets_no_answer(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.relay.api_port, timeout=10)
        with self.assertRaises((http.client.HTTPException, OSError)):
            conn.request("GET", "/healthz")
            conn.getresponse()
        conn.close()

    def test_curl_verifies_the_certificate(self):
        url = "https://mx.test.invalid:%d/healthz" % self.relay.api_port
        resolve = "mx.test.invalid:%d:127.0.0.1" % self.relay.api_port
        ok = subprocess.run(["curl", "-sS", "--cacert", self.relay.cert, "--resolve", resolve, url],
                            capture_output=True, text=True, timeout=20)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(json.loads(ok.stdout), {"status": "ok"})
        # Without the certificate to trust, curl refuses: nothing is sent to an unverified peer.
        bad = subprocess.run(["curl", "-sS", "--resolve", resolve, url], capture_output=True,
                             text=True, timeout=20)
        self.assertNotEqual(bad.returncode, 0)
        self.assertNotIn("api.plaintext_listener", self.relay.log_text())


class PlaintextApiWarningTest(unittest.TestCase):
    def test_an_api_beyond_loopback_without_tls_is_warned_about(self):
        if not MAILRELAY_BIN:
            self.skipTest("MAILRELAY_BIN not set")
        with tempfile.TemporaryDirectory() as d:
            config = os.path.join(d, "config.json")
            api_port = free_port()
            with open(config, "w") as f:
                json.dump({"data_dir": os.path.join(d, "var"),
                           "smtp": {"listen": "127.0.0.1:%d" % free_port()},
                           "api": {"listen": "0.0.0.0:%d" % api_port}}, f)
            init = subprocess.run([MAILRELAY_BIN, "keys", "init", "--config", config],
                                  capture_output=True, text=True, timeout=60)
            self.assertEqual(init.returncode, 0, init.stderr)
            with open(os.path.join(d, "stderr.log"), "w+") as err:
                proc = subprocess.Popen([MAILRELAY_BIN, "serve", "--config", config],
                                        stdout=subprocess.DEVNULL, stderr=err)
                try:
                    self.assertTrue(wait_for_port(api_port), "serve did not start")
                finally:
                    proc.send_signal(signal.SIGTERM)
                    self.assertEqual(proc.wait(timeout=30), 0)
                err.seek(0)
                warned = [json.loads(line) for line in err if "api.plaintext_listener" in line]
        self.assertEqual(len(warned), 1)
        self.assertEqual(warned[0]["level"], "warn")
        self.assertIn("api.tls", warned[0]["hint"])


class QuickstartTokensTest(unittest.TestCase):
    """`mailrelay serve` without --config prints one token per role, once."""

    def run_quickstart(self, cwd, check):
        err_path = os.path.join(cwd, "err-%d.txt" % time.monotonic_ns())
        with open(err_path, "wb") as err, open(os.devnull, "wb") as out:
            proc = subprocess.Popen([MAILRELAY_BIN, "serve"], cwd=cwd, stdout=out, stderr=err)
            try:
                deadline = time.time() + 10
                while time.time() < deadline and "API tokens" not in open(err_path).read():
                    if proc.poll() is not None:
                        break
                    time.sleep(0.05)
                text = open(err_path, encoding="utf-8").read()
                if proc.poll() is not None and "cannot listen" in text:
                    # Another process (a concurrent quickstart run) took 2525/8025 meanwhile.
                    self.skipTest("quickstart ports taken: " + text[-200:])
                self.assertTrue(wait_for_port(2525))
                check(text)
            finally:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
                    self.assertEqual(proc.wait(timeout=30), 0)
        return text

    def test_quickstart_prints_one_token_per_role_once(self):
        if not MAILRELAY_BIN:
            self.skipTest("MAILRELAY_BIN not set")
        if not (port_free(2525) and port_free(8025)):
            self.skipTest("quickstart ports 2525/8025 are in use on this machine")
        with tempfile.TemporaryDirectory() as d:
            tokens = {}

            def first(text):
                for role in ("admin", "compliance", "auditor"):
                    m = re.search(r"^\s+%s\s+(mr_[0-9]+_[0-9a-f]{64})$" % role, text, re.M)
                    self.assertIsNotNone(m, text)
                    tokens[role] = m.group(1)
                self.assertEqual(_get(8025, "/v1/messages", tokens["admin"]), 200)
                self.assertEqual(_get(8025, "/v1/messages", tokens["compliance"]), 200)
                self.assertEqual(_get(8025, "/v1/messages", tokens["auditor"]), 403)

            self.run_quickstart(d, first)

            def second(text):
                self.assertIn("API tokens: 3 exist", text)
                self.assertIn("mailrelay tokens create", text)
                self.assertNotRegex(text, r"mr_[0-9]+_[0-9a-f]{64}")
                self.assertEqual(_get(8025, "/v1/messages", tokens["admin"]), 200)

            self.run_quickstart(d, second)


if __name__ == "__main__":
    unittest.main()
