//! Following one resource along every path from its acquisition.
//!
//! The state is small: which local names refer to the resource, whether a
//! `with` block holds it, and whether a `with` that does not close it (a
//! `sqlite3` connection) has ended. A path ends when the resource is
//! released, handed off, or proven absent on that path (`if f is not None`
//! false edge); or when it reaches an exit with the resource still open, or
//! the last name referring to it is rebound. Exploration is path-sensitive
//! for this one resource: states are kept per node, and a (node, state)
//! pair is visited once, so loops terminate.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use unclosed_cfg::{Cfg, EdgeKind, NodeId, NodeKind};

use unclosed_catalog::{Kind, Lazy};

use crate::effects::{AcqId, Effects, Event};

/// States explored per resource before giving up (no report).
const MAX_STATES: usize = 50_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct State<'a> {
    names: SmallVec<[&'a str; 2]>,
    held_by_with: bool,
    /// A `with` that does not close the resource ended here.
    non_closing_with: Option<TextRange>,
    /// An exception is in flight or being handled on this path.
    in_exception: bool,
    /// Other names known to hold a fresh resource (so not `None`) on this
    /// path: `if w is not None:` after `r, w = os.pipe()` cannot fail.
    non_none: SmallVec<[&'a str; 2]>,
    /// Names known to hold a falsy constant on this path (`closed = False`).
    falsy: SmallVec<[&'a str; 2]>,
    /// Names bound to `None` on this path.
    none: SmallVec<[&'a str; 2]>,
    /// The path went through an exceptional edge (then an exit reached
    /// normally means the exception was swallowed).
    via_exception: bool,
    /// A lazy resource (`HTTPConnection`) holds something yet.
    armed: bool,
}

impl State<'_> {
    fn has(&self, name: &str) -> bool {
        self.names.contains(&name)
    }

    fn remove(&mut self, name: &str) {
        self.names.retain(|n| *n != name);
    }

    fn unreferenced(&self) -> bool {
        self.names.is_empty() && !self.held_by_with
    }
}

/// Why the last reference went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostHow {
    Rebound,
    Deleted,
    /// The same acquisition ran again (next loop iteration).
    Reopened,
    /// A `with` without `as` that does not close it ended.
    WithEnded,
}

/// What happened to one resource on its paths.
#[derive(Debug, Default)]
pub struct Outcome {
    /// A path to the normal exit with the resource open.
    pub normal: Option<Vec<(NodeId, EdgeKind)>>,
    /// A path to the exceptional exit with the resource open.
    pub exceptional: Option<Vec<(NodeId, EdgeKind)>>,
    /// A path to the normal exit that went through an exception which was
    /// caught and swallowed.
    pub swallowed: Option<Vec<(NodeId, EdgeKind)>>,
    /// The resource is released (not only handed off) on some normal path.
    pub released: bool,
    /// Places where the last reference was lost while open.
    pub lost: Vec<(TextRange, LostHow, Option<TextRange>)>,
    /// The end of a non-closing `with` on the first leaking path.
    pub non_closing_with: Option<TextRange>,
    /// Exploration was cut short: report nothing.
    pub gave_up: bool,
}

enum Step<'a> {
    Continue(State<'a>),
    /// Handed off, or impossible on this path.
    End,
    /// Released on this path.
    Released,
    Lost(TextRange, LostHow, Option<TextRange>),
}

/// What is known about other names where the resource is acquired.
#[derive(Debug, Default)]
pub(crate) struct Known<'a> {
    pub truthy: Vec<&'a str>,
    pub falsy: Vec<&'a str>,
    pub none: Vec<&'a str>,
}

