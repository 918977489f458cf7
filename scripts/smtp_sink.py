#!/usr/bin/env python3
"""The SMTP server the tests send mail to: aiosmtpd's SMTP with its Maildir handler.

    python3 scripts/smtp_sink.py MAILDIR [PORT]

PORT 0 (the default) lets the system choose one; either way the port bound is printed on the
first line of output, once it is listening, so nothing picks a port, frees it and hopes it is
still free. The Maildir is made by the handler (with new/, cur/, tmp/). Debian's
python3-aiosmtpd, which `cargo xtask setup` installs.
"""
import asyncio
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP


async def main():
    handler = Mailbox(sys.argv[1])
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(handler), "127.0.0.1", port)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
