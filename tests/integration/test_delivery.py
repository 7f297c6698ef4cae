"""Endpoint answer → SMTP reply, payloads and headers, driven by smtplib, swaks and curl."""
import base64
import hashlib
import hmac
import json
import smtplib
import subprocess
import time
import unittest

from harness import RelayTestCase

MESSAGE = (
    "From: Alice Example <alice@sender.test>\r\n"
    "To: bob@ok.test\r\n"
    "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= from the test\r\n"
    "Message-ID: <it-1@sender.test>\r\n"
    "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    "this is the body.\r\n"
)


def send(port, rcpts, msg=MESSAGE, sender="alice@sender.test"):
    with smtplib.SMTP("127.0.0.1", port, timeout=15) as s:
        s.ehlo("client.test")
        return s.sendmail(sender, rcpts, msg.encode())


class StatusMappingTest(RelayTestCase):
    def test_endpoint_200_gives_250_and_endpoint_gets_cloudmailin_json(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.ehlo("client.test")
            s.mail("alice@sender.test")
            s.rcpt("bob@ok.test")
            code, text = s.data(MESSAGE.encode())
        self.assertEqual(code, 250)
        self.assertRegex(text.decode(), r"^2\.0\.0 Ok: delivered as [0-9A-Z]{26}$")
        posts = self.wait_posts(1, "/ok")
        self.assertEqual(len(posts), 1)
        post = posts[0]
        self.assertEqual(post["headers"]["Content-Type"], "application/json")
        payload = json.loads(post["body"])
        self.assertEqual(payload["envelope"]["to"], "bob@ok.test")
        self.assertEqual(payload["envelope"]["from"], "alice@sender.test")
        self.assertEqual(payload["envelope"]["recipients"], ["bob@ok.test"])
        self.assertEqual(payload["envelope"]["helo_domain"], "client.test")
        self.assertEqual(payload["envelope"]["remote_ip"], "127.0.0.1")
        self.assertEqual(payload["headers"]["subject"], "Grüße from the test")
        self.assertEqual(payload["headers"]["message_id"], "<it-1@sender.test>")
        self.assertIn("received", payload["headers"])
        self.assertIn("Hello Bob,", payload["plain"])
        self.assertEqual(payload["attachments"], [])
        self.assertEqual(post["headers"]["X-Mailrelay-Message-Id"], text.decode().split()[-1])

    def test_signature_verifies_with_route_secret(self):
        send(self.relay.smtp_port, ["carol@ok.test"])
        post = self.wait_posts(1, "/ok")[0]
        sig = dict(part.split("=", 1) for part in post["headers"]["X-Mailrelay-Signature"].split(","))
        self.assertLess(abs(int(sig["t"]) - time.time()), 60)
        expected = hmac.new(b"0123456789abcdef0123", sig["t"].encode() + b"." + post["body"],
                            hashlib.sha256).hexdigest()
        self.assertTrue(hmac.compare_digest(sig["v1"], expected))

    def test_delivery_id_is_stable_across_sender_retries(self):
        send(self.relay.smtp_port, ["dave@ok.test"])
        send(self.relay.smtp_port, ["dave@ok.test"])
        send(self.relay.smtp_port, ["erin@ok.test"])
        posts = self.wait_posts(3, "/ok")
        ids = [p["headers"]["X-Mailrelay-Delivery-Id"] for p in posts]
        self.assertEqual(ids[0], ids[1])
        self.assertNotEqual(ids[0], ids[2])
        self.assertRegex(ids[0], r"^[0-9a-f]{32}$")

    def test_endpoint_422_text_plain_bounces_with_its_first_line(self):
        with self.assertRaises(smtplib.SMTPDataError) as ctx:
            send(self.relay.smtp_port, ["x@reject.test"])
        self.assertEqual(ctx.exception.smtp_code, 554)
        self.assertEqual(ctx.exception.smtp_error.decode(), "5.7.1 Mailbox full for this customer")

    def test_endpoint_422_html_bounces_with_fixed_text(self):
        with self.assertRaises(smtplib.SMTPDataError) as ctx:
            send(self.relay.smtp_port, ["x@html422.test"])
        self.assertEqual(ctx.exception.smtp_code, 554)
        self.assertNotIn("<p>", ctx.exception.smtp_error.decode())

    def test_endpoint_500_defers_with_451(self):
        with self.assertRaises(smtplib.SMTPDataError) as ctx:
            send(self.relay.smtp_port, ["x@error.test"])
        self.assertEqual(ctx.exception.smtp_code, 451)
        self.assertTrue(ctx.exception.smtp_error.decode().startswith("4.3.0"))

    def test_endpoint_429_defers_with_451(self):
        with self.assertRaises(smtplib.SMTPDataError) as ctx:
            send(self.relay.smtp_port, ["x@busy.test"])
        self.assertEqual(ctx.exception.smtp_code, 451)

    def test_slow_endpoint_past_timeout_defers_with_451_4_4_1(self):
        started = time.time()
        with self.assertRaises(smtplib.SMTPDataError) as ctx:
            send(self.relay.smtp_port, ["x@slow.test"])
        self.assertEqual(ctx.exception.smtp_code, 451)
        self.assertTrue(ctx.exception.smtp_error.decode().startswith("4.4.1"))
        self.assertLess(time.time() - started, 2.9)  # the route's 1 s timeout, not the 3 s sleep

    def test_route_timeout_holds_on_a_connection_pooled_by_another_route(self):
        # ok2 (default 30 s timeout) and slow (1 s) post to the same origin: the pooled
        # keep-alive connection ok2 opened must not carry its 30 s timeout into slow's POST.
        for _ in range(3):
            send(self.relay.smtp_port, ["warm@ok2.test"])
        started = time.time()
        with self.assertRaises(smtplib.SMTPDataError) as ctx:
            send(self.relay.smtp_port, ["x@slow.test"])
        self.assertEqual(ctx.exception.smtp_code, 451)
        self.assertLess(time.time() - started, 2.9)

    def test_endpoint_down_defers_with_451_4_4_1(self):
        with self.assertRaises(smtplib.SMTPDataError) as ctx:
            send(self.relay.smtp_port, ["x@down.test"])
        self.assertEqual(ctx.exception.smtp_code, 451)
        self.assertTrue(ctx.exception.smtp_error.decode().startswith("4.4.1"))

    def test_redirect_is_followed_with_the_same_body(self):
        send(self.relay.smtp_port, ["x@redirect.test"])
        first = self.wait_posts(1, "/redirect")
        second = self.wait_posts(1, "/ok")
        self.assertEqual(len(first), 1)
        self.assertEqual(len(second), 1)
        self.assertEqual(first[0]["body"], second[0]["body"])

    def test_basic_auth_is_sent_and_dropped_on_redirect_to_another_host(self):
        send(self.relay.smtp_port, ["x@authredir.test"])
        first = self.wait_posts(1, "/auth-redirect")[0]
        second = self.wait_posts(1, "/ok")[0]
        self.assertEqual(first["headers"]["Authorization"],
                         "Basic " + base64.b64encode(b"user:p@ss").decode())
        self.assertNotIn("Authorization", second["headers"])
        self.assertTrue(second["headers"]["Host"].startswith("localhost"))

    def test_redirect_loop_defers_after_three_redirects(self):
        with self.assertRaises(smtplib.SMTPDataError) as ctx:
            send(self.relay.smtp_port, ["x@loop.test"])
        self.assertEqual(ctx.exception.smtp_code, 451)
        self.assertEqual(len(self.endpoint.posts("/loop")), 4)  # the first POST + 3 redirects

    def test_unknown_recipient_is_refused_with_550_5_1_1(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.ehlo("client.test")
            s.mail("alice@sender.test")
            code, text = s.rcpt("nobody@nowhere.test")
        self.assertEqual(code, 550)
        self.assertTrue(text.decode().startswith("5.1.1"))

    def test_recipient_on_another_route_gets_452_and_first_route_gets_one_post(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.ehlo("client.test")
            s.mail("alice@sender.test")
            self.assertEqual(s.rcpt("a@ok.test")[0], 250)
            self.assertEqual(s.rcpt("b@ok.test")[0], 250)
            code, text = s.rcpt("c@ok2.test")
            self.assertEqual(code, 452)
            self.assertTrue(text.decode().startswith("4.5.3"))
            self.assertEqual(s.data(MESSAGE.encode())[0], 250)
        posts = self.wait_posts(1, "/ok")
        self.assertEqual(len(posts), 1)
        payload = json.loads(posts[0]["body"])
        self.assertEqual(payload["envelope"]["recipients"], ["a@ok.test", "b@ok.test"])
        self.assertEqual(payload["envelope"]["to"], "a@ok.test")

    def test_swaks_delivers(self):
        out = subprocess.run(
            ["swaks", "--server", "127.0.0.1:%d" % self.relay.smtp_port, "--to", "sw@ok.test",
             "--from", "swaks@sender.test", "--header", "Subject: via swaks", "--body",
             "swaks body"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertRegex(out.stdout, r"<-  250 2\.0\.0 Ok: delivered as")
        payload = json.loads(self.wait_posts(1, "/ok")[0]["body"])
        self.assertEqual(payload["headers"]["subject"], "via swaks")
        self.assertIn("swaks body", payload["plain"])

    def test_curl_delivers(self):
        out = subprocess.run(
            ["curl", "-sS", "smtp://127.0.0.1:%d" % self.relay.smtp_port, "--mail-from",
             "curl@sender.test", "--mail-rcpt", "cu@ok.test", "--upload-file", "-"],
            input=MESSAGE.encode(), capture_output=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        payload = json.loads(self.wait_posts(1, "/ok")[0]["body"])
        self.assertEqual(payload["envelope"]["from"], "curl@sender.test")

    def test_curl_sees_the_bounce(self):
        out = subprocess.run(
            ["curl", "-v", "smtp://127.0.0.1:%d" % self.relay.smtp_port, "--mail-from",
             "curl@sender.test", "--mail-rcpt", "cu@reject.test", "--upload-file", "-"],
            input=MESSAGE.encode(), capture_output=True, timeout=30)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn(b"< 554 5.7.1 Mailbox full for this customer", out.stderr)

    def test_raw_format_posts_the_untouched_message(self):
        send(self.relay.smtp_port, ["r@raw.test"])
        post = self.wait_posts(1, "/ok")[0]
        self.assertTrue(post["headers"]["Content-Type"].startswith("multipart/form-data; boundary="))
        self.assertIn(b'name="envelope[to]"', post["body"])
        self.assertIn(b"r@raw.test", post["body"])
        self.assertIn(b'name="message"', post["body"])
        self.assertIn(MESSAGE.encode(), post["body"])

    def test_multipart_format_flattens_fields(self):
        send(self.relay.smtp_port, ["f@form.test"])
        post = self.wait_posts(1, "/ok")[0]
        self.assertIn(b'name="envelope[recipients][0]"', post["body"])
        self.assertIn(b'name="headers[subject]"', post["body"])
        self.assertIn(b'name="plain"', post["body"])

    def test_many_messages_on_one_connection(self):
        with smtplib.SMTP("127.0.0.1", self.relay.smtp_port, timeout=15) as s:
            s.ehlo("client.test")
            for i in range(20):
                s.sendmail("alice@sender.test", ["m%d@ok.test" % i], MESSAGE.encode())
        self.assertEqual(len(self.wait_posts(20, "/ok")), 20)


if __name__ == "__main__":
    unittest.main()
