"""SPF end to end: a real `mailrelay serve` asks a small DNS server written here (UDP, stdlib
only) and puts the result in every payload format's envelope.spf."""
import json
import re
import smtplib
import socket
import struct
import threading
import time
import unittest
import urllib.request

from harness import Endpoint, Relay

MESSAGE = (
    "From: sender@example.org\r\n"
    "To: rcpt@ok.test\r\n"
    "Subject: spf test\r\n"
    "\r\n"
    "body\r\n"
)

# The client is always 127.0.0.1. Names are lower case; TXT values are lists of strings
# (several strings in one record are concatenated by the reader, RFC 7208 §3.3).
ZONE = {
    "pass.test": {"TXT": [["v=spf1 ip4:127.0.0.0/8 -all"]]},
    "fail.test": {"TXT": [["v=spf1 ip4:192.0.2.1 -all"]]},
    "softfail.test": {"TXT": [["v=spf1 ip4:192.0.2.1 ~all"]]},
    "neutral.test": {"TXT": [["v=spf1 ?all"]]},
    "permerror.test": {"TXT": [["v=spf1 -all"], ["v=spf1 +all"]]},
    "other.test": {"TXT": [["not spf"]]},
    "split.test": {"TXT": [["v=spf1 ip4:127.0", ".0.1 -all"]]},
    "mx.test": {"TXT": [["v=spf1 mx:mxhost.test -all"]]},
    "mxhost.test": {"MX": [(10, "mail.mxhost.test")]},
    "mail.mxhost.test": {"A": ["127.0.0.1"]},
    "inc.test": {"TXT": [["v=spf1 include:pass.test -all"]]},
    "helo.pass.test": {"TXT": [["v=spf1 a -all"]], "A": ["127.0.0.1"]},
}
TYPES = {1: "A", 15: "MX", 16: "TXT", 28: "AAAA"}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


class DnsServer:
    """Answers A, AAAA, MX and TXT from ZONE; NXDOMAIN for names it does not know. With
    `silent`, it reads queries and never answers."""

    def __init__(self, zone, silent=False):
        self.zone = zone
        self.silent = silent
        self.queries = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            reply = self.answer(data)
            if reply is not None and not self.silent:
                self.sock.sendto(reply, peer)

    def answer(self, query):
        if len(query) < 12:
            return None
        qid, _flags, qdcount = struct.unpack("!HHH", query[:6])
        if qdcount != 1:
            return None
        labels, pos = [], 12
        while pos < len(query) and query[pos] != 0:
            n = query[pos]
            labels.append(query[pos + 1:pos + 1 + n].decode("ascii", "replace"))
            pos += 1 + n
        qtype, _qclass = struct.unpack("!HH", query[pos + 1:pos + 5])
        question = query[12:pos + 5]
        name = ".".join(labels).lower()
        self.queries.append((name, TYPES.get(qtype, qtype)))
        records = self.zone.get(name)
        rcode = 3 if records is None else 0
        answers = []
        for value in (records or {}).get(TYPES.get(qtype), []):
            if qtype == 16:
                rdata = b"".join(bytes([len(s)]) + s.encode() for s in value)
            elif qtype == 1:
                rdata = socket.inet_pton(socket.AF_INET, value)
            elif qtype == 28:
                rdata = socket.inet_pton(socket.AF_INET6, value)
            else:
                rdata = struct.pack("!H", value[0]) + encode_name(value[1])
            # Owner name as a pointer to the question (offset 12), as real servers do.
            answers.append(b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(rdata)) + rdata)
        header = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, len(answers), 0, 0)
        return header + question + b"".join(answers)

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def send(port, sender, rcpt="someone@ok.test", helo="client.test"):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.ehlo(helo)
        s.mail(sender)
        s.rcpt(rcpt)
        code, _ = s.data(MESSAGE.encode())
        return code


def form_field(body, name):
    m = re.search(rb'name="' + re.escape(name.encode()) + rb'"\r\n(?:[^\r\n]+\r\n)*\r\n(.*?)\r\n--',
                  body, re.S)
    return m.group(1).decode() if m else None


class SpfTestBase(unittest.TestCase):
    dns_silent = False
    spf = None  # config "spf" block; the nameserver is filled in

    @classmethod
    def setUpClass(cls):
        cls.dns = DnsServer(ZONE, silent=cls.dns_silent)
        cls.endpoint = Endpoint()
        spf = dict(cls.spf)
        spf["nameserver"] = "127.0.0.1:%d" % cls.dns.port
        try:
            cls.relay = Relay(cls.endpoint, extra_config={"spf": spf})
        except Exception:
            cls.endpoint.close()
            cls.dns.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.relay.cleanup()
        cls.endpoint.close()
        cls.dns.close()

    def setUp(self):
        self.endpoint.clear()

    def tearDown(self):
        self.assertEqual(self.endpoint.schema_errors, [])

    def last_json_spf(self, sender, helo="client.test"):
        self.assertEqual(send(self.relay.smtp_port, sender, helo=helo), 250)
        posts = self.endpoint.posts("/ok")
        self.assertEqual(len(posts), 1)
        self.endpoint.clear()
        return json.loads(posts[0]["body"])["envelope"]["spf"]


