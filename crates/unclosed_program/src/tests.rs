use super::*;

fn names(path: &str, packages: &[&str]) -> (String, Option<String>) {
    module_name(Path::new(path), &mut |d| {
        packages.iter().any(|p| Path::new(p) == d)
    })
}

#[test]
fn module_names_follow_init_files() {
    assert_eq!(names("src/tool.py", &[]), ("tool".into(), None));
    assert_eq!(
        names("src/pkg/util.py", &["src/pkg"]),
        ("pkg.util".into(), Some("pkg".into()))
    );
    assert_eq!(
        names("src/pkg/sub/__init__.py", &["src/pkg", "src/pkg/sub"]),
        ("pkg.sub".into(), Some("pkg.sub".into()))
    );
    assert_eq!(
        names("src/pkg/sub/m.py", &["src/pkg", "src/pkg/sub"]),
        ("pkg.sub.m".into(), Some("pkg.sub".into()))
    );
}

#[test]
fn relative_imports_become_absolute() {
    assert_eq!(
        absolute_module(1, Some("util"), Some("pkg.sub")).as_deref(),
        Some("pkg.sub.util")
    );
    assert_eq!(
        absolute_module(2, None, Some("pkg.sub")).as_deref(),
        Some("pkg")
    );
    assert_eq!(absolute_module(3, None, Some("pkg.sub")), None);
    assert_eq!(absolute_module(1, Some("x"), None), None);
    assert_eq!(absolute_module(0, Some("os"), None).as_deref(), Some("os"));
}

fn parse(src: &str) -> ruff_python_parser::Parsed<ast::ModModule> {
    ruff_python_parser::parse_module(src).expect("valid Python")
}

fn call_in<'a>(suite: &'a [Stmt], function: &str) -> &'a Expr {
    let f = suite
        .iter()
        .find_map(|s| match s {
            Stmt::FunctionDef(f) if f.name.id.as_str() == function => Some(f),
            _ => None,
        })
        .expect("the function exists");
    match &f.body[0] {
        Stmt::Return(r) => match r.value.as_deref() {
            Some(Expr::Call(c)) => &c.func,
            _ => panic!("return of a call expected"),
        },
        _ => panic!("return expected"),
    }
}

#[test]
fn calls_resolve_in_the_module_and_through_imports() {
    let util = parse("def open_log(p):\n    return open(p)\n");
    let app = parse(
        "import util\nfrom util import open_log as ol\n\
         def a(p):\n    return ol(p)\n\
         def b(p):\n    return util.open_log(p)\n\
         def c(p):\n    return a(p)\n\
         def d(a):\n    return a(1)\n",
    );
    let inputs = [
        ModuleInput {
            path: Path::new("util.py"),
            suite: util.suite(),
        },
        ModuleInput {
            path: Path::new("app.py"),
            suite: app.suite(),
        },
    ];
    let program = Program::with_names(&inputs, vec![("util".into(), None), ("app".into(), None)]);
    let module = ScopeNames::module(app.suite());
    let resolve = |function: &str| {
        let f = match &program.modules[1].defs[function] {
            Def::Function(f) => *f,
            _ => unreachable!(),
        };
        let (_, own) = program.scopes_of(f);
        let chain = [&own];
        let site = Site {
            module: 1,
            resolver: Resolver {
                module: &module,
                chain: &chain,
            },
            class: None,
            self_name: None,
        };
        program
            .resolve_call(&site, call_in(app.suite(), function))
            .map(|id| program.functions[id].def.name.id.to_string())
    };
    assert_eq!(resolve("a").as_deref(), Some("open_log"));
    assert_eq!(resolve("b").as_deref(), Some("open_log"));
    assert_eq!(resolve("c").as_deref(), Some("a"));
    // A parameter named like a function is the parameter.
    assert_eq!(resolve("d"), None);
}

#[test]
fn ambiguous_names_resolve_to_nothing() {
    let m = parse(
        "if x:\n    def f(): pass\nelse:\n    def f(): pass\n\
         try:\n    def k(): pass\nexcept E:\n    pass\n\
         def g(): pass\ng = wrap(g)\n\
         def h(): pass\n\
         class C:\n    def m(self): pass\n    def m(self): pass\n    def n(self): pass\n",
    );
    let program = Program::single(Path::new("m.py"), m.suite());
    let defs = &program.modules[0].defs;
    assert_eq!(defs["f"], Def::Other);
    // Defined once, but only if the `try` body runs that far.
    assert!(!defs.contains_key("k"));
    assert_eq!(defs["g"], Def::Other);
    assert!(matches!(defs["h"], Def::Function(_)));
    let Def::Class(c) = defs["C"] else {
        panic!("a class")
    };
    let methods = &program.classes[c].methods;
    assert!(!methods.contains_key("m"));
    assert!(methods.contains_key("n"));
}

#[test]
fn recursion_and_cycles_are_found() {
    let m = parse(
        "def fact(n):\n    return fact(n - 1)\n\
         def ping(n):\n    return pong(n)\n\
         def pong(n):\n    return ping(n)\n\
         def leaf(n):\n    return n\n\
         def caller(n):\n    return ping(leaf(n))\n",
    );
    let program = Program::single(Path::new("m.py"), m.suite());
    let recursive = |name: &str| match program.modules[0].defs[name] {
        Def::Function(f) => program.is_recursive(f),
        _ => unreachable!(),
    };
    assert!(recursive("fact"));
    assert!(recursive("ping"));
    assert!(recursive("pong"));
    assert!(!recursive("leaf"));
    assert!(!recursive("caller"));
}

#[test]
fn a_long_chain_of_calls_does_not_overflow() {
    let mut src = String::new();
    for i in 0..20_000 {
        src.push_str(&format!("def f{i}():\n    return f{}()\n", i + 1));
    }
    src.push_str("def f20000():\n    return f0()\n");
    let m = parse(&src);
    let program = Program::single(Path::new("m.py"), m.suite());
    assert!((0..program.functions.len()).all(|f| program.is_recursive(f)));
}
