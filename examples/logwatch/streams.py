"""Generators that hold resources, and the code that consumes them."""

from contextlib import closing


def read_lines(path):
    """The article's generator: the file is closed when the generator is closed."""
    f = open(path)
    try:
        for line in f:
            yield line
    finally:
        f.close()


def first_match(path, needle):
    """Leaves the loop early: the file stays open until the generator is collected."""
    for line in read_lines(path):  # expect: UC301
        if needle in line:
            return line
    return None


def first_match_fixed(path, needle):
    with closing(read_lines(path)) as lines:
        for line in lines:
            if needle in line:
                return line
    return None


def counting():
    """The article's generator-close() demonstration (no resource held)."""
    i = 0
    try:
        while True:
            yield i
            i += 1
    finally:
        print(f"Generator cleaned up at i={i}")


async def read_stream(session_factory, url):
    """The article's async generator: the session is closed by aclose()."""
    session = session_factory()
    try:
        async with session.get(url) as response:
            async for chunk in response.content.iter_chunked(1024):
                yield chunk
    finally:
        await session.close()


async def head(session_factory, url, enough):
    gen = read_stream(session_factory, url)
    chunk = None
    async for chunk in gen:  # expect: UC302
        if enough(chunk):
            break
    return chunk


async def head_fixed(session_factory, url, enough):
    gen = read_stream(session_factory, url)
    try:
        async for chunk in gen:
            if enough(chunk):
                return chunk
    finally:
        await gen.aclose()  # Ensures session.close() runs
    return None
