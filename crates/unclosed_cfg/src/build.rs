//! Building a [`Cfg`] from a body of statements.
//!
//! The builder keeps a *frontier*: the dangling edges that flow into the
//! next statement. Each construct consumes a frontier and returns the one
//! after it; an empty frontier means the code after is unreachable.
//!
//! The context (`Targets`) says where exceptions, `return`, `break` and
//! `continue` go at the current point. `try` with `finally` and `with`
//! replace them by *placeholder* join nodes while their body is built, then
//! build one copy of the cleanup for each placeholder that something jumped
//! to, leading on to the outer target of the same kind.

use ruff_python_ast::{self as ast, Expr, Stmt};
use smallvec::SmallVec;

use crate::{
    Cfg, EdgeKind, JoinKind, MAX_NODES, Node, NodeId, NodeKind, expr_can_raise, stmt_can_raise,
};

/// The body is too large to analyze (more than [`MAX_NODES`] nodes, which
/// deeply nested `finally` blocks can multiply).
#[derive(Debug, Clone, Copy)]
pub struct TooComplex;

type Frontier = SmallVec<[(NodeId, EdgeKind); 4]>;

#[derive(Debug, Clone, Copy)]
struct Targets {
    exception: NodeId,
    ret: NodeId,
    /// (continue, break)
    looping: Option<(NodeId, NodeId)>,
}

pub(crate) struct Builder<'a> {
    nodes: Vec<Node<'a>>,
    has_pred: Vec<bool>,
    targets: Targets,
    /// Whether nodes built now run while an exception is handled.
    handling: bool,
}

