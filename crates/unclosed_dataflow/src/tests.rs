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