class SpfResultsTest(SpfTestBase):
    spf = {"enabled": True, "timeout_ms": 3000}

    def test_each_published_policy_gives_its_result(self):
        cases = [
            ("a@pass.test", "pass", "pass.test"),
            ("a@fail.test", "fail", "fail.test"),
            ("a@softfail.test", "softfail", "softfail.test"),
            ("a@neutral.test", "neutral", "neutral.test"),
            ("a@nxdomain.test", "none", "nxdomain.test"),
            ("a@other.test", "none", "other.test"),
            ("a@permerror.test", "permerror", "permerror.test"),
            ("a@split.test", "pass", "split.test"),
            ("a@mx.test", "pass", "mx.test"),
            ("a@inc.test", "pass", "inc.test"),
            ("Mixed.Case@PASS.test", "pass", "pass.test"),
        ]
        for sender, result, domain in cases:
            with self.subTest(sender=sender):
                self.assertEqual(self.last_json_spf(sender), {"result": result, "domain": domain})

    def test_null_sender_checks_the_helo_name(self):
        self.assertEqual(self.last_json_spf("", helo="helo.pass.test"),
                         {"result": "pass", "domain": "helo.pass.test"})

    def test_multipart_and_raw_payloads_carry_the_result(self):
        for rcpt in ("f@form.test", "r@raw.test"):
            with self.subTest(rcpt=rcpt):
                self.endpoint.clear()
                self.assertEqual(send(self.relay.smtp_port, "a@fail.test", rcpt=rcpt), 250)
                body = self.endpoint.posts("/ok")[0]["body"]
                self.assertEqual(form_field(body, "envelope[spf][result]"), "fail")
                self.assertEqual(form_field(body, "envelope[spf][domain]"), "fail.test")

    def test_dns_was_really_asked(self):
        self.dns.queries.clear()
        self.last_json_spf("a@mx.test")
        self.assertIn(("mx.test", "TXT"), self.dns.queries)
        self.assertIn(("mxhost.test", "MX"), self.dns.queries)
        self.assertIn(("mail.mxhost.test", "A"), self.dns.queries)

    def test_metrics_count_by_result_and_the_log_names_no_domain(self):
        self.last_json_spf("a@softfail.test")
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.relay.api_port,
                                      timeout=5).read().decode()
        m = re.search(r'^mailrelay_spf_checks_total\{result="softfail"\} (\d+)$', text, re.M)
        self.assertIsNotNone(m, text)
        self.assertGreaterEqual(int(m.group(1)), 1)
        log = self.relay.log_text()
        self.assertIn("spf_ms", log)
        for secret in ("softfail.test", "pass.test", "a@"):
            self.assertNotIn(secret, log)


class SpfTimeoutTest(SpfTestBase):
    dns_silent = True
    spf = {"enabled": True, "timeout_ms": 1000}

    def test_silent_nameserver_gives_temperror_and_the_mail_is_delivered_in_time(self):
        started = time.monotonic()
        spf = self.last_json_spf("a@pass.test")
        took = time.monotonic() - started
        self.assertEqual(spf, {"result": "temperror", "domain": "pass.test"})
        # Two UDP tries of a third of the 1 s budget each, then temperror: the sender waited
        # for the tries and not much longer than the budget.
        self.assertGreaterEqual(took, 0.6)
        self.assertLess(took, 2.0)
        self.assertEqual(self.dns.queries, [("pass.test", "TXT")] * 2)  # asked, and asked again


class SpfDisabledTest(SpfTestBase):
    spf = {"enabled": False}

    def test_disabled_gives_none_with_the_domain_and_asks_no_dns(self):
        self.dns.queries.clear()
        self.assertEqual(self.last_json_spf("a@fail.test"), {"result": "none", "domain": "fail.test"})
        self.assertEqual(self.dns.queries, [])


class SpfConfigTest(unittest.TestCase):
    def test_bad_nameserver_is_refused_at_start_with_file_and_pointer(self):
        endpoint = Endpoint()
        try:
            with self.assertRaises(RuntimeError) as ctx:
                Relay(endpoint, extra_config={"spf": {"enabled": True,
                                                      "nameserver": "dns.example.com"}})
            self.assertIn("/spf/nameserver", str(ctx.exception))
            self.assertIn("config.json", str(ctx.exception))
        finally:
            endpoint.close()


if __name__ == "__main__":
    unittest.main()