/// What a cleanup region (a `finally` body or a `with` exit) runs.
#[derive(Clone, Copy)]
enum Cleanup<'a> {
    Finally(&'a [Stmt]),
    WithExit(&'a ast::WithItem),
}

/// The placeholders a cleanup region installs while its body is built.
struct Placeholders {
    exception: NodeId,
    ret: NodeId,
    looping: Option<(NodeId, NodeId)>,
}

impl<'a> Builder<'a> {
    pub(crate) fn build(body: &'a [Stmt]) -> Result<Cfg<'a>, TooComplex> {
        let mut builder = Builder {
            nodes: Vec::new(),
            has_pred: Vec::new(),
            targets: Targets {
                exception: Cfg::RAISE,
                ret: Cfg::EXIT,
                looping: None,
            },
            handling: false,
        };
        builder.push(NodeKind::Entry);
        builder.push(NodeKind::Exit);
        builder.push(NodeKind::Raise);
        let start: Frontier = smallvec::smallvec![(Cfg::ENTRY, EdgeKind::Normal)];
        let end = builder.suite(body, start)?;
        builder.connect(&end, Cfg::EXIT);
        Ok(Cfg {
            nodes: builder.nodes,
        })
    }

    fn push(&mut self, kind: NodeKind<'a>) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            kind,
            succs: SmallVec::new(),
            handling: self.handling,
        });
        self.has_pred.push(false);
        id
    }

    fn edge(&mut self, from: NodeId, to: NodeId, kind: EdgeKind) {
        let succs = &mut self.nodes[from as usize].succs;
        if !succs.contains(&(to, kind)) {
            succs.push((to, kind));
        }
        self.has_pred[to as usize] = true;
    }

    fn connect(&mut self, frontier: &Frontier, to: NodeId) {
        for &(from, kind) in frontier {
            self.edge(from, to, kind);
        }
    }

    /// Add a node after `frontier`, with an exceptional edge when it can
    /// raise. Returns its id.
    fn node(
        &mut self,
        kind: NodeKind<'a>,
        frontier: &Frontier,
        can_raise: bool,
    ) -> Result<NodeId, TooComplex> {
        if self.nodes.len() >= MAX_NODES {
            return Err(TooComplex);
        }
        let id = self.push(kind);
        self.connect(frontier, id);
        if can_raise {
            self.edge(id, self.targets.exception, EdgeKind::Exception);
        }
        Ok(id)
    }

    fn normal(id: NodeId) -> Frontier {
        smallvec::smallvec![(id, EdgeKind::Normal)]
    }

    fn suite(&mut self, body: &'a [Stmt], mut frontier: Frontier) -> Result<Frontier, TooComplex> {
        for stmt in body {
            if frontier.is_empty() {
                // Unreachable code is not part of the graph.
                break;
            }
            frontier = self.stmt(stmt, frontier)?;
        }
        Ok(frontier)
    }

    fn stmt(&mut self, stmt: &'a Stmt, frontier: Frontier) -> Result<Frontier, TooComplex> {
        match stmt {
            Stmt::Return(_) => {
                let id = self.node(NodeKind::Stmt(stmt), &frontier, stmt_can_raise(stmt))?;
                self.edge(id, self.targets.ret, EdgeKind::Normal);
                Ok(Frontier::new())
            }
            Stmt::Raise(_) => {
                self.node(NodeKind::Stmt(stmt), &frontier, true)?;
                Ok(Frontier::new())
            }
            Stmt::Expr(e) if crate::is_noreturn_call(&e.value) => {
                self.node(NodeKind::Stmt(stmt), &frontier, true)?;
                Ok(Frontier::new())
            }
            Stmt::Break(b) => {
                let id = self.node(NodeKind::Break(b), &frontier, false)?;
                if let Some((_, brk)) = self.targets.looping {
                    self.edge(id, brk, EdgeKind::Normal);
                }
                Ok(Frontier::new())
            }
            Stmt::Continue(c) => {
                let id = self.node(NodeKind::Continue(c), &frontier, false)?;
                if let Some((cont, _)) = self.targets.looping {
                    self.edge(id, cont, EdgeKind::Normal);
                }
                Ok(Frontier::new())
            }
            Stmt::FunctionDef(f) => {
                let raises = f
                    .decorator_list
                    .iter()
                    .any(|d| expr_can_raise(&d.expression))
                    || f.parameters
                        .iter_non_variadic_params()
                        .filter_map(|p| p.default.as_deref())
                        .any(expr_can_raise);
                let id = self.node(NodeKind::Def(stmt), &frontier, raises)?;
                Ok(Self::normal(id))
            }
            Stmt::ClassDef(_) => {
                let id = self.node(NodeKind::Def(stmt), &frontier, true)?;
                Ok(Self::normal(id))
            }
            Stmt::If(s) => self.if_stmt(s, frontier),
            Stmt::While(s) => self.while_stmt(s, frontier),
            Stmt::For(s) => self.for_stmt(s, frontier),
            Stmt::With(s) => self.with_items(&s.items, &s.body, frontier),
            Stmt::Try(s) => self.try_stmt(s, frontier),
            Stmt::Match(s) => self.match_stmt(s, frontier),
            _ => {
                let id = self.node(NodeKind::Stmt(stmt), &frontier, stmt_can_raise(stmt))?;
                Ok(Self::normal(id))
            }
        }
    }

    /// A test node with true/false edges; constant tests keep one side.
    fn test(
        &mut self,
        test: &'a Expr,
        frontier: &Frontier,
    ) -> Result<(Frontier, Frontier), TooComplex> {
        let id = self.node(NodeKind::Test(test), frontier, expr_can_raise(test))?;
        let (t, f) = match constant_truth(test) {
            Some(true) => (true, false),
            Some(false) => (false, true),
            None => (true, true),
        };
        let yes = if t {
            smallvec::smallvec![(id, EdgeKind::True)]
        } else {
            Frontier::new()
        };
        let no = if f {
            smallvec::smallvec![(id, EdgeKind::False)]
        } else {
            Frontier::new()
        };
        Ok((yes, no))
    }

    fn if_stmt(&mut self, s: &'a ast::StmtIf, frontier: Frontier) -> Result<Frontier, TooComplex> {
        let (yes, mut no) = self.test(&s.test, &frontier)?;
        let mut out = self.suite(&s.body, yes)?;
        for clause in &s.elif_else_clauses {
            match &clause.test {
                Some(test) => {
                    if no.is_empty() {
                        break;
                    }
                    let (yes, next_no) = self.test(test, &no)?;
                    out.extend(self.suite(&clause.body, yes)?);
                    no = next_no;
                }
                None => {
                    let end = self.suite(&clause.body, std::mem::take(&mut no))?;
                    out.extend(end);
                }
            }
        }
        out.extend(no);
        Ok(out)
    }

    fn while_stmt(
        &mut self,
        s: &'a ast::StmtWhile,
        frontier: Frontier,
    ) -> Result<Frontier, TooComplex> {
        let head = self.node(NodeKind::Test(&s.test), &frontier, expr_can_raise(&s.test))?;
        let exit = self.push(NodeKind::Join(JoinKind::LoopExit));
        let truth = constant_truth(&s.test);
        let body_in: Frontier = if truth == Some(false) {
            Frontier::new()
        } else {
            smallvec::smallvec![(head, EdgeKind::True)]
        };
        let saved = self.targets;
        self.targets.looping = Some((head, exit));
        let body_end = self.suite(&s.body, body_in)?;
        self.targets = saved;
        self.connect(&body_end, head);
        let else_in: Frontier = if truth == Some(true) {
            Frontier::new()
        } else {
            smallvec::smallvec![(head, EdgeKind::False)]
        };
        let mut out = self.suite(&s.orelse, else_in)?;
        if self.has_pred[exit as usize] {
            out.push((exit, EdgeKind::Normal));
        }
        Ok(out)
    }

    fn for_stmt(
        &mut self,
        s: &'a ast::StmtFor,
        frontier: Frontier,
    ) -> Result<Frontier, TooComplex> {
        let iter = self.node(NodeKind::ForIter(s), &frontier, expr_can_raise(&s.iter))?;
        let literal = matches!(&*s.iter, Expr::List(_) | Expr::Tuple(_) | Expr::Set(_));
        let head = self.node(NodeKind::ForNext(s), &Self::normal(iter), !literal)?;
        let exit = self.push(NodeKind::Join(JoinKind::LoopExit));
        let saved = self.targets;
        self.targets.looping = Some((head, exit));
        let body_end = self.suite(&s.body, smallvec::smallvec![(head, EdgeKind::True)])?;
        self.targets = saved;
        self.connect(&body_end, head);
        let mut out = self.suite(&s.orelse, smallvec::smallvec![(head, EdgeKind::False)])?;
        if self.has_pred[exit as usize] {
            out.push((exit, EdgeKind::Normal));
        }
        Ok(out)
    }

    fn match_stmt(
        &mut self,
        s: &'a ast::StmtMatch,
        frontier: Frontier,
    ) -> Result<Frontier, TooComplex> {
        let subject = self.node(
            NodeKind::MatchSubject(&s.subject),
            &frontier,
            expr_can_raise(&s.subject),
        )?;
        let mut next = Self::normal(subject);
        let mut out = Frontier::new();
        for case in &s.cases {
            if next.is_empty() {
                break;
            }
            let raises = case.guard.as_deref().is_some_and(expr_can_raise)
                || matches!(
                    case.pattern,
                    ast::Pattern::MatchClass(_) | ast::Pattern::MatchMapping(_)
                );
            let id = self.node(NodeKind::MatchCase(case), &next, raises)?;
            out.extend(self.suite(&case.body, smallvec::smallvec![(id, EdgeKind::True)])?);
            next = if case.guard.is_none() && case.pattern.is_irrefutable() {
                Frontier::new()
            } else {
                smallvec::smallvec![(id, EdgeKind::False)]
            };
        }
        out.extend(next);
        Ok(out)
    }

    /// Install placeholders for a cleanup region.
    fn enter_cleanup(&mut self) -> (Targets, Placeholders) {
        let saved = self.targets;
        let ph = Placeholders {
            exception: self.push(NodeKind::Join(JoinKind::FinallyOnException)),
            ret: self.push(NodeKind::Join(JoinKind::FinallyOnReturn)),
            looping: saved.looping.map(|_| {
                (
                    self.push(NodeKind::Join(JoinKind::FinallyOnContinue)),
                    self.push(NodeKind::Join(JoinKind::FinallyOnBreak)),
                )
            }),
        };
        self.targets = Targets {
            exception: ph.exception,
            ret: ph.ret,
            looping: ph.looping,
        };
        (saved, ph)
    }

    /// Build the copies of a cleanup region for the ways it was entered
    /// abnormally, each leading to the outer target of the same kind.
    /// Returns the frontier of the exception copy when the cleanup may
    /// swallow the exception (`contextlib.suppress`).
    fn leave_cleanup(
        &mut self,
        saved: Targets,
        ph: Placeholders,
        cleanup: Cleanup<'a>,
    ) -> Result<Frontier, TooComplex> {
        self.targets = saved;
        let mut swallowed = Frontier::new();
        if self.has_pred[ph.exception as usize] {
            let handling = std::mem::replace(&mut self.handling, true);
            let end = self.cleanup(cleanup, true, Self::normal(ph.exception));
            self.handling = handling;
            let end = end?;
            if !end.is_empty() {
                // Re-raise where the cleanup ends, keeping the edge kinds of
                // its last steps (a test's false edge stays a false edge).
                let reraise = self.push(NodeKind::Join(JoinKind::Reraise));
                self.connect(&end, reraise);
                self.edge(reraise, saved.exception, EdgeKind::Exception);
            }
            if let Cleanup::WithExit(item) = cleanup
                && may_suppress(item)
            {
                swallowed = end;
            }
        }
        if self.has_pred[ph.ret as usize] {
            let end = self.cleanup(cleanup, false, Self::normal(ph.ret))?;
            self.connect(&end, saved.ret);
        }
        if let (Some((cont, brk)), Some((outer_cont, outer_brk))) = (ph.looping, saved.looping) {
            if self.has_pred[cont as usize] {
                let end = self.cleanup(cleanup, false, Self::normal(cont))?;
                self.connect(&end, outer_cont);
            }
            if self.has_pred[brk as usize] {
                let end = self.cleanup(cleanup, false, Self::normal(brk))?;
                self.connect(&end, outer_brk);
            }
        }
        Ok(swallowed)
    }

    fn cleanup(
        &mut self,
        cleanup: Cleanup<'a>,
        exceptional: bool,
        frontier: Frontier,
    ) -> Result<Frontier, TooComplex> {
        match cleanup {
            Cleanup::Finally(body) => self.suite(body, frontier),
            Cleanup::WithExit(item) => {
                let id = self.node(NodeKind::WithExit { item, exceptional }, &frontier, true)?;
                Ok(Self::normal(id))
            }
        }
    }

    fn with_items(
        &mut self,
        items: &'a [ast::WithItem],
        body: &'a [Stmt],
        frontier: Frontier,
    ) -> Result<Frontier, TooComplex> {
        let Some((item, rest)) = items.split_first() else {
            return self.suite(body, frontier);
        };
        // `__enter__` of an object we already hold (`with f:`) returns it.
        let enter_raises =
            matches!(item.context_expr, Expr::Call(_)) || expr_can_raise(&item.context_expr);
        let enter = self.node(NodeKind::WithEnter(item), &frontier, enter_raises)?;
        let (saved, ph) = self.enter_cleanup();
        let inner = self.with_items(rest, body, Self::normal(enter))?;
        let swallowed = self.leave_cleanup(saved, ph, Cleanup::WithExit(item))?;
        let mut out = if inner.is_empty() {
            Frontier::new()
        } else {
            self.cleanup(Cleanup::WithExit(item), false, inner)?
        };
        out.extend(swallowed);
        Ok(out)
    }

    fn try_stmt(
        &mut self,
        s: &'a ast::StmtTry,
        frontier: Frontier,
    ) -> Result<Frontier, TooComplex> {
        let has_finally = !s.finalbody.is_empty();
        let cleanup = if has_finally {
            Some(self.enter_cleanup())
        } else {
            None
        };

        let dispatch = (!s.handlers.is_empty()).then(|| self.push(NodeKind::Dispatch(s)));
        let handler_target = self.targets.exception;
        if let Some(dispatch) = dispatch {
            self.targets.exception = dispatch;
        }
        let body_end = self.suite(&s.body, frontier)?;
        self.targets.exception = handler_target;
        let mut out = self.suite(&s.orelse, body_end)?;

        if let Some(dispatch) = dispatch
            && self.has_pred[dispatch as usize]
        {
            let mut catch_all = false;
            for handler in &s.handlers {
                let ast::ExceptHandler::ExceptHandler(h) = handler;
                let handling = std::mem::replace(&mut self.handling, true);
                let body = self
                    .node(NodeKind::Handler(h), &Self::normal(dispatch), false)
                    .and_then(|id| self.suite(&h.body, Self::normal(id)));
                self.handling = handling;
                out.extend(body?);
                if is_catch_all(h) {
                    catch_all = true;
                    break;
                }
            }
            if !catch_all {
                self.edge(dispatch, handler_target, EdgeKind::Exception);
            }
        }

        match cleanup {
            Some((saved, ph)) => {
                self.leave_cleanup(saved, ph, Cleanup::Finally(&s.finalbody))?;
                if out.is_empty() {
                    Ok(out)
                } else {
                    self.suite(&s.finalbody, out)
                }
            }
            None => Ok(out),
        }
    }
}

