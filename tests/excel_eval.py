"""A small Excel formula evaluator that reads a workbook's stored formula text itself.

It exists to check the LAMBDA names (trappe_xl/workbook/lambdas.py) without expanding them:
``Book(path).call("TRAPPE_STEP", ['"Aarhus"', "2019", "3"])`` parses the name's stored text
(``_xlfn.LAMBDA``/``_xlfn.LET``/``_xlfn.ISOMITTED``, ``_xlpm.``/``_xlop.`` parameters), binds the
arguments (formula texts; None = omitted), and evaluates it over the workbook's defined names and
cell values. LibreOffice cannot evaluate LAMBDA or LET, so the tests check this evaluator against
LibreOffice on the expanded bodies (tests/test_udf_lambdas.py) and then use it for the volume.

Excel semantics implemented (the ones the bodies rely on; Microsoft's function reference):
dynamic arrays with Excel's expansion (a 1-row or 1-column operand is repeated, a size mismatch
gives #N/A cells), text comparison and MATCH without regard to case, MATCH type 0 reading
* ? ~ in a text lookup value as wildcards and needing an array (not a single value) to look in,
SUMPRODUCT counting text and TRUE/FALSE as 0, MMULT refusing non-numbers (#VALUE!), arithmetic
turning numeric text into numbers, COUNTIFS/SUMIFS criteria, errors propagating through
operators. Booleans turn into text as Excel in English does ("TRUE"); a Danish Excel writes
"SAND" — no call in the tests turns a boolean into text.
"""

from __future__ import annotations

import html
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np


# -- values ------------------------------------------------------------------------------------
class Err:
    def __init__(self, code: str):
        self.code = code

    def __repr__(self):
        return self.code

    def __eq__(self, other):
        return isinstance(other, Err) and other.code == self.code

    def __hash__(self):
        return hash(self.code)


NA, VALUE, DIV0, NUM, REF, NAME = (Err(c) for c in ("#N/A", "#VALUE!", "#DIV/0!", "#NUM!", "#REF!", "#NAME?"))


class _Blank:
    def __repr__(self):
        return "BLANK"


BLANK = _Blank()          # an empty cell
OMITTED = object()        # a LAMBDA argument left out


@dataclass(frozen=True)
class Ref:
    sheet: str
    r0: int
    c0: int
    r1: int
    c1: int


@dataclass
class Lambda:
    params: list[str]
    body: object
    env: dict


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


# -- tokens and parser -----------------------------------------------------------------------------
_TOKENS = re.compile(r"""
  (?P<ws>\s+)
| (?P<str>"(?:[^"]|"")*")
| (?P<ref>(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)
| (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
| (?P<err>\#N/A|\#VALUE!|\#DIV/0!|\#REF!|\#NAME\?|\#NUM!)
| (?P<id>[A-Za-z_\\][A-Za-z0-9_.]*)
| (?P<op><>|<=|>=|[-+*/^&=<>%:(),;{}])
""", re.X)


def tokenize(text: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(text):
        m = _TOKENS.match(text, i)
        if m is None:
            raise SyntaxError(f"cannot read {text[i:i + 30]!r}")
        i = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group(0)))
    return out


_BINARY = [("=", "<>", "<", ">", "<=", ">="), ("&",), ("+", "-"), ("*", "/"), ("^",)]


class Parser:
    def __init__(self, text: str):
        self.toks = tokenize(text)
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise SyntaxError(f"expected {value!r}, got {tok[1]!r} at token {self.i}")
        self.i += 1
        return tok

    def parse(self):
        node = self.expr(0)
        if self.i != len(self.toks):
            raise SyntaxError(f"text after the formula: {self.toks[self.i:self.i + 5]}")
        return node

    def expr(self, level: int):
        if level == len(_BINARY):
            return self.unary()
        node = self.expr(level + 1)
        while self.peek()[0] == "op" and self.peek()[1] in _BINARY[level]:
            op = self.take()[1]
            node = ("bin", op, node, self.expr(level + 1))
        return node

    def unary(self):
        if self.peek()[1] in ("-", "+"):
            op = self.take()[1]
            node = self.unary()
            return ("neg", node) if op == "-" else node
        node = self.postfix()
        return node

    def postfix(self):
        node = self.primary()
        while True:
            if self.peek()[1] == "%":
                self.take()
                node = ("bin", "/", node, ("num", 100.0))
            elif self.peek()[1] == ":":
                self.take()
                node = ("range", node, self.primary())
            else:
                return node

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "str":
            return ("str", text[1:-1].replace('""', '"'))
        if kind == "err":
            return ("err", Err(text))
        if kind == "ref":
            sheet, cells = text.rsplit("!", 1)
            sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
            parts = cells.replace("$", "").split(":")
            (a, b) = (parts[0], parts[-1])
            ma, mb = re.fullmatch(r"([A-Z]+)(\d+)", a), re.fullmatch(r"([A-Z]+)(\d+)", b)
            return ("ref", Ref(sheet, int(ma.group(2)) - 1, _col(ma.group(1)),
                               int(mb.group(2)) - 1, _col(mb.group(1))))
        if kind == "op" and text == "(":
            node = self.expr(0)
            self.take(")")
            return node
        if kind == "op" and text == "{":
            return self.array()
        if kind == "id":
            if self.peek()[1] == "(":
                self.take("(")
                args = []
                if self.peek()[1] == ")":
                    self.take()
                    return ("call", text, args)
                while True:
                    if self.peek()[1] in (",", ")"):
                        args.append(None)              # an empty argument
                    else:
                        args.append(self.expr(0))
                    sep = self.take()[1]
                    if sep == ")":
                        return ("call", text, args)
                    if sep != ",":
                        raise SyntaxError(f"expected , or ) in {text}(")
            if text.upper() in ("TRUE", "FALSE"):
                return ("const", text.upper() == "TRUE")
            return ("name", text)
        raise SyntaxError(f"unexpected {text!r}")

    def array(self):
        rows, row = [], []
        while True:
            neg = False
            if self.peek()[1] == "-":
                self.take()
                neg = True
            kind, text = self.take()
            if kind == "num":
                row.append(-float(text) if neg else float(text))
            elif kind == "str":
                row.append(text[1:-1].replace('""', '"'))
            elif kind == "id" and text.upper() in ("TRUE", "FALSE"):
                row.append(text.upper() == "TRUE")
            else:
                raise SyntaxError(f"array constant: {text!r}")
            sep = self.take()[1]
            if sep == ",":
                continue
            rows.append(row)
            row = []
            if sep == "}":
                break
            if sep != ";":
                raise SyntaxError("array constant")
        arr = np.empty((len(rows), len(rows[0])), dtype=object)
        for i, r in enumerate(rows):
            arr[i, :] = r
        return ("const", _tidy(arr))


