"""logwatch: a small log-processing application, full of resource leaks.

This package is the bundled example of `unclosed`: run
`cargo run --release -- check examples/` from the repository root. Each
line that should be reported carries a `# expect: CODE` comment (several
codes joined by `|` when the analysis may fairly choose either); lines
marked `# later: CODE` belong to rules that are not built yet. Everything
else is correct code that must not be reported. `examples/README.md`
lists the expected findings; `python3 bench/examples.py` checks them.
"""

__version__ = "0.1.0"
