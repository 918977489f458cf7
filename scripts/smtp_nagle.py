#!/usr/bin/env python3
"""Shows the ~40 ms that TCP delayed ACK adds when an SMTP client writes a message body and its
terminator as two writes without TCP_NODELAY (what lettre 0.11 does): see docs/benchmarks.md.
Needs Debian python3-aiosmtpd. Usage: /usr/bin/python3 scripts/smtp_nagle.py"""
import socket, time, subprocess, tempfile, os, sys
d = tempfile.mkdtemp()
p = subprocess.Popen(["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:2626", "-c", "aiosmtpd.handlers.Mailbox", os.path.join(d, "m")])
time.sleep(1.5)
def run(nodelay):
    s = socket.create_connection(("127.0.0.1", 2626))
    if nodelay: s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    def cmd(x):
        s.sendall(x); 
        while True:
            line = f.readline()
            if line[3:4] != b"-": return line
    f.readline()
    cmd(b"EHLO me\r\n"); cmd(b"MAIL FROM:<a@b.c>\r\n"); cmd(b"RCPT TO:<d@e.f>\r\n"); cmd(b"DATA\r\n")
    t = time.perf_counter()
    s.sendall(b"Subject: x\r\n\r\n" + b"hello world\r\n" * 50)   # body: one write
    cmd(b"\r\n.\r\n")                                              # terminator: a second write
    dt = time.perf_counter() - t
    cmd(b"QUIT\r\n"); s.close()
    return dt * 1000
for nd in (False, True):
    xs = sorted(run(nd) for _ in range(15))
    print("TCP_NODELAY" if nd else "Nagle on   ", "body+terminator -> 250: median %.1f ms" % xs[7])
p.kill()