# -- coercions -----------------------------------------------------------------------------------
def _tidy(a: np.ndarray) -> np.ndarray:
    """An all-number object array as float64 (the fast path)."""
    if a.dtype == object and a.size and all(type(x) is float for x in a.flat):
        return a.astype(float)
    return a


def is_array(x) -> bool:
    return isinstance(x, np.ndarray)


def text(x) -> str | Err:
    if isinstance(x, Err):
        return x
    if x is BLANK:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "TRUE" if x else "FALSE"
    if isinstance(x, (float, int, np.floating, np.integer)):
        v = float(x)
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return format(v, ".15g")
    return str(x)


def number(x, strict_text: bool = True):
    """Arithmetic's view of a value: a number, or an Err."""
    if isinstance(x, Err):
        return x
    if x is BLANK:
        return 0.0
    if isinstance(x, (bool, np.bool_)):
        return 1.0 if x else 0.0
    if isinstance(x, (float, int, np.floating, np.integer)):
        return float(x)
    if isinstance(x, str):
        v = _value_of(x)
        return v if not isinstance(v, Err) else VALUE
    return VALUE


def _value_of(s: str):
    t = s.strip()
    if not t:
        return VALUE
    try:
        if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?", t):
            return float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        pass
    return VALUE


def truth(x):
    if isinstance(x, Err):
        return x
    if x is BLANK:
        return False
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (float, int, np.floating, np.integer)):
        return float(x) != 0
    return VALUE


def _rank(x) -> int:
    if isinstance(x, (bool, np.bool_)):
        return 2
    if isinstance(x, str):
        return 1
    return 0