impl<'a> Known<'a> {
    /// The tests of the `if` branches the acquisition is nested in (`if
    /// outfn:` ... `outfile = open(outfn)`), in `body`.
    pub(crate) fn from_enclosing_ifs(body: &'a [ast::Stmt], at: TextRange) -> Self {
        let mut known = Known::default();
        let mut suite = body;
        'descend: while let Some(stmt) = suite.iter().find(|s| s.range().contains_range(at)) {
            let mut facts = Vec::new();
            let inner: &'a [ast::Stmt] = match stmt {
                ast::Stmt::If(i) => {
                    if i.body.iter().any(|s| s.range().contains_range(at)) {
                        guard_facts(&i.test, true, &mut facts);
                        &i.body
                    } else {
                        guard_facts(&i.test, false, &mut facts);
                        let mut found = None;
                        for clause in &i.elif_else_clauses {
                            if clause.body.iter().any(|s| s.range().contains_range(at)) {
                                if let Some(test) = &clause.test {
                                    guard_facts(test, true, &mut facts);
                                }
                                found = Some(&clause.body[..]);
                                break;
                            }
                            if let Some(test) = &clause.test {
                                guard_facts(test, false, &mut facts);
                            }
                        }
                        match found {
                            Some(b) => b,
                            None => break 'descend,
                        }
                    }
                }
                ast::Stmt::Try(t) => {
                    let handler_bodies = t.handlers.iter().map(|h| {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        &h.body[..]
                    });
                    match [&t.body[..], &t.orelse[..], &t.finalbody[..]]
                        .into_iter()
                        .chain(handler_bodies)
                        .find(|b| b.iter().any(|s| s.range().contains_range(at)))
                    {
                        Some(b) => b,
                        None => break,
                    }
                }
                ast::Stmt::With(w) => &w.body,
                // Loops may run the test again with other values; nested
                // definitions are other bodies.
                _ => break,
            };
            for fact in facts {
                match fact {
                    Guard::Present(n) => known.truthy.push(n),
                    Guard::Absent(n) => known.falsy.push(n),
                    Guard::NotNone(n) => known.truthy.push(n),
                    Guard::Closed(_) | Guard::StandardStream(_) => {}
                }
            }
            suite = inner;
        }
        known
    }

    /// Constants assigned on the straight line of code that leads to the
    /// acquisition (`err = sock = None` then `sock = socket.socket()`).
    pub(crate) fn add_straight_line(
        &mut self,
        preds: &[SmallVec<[NodeId; 2]>],
        effects: &Effects<'a>,
        at: NodeId,
    ) {
        let mut decided: SmallVec<[&'a str; 8]> = SmallVec::new();
        decided.extend(self.truthy.iter().copied());
        decided.extend(self.falsy.iter().copied());
        let mut cur = at;
        for _ in 0..32 {
            let [p] = preds[cur as usize][..] else {
                break;
            };
            if p == Cfg::ENTRY {
                break;
            }
            for event in effects.events[p as usize].iter().rev() {
                match *event {
                    Event::IsNone(n) if !decided.contains(&n) => self.none.push(n),
                    Event::Falsy(n) | Event::Truthy(n) if !decided.contains(&n) => {
                        decided.push(n);
                        if matches!(event, Event::Falsy(_)) {
                            self.falsy.push(n);
                        } else {
                            self.truthy.push(n);
                        }
                    }
                    Event::Bind(n, _) | Event::Del(n, _) => decided.push(n),
                    Event::Alias { target, .. } => decided.push(target),
                    Event::Acquire(other) => {
                        decided.extend(effects.acquisitions[other].names.iter().copied())
                    }
                    _ => {}
                }
            }
            cur = p;
        }
    }
}

