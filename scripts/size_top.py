#!/usr/bin/env python3
"""What a WebAssembly module's code is made of, from its name section.

    size_top.py MODULE.wasm [N]

Prints the code and data sizes, the code by where it comes from (a protocol's folder, a
module of the core or the page, or another crate), and the N largest functions. Sizes are
of function bodies before compression. Used by scripts/size.sh.
"""
import collections
import re
import sys


def leb(b, i):
    result = shift = 0
    while True:
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return result, i


def read(path):
    """(body size, name) of each defined function, and the data section's size."""
    b = open(path, "rb").read()
    i, imported, sizes, names, data = 8, 0, [], {}, 0
    while i < len(b):
        section = b[i]
        length, i = leb(b, i + 1)
        end = i + length
        if section == 2:  # imports: only functions take function indices
            count, j = leb(b, i)
            for _ in range(count):
                for _ in range(2):
                    n, j = leb(b, j)
                    j += n
                kind = b[j]
                j += 1
                if kind == 0:
                    _, j = leb(b, j)
                    imported += 1
                elif kind == 1:  # table: type, limits
                    flags = b[j + 1]
                    _, j = leb(b, j + 2)
                    if flags & 1:
                        _, j = leb(b, j)
                elif kind == 2:  # memory: limits
                    flags = b[j]
                    _, j = leb(b, j + 1)
                    if flags & 1:
                        _, j = leb(b, j)
                else:  # global: type, mutability
                    j += 2
        elif section == 10:
            count, j = leb(b, i)
            for _ in range(count):
                n, j = leb(b, j)
                sizes.append(n)
                j += n
        elif section == 11:
            data = length
        elif section == 0:
            n, j = leb(b, i)
            if b[j:j + n] == b"name":
                j += n
                while j < end:
                    sub = b[j]
                    n, j = leb(b, j + 1)
                    sub_end = j + n
                    if sub == 1:
                        count, j = leb(b, j)
                        for _ in range(count):
                            index, j = leb(b, j)
                            n, j = leb(b, j)
                            names[index] = b[j:j + n].decode("utf8", "replace")
                            j += n
                    j = sub_end
        i = end
    return [(s, names.get(k + imported, "?")) for k, s in enumerate(sizes)], data


def short(name):
    """A function's name without the hashes that make symbols unique."""
    return re.sub(r"::h[0-9a-f]{16}$", "", re.sub(r"\[[0-9a-f]+\]", "", name))


def place(name):
    """Where a function's code comes from."""
    name = short(name)
    m = re.search(r"splitbrain_core::protocols::(\w+)", name)
    if m:
        return "protocol " + m.group(1)
    m = re.search(r"splitbrain_(web|core)::(\w+)", name)
    if m:
        return ("page " if m.group(1) == "web" else "core ") + m.group(2)
    m = re.match(r"[<&]*(?:dyn )?(\w+)", name)
    return m.group(1) if m else "?"


def main():
    functions, data = read(sys.argv[1])
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    code = sum(s for s, _ in functions)
    print(f"code {code} bytes in {len(functions)} functions, data {data} bytes")
    by_place = collections.Counter()
    for s, n in functions:
        by_place[place(n)] += s
    print("code by origin:")
    for where, s in by_place.most_common(top):
        print(f"  {s:8d}  {where}")
    print("largest functions:")
    for s, n in sorted(functions, reverse=True)[:top]:
        print(f"  {s:8d}  {short(n)[:150]}")


main()