def compare(op: str, a, b):
    if isinstance(a, Err):
        return a
    if isinstance(b, Err):
        return b
    if a is BLANK:
        a = "" if isinstance(b, str) else (False if isinstance(b, (bool, np.bool_)) else 0.0)
    if b is BLANK:
        b = "" if isinstance(a, str) else (False if isinstance(a, (bool, np.bool_)) else 0.0)
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        c = (ra > rb) - (ra < rb)
    elif ra == 1:
        x, y = a.lower(), b.lower()
        c = (x > y) - (x < y)
    else:
        x, y = float(a), float(b)
        c = (x > y) - (x < y)
    return {"=": c == 0, "<>": c != 0, "<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0}[op]


def arith(op: str, a, b):
    x, y = number(a), number(b)
    if isinstance(x, Err):
        return x
    if isinstance(y, Err):
        return y
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return DIV0 if y == 0 else x / y
    if op == "^":
        try:
            r = x ** y
        except (OverflowError, ZeroDivisionError):
            return NUM
        return NUM if isinstance(r, complex) else float(r)
    raise ValueError(op)


def concat(a, b):
    x, y = text(a), text(b)
    if isinstance(x, Err):
        return x
    if isinstance(y, Err):
        return y
    return x + y


# -- arrays ------------------------------------------------------------------------------------
def as2d(x) -> np.ndarray:
    if is_array(x):
        return x
    a = np.empty((1, 1), dtype=object)
    a[0, 0] = x
    return a


def _index(n_have: int, n_want: int) -> np.ndarray:
    """Row (or column) positions of an operand expanded to n_want: repeated when it has one,
    -1 (= #N/A) past its end."""
    if n_have == 1:
        return np.zeros(n_want, dtype=int)
    idx = np.arange(n_want)
    idx[idx >= n_have] = -1
    return idx


def broadcast(*xs) -> list[np.ndarray]:
    arrs = [as2d(x) for x in xs]
    rows = max(a.shape[0] for a in arrs)
    cols = max(a.shape[1] for a in arrs)
    out = []
    for a in arrs:
        if a.shape == (rows, cols):
            out.append(a)
            continue
        ri, ci = _index(a.shape[0], rows), _index(a.shape[1], cols)
        if (ri >= 0).all() and (ci >= 0).all():
            out.append(a[np.ix_(ri, ci)])
            continue
        b = np.empty((rows, cols), dtype=object)
        for i in range(rows):
            for j in range(cols):
                b[i, j] = NA if ri[i] < 0 or ci[j] < 0 else a[ri[i], ci[j]]
        out.append(b)
    return out


def elementwise(fn, *xs):
    """fn over the elements of the operands (Excel's array expansion); scalars stay scalars."""
    if not any(is_array(x) for x in xs):
        return fn(*xs)
    arrs = broadcast(*xs)
    out = np.empty(arrs[0].shape, dtype=object)
    flat = [a.ravel() for a in arrs]
    o = out.ravel()
    for k in range(o.size):
        o[k] = fn(*(f[k] for f in flat))
    return out


def _numeric(a) -> bool:
    return is_array(a) and a.dtype in (np.float64, np.bool_)


_VIEWS: dict = {}


def _view(a: np.ndarray, kind: str):
    """A fast view of an object array, remembered per array: "num" = float64 when it holds only
    numbers, TRUE/FALSE and empty cells (empty = 0), "low" = lower-case text with non-text cells
    as None; None when the array holds an error (or, for "num", text)."""
    key = (id(a), kind)
    hit = _VIEWS.get(key)
    if hit is not None and hit[0] is a:
        return hit[1]
    flat = list(a.flat)
    if any(isinstance(x, Err) for x in flat):
        out = None
    elif kind == "num":
        if any(isinstance(x, str) for x in flat):
            out = None
        else:
            out = np.array([0.0 if x is BLANK else float(x) for x in flat]).reshape(a.shape)
    else:
        out = np.array([x.lower() if isinstance(x, str) else ("" if x is BLANK else None) for x in flat],
                       dtype=object).reshape(a.shape)
        out = (out, np.array([x is BLANK for x in flat]).reshape(a.shape))
    if len(_VIEWS) > 4000:
        _VIEWS.clear()
    _VIEWS[key] = (a, out)
    return out


def _fast(op: str, a, b):
    """Vectorised cases of an operator on an object array and a scalar (or a float array):
    arithmetic and comparison with numbers, = and <> with a text. None = take the slow path."""
    arr, other, flipped = (a, b, False) if is_array(a) and a.dtype == object else (b, a, True)
    if not (is_array(arr) and arr.dtype == object):
        return None
    if isinstance(other, np.ndarray) and other.dtype == object:
        return None
    if op in ("=", "<>") and isinstance(other, str):
        view = _view(arr, "low")
        if view is None:
            return None
        low, blank = view
        t = other.lower()
        eq = (low == t) if t else np.logical_or(low == "", blank)
        eq = eq.astype(bool)
        return eq if op == "=" else ~eq
    if op in ("+", "-", "*", "/", "=", "<>", "<", ">", "<=", ">=") and (
            isinstance(other, (float, bool)) or (is_array(other) and other.dtype != object)):
        if op not in ("+", "-", "*", "/") and isinstance(other, bool):
            return None
        num = _view(arr, "num")
        if num is None:
            return None
        if op in ("=", "<>", "<", ">", "<=", ">=") and any(isinstance(x, (bool, np.bool_)) for x in arr.flat):
            return None
        x, y = (other, num) if flipped else (num, other)
        return binop(op, x, y)
    return None


def binop(op: str, a, b):
    if op != "&" and (is_array(a) or is_array(b)):
        r = _fast(op, a, b)
        if r is not None:
            return r
    if (_numeric(a) or isinstance(a, (float, bool))) and (_numeric(b) or isinstance(b, (float, bool))) \
            and (is_array(a) or is_array(b)) and op != "&":
        x = a.astype(float) if is_array(a) else float(a)
        y = b.astype(float) if is_array(b) else float(b)
        cmp_bool = op in ("=", "<>", "<", ">", "<=", ">=") and (isinstance(a, bool) or isinstance(b, bool)
                                                                 or _bools(a) or _bools(b))
        if not cmp_bool and (not is_array(x) or not is_array(y) or _expands(x.shape, y.shape)):
            if op in ("+", "-", "*"):
                return {"+": np.add, "-": np.subtract, "*": np.multiply}[op](x, y)
            if op == "/" and not np.any(np.asarray(y) == 0):
                return x / y
            if op in ("=", "<>", "<", ">", "<=", ">="):
                return {"=": np.equal, "<>": np.not_equal, "<": np.less, ">": np.greater,
                        "<=": np.less_equal, ">=": np.greater_equal}[op](x, y)
    if op in ("=", "<>", "<", ">", "<=", ">="):
        r = elementwise(lambda p, q: compare(op, p, q), a, b)
    elif op == "&":
        r = elementwise(concat, a, b)
    else:
        r = elementwise(lambda p, q: arith(op, p, q), a, b)
    return _typed(r)


def _bools(a) -> bool:
    return is_array(a) and a.dtype == np.bool_


def _expands(s1, s2) -> bool:
    """numpy's broadcasting gives Excel's result (no #N/A cells from a size mismatch)."""
    return all(p == q or p == 1 or q == 1 for p, q in zip(s1, s2))


def _typed(r):
    if is_array(r) and r.dtype == object and r.size:
        kinds = {type(v) for v in r.flat}
        if kinds <= {bool, np.bool_}:
            return r.astype(bool)
        if kinds <= {float}:
            return r.astype(float)
    return r


def flat_values(x) -> list:
    return list(as2d(x).flat)


def scalar_of(x):
    """A single value where a function wants one (the top-left of an array)."""
    return as2d(x)[0, 0] if is_array(x) else x


# -- the workbook ------------------------------------------------------------------------------
class Book:
    """A workbook's defined names and cell values; ``call`` evaluates a LAMBDA name."""

    def __init__(self, path: Path, extra_sheets: dict[str, list[list]] | None = None):
        from python_calamine import CalamineWorkbook
        self.path = Path(path)
        wb = CalamineWorkbook.from_path(str(path))
        self.sheets = {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}
        self.sheets.update(extra_sheets or {})
        xml = zipfile.ZipFile(path).read("xl/workbook.xml").decode("utf-8")
        self.names = {m.group(1): html.unescape(m.group(2)) for m in
                      re.finditer(r'<definedName name="([^"]+)"[^>]*>(.*?)</definedName>', xml)}
        #: sheets whose "" is an empty text (a formula's result), not an empty cell
        self.text_sheets: set[str] = set()
        self._parsed: dict[str, object] = {}
        self._values: dict[str, object] = {}
        self.cache: dict = {}

    # cells -------------------------------------------------------------------------------------
    def cells(self, ref: Ref) -> np.ndarray:
        key = ("cells", ref)
        if key in self.cache:
            return self.cache[key]
        rows = self.sheets[ref.sheet]
        out = np.empty((ref.r1 - ref.r0 + 1, ref.c1 - ref.c0 + 1), dtype=object)
        for i, r in enumerate(range(ref.r0, ref.r1 + 1)):
            row = rows[r] if r < len(rows) else []
            for j, c in enumerate(range(ref.c0, ref.c1 + 1)):
                v = row[c] if c < len(row) else None
                if v is None or (v == "" and ref.sheet not in self.text_sheets):
                    v = BLANK
                elif isinstance(v, int) and not isinstance(v, bool):
                    v = float(v)
                elif isinstance(v, str) and v.startswith("#") and v in ("#N/A", "#VALUE!", "#DIV/0!"):
                    v = Err(v)
                out[i, j] = v
        out = _tidy(out)
        self.cache[key] = out
        return out

    def deref(self, x):
        if isinstance(x, Ref):
            a = self.cells(x)
            return a if a.size > 1 else a[0, 0]
        return x

    # names --------------------------------------------------------------------------------------
    def parsed(self, text: str):
        if text not in self._parsed:
            self._parsed[text] = _annotate(Parser(text.lstrip("=")).parse())
        return self._parsed[text]

    def name_value(self, name: str):
        if name not in self._values:
            if name not in self.names:
                return NAME
            self._values[name] = self.eval(self.parsed(self.names[name]), {})
        return self._values[name]

    def call(self, name: str, args: list[str | None]):
        """The answer of ``name(args)``: args are formula texts, None = left out."""
        lam = self.name_value(name)
        if not isinstance(lam, Lambda):
            raise ValueError(f"{name} is not a LAMBDA")
        values = [OMITTED if a is None else self.eval(self.parsed(a), {}) for a in args]
        return self.deref(self.apply(lam, values))

    def apply(self, lam: Lambda, values: list):
        if len(values) > len(lam.params):
            return VALUE
        env = dict(lam.env)
        for p, v in zip(lam.params, values + [OMITTED] * (len(lam.params) - len(values))):
            env[p] = v
        return self.eval(lam.body, env)

    # evaluation ---------------------------------------------------------------------------------
    def eval(self, node, env: dict):
        """Evaluate; an expression whose free variables are all small is remembered by their
        values (most of a body depends on a few scalar choices)."""
        free = node_free(node)
        key = None
        if node[0] not in ("num", "str", "const", "name", "ref") and len(free) < 8:
            parts = []
            for v in free:
                val = env.get(v, OMITTED)
                h = _hashable(val)
                if h is None:
                    break
                parts.append(h)
            else:
                key = (id(node), tuple(parts))
                if key in self.cache:
                    return self.cache[key]
        out = self._eval(node, env)
        if key is not None:
            self.cache[key] = out
        return out

    def _eval(self, node, env):
        kind = node[0]
        if kind in ("num", "str", "const", "err"):
            return node[1]
        if kind == "ref":
            return node[1]
        if kind == "name":
            n = node[1]
            if n.startswith(("_xlpm.", "_xlop.")):
                v = env.get(n[6:], NAME)
                return v
            return self.name_value(n)
        if kind == "range":
            a, b = self.eval(node[1], env), self.eval(node[2], env)
            if not (isinstance(a, Ref) and isinstance(b, Ref) and a.sheet == b.sheet):
                return VALUE
            return Ref(a.sheet, min(a.r0, b.r0), min(a.c0, b.c0), max(a.r1, b.r1), max(a.c1, b.c1))
        if kind == "neg":
            return binop("*", self.value(node[1], env), -1.0)
        if kind == "bin":
            return binop(node[1], self.value(node[2], env), self.value(node[3], env))
        if kind == "call":
            return self.function(node, env)
        raise ValueError(kind)

    def value(self, node, env):
        """A node's value with references read (OMITTED reads as an empty value)."""
        v = self.deref(self.eval(node, env))
        return BLANK if v is OMITTED else v

    def function(self, node, env):
        name, args = node[1], node[2]
        up = name.upper()
        if up == "_XLFN.LET":
            inner = dict(env)
            for i in range(0, len(args) - 1, 2):
                var = args[i][1][6:]
                inner[var] = self.eval(args[i + 1], inner)
            return self.eval(args[-1], inner)
        if up == "_XLFN.LAMBDA":
            return Lambda([a[1][6:] for a in args[:-1]], args[-1], dict(env))
        if up == "_XLFN.ISOMITTED":
            return self.eval(args[0], env) is OMITTED
        if not up.startswith("_XLFN.") and name in self.names:
            lam = self.name_value(name)
            if isinstance(lam, Lambda):
                vals = [OMITTED if a is None else self.eval(a, env) for a in args]
                return self.apply(lam, vals)
        fn = FUNCTIONS.get(up.removeprefix("_XLFN."))
        if fn is None:
            return NAME
        return fn(self, args, env)


def _hashable(v):
    if isinstance(v, Ref):
        return ("ref", v)
    if is_array(v):
        if v.size > 256:
            return None
        return ("arr", v.shape, tuple(("E", x.code) if isinstance(x, Err) else (type(x).__name__, x)
                                      for x in v.flat))
    if isinstance(v, Err):
        return ("err", v.code)
    if v is OMITTED:
        return ("omitted",)
    if v is BLANK:
        return ("blank",)
    if isinstance(v, Lambda):
        return None
    return (type(v).__name__, v)


_FREE: dict[int, frozenset] = {}


def _annotate(node):
    node_free(node)
    return node


def node_free(node) -> frozenset:
    """The LAMBDA parameters and LET variables a node reads that it does not bind itself."""
    k = id(node)
    if k in _FREE:
        return _FREE[k]
    kind = node[0]
    if kind == "name":
        n = node[1]
        out = frozenset([n[6:]]) if n.startswith(("_xlpm.", "_xlop.")) else frozenset()
    elif kind == "call":
        args = node[2]
        up = node[1].upper()
        if up == "_XLFN.LET":
            bound, out = set(), set()
            for i in range(0, len(args) - 1, 2):
                out |= node_free(args[i + 1]) - bound
                bound.add(args[i][1][6:])
            out |= node_free(args[-1]) - bound
            out = frozenset(out)
        elif up == "_XLFN.LAMBDA":
            out = node_free(args[-1]) - {a[1][6:] for a in args[:-1]}
        else:
            out = frozenset().union(*(node_free(a) for a in args if a is not None))
    elif kind in ("bin",):
        out = node_free(node[2]) | node_free(node[3])
    elif kind in ("range",):
        out = node_free(node[1]) | node_free(node[2])
    elif kind == "neg":
        out = node_free(node[1])
    else:
        out = frozenset()
    _FREE[k] = out
    # keep the node alive so its id is not reused while the annotation is remembered
    _KEEP.append(node)
    return out


_KEEP: list = []


# -- functions -----------------------------------------------------------------------------------
FUNCTIONS: dict = {}


def fn(*names):
    def deco(f):
        for n in names:
            FUNCTIONS[n] = f
        return f
    return deco


def _vals(book, args, env):
    return [BLANK if a is None else book.value(a, env) for a in args]


def _elementwise_fn(f):
    def run(book, args, env):
        return _typed(elementwise(f, *_vals(book, args, env)))
    return run


def _scalar_first(f):
    """Propagate an error argument; else f."""
    def g(*xs):
        for x in xs:
            if isinstance(x, Err):
                return x
        return f(*xs)
    return g


@fn("IF")
def _if(book, args, env):
    cond = book.value(args[0], env)
    if not is_array(cond):
        t = truth(cond)
        if isinstance(t, Err):
            return t
        if t:
            return book.eval(args[1], env) if len(args) > 1 and args[1] is not None else (0.0 if len(args) > 1 else True)
        if len(args) > 2:
            return BLANK if args[2] is None else book.eval(args[2], env)
        return False
    a = book.value(args[1], env) if len(args) > 1 and args[1] is not None else 0.0
    b = (book.value(args[2], env) if args[2] is not None else 0.0) if len(args) > 2 else False

    def pick(c, x, y):
        t = truth(c)
        return t if isinstance(t, Err) else (x if t else y)
    return _typed(elementwise(pick, cond, a, b))


@fn("IFERROR")
def _iferror(book, args, env):
    x = book.value(args[0], env)
    alt = book.value(args[1], env)
    if not is_array(x):
        return alt if isinstance(x, Err) else x
    if x.dtype != object:
        return x
    return _typed(elementwise(lambda v, a: a if isinstance(v, Err) else v, x, alt))


FUNCTIONS["ISNUMBER"] = _elementwise_fn(lambda x: isinstance(x, (float, int)) and not isinstance(x, bool))
FUNCTIONS["ISNA"] = _elementwise_fn(lambda x: x == NA)
FUNCTIONS["ISERROR"] = _elementwise_fn(lambda x: isinstance(x, Err))
FUNCTIONS["ISTEXT"] = _elementwise_fn(lambda x: isinstance(x, str))
FUNCTIONS["ISLOGICAL"] = _elementwise_fn(lambda x: isinstance(x, (bool, np.bool_)))
FUNCTIONS["ISBLANK"] = _elementwise_fn(lambda x: x is BLANK)
FUNCTIONS["NOT"] = _elementwise_fn(_scalar_first(lambda x: (lambda t: t if isinstance(t, Err) else not t)(truth(x))))
FUNCTIONS["LOWER"] = _elementwise_fn(_scalar_first(lambda x: text(x).lower()))
FUNCTIONS["UPPER"] = _elementwise_fn(_scalar_first(lambda x: text(x).upper()))
FUNCTIONS["TRIM"] = _elementwise_fn(_scalar_first(lambda x: re.sub(" +", " ", text(x)).strip(" ")))
FUNCTIONS["VALUE"] = _elementwise_fn(_scalar_first(
    lambda x: float(x) if isinstance(x, float) else (0.0 if x is BLANK else _value_of(text(x)))))


def _mod(a, b):
    x, y = number(a), number(b)
    if isinstance(x, Err):
        return x
    if isinstance(y, Err):
        return y
    return DIV0 if y == 0 else x - y * math.floor(x / y)




def _numeric_fn(npfn, slow):
    """A function of numbers: numpy over number arrays (no zero divisor), else one by one."""
    def run(book, args, env):
        vals = _vals(book, args, env)
        if all(_numeric(v) or isinstance(v, float) for v in vals) and any(is_array(v) for v in vals):
            arrs = [v.astype(float) if is_array(v) else v for v in vals]
            fits = all(not is_array(x) or _expands(as2d(arrs[0]).shape, x.shape) for x in arrs)
            if fits and not (len(arrs) > 1 and np.any(np.asarray(arrs[1]) == 0)):
                return npfn(*arrs)
        return _typed(elementwise(slow, *vals))
    return run


def _int(x):
    n = number(x)
    return n if isinstance(n, Err) else float(math.floor(n))


FUNCTIONS["MOD"] = _numeric_fn(lambda x, y: x - y * np.floor(x / y), _mod)
FUNCTIONS["INT"] = _numeric_fn(np.floor, _int)


def _left(s, n=1.0):
    t, k = text(s), number(n)
    if isinstance(t, Err):
        return t
    if isinstance(k, Err) or k < 0:
        return VALUE
    return t[:int(k)]


def _right(s, n=1.0):
    t, k = text(s), number(n)
    if isinstance(t, Err):
        return t
    if isinstance(k, Err) or k < 0:
        return VALUE
    return t[len(t) - int(k):] if int(k) else ""


def _rept(s, n):
    t, k = text(s), number(n)
    if isinstance(t, Err):
        return t
    if isinstance(k, Err) or k < 0:
        return VALUE
    return t * int(k)


def _substitute(s, old, new, inst=None):
    t, o, nw = text(s), text(old), text(new)
    for v in (t, o, nw):
        if isinstance(v, Err):
            return v
    if o == "":
        return t
    if inst is None or inst is BLANK:
        return t.replace(o, nw)
    k = int(number(inst))
    pos = -1
    for _ in range(k):
        pos = t.find(o, pos + 1)
        if pos < 0:
            return t
    return t[:pos] + nw + t[pos + len(o):]


def _mid(s, start, n):
    t, a, k = text(s), number(start), number(n)
    for v in (t, a, k):
        if isinstance(v, Err):
            return v
    if a < 1 or k < 0:
        return VALUE
    return t[int(a) - 1:int(a) - 1 + int(k)]


def _find(needle, hay, start=1.0):
    t, h, a = text(needle), text(hay), number(start)
    for v in (t, h, a):
        if isinstance(v, Err):
            return v
    i = h.find(t, int(a) - 1) if 1 <= a <= len(h) + 1 else -1
    return VALUE if i < 0 else float(i + 1)


def _len(s):
    t = text(s)
    return t if isinstance(t, Err) else float(len(t))


FUNCTIONS["MID"] = _elementwise_fn(_mid)
FUNCTIONS["FIND"] = _elementwise_fn(_find)
FUNCTIONS["LEN"] = _elementwise_fn(_len)
FUNCTIONS["LEFT"] = _elementwise_fn(_left)
FUNCTIONS["RIGHT"] = _elementwise_fn(_right)
FUNCTIONS["REPT"] = _elementwise_fn(_rept)
FUNCTIONS["SUBSTITUTE"] = _elementwise_fn(_substitute)


def _make_andor(kind):
    def run(book, args, env):
        vals = []
        for a in args:
            v = book.value(a, env)
            if is_array(v):
                if v.dtype == np.bool_:
                    vals.extend(v.ravel().tolist())
                    continue
                for x in v.flat:
                    if isinstance(x, Err):
                        return x
                    if isinstance(x, (bool, np.bool_, float)):
                        vals.append(bool(x))
            else:
                t = truth(v)
                if isinstance(t, Err):
                    return t
                vals.append(t)
        if not vals:
            return VALUE
        return all(vals) if kind == "AND" else any(vals)
    return run


FUNCTIONS["AND"] = _make_andor("AND")
FUNCTIONS["OR"] = _make_andor("OR")


def _numbers(book, args, env):
    """Numbers of the arguments as SUM/COUNT/MIN/MAX see them: in arrays and ranges only the
    numbers; a direct argument is coerced. An error anywhere is returned."""
    out = []
    for a in args:
        raw = book.eval(a, env)
        v = book.deref(raw)
        if is_array(v):
            if v.dtype != object:
                out.extend(v.astype(float).ravel().tolist() if v.dtype == np.float64 else [])
                continue
            for x in v.flat:
                if isinstance(x, Err):
                    return x
                if isinstance(x, float):
                    out.append(x)
        elif isinstance(raw, Ref):
            if isinstance(v, Err):
                return v
            if isinstance(v, float):
                out.append(v)
        else:
            n = number(v)
            if isinstance(n, Err):
                return n
            out.append(n)
    return out


@fn("SUM")
def _sum(book, args, env):
    n = _numbers(book, args, env)
    return n if isinstance(n, Err) else float(sum(n))


@fn("MIN")
def _min(book, args, env):
    n = _numbers(book, args, env)
    return n if isinstance(n, Err) else (float(min(n)) if n else 0.0)


@fn("MAX")
def _max(book, args, env):
    n = _numbers(book, args, env)
    return n if isinstance(n, Err) else (float(max(n)) if n else 0.0)


@fn("COUNT")
def _count(book, args, env):
    c = 0
    for a in args:
        v = book.deref(book.eval(a, env))
        for x in flat_values(v):
            if isinstance(x, (float, int)) and not isinstance(x, (bool, np.bool_)):
                c += 1
    return float(c)


@fn("SUMPRODUCT")
def _sumproduct(book, args, env):
    arrs = [as2d(book.value(a, env)) for a in args]
    shape = arrs[0].shape
    if any(a.shape != shape for a in arrs):
        return VALUE
    total = np.ones(shape)
    for a in arrs:
        if a.dtype == np.float64:
            total = total * a
            continue
        if a.dtype == np.bool_:
            return 0.0 * total.sum()     # TRUE/FALSE count as 0
        b = np.zeros(shape)
        for idx, x in np.ndenumerate(a):
            if isinstance(x, Err):
                return x
            if isinstance(x, float):
                b[idx] = x
        total = total * b
    return float(total.sum())


@fn("MMULT")
def _mmult(book, args, env):
    a, b = (as2d(book.value(x, env)) for x in args)
    for m in (a, b):
        if m.dtype != np.float64:
            if m.dtype == object and any(isinstance(x, Err) for x in m.flat):
                return next(x for x in m.flat if isinstance(x, Err))
            if not all(isinstance(x, float) for x in m.flat):
                return VALUE
    if a.shape[1] != b.shape[0]:
        return VALUE
    return a.astype(float) @ b.astype(float)


@fn("TRANSPOSE")
def _transpose(book, args, env):
    v = book.value(args[0], env)
    return as2d(v).T.copy() if is_array(v) else v


@fn("ROWS")
def _rows(book, args, env):
    v = book.eval(args[0], env)
    if isinstance(v, Ref):
        return float(v.r1 - v.r0 + 1)
    return float(as2d(book.deref(v)).shape[0])


@fn("COLUMNS")
def _columns(book, args, env):
    v = book.eval(args[0], env)
    if isinstance(v, Ref):
        return float(v.c1 - v.c0 + 1)
    return float(as2d(book.deref(v)).shape[1])


@fn("ISREF")
def _isref(book, args, env):
    return isinstance(book.eval(args[0], env), Ref)


@fn("ROW")
def _row(book, args, env):
    v = book.eval(args[0], env)
    if not isinstance(v, Ref):
        return VALUE
    if v.r0 == v.r1:
        return float(v.r0 + 1)
    return np.arange(v.r0 + 1, v.r1 + 2, dtype=float).reshape(-1, 1)


@fn("INDEX")
def _index_fn(book, args, env):
    src = book.eval(args[0], env)
    r = book.value(args[1], env) if len(args) > 1 and args[1] is not None else 0.0
    c = book.value(args[2], env) if len(args) > 2 and args[2] is not None else None
    if is_array(r) or is_array(c):       # an array of positions gives an array of values
        return _typed(elementwise(lambda rr, cc: book.deref(_index_one(book, src, rr, None if cc is BLANK else cc)),
                                  r, c if c is not None else BLANK))
    return _index_one(book, src, r, c)


def _index_one(book, src, r, c):
    r = number(r)
    if isinstance(r, Err):
        return r
    c = None if c is None or c is BLANK else number(c)
    if isinstance(c, Err):
        return c
    if isinstance(src, Ref):
        rows, cols = src.r1 - src.r0 + 1, src.c1 - src.c0 + 1
    else:
        src = book.deref(src)
        if not is_array(src):
            return VALUE           # a single value is no array to index (LibreOffice: #VALUE!)
        rows, cols = src.shape
    r, c = int(r), (None if c is None else int(c))
    if c is None:
        if rows == 1:
            r, c = 1, r
        elif cols == 1:
            c = 1
        else:
            return REF if r else VALUE
    if r < 0 or (c is not None and c < 0):
        return VALUE
    if r == 0 or c == 0:             # 0 = the whole column (row) of the area
        if isinstance(src, Ref):
            return Ref(src.sheet, src.r0 if r == 0 else src.r0 + r - 1, src.c0 if c == 0 else src.c0 + c - 1,
                       src.r1 if r == 0 else src.r0 + r - 1, src.c1 if c == 0 else src.c0 + c - 1)
        part = src[:, c - 1:c] if r == 0 else src[r - 1:r, :]
        return part if part.size > 1 else part[0, 0]
    if not (1 <= r <= rows and 1 <= c <= cols):
        return REF
    if isinstance(src, Ref):
        return Ref(src.sheet, src.r0 + r - 1, src.c0 + c - 1, src.r0 + r - 1, src.c0 + c - 1)
    return src[r - 1, c - 1]


@fn("NA")
def _na(book, args, env):
    return NA


@fn("COLUMN")
def _column(book, args, env):
    v = book.eval(args[0], env)
    if not isinstance(v, Ref):
        return VALUE
    if v.c0 == v.c1:
        return float(v.c0 + 1)
    return np.arange(v.c0 + 1, v.c1 + 2, dtype=float).reshape(1, -1)


@fn("CHOOSE")
def _choose(book, args, env):
    idx = book.value(args[0], env)
    if not is_array(idx):
        k = number(idx)
        if isinstance(k, Err):
            return k
        k = int(k)
        if not 1 <= k < len(args):
            return VALUE
        return book.eval(args[k], env)
    opts = [book.value(a, env) for a in args[1:]]
    # Excel and LibreOffice broadcast the index against the options: CHOOSE({1,2}, A1:A3, B1:B3)
    # is a 3 x 2 array (checked with LibreOffice; the count-step matrix of the LAMBDA names)
    shaped = broadcast(idx, *[o for o in opts if is_array(o)])
    ix = shaped[0]
    arrays = iter(shaped[1:])
    full = [next(arrays) if is_array(o) else o for o in opts]
    out = np.empty(ix.shape, dtype=object)
    for (r, c), i in np.ndenumerate(ix):
        k = number(i)
        if isinstance(k, Err) or not 1 <= int(k) <= len(opts):
            out[r, c] = VALUE if not isinstance(k, Err) else k
            continue
        o = full[int(k) - 1]
        out[r, c] = o[r, c] if isinstance(o, np.ndarray) else o
    return _typed(out)


def _fmt_zeros(v, fmt: str):
    """TEXT(v, "000…"): a whole number padded with zeros (half away from zero)."""
    if isinstance(v, Err):
        return v
    f = text(fmt)
    if isinstance(f, Err):
        return f
    if f == "":
        return ""
    n = v if isinstance(v, float) else (_value_of(v) if isinstance(v, str) else number(v))
    if isinstance(n, Err):
        return text(v)
    if not re.fullmatch(r"0+", f):
        raise NotImplementedError(f"TEXT format {f!r}")
    k = int(math.floor(abs(n) + 0.5))
    return ("-" if n < 0 and k else "") + str(k).zfill(len(f))


FUNCTIONS["TEXT"] = _elementwise_fn(_fmt_zeros)


@fn("SMALL")
def _small(book, args, env):
    v = book.value(args[0], env)
    k = number(book.value(args[1], env))
    if isinstance(k, Err):
        return k
    nums = []
    for x in flat_values(v):
        if isinstance(x, Err):
            return x
        if isinstance(x, float):
            nums.append(x)
    nums.sort()
    k = int(k)
    return nums[k - 1] if 1 <= k <= len(nums) else NUM


@fn("TEXTJOIN")
def _textjoin(book, args, env):
    delim = text(scalar_of(book.value(args[0], env)))
    skip = truth(scalar_of(book.value(args[1], env)))
    parts = []
    for a in args[2:]:
        for x in flat_values(book.value(a, env)):
            if isinstance(x, Err):
                return x
            t = text(x)
            if skip and t == "":
                continue
            parts.append(t)
    return delim.join(parts)


def _wild(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "*?~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.S | re.I)


def _matches(lookup, cell) -> bool:
    if isinstance(cell, Err) or cell is BLANK:
        return False
    if isinstance(lookup, str):
        if not isinstance(cell, str):
            return False
        if any(ch in lookup for ch in "*?~"):
            return bool(_wild(lookup).fullmatch(cell))
        return lookup.lower() == cell.lower()
    if isinstance(lookup, (bool, np.bool_)):
        return isinstance(cell, (bool, np.bool_)) and bool(cell) == bool(lookup)
    return isinstance(cell, float) and float(lookup) == cell


@fn("MATCH")
def _match(book, args, env):
    look = book.value(args[0], env)
    raw = book.eval(args[1], env)
    arr = book.deref(raw)
    if not is_array(arr) and not isinstance(raw, Ref):
        return NA                    # the lookup array must be an array or a reference
    arr = as2d(arr)
    if arr.shape[0] != 1 and arr.shape[1] != 1:
        return NA
    cells = list(arr.flat)
    lower = {}
    for i, x in enumerate(cells):           # first position of each plain value
        if isinstance(x, str):
            lower.setdefault(("s", x.lower()), i)
        elif isinstance(x, float):
            lower.setdefault(("n", x), i)
        elif isinstance(x, (bool, np.bool_)):
            lower.setdefault(("b", bool(x)), i)

    def one(v):
        if isinstance(v, Err):
            return v
        if v is BLANK:
            return NA
        if isinstance(v, str) and any(ch in v for ch in "*?~"):
            for i, x in enumerate(cells):
                if _matches(v, x):
                    return float(i + 1)
            return NA
        k = (("s", v.lower()) if isinstance(v, str) else ("b", bool(v)) if isinstance(v, (bool, np.bool_))
             else ("n", float(v)))
        i = lower.get(k)
        return NA if i is None else float(i + 1)
    return _typed(elementwise(one, look))


def _criterion(c):
    """A COUNTIFS/SUMIFS criterion as a test of one cell."""
    if isinstance(c, (float, bool, np.bool_)) and not isinstance(c, str):
        return lambda x: (isinstance(x, float) and x == float(c)) or (
            isinstance(x, str) and not isinstance(_value_of(x), Err) and _value_of(x) == float(c))
    if c is BLANK:
        return lambda x: x is BLANK or x == ""
    s = text(c)
    m = re.match(r"(<>|<=|>=|=|<|>)(.*)", s, re.S)
    op, rest = (m.group(1), m.group(2)) if m else ("=", s)
    num = _value_of(rest)
    if op == "=" and not isinstance(num, Err):
        return lambda x: (isinstance(x, float) and x == num) or (isinstance(x, str) and x.lower() == rest.lower())
    if op == "=":
        if rest == "":
            return lambda x: x is BLANK or x == ""
        pat = _wild(rest)
        return lambda x: isinstance(x, str) and bool(pat.fullmatch(x))
    if op == "<>":
        pat = _wild(rest)
        return lambda x: not (isinstance(x, str) and pat.fullmatch(x)) and not (
            isinstance(x, float) and not isinstance(num, Err) and x == num)
    if isinstance(num, Err):
        return lambda x: isinstance(x, str) and compare(op, x, rest)
    return lambda x: isinstance(x, float) and compare(op, x, num)


def _ifs(book, args, env, summing: bool):
    start = 1 if summing else 0
    ranges = [as2d(book.deref(book.eval(args[i], env))) for i in range(start, len(args), 2)]
    crits = [book.value(args[i + 1], env) for i in range(start, len(args), 2)]
    values = as2d(book.deref(book.eval(args[0], env))) if summing else None

    def one(*cs):
        mask = np.ones(ranges[0].shape, dtype=bool)
        for rng, c in zip(ranges, cs):
            if isinstance(c, Err):
                return c
            test = _criterion(c)
            key = ("crit", id(rng), _hashable(c))
            m = book.cache.get(key)
            if m is None:
                m = np.array([test(x) for x in rng.flat], dtype=bool).reshape(rng.shape)
                book.cache[key] = m
                _KEEP.append(rng)
            mask &= m
        if not summing:
            return float(mask.sum())
        v = values[mask]
        return float(sum(x for x in v if isinstance(x, float)))
    return _typed(elementwise(one, *crits))


FUNCTIONS["COUNTIFS"] = lambda book, args, env: _ifs(book, args, env, False)
FUNCTIONS["SUMIFS"] = lambda book, args, env: _ifs(book, args, env, True)


def plain(v):
    """An answer as Python: float, str (errors as their code), list of lists ("" = empty)."""
    if is_array(v):
        rows = [[plain(x) for x in row] for row in v.tolist()]
        return rows if v.size > 1 else rows[0][0]
    if isinstance(v, Err):
        return v.code
    if v is BLANK:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (float, int, np.floating)):
        return float(v)
    return v