pub(crate) fn explore<'a>(
    cfg: &Cfg<'a>,
    effects: &Effects<'a>,
    me: AcqId,
    known: &Known<'a>,
) -> Outcome {
    let acq = &effects.acquisitions[me];
    let mut outcome = Outcome::default();
    let mut initial = State {
        names: acq.names.iter().copied().collect(),
        held_by_with: acq.with_item,
        non_closing_with: None,
        in_exception: false,
        non_none: effects
            .acquisitions
            .iter()
            .filter(|a| a.node == acq.node)
            .flat_map(|a| a.names.iter().copied())
            .chain(known.truthy.iter().copied())
            .filter(|n| !acq.names.contains(n))
            .collect(),
        falsy: known
            .falsy
            .iter()
            .copied()
            .filter(|n| !acq.names.contains(n))
            .collect(),
        none: known
            .none
            .iter()
            .copied()
            .filter(|n| !acq.names.contains(n))
            .collect(),
        via_exception: false,
        armed: crate::effects::held_from_construction(acq.acquirer.lazy, acq.call),
    };
    // Events of the acquiring node that come after the acquisition.
    let events = &effects.events[acq.node as usize];
    let after = events
        .iter()
        .position(|e| *e == Event::Acquire(me))
        .map_or(events.len(), |p| p + 1);
    match apply(&events[after..], initial.clone(), effects, me, false, true) {
        Step::Continue(s) => initial = s,
        Step::End | Step::Released => return outcome,
        Step::Lost(range, how, with) => {
            outcome.lost.push((range, how, with));
            return outcome;
        }
    }

    // (node, state) -> index in `visited`; each entry keeps its parent.
    let mut index: FxHashMap<(NodeId, State<'a>), usize> = FxHashMap::default();
    let mut visited: Vec<(NodeId, Option<usize>, EdgeKind)> = Vec::new();
    let mut queue: std::collections::VecDeque<(usize, State<'a>)> = Default::default();

    let start_node = cfg.node(acq.node);
    for &(succ, kind) in &start_node.succs {
        if kind == EdgeKind::Exception {
            continue;
        }
        let state = match refine(start_node.kind, kind, initial.clone(), effects, me) {
            Step::Continue(s) => s,
            _ => continue,
        };
        push(
            &mut index,
            &mut visited,
            &mut queue,
            succ,
            None,
            kind,
            state,
        );
    }

    while let Some((at, state)) = queue.pop_front() {
        if visited.len() > MAX_STATES {
            outcome.gave_up = true;
            return outcome;
        }
        let node_id = visited[at].0;
        if (node_id == Cfg::EXIT || node_id == Cfg::RAISE) && state.armed {
            let slot = if node_id == Cfg::EXIT && !state.via_exception {
                &mut outcome.normal
            } else if node_id == Cfg::EXIT {
                &mut outcome.swallowed
            } else {
                &mut outcome.exceptional
            };
            if slot.is_none() {
                *slot = Some(path_to(&visited, at, acq.node));
                if outcome.non_closing_with.is_none() {
                    outcome.non_closing_with = state.non_closing_with;
                }
            }
            continue;
        }
        let node = cfg.node(node_id);
        let events = &effects.events[node_id as usize];
        for &(succ, kind) in &node.succs {
            let exceptional = kind == EdgeKind::Exception;
            if exceptional
                && raises_anew(node.kind)
                && !plausibly_fails(&effects.raises[node_id as usize], &state, acq.acquirer)
            {
                // Only failures worth planning for make leak paths.
                continue;
            }
            if exceptional && is_release_statement(node.kind) {
                // `x.close()` failing still releases `x`; counting it as a
                // path on which *other* resources leak is noise.
                continue;
            }
            if exceptional && state.in_exception && node.handling && raises_anew(node.kind) {
                // A second failure while the first is handled: code that
                // cleans up in `except`/`finally` is not expected to guard
                // against its own cleanup failing.
                continue;
            }
            let arming = !exceptional
                && !effects
                    .expected_to_fail
                    .get(node_id as usize)
                    .copied()
                    .unwrap_or(false);
            let step = match apply(events, state.clone(), effects, me, exceptional, arming) {
                Step::Continue(s) if !exceptional => refine(node.kind, kind, s, effects, me),
                other => other,
            };
            if exceptional
                && let NodeKind::Dispatch(t) = node.kind
                && catches_os_errors(t)
            {
                // The code handles the failures it expects here (`except
                // OSError:`); a leak only on other exception types is not
                // worth reporting.
                continue;
            }
            let step = match step {
                Step::Continue(mut s) => {
                    s.in_exception = if exceptional {
                        true
                    } else {
                        s.in_exception && cfg.node(succ).handling
                    };
                    s.via_exception |= exceptional;
                    Step::Continue(s)
                }
                other => other,
            };
            match step {
                Step::Continue(s) => push(
                    &mut index,
                    &mut visited,
                    &mut queue,
                    succ,
                    Some(at),
                    kind,
                    s,
                ),
                Step::End => {}
                Step::Released => outcome.released |= !exceptional,
                Step::Lost(range, how, with) => {
                    if !outcome
                        .lost
                        .iter()
                        .any(|(r, h, _)| *r == range && *h == how)
                    {
                        outcome.lost.push((range, how, with));
                    }
                }
            }
        }
    }
    outcome
}

/// The last reference went away: a leak only if the resource held
/// something by then.
fn lost<'a>(
    state: &State<'a>,
    range: TextRange,
    how: LostHow,
    with: Option<TextRange>,
) -> Step<'a> {
    if state.armed {
        Step::Lost(range, how, with)
    } else {
        Step::End
    }
}

