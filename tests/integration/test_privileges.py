"""serve's privileges: binds as root, then runs as service.user; no core dumps of key material.

The switch needs root; those tests skip otherwise. Unprivileged user: `nobody`.
"""
import json
import os
import pwd
import signal
import smtplib
import subprocess
import tempfile
import unittest

from harness import MAILRELAY_BIN, Endpoint, Relay, free_port, port_free, wait_for_log


def need_binary():
    if not MAILRELAY_BIN or not os.access(MAILRELAY_BIN, os.X_OK):
        raise unittest.SkipTest("MAILRELAY_BIN not set")


def need_root_and_nobody():
    need_binary()
    if os.geteuid() != 0:
        raise unittest.SkipTest("switching users needs root; this run is uid %d" % os.geteuid())
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        raise unittest.SkipTest("no user nobody on this machine")


def privileged_free_port():
    """A free port below 1024 (only root can bind it), so the test proves the bind-then-drop."""
    for port in range(900, 1000):
        if port_free(port):
            return port
    raise unittest.SkipTest("no free port in 900-999")


def proc_fields(pid, name):
    """The whitespace-separated values of line `name:` in /proc/PID/status."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split()[1:]
    return None


def write_config(directory, config):
    path = os.path.join(directory, "config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    os.chmod(path, 0o644)
    return path


class DropToServiceUserTest(unittest.TestCase):
    def setUp(self):
        self.nobody = need_root_and_nobody()
        self.endpoint = Endpoint()
        # The unprivileged user must reach the data dir through its parent.
        self.dir = tempfile.mkdtemp(prefix="mailrelay-priv-")
        os.chmod(self.dir, 0o755)
        self.data_dir = os.path.join(self.dir, "var")
        os.mkdir(self.data_dir, 0o700)
        os.chown(self.data_dir, self.nobody.pw_uid, self.nobody.pw_gid)

    def tearDown(self):
        self.endpoint.close()
        subprocess.run(["rm", "-rf", self.dir], check=False)

    def test_serve_binds_a_low_port_as_root_then_runs_as_nobody_without_core_dumps(self):
        smtp_port = privileged_free_port()
        config = write_config(self.dir, {
            "data_dir": self.data_dir,
            "service": {"user": "nobody"},
            "smtp": {"listen": "127.0.0.1:%d" % smtp_port, "hostname": "mx.test.invalid"},
            "api": {"listen": "127.0.0.1:%d" % free_port()},
            "routes": [{"id": "ok", "match": ["*@ok.test"], "target": self.endpoint.url("/ok")}],
        })
        # The key and vault files are created by, and belong to, the user serve will run as.
        init = subprocess.run(["runuser", "-u", "nobody", "--", MAILRELAY_BIN, "keys", "init",
                               "--config", config], capture_output=True, text=True, timeout=60)
        self.assertEqual(init.returncode, 0, init.stderr)

        err_path = os.path.join(self.dir, "stderr.log")
        with open(err_path, "wb") as err, open(os.devnull, "wb") as out:
            proc = subprocess.Popen([MAILRELAY_BIN, "serve", "--config", config],
                                    stdout=out, stderr=err)
        try:
            started = wait_for_log(err_path, '"event":"service.started"', proc)
            log = open(err_path, encoding="utf-8", errors="replace").read()
            self.assertTrue(started, "serve did not start: " + log)
            uid, gid = str(self.nobody.pw_uid), str(self.nobody.pw_gid)
            self.assertEqual(proc_fields(proc.pid, "Uid"), [uid] * 4)  # real, effective, saved, fs
            self.assertEqual(proc_fields(proc.pid, "Gid"), [gid] * 4)
            self.assertNotIn("0", proc_fields(proc.pid, "Groups"))  # root's groups are gone
            # Not dumpable: the kernel makes /proc/PID/* root's although the process is nobody's.
            self.assertEqual(os.stat("/proc/%d/status" % proc.pid).st_uid, 0)
            with open("/proc/%d/limits" % proc.pid) as f:
                core = [line.split()[4:6] for line in f if line.startswith("Max core file size")]
            self.assertEqual(core, [["0", "0"]])
            self.assertIn('"event":"service.user_switched"', log)
            self.assertNotIn("service.running_as_root", log)

            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=15) as s:
                s.ehlo("client.test")
                self.assertEqual(s.mail("a@sender.test")[0], 250)
                self.assertEqual(s.rcpt("b@ok.test")[0], 250)
                code, _ = s.data(b"Subject: privdrop\r\n\r\nhello\r\n")
                self.assertEqual(code, 250)
            self.assertEqual(len(self.endpoint.posts("/ok")), 1)

            for root, dirs, files in os.walk(self.data_dir):
                for name in dirs + files:
                    st = os.lstat(os.path.join(root, name))
                    self.assertEqual(st.st_uid, self.nobody.pw_uid, name + " is not nobody's")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=45)
        self.assertEqual(code, 0, open(err_path, encoding="utf-8", errors="replace").read())

    def test_serve_as_nobody_refuses_to_switch_to_another_user(self):
        config = write_config(self.dir, {
            "data_dir": self.data_dir,
            "service": {"user": "root"},
            "smtp": {"listen": "127.0.0.1:%d" % free_port()},
            "api": {"listen": "127.0.0.1:%d" % free_port()},
        })
        out = subprocess.run(["runuser", "-u", "nobody", "--", MAILRELAY_BIN, "serve",
                              "--config", config], capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 78, out.stderr)
        self.assertIn("/service/user", out.stderr)
        self.assertIn("cannot switch to user \"root\": mailrelay runs as uid %d (not root)"
                      % self.nobody.pw_uid, out.stderr)


class UnknownServiceUserTest(unittest.TestCase):
    def test_unknown_user_exits_78_naming_the_pointer(self):
        need_binary()
        with tempfile.TemporaryDirectory() as d:
            config = write_config(d, {
                "data_dir": os.path.join(d, "var"),
                "service": {"user": "mailrelay-no-such-user"},
                "smtp": {"listen": "127.0.0.1:%d" % free_port()},
                "api": {"listen": "127.0.0.1:%d" % free_port()},
            })
            out = subprocess.run([MAILRELAY_BIN, "serve", "--config", config],
                                 capture_output=True, text=True, timeout=20)
            self.assertEqual(out.returncode, 78, out.stderr)
            self.assertIn(config + ": at /service/user", out.stderr)
            self.assertIn("mailrelay-no-such-user", out.stderr)
            # Refused before any key or vault file was touched.
            self.assertFalse(os.path.exists(os.path.join(d, "var")))


class RootWithoutServiceUserTest(unittest.TestCase):
    def test_root_without_service_user_runs_and_warns(self):
        need_root_and_nobody()
        endpoint = Endpoint()
        relay = Relay(endpoint)
        try:
            with smtplib.SMTP("127.0.0.1", relay.smtp_port, timeout=15) as s:
                s.sendmail("a@sender.test", ["b@ok.test"], "Subject: root\r\n\r\nhi\r\n")
            self.assertEqual(proc_fields(relay.proc.pid, "Uid"), ["0"] * 4)
        finally:
            self.assertEqual(relay.stop(), 0)
            log = relay.log_text()
            relay.cleanup()
            endpoint.close()
        lines = [json.loads(line) for line in log.splitlines() if '"service.running_as_root"' in line]
        self.assertEqual(len(lines), 1, log)
        self.assertEqual(lines[0]["level"], "warn")
        self.assertIn("service.user", lines[0]["hint"])


if __name__ == "__main__":
    unittest.main()
