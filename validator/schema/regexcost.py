"""How long a backtracking regex engine can take: a proof of linear time, or the shapes that break it.

Python's `re`, like V8, backtracks: on a value it does not match, it tries every way the pattern can
consume each prefix of the value, from every start position, before it gives up. Its running time is
therefore (up to the pattern's size) the number of those ways summed over the prefixes: linear when
that number stays bounded, quadratic for `\\d+$` searched from every start or `a*a*` at one start,
exponential for `(a+)+`.

The model: a position automaton of the pattern (one state per character set it can consume, counted
repeats expanded) whose edges count the distinct *routes* a backtracking engine takes between two
consuming positions. An automaton for the language would merge the two routes from `a` to `a` in
`(a+)+` (round the inner loop, or round the outer one); the engine tries both, so here the edge
counts 2. Then every reachable multiset of live routes is explored over all inputs (a subset
construction over the pattern's character classes, with multiplicities), with a new route started at
every position when the pattern is not anchored with `^`. If no multiset ever holds more than
ROUTES_CAP routes, the engine does at most about ROUTES_CAP steps per character of the value: linear,
proven. Anything else (more routes, an exploration too large, backreferences, lookbehind, a lookahead
without a bounded body) is "not proven" and runs under a time limit.

The model over-approximates the engine (assertions are assumed to pass, counted repeats of
non-empty items that are too long to expand become loops), so `linear` is sound; it may miss a
linear pattern, which then only costs the guard. When the exploration finds growth, the routes that
branch along the witness input name the shape, for `dpv lint`: one analysis, two uses.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

# Live routes one multiset may hold for the pattern to count as linear (the per-character constant).
ROUTES_CAP = 16
# Live routes past which `dpv lint` calls the growth super-linear (below it: linear, with a large constant).
LINT_ROUTES_CAP = 256
# Distinct multisets explored before giving up (not proven, nothing named).
STATES_CAP = 3000
# Positions (consuming states) in the model before giving up.
POSITIONS_CAP = 3000
# Positions one counted repeat may expand to; past it, a repeat of a non-empty item becomes a loop.
EXPAND_CAP = 256
# Group nesting the model follows before giving up.
DEPTH_CAP = 150


class Cost(NamedTuple):
    """What the analysis found.

    linear: proven linear-time for a backtracking engine. work: when linear, a bound on the engine's
    steps per character of the value: live routes times the ways each can go on, at the worst
    character (lookaheads included); 0 when the pattern is anchored and reads a bounded prefix, so
    its time does not grow with the value. shapes: (code, description) of the super-linear shapes
    found (when asked to name them).
    """

    linear: bool
    shapes: tuple
    work: int = 0


class _GiveUp(Exception):
    """The pattern is too large or too deep to model within the caps."""


class _Fragment:
    """The routes through one subpattern: into its first positions, out of its last ones, and across it.

    `free` counts routes that pass no `^` (a search started past the first character can take them);
    `clean` counts routes that pass no assertion at all (a route leaving through one of them ends the
    search with a match, whatever follows).
    """

    __slots__ = ("first", "first_free", "last", "last_clean", "empty", "empty_free", "empty_clean")

    def __init__(self) -> None:
        self.first: dict = {}
        self.first_free: dict = {}
        self.last: dict = {}
        self.last_clean: dict = {}
        self.empty = 0
        self.empty_free = 0
        self.empty_clean = 0


def _nothing(free: int = 1, clean: int = 1) -> _Fragment:
    fragment = _Fragment()
    fragment.empty, fragment.empty_free, fragment.empty_clean = 1, free, clean
    return fragment


def _add(target: dict, source: dict, times: int = 1) -> None:
    if times:
        for key, count in source.items():
            target[key] = target.get(key, 0) + count * times


def _fold_case(ranges: tuple) -> tuple:
    """`ranges` plus the other case of each ASCII letter (re.IGNORECASE under re.ASCII)."""
    extra = []
    for low, high in ranges:
        for start, end, shift in ((65, 90, 32), (97, 122, -32)):
            a, b = max(low, start), min(high, end)
            if a <= b:
                extra.append((a + shift, b + shift))
    if not extra:
        return ranges
    merged: list = []
    for low, high in sorted(list(ranges) + extra):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return tuple(merged)


class _Model:
    """The counted-route position automaton of one pattern (or one lookahead body)."""

    def __init__(self, fold: bool) -> None:
        self.fold = fold
        self.sets: list = []  # position -> ranges
        self.follow: list = []  # position -> {next position: routes}
        self.origins: list = []  # position -> {next position: [(tag, routes)]}, to name shapes
        self.trails: list = []  # position -> keys of the repeat instances around it, outermost first
        self.reps: dict = {}  # repeat instance key -> (node id, source text, unbounded, trail)
        self.refs: list = []  # position -> True for the stand-ins of backreferences
        self.shapes: list = []  # found while building (backreferences under quantifiers)
        self.blockers: list = []  # what forbids a proof whatever the exploration finds
        self.most = 0  # the most work (routes times their ways on) at one character, last exploration
        self.look_work = 0  # the steps of one run of each lookahead body, summed

    # -- building ---------------------------------------------------------------------------------

    def build(self, node: tuple, trail: tuple, depth: int) -> _Fragment:
        if depth > DEPTH_CAP:
            raise _GiveUp
        kind = node[0]
        if kind == "set":
            return self.position(node[1], trail)
        if kind == "seq":
            fragment = _nothing()
            for item in node[1]:
                fragment = self.concat(fragment, self.build(item, trail, depth + 1))
            return fragment
        if kind == "alt":
            fragment = _Fragment()
            for branch in node[1]:
                part = self.build(branch, trail, depth + 1)
                _add(fragment.first, part.first)
                _add(fragment.first_free, part.first_free)
                _add(fragment.last, part.last)
                _add(fragment.last_clean, part.last_clean)
                fragment.empty += part.empty
                fragment.empty_free += part.empty_free
                fragment.empty_clean += part.empty_clean
            return fragment
        if kind == "assert":
            return _nothing(free=0 if node[1] == "^" else 1, clean=0)
        if kind == "look":
            self.lookaround(node, depth)
            return _nothing(clean=0)
        if kind == "ref":
            return self.backreference(node, trail)
        return self.repeat(node, trail, depth)

    def position(self, ranges: tuple, trail: tuple, ref: bool = False) -> _Fragment:
        index = len(self.sets)
        if index >= POSITIONS_CAP:
            raise _GiveUp
        self.sets.append(_fold_case(ranges) if self.fold else ranges)
        self.follow.append({})
        self.origins.append({})
        self.trails.append(trail)
        self.refs.append(ref)
        fragment = _Fragment()
        fragment.first = {index: 1}
        fragment.first_free = {index: 1}
        fragment.last = {index: 1}
        fragment.last_clean = {index: 1}
        return fragment

    def link(self, last: dict, first: dict, tag: tuple) -> None:
        for p, into in last.items():
            follow, origins = self.follow[p], self.origins[p]
            for q, out in first.items():
                follow[q] = follow.get(q, 0) + into * out
                origins.setdefault(q, []).append((tag, into * out))

    def concat(self, a: _Fragment, b: _Fragment) -> _Fragment:
        self.link(a.last, b.first, ("seq",))
        fragment = _Fragment()
        fragment.first = dict(a.first)
        _add(fragment.first, b.first, a.empty)
        fragment.first_free = dict(a.first_free)
        _add(fragment.first_free, b.first_free, a.empty_free)
        fragment.last = dict(b.last)
        _add(fragment.last, a.last, b.empty)
        fragment.last_clean = dict(b.last_clean)
        _add(fragment.last_clean, a.last_clean, b.empty_clean)
        fragment.empty = a.empty * b.empty
        fragment.empty_free = a.empty_free * b.empty_free
        fragment.empty_clean = a.empty_clean * b.empty_clean
        return fragment

    def loop(self, body: _Fragment, key: int, at_least_once: bool) -> _Fragment:
        """`body*` (or `body+`) as the engine runs it: an iteration that matched "" ends the loop."""
        self.link(body.last, body.first, ("loop", key))
        fragment = _Fragment()
        fragment.first, fragment.first_free = body.first, body.first_free
        fragment.last = {p: n * (1 + body.empty) for p, n in body.last.items()}
        fragment.last_clean = {p: n * (1 + body.empty_clean) for p, n in body.last_clean.items()}
        skip = 0 if at_least_once else 1
        fragment.empty = skip + body.empty
        fragment.empty_free = skip + body.empty_free
        fragment.empty_clean = skip + body.empty_clean
        return fragment

    def repeat(self, node: tuple, trail: tuple, depth: int) -> _Fragment:
        _, item, low, high, text = node
        if high == 0:
            return _nothing()

        def copy() -> tuple:
            key = len(self.reps)
            self.reps[key] = (id(node), text, high is None, trail)
            return key, self.build(item, trail + (key,), depth + 1)

        before = len(self.sets)
        copies = [copy()]
        size = max(1, len(self.sets) - before)
        total = max(low, 1) if high is None else high
        if total * size > EXPAND_CAP:
            key, body = copies[0]
            if body.empty:
                raise _GiveUp  # a long counted repeat of an item that can match "": not modelled
            # Routes of X{n,m} map one to one onto routes of X+ (or X*): a loop over-approximates.
            return self.loop(body, key, at_least_once=low > 0)
        copies.extend(copy() for _ in range(total - 1))
        if high is None:
            key, body = copies[-1]
            looped = self.loop(body, key, at_least_once=low > 0)  # X{n,}: n - 1 copies, then X+
            fixed, tail = [f for _, f in copies[:-1]], looped
        else:
            # X{n,m}: n copies, then m - n nested optionals X(X(X)?)?, one route per count.
            fixed, tail = [f for _, f in copies[:low]], None
            for _, part in reversed(copies[low:]):
                tail = _optional(part if tail is None else self.concat(part, tail))
        fragment = _nothing()
        for part in fixed + ([tail] if tail is not None else []):
            fragment = self.concat(fragment, part)
        return fragment

    def backreference(self, node: tuple, trail: tuple) -> _Fragment:
        """A stand-in that can consume any text: no proof, but the shapes around it still show."""
        self.blockers.append("backreference")
        if trail:
            text = self.reps[trail[-1]][1]
            self.shapes.append(
                ("backreference", f"the backreference \\{node[1]} is repeated by the quantifier /{text}/")
            )
        fragment = self.position(((0, 0xFFFF),), trail, ref=True)
        index = next(iter(fragment.first))
        self.link({index: 1}, {index: 1}, ("ref",))
        fragment.empty = 1
        fragment.empty_free = 1
        return fragment

    def lookaround(self, node: tuple, depth: int) -> None:
        _, body, behind, _ = node
        if behind:
            self.blockers.append("lookbehind")
            return
        # A lookahead runs its body to the first match at every position it is reached: linear
        # overall only when one run is bounded, i.e. the body has no loop and few routes.
        model = _Model(self.fold)
        try:
            fragment = model.build(body, (), depth + 1)
        except _GiveUp:
            self.blockers.append("lookahead")
            return
        if model.cyclic() or model.explore(fragment, False, ROUTES_CAP)[0] != "bounded":
            self.blockers.append("lookahead")
            return
        self.look_work += model.most * max(1, len(model.sets))

    def cyclic(self) -> bool:
        state = [0] * len(self.sets)  # 0 new, 1 on the path, 2 done
        for root in range(len(self.sets)):
            if state[root]:
                continue
            stack = [(root, iter(self.follow[root]))]
            state[root] = 1
            while stack:
                p, successors = stack[-1]
                for q in successors:
                    if state[q] == 1:
                        return True
                    if state[q] == 0:
                        state[q] = 1
                        stack.append((q, iter(self.follow[q])))
                        break
                else:
                    state[p] = 2
                    stack.pop()
        return False

    # -- exploring --------------------------------------------------------------------------------

    def minterms(self) -> list:
        """Bitmasks of positions, one per class of code units that every position treats alike."""
        # Sweep the range boundaries: a position's bit turns on at each of its ranges' starts and
        # off just past their ends (its ranges are disjoint, so toggling is enough).
        edges: dict = {}
        for index, ranges in enumerate(self.sets):
            bit = 1 << index
            for low, high in ranges:
                edges[low] = edges.get(low, 0) ^ bit
                edges[high + 1] = edges.get(high + 1, 0) ^ bit
        masks, mask = set(), 0
        for unit in sorted(edges):
            mask ^= edges[unit]
            if mask and unit <= 0xFFFF:
                masks.add(mask)
        return sorted(masks)

    def step(self, live: Optional[tuple], mask: int, fragment: _Fragment, inject: bool) -> dict:
        """The live routes after one more code unit of class `mask` (live None: nothing read yet)."""
        routes: dict = {}
        if live is None:
            for q, n in fragment.first.items():
                if mask >> q & 1:
                    routes[q] = n
            return routes
        for p, count in live:
            for q, n in self.follow[p].items():
                if mask >> q & 1:
                    routes[q] = routes.get(q, 0) + count * n
        if inject:
            for q, n in fragment.first_free.items():
                if mask >> q & 1:
                    routes[q] = routes.get(q, 0) + n
        return routes

    def explore(self, fragment: _Fragment, search: bool, cap: int) -> tuple:
        """("bounded", None), ("growth", witness inputs as masks) or ("unknown", None).

        search: a new route starts at every position (the pattern is not anchored with `^`) until
        a route has matched, which ends the search.
        """
        accepting = set(fragment.last_clean)
        masks = self.minterms()
        self.most = 0
        start: tuple = (None, search)
        parents: dict = {start: None}
        frontier = [start]
        while frontier:
            following = []
            for state in frontier:
                live, inject = state
                for mask in masks:
                    routes = self.step(live, mask, fragment, inject)
                    total = sum(routes.values())
                    work = sum(n * (1 + len(self.follow[q])) for q, n in routes.items())
                    self.most = max(self.most, work)
                    if total > cap:
                        word = [mask]
                        back = state
                        while parents[back] is not None:
                            back, used = parents[back]
                            word.append(used)
                        return "growth", word[::-1]
                    still = inject and not any(q in accepting for q in routes)
                    if not routes and not still:
                        continue
                    successor = (tuple(sorted(routes.items())), still)
                    if successor in parents:
                        continue
                    if len(parents) >= STATES_CAP:
                        return "unknown", None
                    parents[successor] = (state, mask)
                    following.append(successor)
            frontier = following
        return "bounded", None

    # -- naming -----------------------------------------------------------------------------------

    def involved(self, p: Optional[int], q: int, tag: tuple) -> Optional[int]:
        """The repeat instance a route from p to q is due to: its loop, or the quantifier it enters."""
        if tag[0] == "loop":
            return tag[1]
        inner = self.trails[q]
        outer = self.trails[p] if p is not None else ()
        shared = 0
        while shared < min(len(inner), len(outer)) and inner[shared] == outer[shared]:
            shared += 1
        return inner[shared] if shared < len(inner) else None

    def contains(self, outer: int, inner: int) -> bool:
        return outer in self.reps[inner][3]

    def shape(self, p: Optional[int], first: tuple, second: tuple) -> Optional[tuple]:
        """The shape of two routes out of p that read the same character, if a quantifier causes it."""
        (q1, tag1), (q2, tag2) = first, second
        if "ref" in (tag1[0], tag2[0]) or self.refs[q1] or self.refs[q2]:
            return None  # backreferences are reported as such
        k1, k2 = self.involved(p, q1, tag1), self.involved(p, q2, tag2)
        if k1 is None or k2 is None:
            return None
        node1, text1, _, _ = self.reps[k1]
        node2, text2, _, _ = self.reps[k2]
        if k1 == k2:
            return (
                "alternation",
                f"the repeated alternation /{text1}/ has branches that match the same text",
            )
        if node1 == node2:
            return (
                "counted-optional",
                f"/{text1}/ repeats an item that can match nothing, so it can split the same text many ways",
            )
        if self.contains(k1, k2) or self.contains(k2, k1):
            inner, outer = (text2, text1) if self.contains(k1, k2) else (text1, text2)
            return ("nested", f"/{inner}/ is repeated inside /{outer}/ (nested quantifiers)")
        if k1 > k2:
            text1, text2 = text2, text1
        return (
            "adjacent",
            f"/{text1}/ and /{text2}/ are adjacent quantifiers that match the same characters",
        )

    def name(self, fragment: _Fragment, word: list) -> list:
        """The shapes of the routes that branch while reading the witness input."""
        shapes: list = []
        live: Optional[tuple] = None
        for mask in word:
            sources: list
            if live is None:
                sources = [(None, [(q, ("seq",), n) for q, n in fragment.first.items()])]
            else:
                sources = [
                    (p, [(q, tag, n) for q, entries in self.origins[p].items() for tag, n in entries])
                    for p, _ in live
                ]
            for p, routes in sources:
                taken = [(q, tag) for q, tag, n in routes if mask >> q & 1 for _ in range(min(n, 2))]
                for i in range(len(taken)):
                    for j in range(i + 1, len(taken)):
                        found = self.shape(p, taken[i], taken[j])
                        if found is not None and found not in shapes:
                            shapes.append(found)
            live = tuple(sorted(self.step(live, mask, fragment, False).items()))
        return shapes

    def unanchored(self, word: list, fragment: _Fragment) -> list:
        """The quantifier a search re-scans from every start: the one around the busiest position."""
        live: Optional[tuple] = None
        routes: dict = {}
        for mask in word:
            routes = self.step(live, mask, fragment, True)
            live = tuple(sorted(routes.items()))
        if not routes:
            return []
        busiest = max(routes, key=lambda q: routes[q])
        unbounded = [key for key in self.trails[busiest] if self.reps[key][2]]
        if not unbounded:
            return []
        text = self.reps[unbounded[0]][1]
        return [
            (
                "unanchored",
                f"/{text}/ is retried from every start position (the pattern is not anchored with ^), "
                "so a long value that does not match takes quadratic time",
            )
        ]


def _optional(fragment: _Fragment) -> _Fragment:
    out = _Fragment()
    out.first, out.first_free, out.last, out.last_clean = (
        fragment.first,
        fragment.first_free,
        fragment.last,
        fragment.last_clean,
    )
    out.empty = fragment.empty + 1
    out.empty_free = fragment.empty_free + 1
    out.empty_clean = fragment.empty_clean + 1
    return out


def analyse(tree: tuple, ignore_case: bool = False, name: bool = False) -> Cost:
    """Whether a backtracking engine searching a value with the pattern `tree` takes linear time.

    tree: the parser's tree (see jsregex._Parser). ignore_case: the pattern runs with re.IGNORECASE
    (ASCII folding, as under re.ASCII). name: also name the super-linear shapes (for `dpv lint`;
    it costs more explorations).
    """
    model = _Model(ignore_case)
    try:
        fragment = model.build(tree, (), 0)
    except _GiveUp:
        return Cost(False, tuple(model.shapes))
    # A pattern that can match "" with no assertion matches at the first start: the search never
    # tries another (but the routes ordered before that empty match, greedy ones, still run).
    search = bool(fragment.first_free) and not fragment.empty_clean
    # Anchored and without loops, a pattern reads a bounded prefix of any value once: many routes
    # then cost a constant, not a factor per character.
    bounded = not search and not model.cyclic()
    verdict, _ = model.explore(fragment, search, LINT_ROUTES_CAP if bounded else ROUTES_CAP)
    if verdict == "bounded":
        work = 0 if bounded else max(1, model.most) * (1 + model.look_work)
        return Cost(not model.blockers, tuple(model.shapes), work)
    shapes = list(model.shapes)
    if verdict == "growth" and name:
        # Name only growth that goes on (a bounded pattern with many routes is linear, if slowly).
        single, single_word = model.explore(fragment, False, LINT_ROUTES_CAP)
        if single == "growth":
            shapes.extend(s for s in model.name(fragment, single_word) if s not in shapes)
        elif single == "bounded" and search:
            again, search_word = model.explore(fragment, True, LINT_ROUTES_CAP)
            if again == "growth":
                shapes.extend(model.unanchored(search_word, fragment))
    return Cost(False, tuple(shapes))
