"""UC301 fixes: the loop goes inside `with contextlib.closing(...)`."""
import contextlib as cl


def read_lines(path):
    with open(path) as f:
        yield from f


def for_else(path):
    # The `else:` clause moves with the loop.
    for line in read_lines(path):
        if line == "\n":
            break
    else:
        print("no blank line")


def name_taken(path, items):
    # `items` is used: the fix takes another name.
    for i, line in enumerate(read_lines(path)):
        if i > len(items):
            return line  # a comment


def multiline_string(path):
    # No fix: re-indenting would change the string.
    for line in read_lines(path):
        if line == """a
b""":
            break


def named(path):
    # No fix: the generator is in a name.
    lines = read_lines(path)
    for line in lines:
        if line:
            break
    return lines


def one_line(path):
    for line in read_lines(path): break