/// Whether an event makes a lazy resource start holding something.
fn arms(lazy: Lazy, event: &Event<'_>, state: &State<'_>) -> bool {
    match (lazy, event) {
        (Lazy::No, _) => true,
        (_, Event::MethodCall(n, m)) => state.has(n) && crate::effects::armed_by_method(lazy, m),
        // Iterating it or passing it on opens a file.
        (Lazy::UntilUse, Event::Borrow(n)) => state.has(n),
        _ => false,
    }
}

fn push<'a>(
    index: &mut FxHashMap<(NodeId, State<'a>), usize>,
    visited: &mut Vec<(NodeId, Option<usize>, EdgeKind)>,
    queue: &mut std::collections::VecDeque<(usize, State<'a>)>,
    node: NodeId,
    parent: Option<usize>,
    kind: EdgeKind,
    state: State<'a>,
) {
    let key = (node, state);
    if index.contains_key(&key) {
        return;
    }
    let id = visited.len();
    visited.push((node, parent, kind));
    let state = key.1.clone();
    index.insert(key, id);
    queue.push_back((id, state));
}

/// The nodes from the acquisition to `at`, with the edge kind that entered
/// each.
fn path_to(
    visited: &[(NodeId, Option<usize>, EdgeKind)],
    at: usize,
    start: NodeId,
) -> Vec<(NodeId, EdgeKind)> {
    let mut path = Vec::new();
    let mut cur = Some(at);
    while let Some(i) = cur {
        let (node, parent, kind) = visited[i];
        path.push((node, kind));
        cur = parent;
    }
    path.push((start, EdgeKind::Normal));
    path.reverse();
    path
}

/// Apply a node's events to the state. On an exceptional edge the node
/// did not complete: only what happened before the raise counts, and we
/// take that to be every release and hand-off, but no binding.
fn apply<'a>(
    events: &[Event<'a>],
    mut state: State<'a>,
    effects: &Effects<'a>,
    me: AcqId,
    exceptional: bool,
    arming: bool,
) -> Step<'a> {
    let acquirer = effects.acquisitions[me].acquirer;
    for event in events {
        // A lazy object's first connect or read failing leaves it holding
        // nothing (`HTTPSConnection.request()` failing its handshake has
        // closed the socket it made); nor does one the code expects to
        // fail (`with self.assertRaises(SSLError): h.request(...)`).
        if !state.armed && arming {
            state.armed = arms(acquirer.lazy, event, &state);
        }
        match *event {
            Event::Borrow(_) => {}
            Event::Truthy(n) => {
                if !exceptional && !state.non_none.contains(&n) {
                    state.non_none.push(n);
                }
            }
            Event::Falsy(n) => {
                if !exceptional && !state.falsy.contains(&n) {
                    state.falsy.push(n);
                }
            }
            Event::IsNone(n) => {
                if !exceptional && !state.none.contains(&n) {
                    state.none.push(n);
                }
            }
            Event::Escape(n) => {
                if state.has(n) {
                    return Step::End;
                }
            }
            Event::Release(n) => {
                if state.has(n) {
                    return Step::Released;
                }
            }
            Event::Exhaust(n) => {
                if state.has(n) && acquirer.exhaustion_releases {
                    return Step::Released;
                }
            }
            Event::MethodCall(n, m) => {
                if state.has(n)
                    && (acquirer.release.contains(&m) || matches!(m, "close" | "__exit__"))
                {
                    // `sock.detach()` gives the descriptor to a new owner:
                    // a hand-off, not a release by this code.
                    return if m == "detach" {
                        Step::End
                    } else {
                        Step::Released
                    };
                }
            }
            Event::WithExitOf(n, range) => {
                if state.has(n) {
                    if acquirer.with_releases {
                        return Step::Released;
                    }
                    state.non_closing_with = Some(range);
                }
            }
            Event::WithExitOfSite(id, range) => {
                if id == me {
                    if acquirer.with_releases {
                        return Step::Released;
                    }
                    state.held_by_with = false;
                    state.non_closing_with = Some(range);
                    if state.unreferenced() {
                        return lost(&state, range, LostHow::WithEnded, Some(range));
                    }
                }
            }
            _ if exceptional => {}
            Event::Alias {
                target,
                source,
                range,
            } => {
                let source_non_none = state.non_none.contains(&source);
                state.non_none.retain(|m| *m != target);
                state.falsy.retain(|m| *m != target);
                state.none.retain(|m| *m != target);
                if source_non_none {
                    state.non_none.push(target);
                }
                if state.has(source) {
                    if !state.has(target) {
                        state.names.push(target);
                    }
                } else if state.has(target) {
                    state.remove(target);
                    if state.unreferenced() {
                        return lost(&state, range, LostHow::Rebound, state.non_closing_with);
                    }
                }
            }
            Event::Bind(n, range) | Event::Del(n, range) => {
                state.non_none.retain(|m| *m != n);
                state.falsy.retain(|m| *m != n);
                state.none.retain(|m| *m != n);
                if state.has(n) {
                    state.remove(n);
                    if state.unreferenced() {
                        let how = if matches!(event, Event::Del(..)) {
                            LostHow::Deleted
                        } else {
                            LostHow::Rebound
                        };
                        return lost(&state, range, how, state.non_closing_with);
                    }
                }
            }
            Event::Acquire(other) => {
                let acq = &effects.acquisitions[other];
                state.falsy.retain(|m| !acq.names.contains(m));
                state.none.retain(|m| !acq.names.contains(m));
                if other != me {
                    for n in &acq.names {
                        if !state.non_none.contains(n) {
                            state.non_none.push(n);
                        }
                    }
                }
                for n in &acq.names {
                    if state.has(n) {
                        state.remove(n);
                        if state.unreferenced() {
                            let how = if other == me {
                                LostHow::Reopened
                            } else {
                                LostHow::Rebound
                            };
                            return lost(&state, acq.call.range(), how, state.non_closing_with);
                        }
                    }
                }
            }
        }
    }
    Step::Continue(state)
}

