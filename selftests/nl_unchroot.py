#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Run a command where unshare(CLONE_NEWUSER) is allowed.

  nl_unchroot.py CMD [ARGS...]

The kernel refuses to create a user namespace from a chrooted process
(EPERM; user_namespaces(7)), and the QEMU harness runs the tests chrooted
into the host's root, mounted at some directory of its initramfs. In a
private mount namespace of our own, this puts that root mount on top of the
initramfs's "/" (what switch_root(8) does at boot) and chroots to it: the
same files, no longer "chrooted" in the kernel's sense. Nothing outside the
new mount namespace changes. Where the process is not chrooted to begin
with, the command just runs.
"""
import ctypes
import os
import sys
import tempfile

CLONE_NEWNS = 0x00020000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18

libc = ctypes.CDLL(None, use_errno=True)


def check(ret, what):
    if ret != 0:
        e = ctypes.get_errno()
        raise SystemExit("nl_unchroot: %s: %s" % (what, os.strerror(e)))


def same(a, b):
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    cmd = sys.argv[1:]
    try:
        chrooted = not same(os.stat("/"), os.stat("/proc/1/root/"))
    except OSError:
        chrooted = False
    if not chrooted:
        os.execvp(cmd[0], cmd)

    root = os.stat("/")
    cwd = os.getcwd()
    check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")

    # Leave the chroot: chroot below the current directory, then walk up.
    here = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    os.chroot(tempfile.mkdtemp(prefix="nl_unchroot."))
    os.fchdir(here)
    os.close(here)
    for _ in range(64):
        os.chdir("..")
    os.chroot(".")
    check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make the real / private")

    # Where the old root is mounted (one level down in an initramfs).
    where = None
    for name in os.listdir("/"):
        try:
            if same(os.stat("/" + name), root):
                where = "/" + name
                break
        except OSError:
            continue
    if where is None:
        raise SystemExit("nl_unchroot: cannot find the root mount")
    os.chdir(where)
    check(libc.mount(where.encode(), b"/", None, MS_MOVE, None), "move %s to /" % where)
    os.chroot(".")
    os.chdir(cwd)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