/// `except:`, `except BaseException`, `except Exception` (in practice the
/// same: we don't model `KeyboardInterrupt` paths) catch everything.
fn is_catch_all(h: &ast::ExceptHandlerExceptHandler) -> bool {
    fn catches_all(e: &Expr) -> bool {
        match e {
            Expr::Name(n) => matches!(n.id.as_str(), "BaseException" | "Exception"),
            Expr::Attribute(a) => matches!(a.attr.id.as_str(), "BaseException" | "Exception"),
            Expr::Tuple(t) => t.elts.iter().any(catches_all),
            _ => false,
        }
    }
    h.type_.as_deref().is_none_or(catches_all)
}

/// `with contextlib.suppress(...)`, `with self.assertRaises(...)` and
/// `with pytest.raises(...)` swallow exceptions.
fn may_suppress(item: &ast::WithItem) -> bool {
    is_suppressing_call(&item.context_expr)
}

/// A call to a context manager that swallows the exceptions of its block.
pub fn is_suppressing_call(expr: &Expr) -> bool {
    callee_name(expr) == Some("suppress") || is_expected_failure_call(expr)
}

fn callee_name(expr: &Expr) -> Option<&str> {
    let Expr::Call(call) = expr else {
        return None;
    };
    match &*call.func {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.id.as_str()),
        _ => None,
    }
}

