//! One snapshot of the graph dump per construct. Read a dump as: `nK Lrow
//! kind `source`` then its successors; `T:`/`F:` after a test, `exc:` for
//! exceptional edges. n1 is the normal exit, n2 the exceptional exit.

use unclosed_cfg::Cfg;

fn dump(src: &str) -> String {
    let src = unindent(src);
    let parsed = ruff_python_parser::parse_module(&src).expect("test source parses");
    let cfg = Cfg::build(parsed.suite()).expect("small graph");
    cfg.dump(&src)
}

fn unindent(src: &str) -> String {
    let lines: Vec<&str> = src.lines().skip_while(|l| l.trim().is_empty()).collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

macro_rules! snapshot {
    ($name:ident, $src:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(dump($src));
        }
    };
}

snapshot!(
    straight_line,
    r#"
    f = open(p)
    data = f.read()
    f.close()
"#
);

snapshot!(
    if_elif_else,
    r#"
    if a:
        x = 1
    elif b():
        x = 2
    else:
        x = 3
    y = x
"#
);

snapshot!(
    while_true_with_break_and_else,
    r#"
    while True:
        if done():
            break
    else:
        unreachable()
    after()
"#
);

snapshot!(
    for_else_continue,
    r#"
    for line in f:
        if not line:
            continue
        use(line)
    else:
        finished()
"#
);

snapshot!(
    try_except_else,
    r#"
    try:
        f = open(p)
    except OSError:
        f = None
    else:
        log()
    done(f)
"#
);

snapshot!(
    try_catch_all_does_not_propagate,
    r#"
    try:
        work()
    except Exception:
        pass
"#
);

snapshot!(
    try_finally_copies_per_reason,
    r#"
    def g():
        pass
    for x in xs:
        try:
            if a:
                break
            if b:
                continue
            if c:
                return 1
            work()
        finally:
            cleanup()
    end()
"#
);

snapshot!(
    nested_try_finally_return,
    r#"
    try:
        try:
            return f()
        finally:
            inner()
    finally:
        outer()
"#
);

snapshot!(
    with_two_items,
    r#"
    with open(a) as f, open(b) as g:
        g.write(f.read())
    after()
"#
);

snapshot!(
    with_return_inside,
    r#"
    with lock:
        return compute()
"#
);

snapshot!(
    with_suppress_continues,
    r#"
    with suppress(OSError):
        os.remove(p)
    after()
"#
);

snapshot!(
    raise_and_assert,
    r#"
    assert x
    if y:
        raise ValueError
    z()
"#
);

snapshot!(
    match_cases,
    r#"
    match cmd:
        case "a":
            one()
        case [x, y] if x:
            two()
        case _:
            three()
    after()
"#
);

snapshot!(
    unreachable_after_return_is_dropped,
    r#"
    return 1
    never()
"#
);
