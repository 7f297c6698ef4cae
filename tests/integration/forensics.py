"""Forensic reader for mailrelay vault files: decrypts every page of a SQLCipher 3 file opened
with a raw key, and every frame of its WAL, to prove that deleted data is really gone.

Independent of mailrelay's C++ code: the page key is derived from the master key as docs/keys.md
says (crypto_kdf = keyed BLAKE2b), the pages are decrypted as SQLCipher 3.4 writes them
(AES-256-CBC, a random IV and an HMAC-SHA1 in a 48-byte reserve at the end of each 4096-byte
page, the file's 16-byte KDF salt in place of the first 16 bytes of page 1).

    hits = find(data_dir, "us", master_key_hex, [b"secret bytes"])   # [(file, page_no), …]
    rows = read_records(data_dir, "us", master_key_hex)              # [{"id": …, "subject": …}]

Needs python3-cryptography (scripts/install-deps.sh)."""
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE_SIZE = 4096
RESERVE = 48  # IV (16) + HMAC-SHA1 (20), rounded up to the AES block size
IV_SIZE = 16
HMAC_SIZE = 20
SALT_SIZE = 16
USABLE = PAGE_SIZE - RESERVE
SQLITE_HEADER = b"SQLite format 3\x00"
WAL_HEADER_SIZE = 32
WAL_FRAME_HEADER_SIZE = 24
SEALED_FIELDS = ["sender_ip", "message_id", "sender", "recipient", "subject",
                 "server_response"]


# --- keys (docs/keys.md) -----------------------------------------------------------------------

def scope_subkey_id(scope):
    """First 8 bytes of BLAKE2b-64("mailrelay/scope/v1:" || scope): crypto_kdf's subkey id,
    as the 8 little-endian bytes crypto_kdf puts in BLAKE2b's salt."""
    return hashlib.blake2b(b"mailrelay/scope/v1:" + scope.encode(), digest_size=8).digest()


def derive(master_key, scope, context):
    """crypto_kdf_derive_from_key(32, subkey_id(scope), context, master_key)."""
    salt = scope_subkey_id(scope) + b"\x00" * 8
    person = context.encode().ljust(16, b"\x00")
    return hashlib.blake2b(b"", digest_size=32, key=master_key, salt=salt,
                           person=person).digest()


def page_key(master_key_hex, scope):
    """The page key of a region file ("us"), or of an expiry partition ("us/2026-12-07+1"),
    whose keys come from the region's partition root (docs/keys.md)."""
    master = bytes.fromhex(master_key_hex)
    if "/" in scope:
        root = derive(master, scope.split("/")[0] + "/partitions", "mrroot01")
        return derive(root, scope, "mrpage01")
    return derive(master, scope, "mrpage01")


def key_check_value(key, scope):
    """BLAKE2b-256 keyed with the page key: the value in <file>.keycheck."""
    return hashlib.blake2b(b"mailrelay/key-check/v1:" + scope.encode(), digest_size=32,
                           key=key).hexdigest()


def check_key(db_path, key, scope):
    """Raises if `key` is not the one <db_path>.keycheck names."""
    with open(db_path + ".keycheck") as f:
        parts = f.read().split()
    if key_check_value(key, scope) not in parts:
        raise ValueError("page key does not match %s.keycheck" % db_path)


# --- pages -------------------------------------------------------------------------------------

class PageCipher:
    """Decrypts SQLCipher 3 pages of one file (its salt) under a raw 32-byte key."""

    def __init__(self, key, salt):
        self.key = key
        hmac_salt = bytes(b ^ 0x3A for b in salt)
        self.hmac_key = hashlib.pbkdf2_hmac("sha1", key, hmac_salt, 2, 32)

    def decrypt(self, raw, page_no):
        """Returns (plain page of PAGE_SIZE bytes, hmac_ok). Page 1 gets SQLite's header back."""
        if len(raw) != PAGE_SIZE:
            raise ValueError("short page")
        offset = SALT_SIZE if page_no == 1 else 0
        cipher_text = raw[offset:USABLE]
        iv = raw[USABLE:USABLE + IV_SIZE]
        tag = raw[USABLE + IV_SIZE:USABLE + IV_SIZE + HMAC_SIZE]
        mac = hmac.new(self.hmac_key, raw[offset:USABLE + IV_SIZE] + struct.pack("<I", page_no),
                       hashlib.sha1).digest()
        dec = Cipher(algorithms.AES(self.key), modes.CBC(iv)).decryptor()
        plain = dec.update(cipher_text) + dec.finalize()
        if page_no == 1:
            plain = SQLITE_HEADER + plain
        return plain + raw[USABLE:], hmac.compare_digest(mac, tag)