/// `with mock.patch(...)`, `with patch.object(...)`: inside, names may
/// stand for mocks rather than the real thing.
pub fn is_mocking_call(expr: &Expr) -> bool {
    let Expr::Call(call) = expr else {
        return false;
    };
    match &*call.func {
        Expr::Name(n) => n.id.as_str() == "patch",
        Expr::Attribute(a) => {
            a.attr.id.as_str() == "patch"
                || matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "patch")
                || matches!(&*a.value, Expr::Attribute(inner) if inner.attr.id.as_str() == "patch")
        }
        _ => false,
    }
}

/// A test's `with self.assertRaises(...)` or `with pytest.raises(...)`:
/// its block is expected to fail half-way.
pub fn is_expected_failure_call(expr: &Expr) -> bool {
    let Some(name) = callee_name(expr) else {
        return false;
    };
    matches!(
        name,
        "raises"
            | "assertRaises"
            | "assertRaisesRegex"
            | "assertRaisesRegexp"
            | "assertWarns"
            | "assertWarnsRegex"
    )
}

/// `True`, `1`, `False`, `0`, `None`: tests whose outcome is known.
fn constant_truth(test: &Expr) -> Option<bool> {
    match test {
        Expr::BooleanLiteral(b) => Some(b.value),
        Expr::NoneLiteral(_) => Some(false),
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => Some(i.as_u64() != Some(0)),
            _ => None,
        },
        _ => None,
    }
}
