"""The part of util-linux's Python libmount bindings that crun's
test_mounts.py uses (Table(path).find_target(target) and an entry's
vfs_options and fs_options), for hosts whose distribution does not
package the bindings (Debian).  Reads a mountinfo file."""

import os


def _unescape(field):
    # mountinfo escapes space, tab, newline and backslash as \ooo
    out, i = [], 0
    while i < len(field):
        if field[i] == '\\' and field[i + 1:i + 4].isdigit() and i + 4 <= len(field):
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return ''.join(out)


class Fs:
    def __init__(self, line):
        left, _, right = line.partition(' - ')
        f = left.split()
        r = right.split()
        self.id = int(f[0])
        self.parent_id = int(f[1])
        self.root = _unescape(f[3])
        self.target = _unescape(f[4])
        self.vfs_options = f[5]
        self.fstype = r[0] if r else None
        self.source = _unescape(r[1]) if len(r) > 1 else None
        self.fs_options = r[2] if len(r) > 2 else None


class Table:
    def __init__(self, path):
        self._fs = []
        with open(path) as f:
            for line in f:
                line = line.rstrip('\n')
                if ' - ' in line:
                    self._fs.append(Fs(line))

    def find_target(self, target):
        # libmount searches backwards: the last mount on a target is the
        # visible one
        want = os.path.normpath(target)
        for fs in reversed(self._fs):
            if os.path.normpath(fs.target) == want:
                return fs
        return None