def file_salt(db_path):
    with open(db_path, "rb") as f:
        return f.read(SALT_SIZE)


def db_pages(db_path, cipher):
    """Yields (page_no, plain, hmac_ok) for every page of the database file, free pages too."""
    with open(db_path, "rb") as f:
        data = f.read()
    for i in range(len(data) // PAGE_SIZE):
        raw = data[i * PAGE_SIZE:(i + 1) * PAGE_SIZE]
        if raw == bytes(PAGE_SIZE):
            yield i + 1, raw, False
            continue
        plain, ok = cipher.decrypt(raw, i + 1)
        yield i + 1, plain, ok


def wal_frames(wal_path, cipher):
    """Yields (frame_no, page_no, commit_size, salts, plain, hmac_ok) for every frame-sized
    chunk of the WAL — stale frames of an earlier WAL generation included."""
    if not os.path.exists(wal_path):
        return
    with open(wal_path, "rb") as f:
        data = f.read()
    frame_size = WAL_FRAME_HEADER_SIZE + PAGE_SIZE
    pos, n = WAL_HEADER_SIZE, 0
    while pos + frame_size <= len(data):
        header = data[pos:pos + WAL_FRAME_HEADER_SIZE]
        page_no, commit, salt1, salt2 = struct.unpack(">IIII", header[:16])
        raw = data[pos + WAL_FRAME_HEADER_SIZE:pos + frame_size]
        n += 1
        if page_no == 0 or raw == bytes(PAGE_SIZE):
            yield n, page_no, commit, (salt1, salt2), raw, False
        else:
            plain, ok = cipher.decrypt(raw, page_no)
            yield n, page_no, commit, (salt1, salt2), plain, ok
        pos += frame_size


def region_paths(data_dir, region):
    """The files of a region ("us": vault-us.db) or of one of its expiry partitions
    ("us/2026-12-07+1": vault-us.d/2026-12-07+1.db)."""
    if "/" in region:
        r, name = region.split("/", 1)
        db = os.path.join(data_dir, "vault-%s.d" % r, name + ".db")
    else:
        db = os.path.join(data_dir, "vault-%s.db" % region)
    return db, db + "-wal"


def open_region(data_dir, region, master_key_hex):
    """Returns (db_path, wal_path, cipher) after checking the key against the key-check file."""
    db, wal = region_paths(data_dir, region)
    key = page_key(master_key_hex, region)
    check_key(db, key, region)
    return db, wal, PageCipher(key, file_salt(db))


def find(data_dir, region, master_key_hex, needles):
    """Returns [(file path, page or frame number), …] for every decrypted page of
    vault-<region>.db and every frame of its -wal that contains any of `needles` (bytes)."""
    db, wal, cipher = open_region(data_dir, region, master_key_hex)
    hits = []
    for page_no, plain, _ in db_pages(db, cipher):
        if any(n in plain for n in needles):
            hits.append((db, page_no))
    for frame_no, _, _, _, plain, _ in wal_frames(wal, cipher):
        if any(n in plain for n in needles):
            hits.append((wal, frame_no))
    return hits


def page_stats(data_dir, region, master_key_hex):
    """Counts for a sanity check that the tool decrypts: {"db_pages", "db_hmac_ok",
    "wal_frames", "wal_hmac_ok"}."""
    db, wal, cipher = open_region(data_dir, region, master_key_hex)
    pages = list(db_pages(db, cipher))
    frames = list(wal_frames(wal, cipher))
    return {"db_pages": len(pages), "db_hmac_ok": sum(1 for p in pages if p[2]),
            "wal_frames": len(frames), "wal_hmac_ok": sum(1 for f in frames if f[5])}


# --- b-tree records ----------------------------------------------------------------------------

def varint(buf, pos):
    value = 0
    for i in range(8):
        b = buf[pos + i]
        value = (value << 7) | (b & 0x7F)
        if b < 0x80:
            return value, pos + i + 1
    return (value << 8) | buf[pos + 8], pos + 9


def record_values(payload):
    header_size, pos = varint(payload, 0)
    types = []
    while pos < header_size:
        t, pos = varint(payload, pos)
        types.append(t)
    values, body = [], header_size
    for t in types:
        if t == 0:
            values.append(None)
        elif 1 <= t <= 6:
            size = [0, 1, 2, 3, 4, 6, 8][t]
            values.append(int.from_bytes(payload[body:body + size], "big", signed=True))
            body += size
        elif t == 7:
            values.append(struct.unpack(">d", payload[body:body + 8])[0])
            body += 8
        elif t in (8, 9):
            values.append(t - 8)
        elif t >= 12:
            size = (t - 12) // 2
            raw = payload[body:body + size]
            values.append(raw if t % 2 == 0 else raw.decode("utf-8", "replace"))
            body += size
        else:
            raise ValueError("reserved serial type %d" % t)
    return values


class PageView:
    """The database as a reader would see it: the file's pages overlaid with the last committed
    frame of each page in the current WAL."""

    def __init__(self, data_dir, region, master_key_hex):
        db, wal, cipher = open_region(data_dir, region, master_key_hex)
        self.pages = {n: plain for n, plain, _ in db_pages(db, cipher)}
        pending, header_salts = {}, None
        if os.path.exists(wal) and os.path.getsize(wal) >= WAL_HEADER_SIZE:
            with open(wal, "rb") as f:
                header_salts = struct.unpack(">II", f.read(WAL_HEADER_SIZE)[16:24])
        for _, page_no, commit, salts, plain, ok in wal_frames(wal, cipher):
            if salts != header_salts or not ok:
                break  # the valid WAL ends at the first frame of another generation
            pending[page_no] = plain
            if commit:
                self.pages.update(pending)
                pending = {}

    def page(self, n):
        return self.pages[n]

    def payload(self, page, pos, size):
        """The cell payload at `pos`, following overflow pages."""
        x = USABLE - 35
        if size <= x:
            return page[pos:pos + size]
        m = ((USABLE - 12) * 32 // 255) - 23
        k = m + ((size - m) % (USABLE - 4))
        local = k if k <= x else m
        out = bytearray(page[pos:pos + local])
        next_page = struct.unpack(">I", page[pos + local:pos + local + 4])[0]
        while len(out) < size and next_page:
            p = self.page(next_page)
            next_page = struct.unpack(">I", p[:4])[0]
            out += p[4:4 + min(USABLE - 4, size - len(out))]
        return bytes(out)

    def table_rows(self, root):
        """Yields (rowid, values) of the table b-tree at `root`, in rowid order."""
        page = self.page(root)
        base = 100 if root == 1 else 0
        kind = page[base]
        cells = struct.unpack(">H", page[base + 3:base + 5])[0]
        header = 12 if kind in (0x02, 0x05) else 8
        pointers = [struct.unpack(">H", page[base + header + 2 * i:base + header + 2 * i + 2])[0]
                    for i in range(cells)]
        if kind == 0x05:
            for p in pointers:
                yield from self.table_rows(struct.unpack(">I", page[p:p + 4])[0])
            yield from self.table_rows(struct.unpack(">I", page[base + 8:base + 12])[0])
        elif kind == 0x0D:
            for p in pointers:
                size, q = varint(page, p)
                rowid, q = varint(page, q)
                yield rowid, record_values(self.payload(page, q, size))
        else:
            raise ValueError("page %d is not a table b-tree page (type %d)" % (root, kind))

    def table(self, name):
        """Returns (column names, root page) of table `name` from sqlite_master."""
        for _, (kind, tbl, _, root, sql) in self.table_rows(1):
            if kind == "table" and tbl == name:
                body = sql[sql.index("(") + 1:sql.rindex(")")]
                columns = [line.strip().split()[0] for line in body.split(",") if line.strip()]
                return columns, root
        raise KeyError(name)


def read_records(data_dir, region, master_key_hex):
    """Returns every row of the records table as {column: value} (sealed columns as bytes,
    NULL as None), read from the decrypted pages — not through SQLite."""
    view = PageView(data_dir, region, master_key_hex)
    columns, root = view.table("records")
    rows = []
    for rowid, values in view.table_rows(root):
        row = dict(zip(columns, values))
        row["seq"] = rowid  # INTEGER PRIMARY KEY: stored as the rowid
        rows.append(row)
    return rows


def sealed_values(row):
    """The sealed column bytes of one row (the fields that are not NULL)."""
    return [row[f] for f in SEALED_FIELDS if isinstance(row.get(f), bytes) and row[f]]
