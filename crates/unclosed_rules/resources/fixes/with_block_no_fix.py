"""Leaks the `with` fix must leave alone."""


def returned_on_some_path(path, keep):
    f = open(path)
    if keep:
        return f
    data = f.read()
    return data


def stored(self, path):
    f = open(path)
    self.files.append(f)
    f.read()


def used_after_the_block(path):
    f = open(path)
    data = f.read()
    f.close()
    print(f.closed, data)
    return f.name


def semicolons(path):
    f = open(path); data = f.read()
    f.close()
    return data


def tuple_target(path):
    f, g = open(path), None
    return f.read()


def rebound_in_block(a, b):
    f = open(a)
    f.read()
    f = open(b)
    return f


def multi_line_string_in_block(path):
    f = open(path, "w")
    f.write("""first
second
""")
    f.close()


def closed_in_finally_already(path):
    f = open(path)
    data = f.read()
    try:
        process(data)
    finally:
        f.close()


def captured(path):
    f = open(path)
    read = lambda: f.read()
    return read()


def used_earlier_in_the_loop(paths):
    f = None
    for p in paths:
        if f:
            print(f.name)
        f = open(p)
        f.read()


def yielded(path):
    f = open(path)
    yield f
    f.read()