/// Refine the state along the true/false edge of a test: `if f:`, `if f
/// is not None:`, `if not f.closed:`, `if 'f' in locals():`.
fn refine<'a>(
    kind: NodeKind<'a>,
    edge: EdgeKind,
    state: State<'a>,
    effects: &Effects<'a>,
    me: AcqId,
) -> Step<'a> {
    // `for entry in it:` ran to the end: an iterator that closes itself
    // when exhausted (`os.scandir`, an HTTP response) is released.
    if let NodeKind::ForNext(f) = kind
        && edge == EdgeKind::False
        && effects.acquisitions[me].acquirer.exhaustion_releases
        && iterated_name(&f.iter).is_some_and(|n| state.has(n))
    {
        return Step::Released;
    }
    let NodeKind::Test(test) = kind else {
        return Step::Continue(state);
    };
    let truthy = match edge {
        EdgeKind::True => true,
        EdgeKind::False => false,
        _ => return Step::Continue(state),
    };
    let mut facts = Vec::new();
    guard_facts(test, truthy, &mut facts);
    for fact in facts {
        match fact {
            Guard::Absent(n) => {
                if state.has(n) || state.non_none.contains(&n) {
                    // On this path `n` refers to the resource, so it can't
                    // be None, falsy or unbound: the edge is impossible.
                    return Step::End;
                }
            }
            Guard::Closed(n) => {
                if state.has(n) {
                    return Step::Released;
                }
            }
            Guard::StandardStream(n) => {
                // `if fd > 2: os.close(fd)`: on the other branch the
                // descriptor is stdin, stdout or stderr, which stay open.
                if state.has(n) && effects.acquisitions[me].acquirer.kind == Kind::Fd {
                    return Step::End;
                }
            }
            Guard::Present(n) => {
                if state.falsy.contains(&n) {
                    // `closed = False` then `if closed:`: impossible.
                    return Step::End;
                }
            }
            Guard::NotNone(n) => {
                if state.none.contains(&n) {
                    // `err = None` then `if err is not None:`.
                    return Step::End;
                }
            }
        }
    }
    Step::Continue(state)
}

