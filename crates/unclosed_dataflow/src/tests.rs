//! Unit tests of the analysis on small snippets; the rule fixtures in
//! `unclosed_rules` cover the full behaviour with snapshots.

use super::*;

fn facts(src: &str) -> Vec<String> {
    let parsed = ruff_python_parser::parse_module(src).expect("parses");
    analyze_module(parsed.suite(), &Catalog::standard(), Options::default())
        .into_iter()
        .map(|f| match f {
            Fact::Leak(l) => {
                let line = |r: TextRange| src[..usize::from(r.start())].matches('\n').count() + 1;
                let cause = match &l.cause {
                    LeakCause::Return(r) => format!("return@{}", line(*r)),
                    LeakCause::Break(r) => format!("break@{}", line(*r)),
                    LeakCause::EndOfBody { .. } => "end".to_owned(),
                    LeakCause::Reopened(r) => format!("reopened@{}", line(*r)),
                    LeakCause::Rebound(r) => format!("rebound@{}", line(*r)),
                    LeakCause::Deleted(r) => format!("deleted@{}", line(*r)),
                    LeakCause::WithEnded(r) => format!("with-ended@{}", line(*r)),
                    LeakCause::Exception { at, call, .. } => {
                        format!(
                            "exception@{}:{}",
                            line(*at),
                            call.clone().unwrap_or_default()
                        )
                    }
                };
                format!("leak {}@{} {cause}", l.callee, line(l.range))
            }
            Fact::Temporary(t) => format!("temporary {} {:?}", t.callee, t.how),
            Fact::TooComplex(_) => "too complex".to_owned(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn never_closed() {
    assert_eq!(
        facts("def f(p):\n    f = open(p)\n    return f.read()\n"),
        ["leak open@2 return@3"]
    );
}

#[test]
fn happy_path_only() {
    assert_eq!(
        facts(
            "def f(p):\n    f = open(p)\n    data = f.read()\n    process(data)\n    f.close()\n"
        ),
        ["leak open@2 exception@3:f.read()"]
    );
}

#[test]
fn try_finally_and_with_are_clean() {
    assert!(facts("def f(p):\n    f = open(p)\n    try:\n        return f.read()\n    finally:\n        f.close()\n").is_empty());
    assert!(facts("def f(p):\n    with open(p) as f:\n        return f.read()\n").is_empty());
    assert!(facts("def f(p):\n    f = None\n    try:\n        f = open(p)\n        g(f.read())\n    finally:\n        if f is not None:\n            f.close()\n").is_empty());
}

#[test]
fn rebinding() {
    assert_eq!(
        facts("f = open('a')\nf = open('b')\nf.close()\n"),
        ["leak open@1 rebound@2"]
    );
}

#[test]
fn handed_off() {
    assert!(facts("def f(p):\n    f = open(p)\n    return f\n").is_empty());
    assert!(facts("def f(self, p):\n    f = open(p)\n    self.f = f\n").is_empty());
    assert!(facts("def f(p, out):\n    f = open(p)\n    out.append(f)\n").is_empty());
    assert!(
        facts("def f(p, stack):\n    f = stack.enter_context(open(p))\n    return f.read()\n")
            .is_empty()
    );
}

#[test]
fn temporaries() {
    assert_eq!(
        facts("import json\ndef f(p):\n    return json.load(open(p))\n"),
        ["temporary open Argument(\"json.load\")"]
    );
    assert_eq!(
        facts("def f(p):\n    return open(p).read()\n"),
        ["temporary open Receiver(\"read\")"]
    );
    assert!(facts("def f(p):\n    open(p).close()\n").is_empty());
}

#[test]
fn loop_reopen() {
    assert_eq!(
        facts(
            "import os\ndef f(d):\n    res = []\n    for n in os.listdir(d):\n        f = open(n)\n        res.append(f.read())\n    return res\n"
        ),
        ["leak open@5 return@7"]
    );
}

#[test]
fn debug_guard() {
    let src = "def f(p):\n    f = None\n    try:\n        f = open(p)\n        g(f.read())\n    finally:\n        if f is not None:\n            f.close()\n";
    let parsed = ruff_python_parser::parse_module(src).unwrap();
    let ruff_python_ast::Stmt::FunctionDef(func) = &parsed.suite()[0] else {
        panic!()
    };
    let cfg = Cfg::build(&func.body).unwrap();
    eprintln!("{}", cfg.dump(src));
    eprintln!("{:?}", facts(src));
}

/// The summary of the first function of `src`, with delegations answered
/// by `delegate_holds`.
fn summary(src: &str, delegate_holds: bool) -> Option<generators::GeneratorSummary> {
    let parsed = ruff_python_parser::parse_module(src).expect("parses");
    let module = ScopeNames::module(parsed.suite());
    let resolver = Resolver {
        module: &module,
        chain: &[],
    };
    let catalog = Catalog::standard();
    let def = parsed
        .suite()
        .iter()
        .find_map(|s| match s {
            Stmt::FunctionDef(f) => Some(f),
            _ => None,
        })
        .expect("a def");
    generators::generator_summary(def, &resolver, catalog.for_imports([]), &mut |_, _| {
        delegate_holds
    })
}

#[test]
fn resource_generator_summary() {
    let held = summary(
        "def lines(p):\n    with open(p) as f:\n        yield from f\n",
        false,
    )
    .expect("a generator");
    assert!(held.abandoning_leaks() && !held.is_async);
    assert!(matches!(
        held.held.unwrap().by,
        generators::HeldBy::With { .. }
    ));

    let finally = summary(
        "import os\ndef fds(p):\n    fd = os.open(p, 0)\n    try:\n        yield fd\n    finally:\n        os.close(fd)\n",
        false,
    )
    .expect("a generator");
    assert!(matches!(
        finally.held.unwrap().by,
        generators::HeldBy::Finally { .. }
    ));

    // Managed by `@contextmanager`: callers never iterate it.
    let managed = summary(
        "from contextlib import contextmanager\n@contextmanager\ndef cm(p):\n    with open(p) as f:\n        yield f\n",
        false,
    )
    .expect("a generator");
    assert_eq!(
        managed.managed.as_deref(),
        Some("contextlib.contextmanager")
    );
    assert!(!managed.abandoning_leaks());

    // Holds nothing of the catalog; not a generator at all.
    let plain = summary(
        "import os\ndef walk(p):\n    old = os.getcwd()\n    try:\n        yield p\n    finally:\n        os.chdir(old)\n",
        false,
    )
    .expect("a generator");
    assert!(plain.held.is_none());
    assert!(summary("def f(p):\n    return open(p)\n", false).is_none());

    // Delegation is decided by the caller's callback.
    let delegating = "def outer(p):\n    yield from inner(p)\n";
    assert!(summary(delegating, false).unwrap().held.is_none());
    assert!(matches!(
        summary(delegating, true).unwrap().held.unwrap().by,
        generators::HeldBy::Delegates { .. }
    ));
}

#[test]
fn generator_facts() {
    let facts = facts(
        "def lines(p):\n    with open(p) as f:\n        yield from f\n\ndef first(p):\n    for line in lines(p):\n        return line\n\ndef whole(p):\n    for line in lines(p):\n        print(line)\n\ndef ticker():\n    while True:\n        try:\n            yield 1\n        except GeneratorExit:\n            pass\n",
    );
    assert_eq!(facts.len(), 2, "{facts:?}");
    assert!(
        facts.iter().any(|f| f.starts_with("AbandonedGenerator")
            && f.contains("callee: \"lines\"")
            && f.contains("exit: Return")),
        "{facts:?}"
    );
    assert!(
        facts.iter().any(|f| f.starts_with("GeneratorExitIgnored")),
        "{facts:?}"
    );
}