/// Whether `name OP bound` (true or false as `truthy` says) means the
/// name is 0, 1 or 2: `fd > 2` false, `fd <= 2` true, `fd not in range(3)`
/// false, `fd in (0, 1, 2)` true.
fn is_standard_stream_test(op: ast::CmpOp, bound: &Expr, truthy: bool) -> bool {
    let int = |e: &Expr| match e {
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => i.as_u64(),
            _ => None,
        },
        _ => None,
    };
    let is_stdio_set = |e: &Expr| match e {
        Expr::Tuple(t) => {
            !t.elts.is_empty() && t.elts.iter().all(|x| int(x).is_some_and(|v| v <= 2))
        }
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Name(f) if f.id.as_str() == "range")
                && c.arguments.args.len() == 1
                && int(&c.arguments.args[0]).is_some_and(|v| v <= 3)
        }
        _ => false,
    };
    match (op, truthy) {
        (ast::CmpOp::Gt, false) | (ast::CmpOp::LtE, true) => int(bound) == Some(2),
        (ast::CmpOp::GtE, false) | (ast::CmpOp::Lt, true) => int(bound) == Some(3),
        (ast::CmpOp::NotIn, false) | (ast::CmpOp::In, true) => is_stdio_set(bound),
        _ => false,
    }
}

/// The name a `for` loop reads to its end: `for x in f:` or `for i, x in
/// enumerate(f):`.
fn iterated_name(iter: &Expr) -> Option<&str> {
    match iter {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Call(call) if matches!(&*call.func, Expr::Name(f) if f.id.as_str() == "enumerate") => {
            match call.arguments.args.first() {
                Some(Expr::Name(n)) => Some(n.id.as_str()),
                _ => None,
            }
        }
        _ => None,
    }
}

pub(crate) enum Guard<'a> {
    /// The name is `None`, falsy or unbound on this edge.
    Absent(&'a str),
    /// The name is truthy on this edge.
    Present(&'a str),
    /// The name is not `None` on this edge.
    NotNone(&'a str),
    /// `name.closed` is true on this edge.
    Closed(&'a str),
    /// The descriptor `name` is 0, 1 or 2 on this edge.
    StandardStream(&'a str),
}

pub(crate) fn guard_facts<'a>(test: &'a Expr, truthy: bool, out: &mut Vec<Guard<'a>>) {
    match test {
        Expr::Name(n) if !truthy => out.push(Guard::Absent(n.id.as_str())),
        Expr::Name(n) => out.push(Guard::Present(n.id.as_str())),
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => guard_facts(&u.operand, !truthy, out),
        Expr::BoolOp(b) => {
            let all = match b.op {
                ast::BoolOp::And => truthy,
                ast::BoolOp::Or => !truthy,
            };
            if all {
                for v in &b.values {
                    guard_facts(v, truthy, out);
                }
            }
        }
        Expr::Attribute(a) if truthy && a.attr.id.as_str() == "closed" => {
            if let Expr::Name(n) = &*a.value {
                out.push(Guard::Closed(n.id.as_str()));
            }
        }
        Expr::Compare(c) if c.ops.len() == 1 => {
            let op = c.ops[0];
            let right = &c.comparators[0];
            match (&*c.left, right) {
                // `f is sys.stdin`: a fresh resource is not a pre-existing
                // object, so where this holds, `f` is something else.
                (Expr::Name(n), other) | (other, Expr::Name(n))
                    if matches!(
                        other,
                        Expr::Attribute(_) | Expr::Call(_) | Expr::Subscript(_)
                    ) && matches!(op, ast::CmpOp::Is | ast::CmpOp::IsNot)
                        && (op == ast::CmpOp::Is) == truthy =>
                {
                    out.push(Guard::Absent(n.id.as_str()));
                }
                (Expr::Name(n), bound) if is_standard_stream_test(op, bound, truthy) => {
                    out.push(Guard::StandardStream(n.id.as_str()));
                }
                (Expr::Name(n), Expr::NoneLiteral(_)) | (Expr::NoneLiteral(_), Expr::Name(n)) => {
                    let is_none = match op {
                        ast::CmpOp::Is | ast::CmpOp::Eq => truthy,
                        ast::CmpOp::IsNot | ast::CmpOp::NotEq => !truthy,
                        _ => false,
                    };
                    if is_none {
                        out.push(Guard::Absent(n.id.as_str()));
                    } else if matches!(
                        op,
                        ast::CmpOp::Is | ast::CmpOp::IsNot | ast::CmpOp::Eq | ast::CmpOp::NotEq
                    ) {
                        out.push(Guard::NotNone(n.id.as_str()));
                    }
                }
                (Expr::StringLiteral(s), Expr::Call(call))
                    if matches!(op, ast::CmpOp::In | ast::CmpOp::NotIn)
                        && call.arguments.is_empty()
                        && matches!(&*call.func, Expr::Name(f) if matches!(f.id.as_str(), "locals" | "vars" | "dir" | "globals")) =>
                {
                    let present = (op == ast::CmpOp::In) == truthy;
                    if !present {
                        // Leaked string: the name lives in the AST.
                        out.push(Guard::Absent(leak_str(s)));
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// Whether a node's failure matters for this resource: it fails on its
/// own (user code, `raise`), or operates on the resource.
fn plausibly_fails(
    info: &crate::raises::RaiseInfo<'_>,
    state: &State<'_>,
    acquirer: &unclosed_catalog::Acquirer,
) -> bool {
    // A pool's or an executor's own methods queue work (the work's failures
    // are the program's code, counted by `strong`); `smtplib` closes itself
    // before raising.
    let own_methods_fail =
        !matches!(acquirer.kind, Kind::Pool | Kind::Executor) && !acquirer.closes_on_error;
    let strong = if own_methods_fail {
        info.strong
    } else {
        info.strong_receivers
            .iter()
            .any(|r| r.is_none_or(|name| !state.has(name)))
    };
    strong || (own_methods_fail && info.touched.iter().any(|n| state.has(n)))
}

/// Whether a `try` has a handler for operating-system errors (or for
/// everything): the failures of I/O calls are then handled.
fn catches_os_errors(t: &ast::StmtTry) -> bool {
    fn os_error(e: &Expr) -> bool {
        match e {
            Expr::Tuple(t) => t.elts.iter().any(os_error),
            other => unclosed_names::dotted(other).is_some_and(|name| {
                let last = name.rsplit('.').next().unwrap_or(&name);
                matches!(
                    last,
                    "OSError"
                        | "IOError"
                        | "EnvironmentError"
                        | "error"
                        | "timeout"
                        | "SSLError"
                        | "ConnectionError"
                        | "socket_error"
                        | "herror"
                        | "gaierror"
                )
            }),
        }
    }
    t.handlers.iter().any(|h| {
        let ast::ExceptHandler::ExceptHandler(h) = h;
        h.type_.as_deref().is_some_and(os_error)
    })
}

/// `f.close()`, `os.close(fd)`, `pool.terminate()` as a statement.
fn is_release_statement(kind: NodeKind<'_>) -> bool {
    let NodeKind::Stmt(ast::Stmt::Expr(e)) = kind else {
        return false;
    };
    let Expr::Call(call) = &*e.value else {
        return false;
    };
    let Expr::Attribute(attr) = &*call.func else {
        return false;
    };
    is_release_method(attr.attr.id.as_str())
}

/// The method names that release what they are called on.
pub(crate) fn is_release_method(method: &str) -> bool {
    matches!(
        method,
        "close"
            | "aclose"
            | "shutdown"
            | "cleanup"
            | "terminate"
            | "kill"
            | "join"
            | "release"
            | "unlink"
            | "__exit__"
    )
}

/// Whether an exceptional edge out of this node is a new failure rather
/// than the propagation of one already in flight (a join, a bare `raise`
/// or `raise ... from ...` inside a handler).
fn raises_anew(kind: NodeKind<'_>) -> bool {
    !matches!(
        kind,
        NodeKind::Join(_)
            | NodeKind::Dispatch(_)
            | NodeKind::Stmt(ast::Stmt::Raise(_))
            | NodeKind::Handler(_)
    )
}

/// The text of a string literal that names a variable, borrowed from the
/// AST when it is a single literal.
fn leak_str(s: &ast::ExprStringLiteral) -> &str {
    s.value.to_str()
}

/// A short description of what may raise at a node: the first call in it
/// (`parse()`), or `None` to use the statement's text.
pub(crate) fn raising_call(kind: NodeKind<'_>) -> Option<(TextRange, String)> {
    struct First(Option<(TextRange, String)>);
    impl<'a> ast::visitor::Visitor<'a> for First {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.0.is_some() {
                return;
            }
            if let Expr::Call(call) = expr {
                // Innermost-first: arguments run before the call.
                ast::visitor::walk_expr(self, expr);
                if self.0.is_none() {
                    let name = unclosed_names::dotted(&call.func)
                        .or_else(|| match &*call.func {
                            Expr::Attribute(a) => Some(format!("….{}", a.attr.id)),
                            _ => None,
                        })
                        .unwrap_or_else(|| "…".to_owned());
                    self.0 = Some((call.range(), format!("{name}()")));
                }
                return;
            }
            ast::visitor::walk_expr(self, expr);
        }
    }
    if let NodeKind::ForNext(f) = kind {
        let iterable = unclosed_names::dotted(&f.iter).unwrap_or_else(|| "…".to_owned());
        return Some((f.iter.range(), format!("next({iterable})")));
    }
    let mut first = First(None);
    match kind {
        NodeKind::Stmt(stmt) => ast::visitor::Visitor::visit_stmt(&mut first, stmt),
        NodeKind::Test(e) | NodeKind::MatchSubject(e) => {
            ast::visitor::Visitor::visit_expr(&mut first, e)
        }
        NodeKind::ForIter(f) => ast::visitor::Visitor::visit_expr(&mut first, &f.iter),
        NodeKind::WithEnter(item) => {
            ast::visitor::Visitor::visit_expr(&mut first, &item.context_expr)
        }
        _ => {}
    }
    first.0
}
