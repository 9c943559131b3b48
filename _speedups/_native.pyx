# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The native front end of the compiled kernel: NDJSON batch lines validated on a yyjson DOM.

Built as `validator._native`, against yyjson.c from the pinned `yyjson` package (setup.py). Each
line is parsed into a yyjson document (yyjson is the parser orjson itself embeds, so it accepts the
same texts and reads the same values); the match key of each event is computed in C and the plan's
FastNode checks (validator/schema/fastcheck.py) run on the DOM, in C. A valid batch therefore never
becomes Python objects.

An event (or user attributes) that fails gets its validation_errors written here too, by a walk of
the DOM that mirrors the kernel's ErrorWalker (_native_errors.pxi). Whatever that walk is unsure of
takes the kernel's exact path with the Python objects it gets today: such an event (or one that is
unplanned, or that C cannot match) is converted as orjson.loads would build it and handed to the
kernel; so are such user attributes. A line the DOM path is unsure
of (a parse error, a root that is not an object, nesting orjson refuses, `events` not an array, a
null event), and a batch that fails (the kernel raised BatchFailure: the reference throws), goes to
the kernel's whole-line path, which words and locates the failure. The checks mirror the Cython kernel's FastCheck:
they may say "not proven" where it says valid (then the exact path decides, as it does for any
value FastCheck rejects), never "valid" where it does not.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.object cimport PyObject
from cpython.pyport cimport PY_SSIZE_T_MAX
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.tuple cimport PyTuple_GET_ITEM
from libc.math cimport floor, isfinite
from cpython.ref cimport Py_INCREF
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdio cimport snprintf
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memchr, memcpy, memmove

import re

import orjson

from validator.errors import BatchFailure
from validator.jsout import quote
from validator.matching import SIMPLE_EVENT_TYPES
from validator.results import INVALID_UA_SCHEMA_RESULT, INVALID_VALUE_KEYWORDS, RESULT_PREFIX, UNPLANNABLE_RESULT
from validator.schema import fastcheck, messages
from validator.schema.asciidfa import compile_search
from validator.schema.fastcheck import FAST_LEVELS, checked_points, exact_check
from validator.schema.fastcheck import _needs_exact as needs_exact


cdef extern from "Python.h":
    object PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors)
    object PyLong_FromUnsignedLongLong(unsigned long long v)
    object PyLong_FromLongLong(long long v)
    object PyFloat_FromDouble(double v)


cdef extern from "yyjson.h" nogil:
    ctypedef struct yyjson_doc:
        pass
    ctypedef struct yyjson_val:
        pass
    ctypedef struct yyjson_alc:
        pass
    ctypedef uint32_t yyjson_read_flag
    ctypedef struct yyjson_read_err:
        uint32_t code
        const char *msg
        size_t pos
    ctypedef struct yyjson_obj_iter:
        pass
    ctypedef struct yyjson_arr_iter:
        pass
    const char *YYJSON_VERSION_STRING
    yyjson_alc *yyjson_alc_dyn_new()
    void yyjson_alc_dyn_free(yyjson_alc *alc)
    yyjson_doc *yyjson_read_opts(char *dat, size_t len, yyjson_read_flag flg, const yyjson_alc *alc,
                                 yyjson_read_err *err)
    void yyjson_doc_free(yyjson_doc *doc)
    yyjson_val *yyjson_doc_get_root(yyjson_doc *doc)
    size_t yyjson_doc_get_val_count(yyjson_doc *doc)
    bint yyjson_is_null(yyjson_val *v)
    bint yyjson_is_true(yyjson_val *v)
    bint yyjson_is_false(yyjson_val *v)
    bint yyjson_is_bool(yyjson_val *v)
    bint yyjson_is_uint(yyjson_val *v)
    bint yyjson_is_sint(yyjson_val *v)
    bint yyjson_is_real(yyjson_val *v)
    bint yyjson_is_num(yyjson_val *v)
    bint yyjson_is_str(yyjson_val *v)
    bint yyjson_is_arr(yyjson_val *v)
    bint yyjson_is_obj(yyjson_val *v)
    uint64_t yyjson_get_uint(yyjson_val *v)
    int64_t yyjson_get_sint(yyjson_val *v)
    double yyjson_get_real(yyjson_val *v)
    const char *yyjson_get_str(yyjson_val *v)
    size_t yyjson_get_len(yyjson_val *v)
    size_t yyjson_arr_size(yyjson_val *v)
    size_t yyjson_obj_size(yyjson_val *v)
    bint yyjson_obj_iter_init(yyjson_val *obj, yyjson_obj_iter *it)
    yyjson_val *yyjson_obj_iter_next(yyjson_obj_iter *it)
    yyjson_val *yyjson_obj_iter_get_val(yyjson_val *key)
    bint yyjson_arr_iter_init(yyjson_val *arr, yyjson_arr_iter *it)
    yyjson_val *yyjson_arr_iter_next(yyjson_arr_iter *it)


cdef extern from "_native.h" nogil:
    ctypedef struct dpv_set:
        Py_ssize_t count
        const char **text
        size_t *len
    yyjson_val *dpv_last(yyjson_val *obj, const char *name, size_t n)
    void dpv_last2(yyjson_val *obj, const char *a, size_t an, yyjson_val **va,
                   const char *b, size_t bn, yyjson_val **vb)
    bint dpv_key_is(yyjson_val *key, const char *name, size_t n)
    size_t dpv_utf8_len(const char *s, size_t n)
    bint dpv_is_ascii(const char *s, size_t n)
    bint dpv_too_deep(const char *s, size_t n, int limit)
    bint dpv_has_duplicates(yyjson_val *obj)
    int dpv_set_init(dpv_set *set, Py_ssize_t count, const char **text, const size_t *len)
    void dpv_set_clear(dpv_set *set)
    Py_ssize_t dpv_set_find(const dpv_set *set, const char *s, size_t n)
    uint64_t dpv_hash(const char *s, size_t n)
    bint dpv_eq(const char *a, const char *b, size_t n)


YYJSON_VERSION = (<bytes>YYJSON_VERSION_STRING).decode()

cdef enum:
    # orjson refuses texts nested deeper than this (and the kernel then decodes them another way):
    # such lines take the whole-line path, so they get whatever the kernel's decoder makes of them.
    MAX_DEPTH = 1024
    # Match keys longer than this are built in Python (by the kernel's exact path) instead.
    KEY_BUFFER = 512
    # Objects checked against at most this many names keep their members on the C stack.
    STACK_NAMES = 32
    # Member positions remembered per object check (see DomCheck.hints).
    HINTS = 24

cdef int T_NULL = fastcheck.NULL, T_BOOLEAN = fastcheck.BOOLEAN
cdef int T_INTEGRAL = fastcheck.INTEGRAL, T_FRACTION = fastcheck.FRACTION
cdef int T_STRING = fastcheck.STRING, T_ARRAY = fastcheck.ARRAY, T_OBJECT = fastcheck.OBJECT
cdef uint64_t SAFE_UNSIGNED = 9007199254740992ULL  # 2**53: beyond it JavaScript rounds integers
cdef int64_t SAFE_SIGNED = 9007199254740992LL

cdef bytes VALID_LINE = b'{"results":[],"batch":{}}'
cdef bytes RESULTS_HEAD = b'{"results":['
cdef bytes RESULTS_TAIL = b'],"batch":{}}'
cdef const char *EMPTY_TEXT = b""

# DomCheck modes
cdef enum:
    M_ALWAYS = 0  # every value is valid
    M_NEVER = 1   # no value is proven valid (a `false` schema)
    M_EXACT = 2   # a subschema FastNode does not model: the collector's verdict on the converted value
    M_CHECK = 3   # the FastNode's own tests

# per-name flags of an object check
cdef enum:
    F_LISTED = 1    # in the property set: never "additional"
    F_REQUIRED = 2


cdef Py_ssize_t _count(object limit):
    """A length/count limit as a C size (-1: none); the meta-schema lets `2.0` stand for 2."""
    if limit is None:
        return -1
    if limit == float("inf"):  # a plan's 1e400, where its decoder reads JSON.parse's Infinity
        return 2**62
    return min(<object>int(limit), 2**62)


cdef class _ByteSet:
    """A set of UTF-8 byte strings with their indices, searched in C (names, enum values, keys)."""

    cdef dpv_set table
    cdef list keep  # the bytes objects the table points into

    def __cinit__(self):
        self.keep = []

    def __init__(self, strings):
        cdef Py_ssize_t count, index
        cdef const char **text
        cdef size_t *lengths
        self.keep = list(strings)
        count = len(self.keep)
        text = <const char **>malloc(sizeof(char *) * (count + 1))
        lengths = <size_t *>malloc(sizeof(size_t) * (count + 1))
        if text == NULL or lengths == NULL:
            free(text)
            free(lengths)
            raise MemoryError()
        try:
            for index in range(count):
                text[index] = PyBytes_AS_STRING(self.keep[index])
                lengths[index] = <size_t>PyBytes_GET_SIZE(self.keep[index])
            if dpv_set_init(&self.table, count, text, lengths) < 0:
                raise MemoryError()
        finally:
            free(text)
            free(lengths)

    def __dealloc__(self):
        dpv_set_clear(&self.table)

    cdef inline Py_ssize_t find(self, const char *s, size_t n) noexcept:
        return dpv_set_find(&self.table, s, n)


cdef Py_ssize_t _ascii_max(object limit):
    """The longest ASCII string a raw search may be given (no limit when FastNode names none)."""
    if limit is None:
        return PY_SSIZE_T_MAX
    return min(<object>int(limit), PY_SSIZE_T_MAX)


cdef inline object _utf8(str text):
    """A plan string as yyjson would hold it; None when no JSON text can produce it (a lone surrogate)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


cdef class _Automaton:
    """An asciidfa.AsciiDFA with its tables as C pointers: search() is one look-up per byte."""

    cdef object dfa  # keeps the tables alive
    cdef const uint8_t *classes
    cdef const uint16_t *table
    cdef const uint8_t *accept
    cdef const uint8_t *dead
    cdef size_t stride, end

    def __init__(self, dfa):
        self.dfa = dfa
        self.classes = <const uint8_t *>PyBytes_AS_STRING(dfa.classes)
        self.table = <const uint16_t *>PyBytes_AS_STRING(dfa.table)
        self.accept = <const uint8_t *>PyBytes_AS_STRING(dfa.accept)
        self.dead = <const uint8_t *>PyBytes_AS_STRING(dfa.dead)
        self.stride = dfa.stride
        self.end = dfa.end

    cdef bint search(self, const char *s, size_t n) noexcept:
        """Whether the ASCII text s[:n] holds a match."""
        cdef size_t i, state = 0
        for i in range(n):
            if self.accept[state]:
                return True
            if self.dead[state]:
                return False
            state = self.table[state * self.stride + self.classes[<uint8_t>s[i] & 0x7F]]
        if self.accept[state]:
            return True
        return self.accept[self.table[state * self.stride + self.end]] != 0


NO_AUTOMATON = object()  # the search has no automaton: the Python callable answers
_AUTOMATA = {}  # (pattern, flags) -> _Automaton or NO_AUTOMATON, shared by every plan


cdef object _automaton(object search):
    """The automaton of a compiled `re` pattern's bound search method, or NO_AUTOMATON."""
    pattern = getattr(search, "__self__", None)
    if type(pattern) is not re.Pattern:
        return NO_AUTOMATON
    key = (pattern.pattern, pattern.flags)
    found = _AUTOMATA.get(key)
    if found is None:
        dfa = compile_search(pattern)
        found = _AUTOMATA[key] = NO_AUTOMATON if dfa is None else _Automaton(dfa)
    return found


def automaton_search(search, text):
    """What the front end answers for `search(text) is not None` on an ASCII text (for tests);
    None when the search has no automaton."""
    cdef bytes data = text.encode("ascii")
    found = _automaton(search)
    if found is NO_AUTOMATON:
        return None
    return (<_Automaton>found).search(PyBytes_AS_STRING(data), <size_t>PyBytes_GET_SIZE(data))


cdef class DomCheck:
    """A FastNode interpreted over yyjson values: check() is 1 when the value is certainly valid."""

    cdef int mode
    cdef object exact
    cdef int type_bits
    cdef bint has_minimum, minimum_exclusive, has_maximum, maximum_exclusive
    cdef double minimum, maximum
    cdef Py_ssize_t min_length, max_length, min_items, max_items, min_props, max_props
    cdef object pattern, pattern_ascii, format_check, format_ascii
    cdef object pattern_automaton, format_automaton  # _Automaton, NO_AUTOMATON, or None (no search)
    cdef Py_ssize_t pattern_ascii_max, format_ascii_max
    cdef _ByteSet enum_values  # None: no enum / const
    cdef DomCheck items, additional
    cdef _ByteSet names        # every name the object tests mention
    cdef tuple subs            # per name: DomCheck or None
    cdef bytes flags           # per name: F_LISTED | F_REQUIRED
    cdef bint additional_false, has_string_rules, needs_text, has_array_rules, has_object_rules
    cdef bint counts_members
    # hints[i]: the name found at member position i last time. Objects of one kind mostly list
    # their members in the same order, so one comparison usually finds the name (a hint is only
    # a guess, checked every time: a wrong or racing one costs a lookup, never a wrong answer).
    cdef Py_ssize_t hints[HINTS]

    def __cinit__(self):
        cdef int i
        for i in range(HINTS):
            self.hints[i] = -1

    def __init__(self, fast):
        """From a FastNode; None (a node that accepts everything) gives an always-valid check."""
        if fast is None:
            self.mode = M_ALWAYS
            return
        if fast.never:
            self.mode = M_NEVER
            return
        if fast.exact is not None:
            self.mode = M_EXACT
            self.exact = fast.exact
            return
        self.mode = M_CHECK
        self.type_bits = fast.type_bits
        self.has_minimum = fast.minimum is not None
        self.minimum = fast.minimum if self.has_minimum else 0.0
        self.minimum_exclusive = fast.minimum_exclusive
        self.has_maximum = fast.maximum is not None
        self.maximum = fast.maximum if self.has_maximum else 0.0
        self.maximum_exclusive = fast.maximum_exclusive
        self.min_length = _count(fast.min_length)
        self.max_length = _count(fast.max_length)
        self.pattern = fast.pattern
        self.pattern_ascii = fast.pattern_ascii
        self.format_check = fast.format_check
        self.format_ascii = fast.format_ascii
        # The raw searches serve ASCII strings up to a length, where FastNode says so (a regex time
        # bound: longer values take `pattern` / `format_check`, which watch the clock).
        self.pattern_ascii_max = _ascii_max(getattr(fast, "pattern_ascii_max", None))
        self.format_ascii_max = _ascii_max(getattr(fast, "format_ascii_max", None))
        # Built now, with the plan, so that validation never waits for one (shared by every plan).
        self.pattern_automaton = None if fast.pattern_ascii is None else _automaton(fast.pattern_ascii)
        self.format_automaton = None if fast.format_ascii is None else _automaton(fast.format_ascii)
        if fast.string_enum is not None:
            # An enum value no JSON text can spell (a lone surrogate) can never match: leave it out.
            self.enum_values = _ByteSet([b for b in map(_utf8, fast.string_enum) if b is not None])
        self.min_items = _count(fast.min_items)
        self.max_items = _count(fast.max_items)
        self.items = None if fast.items is None else DomCheck(fast.items)
        self.min_props = _count(fast.min_props)
        self.max_props = _count(fast.max_props)
        self.additional_false = fast.additional_false
        self.additional = None if fast.additional is None else DomCheck(fast.additional)
        self._names(fast)
        self.has_string_rules = (
            self.min_length >= 0 or self.max_length >= 0 or self.pattern is not None
            or self.format_check is not None
        )
        self.needs_text = self.pattern is not None or self.format_check is not None
        self.has_array_rules = self.min_items >= 0 or self.max_items >= 0 or self.items is not None
        self.counts_members = self.min_props >= 0 or self.max_props >= 0
        self.has_object_rules = (
            self.names.table.count > 0 or self.additional_false or self.additional is not None
            or self.counts_members
        )

    def _names(self, fast):
        index, subs, flags, names = {}, [], [], []

        def slot(name):
            if name not in index:
                index[name] = len(names)
                names.append(name)
                subs.append(None)
                flags.append(0)
            return index[name]

        for name, sub in fast.properties:
            subs[slot(name)] = DomCheck(sub)
        for name in fast.property_set:
            flags[slot(name)] |= F_LISTED
        for name in fast.required:
            flags[slot(name)] |= F_REQUIRED
        encoded = [_utf8(name) for name in names]
        if any(b is None for b in encoded):
            # A required name no JSON text can spell is never present; a listed one is never met.
            if any(b is None and flags[i] & F_REQUIRED for i, b in enumerate(encoded)):
                self.mode = M_NEVER
            keep = [i for i, b in enumerate(encoded) if b is not None]
            encoded = [encoded[i] for i in keep]
            subs = [subs[i] for i in keep]
            flags = [flags[i] for i in keep]
        self.names = _ByteSet(encoded)
        self.subs = tuple(subs)
        self.flags = bytes(flags)

    cdef int check(self, yyjson_val *v, bint stripped) except -1:
        """1 when v is certainly valid (nulls in objects count as absent where `stripped`), else 0."""
        cdef double number
        cdef uint64_t whole
        cdef int64_t signed
        cdef int bits = self.type_bits
        if self.mode != M_CHECK:
            if self.mode == M_ALWAYS:
                return 1
            if self.mode == M_NEVER:
                return 0
            return 1 if exact_check(self.exact, convert(v), stripped) else 0
        if yyjson_is_num(v):
            if yyjson_is_uint(v):
                whole = yyjson_get_uint(v)
                if whole > SAFE_UNSIGNED:
                    return 0  # the exact path compares as JavaScript doubles do
                number = <double>whole
            elif yyjson_is_sint(v):
                signed = yyjson_get_sint(v)
                if signed > SAFE_SIGNED or signed < -SAFE_SIGNED:
                    return 0
                number = <double>signed
            else:
                number = yyjson_get_real(v)
                if not isfinite(number):
                    return 0
            if bits:
                if not (bits & T_FRACTION) and (not (bits & T_INTEGRAL) or number != floor(number)):
                    return 0
            if self.has_minimum and (
                number <= self.minimum if self.minimum_exclusive else number < self.minimum
            ):
                return 0
            if self.has_maximum and (
                number >= self.maximum if self.maximum_exclusive else number > self.maximum
            ):
                return 0
            return 1 if self.enum_values is None else 0
        if yyjson_is_str(v):
            if bits and not (bits & T_STRING):
                return 0
            if self.enum_values is not None and self.enum_values.find(yyjson_get_str(v), yyjson_get_len(v)) < 0:
                return 0
            if not self.has_string_rules:
                return 1
            return self._string(v)
        if self.enum_values is not None:
            return 0
        if yyjson_is_obj(v):
            if bits and not (bits & T_OBJECT):
                return 0
            return 1 if not self.has_object_rules else self._object(v, stripped)
        if yyjson_is_arr(v):
            if bits and not (bits & T_ARRAY):
                return 0
            return 1 if not self.has_array_rules else self._array(v)
        if yyjson_is_null(v):
            return 1 if not bits or (bits & T_NULL) else 0
        if yyjson_is_bool(v):
            return 1 if not bits or (bits & T_BOOLEAN) else 0
        return 0

    cdef int _string(self, yyjson_val *v) except -1:
        cdef const char *s = yyjson_get_str(v)
        cdef size_t n = yyjson_get_len(v)
        cdef Py_ssize_t length
        cdef bint ascii
        cdef _Automaton automaton
        if self.min_length >= 0 or self.max_length >= 0:
            length = <Py_ssize_t>dpv_utf8_len(s, n)
            if self.min_length >= 0 and length < self.min_length:
                return 0
            if self.max_length >= 0 and length > self.max_length:
                return 0
        if not self.needs_text:
            return 1
        ascii = dpv_is_ascii(s, n)
        text = None
        # An ASCII string is searched by the automaton of the Python search the kernel would call
        # (asciidfa.py), when there is one; any other string by the kernel's own callables.
        if self.format_check is not None:
            if self.format_ascii is not None and ascii and <Py_ssize_t>n <= self.format_ascii_max:
                if self.format_automaton is not NO_AUTOMATON:
                    automaton = <_Automaton>self.format_automaton
                    if not automaton.search(s, n):
                        return 0
                else:
                    text = PyUnicode_DecodeUTF8(s, <Py_ssize_t>n, NULL)
                    if self.format_ascii(text) is None:
                        return 0
            else:
                text = PyUnicode_DecodeUTF8(s, <Py_ssize_t>n, NULL)
                if not self.format_check(text):
                    return 0
        if self.pattern is not None:
            if self.pattern_ascii is not None and ascii and <Py_ssize_t>n <= self.pattern_ascii_max:
                if self.pattern_automaton is not NO_AUTOMATON:
                    automaton = <_Automaton>self.pattern_automaton
                    if not automaton.search(s, n):
                        return 0
                else:
                    if text is None:
                        text = PyUnicode_DecodeUTF8(s, <Py_ssize_t>n, NULL)
                    if self.pattern_ascii(text) is None:
                        return 0
            else:
                if text is None:
                    text = PyUnicode_DecodeUTF8(s, <Py_ssize_t>n, NULL)
                if not self.pattern(text):
                    return 0
        return 1

    cdef int _array(self, yyjson_val *v) except -1:
        cdef Py_ssize_t size = <Py_ssize_t>yyjson_arr_size(v)
        cdef yyjson_arr_iter it
        cdef yyjson_val *item
        if self.min_items >= 0 and size < self.min_items:
            return 0
        if self.max_items >= 0 and size > self.max_items:
            return 0
        if self.items is not None:
            yyjson_arr_iter_init(v, &it)
            item = yyjson_arr_iter_next(&it)
            while item != NULL:
                # Inside arrays the reference keeps nulls: not stripped.
                if not self.items.check(item, False):
                    return 0
                item = yyjson_arr_iter_next(&it)
        return 1

    cdef int _object(self, yyjson_val *obj, bint stripped) except -1:
        cdef Py_ssize_t count = self.names.table.count, index
        cdef yyjson_val *small[STACK_NAMES]
        cdef yyjson_val **last = small
        cdef int verdict
        if count > STACK_NAMES:
            last = <yyjson_val **>malloc(sizeof(yyjson_val *) * count)
            if last == NULL:
                raise MemoryError()
        try:
            for index in range(count):
                last[index] = NULL
            verdict = self._members(obj, stripped, last)
        finally:
            if last != small:
                free(last)
        return verdict

    cdef int _members(self, yyjson_val *obj, bint stripped, yyjson_val **last) except -1:
        cdef yyjson_obj_iter it
        cdef yyjson_val *key
        cdef yyjson_val *member
        cdef const char *name
        cdef size_t length
        cdef Py_ssize_t index, count = self.names.table.count, members = 0, position = 0, hint
        cdef const uint8_t *flags = <const uint8_t *>PyBytes_AS_STRING(self.flags)
        cdef const char **texts = self.names.table.text
        cdef const size_t *lengths = self.names.table.len
        cdef PyObject *sub
        yyjson_obj_iter_init(obj, &it)
        key = yyjson_obj_iter_next(&it)
        while key != NULL:
            member = yyjson_obj_iter_get_val(key)
            name = yyjson_get_str(key)
            length = yyjson_get_len(key)
            if stripped and length == 9 and dpv_key_is(key, b"__proto__", 9):
                return 0  # null stripping drops this key (it sets a prototype): the collector decides
            index = -1
            if position < HINTS:
                hint = self.hints[position]
                if hint >= 0 and lengths[hint] == length and dpv_eq(texts[hint], name, length):
                    index = hint
                else:
                    index = self.names.find(name, length)
                    if index >= 0:
                        self.hints[position] = index
            else:
                index = self.names.find(name, length)
            position += 1
            if index >= 0:
                last[index] = member  # the last duplicate is the one Python and JavaScript keep
                if flags[index] & F_LISTED:
                    key = yyjson_obj_iter_next(&it)
                    continue
            if not (stripped and yyjson_is_null(member)):
                # An additional member. A duplicate key is tested at every occurrence, not only at
                # the last one: that can only turn "valid" into "not proven".
                if self.additional_false:
                    return 0
                if self.additional is not None and not self.additional.check(member, stripped):
                    return 0
            key = yyjson_obj_iter_next(&it)
        for index in range(count):
            member = last[index]
            if member == NULL or (stripped and yyjson_is_null(member)):
                if flags[index] & F_REQUIRED:
                    return 0
                continue
            sub = PyTuple_GET_ITEM(self.subs, index)
            if <object>sub is not None and not (<DomCheck>sub).check(member, stripped):
                return 0
        if self.counts_members:
            if yyjson_obj_size(obj) > 1 and dpv_has_duplicates(obj):
                return 0  # the member count of the Python dict would differ: not proven
            if stripped:
                yyjson_obj_iter_init(obj, &it)
                key = yyjson_obj_iter_next(&it)
                while key != NULL:
                    if not yyjson_is_null(yyjson_obj_iter_get_val(key)):
                        members += 1
                    key = yyjson_obj_iter_next(&it)
            else:
                members = <Py_ssize_t>yyjson_obj_size(obj)
            if self.min_props >= 0 and members < self.min_props:
                return 0
            if self.max_props >= 0 and members > self.max_props:
                return 0
        return 1


include "_native_errors.pxi"


class _Unsure(Exception):
    """Raised inside the DOM path when only the whole-line path can answer (never escapes)."""


# Member names recur in every event: convert() builds each one's str once and keeps it here, as
# orjson does (a str made once also keeps its hash). A bounded table, filled until it is full.
cdef enum:
    KEY_SLOTS = 4096  # a power of two
    KEY_MAX = 48      # longer names are decoded every time
    KEY_PROBES = 4

cdef struct _KeySlot:
    uint64_t hash
    size_t length
    PyObject *text  # a new reference, kept for the life of the process
    char data[KEY_MAX]

cdef _KeySlot *_key_slots = <_KeySlot *>calloc(KEY_SLOTS, sizeof(_KeySlot))


cdef object _key_text(const char *s, size_t n):
    """The str of a member name (valid UTF-8), from the table when it is there."""
    cdef uint64_t h
    cdef size_t slot, probe
    cdef _KeySlot *entry
    if n > KEY_MAX or _key_slots == NULL:
        return PyUnicode_DecodeUTF8(s, <Py_ssize_t>n, NULL)
    h = dpv_hash(s, n)
    slot = <size_t>h
    for probe in range(KEY_PROBES):
        entry = &_key_slots[(slot + probe) & (KEY_SLOTS - 1)]
        if entry.text == NULL:
            text = PyUnicode_DecodeUTF8(s, <Py_ssize_t>n, NULL)
            Py_INCREF(text)
            entry.text = <PyObject *>text
            entry.hash = h
            entry.length = n
            memcpy(entry.data, s, n)
            return text
        if entry.hash == h and entry.length == n and dpv_eq(entry.data, s, n):
            return <object>entry.text
    return PyUnicode_DecodeUTF8(s, <Py_ssize_t>n, NULL)


cdef object convert(yyjson_val *v):
    """The Python value orjson.loads builds for a yyjson value (orjson parses with yyjson too)."""
    cdef yyjson_obj_iter oit
    cdef yyjson_arr_iter ait
    cdef yyjson_val *key
    cdef yyjson_val *item
    cdef dict mapping
    cdef list items
    if yyjson_is_str(v):
        return PyUnicode_DecodeUTF8(yyjson_get_str(v), <Py_ssize_t>yyjson_get_len(v), NULL)
    if yyjson_is_obj(v):
        mapping = {}
        yyjson_obj_iter_init(v, &oit)
        key = yyjson_obj_iter_next(&oit)
        while key != NULL:
            # A repeated key keeps its first position and its last value, as in orjson and JSON.parse.
            mapping[_key_text(yyjson_get_str(key), yyjson_get_len(key))] = convert(yyjson_obj_iter_get_val(key))
            key = yyjson_obj_iter_next(&oit)
        return mapping
    if yyjson_is_arr(v):
        items = []
        yyjson_arr_iter_init(v, &ait)
        item = yyjson_arr_iter_next(&ait)
        while item != NULL:
            items.append(convert(item))
            item = yyjson_arr_iter_next(&ait)
        return items
    if yyjson_is_uint(v):
        return PyLong_FromUnsignedLongLong(yyjson_get_uint(v))
    if yyjson_is_sint(v):
        return PyLong_FromLongLong(yyjson_get_sint(v))
    if yyjson_is_real(v):
        return PyFloat_FromDouble(yyjson_get_real(v))
    if yyjson_is_true(v):
        return True
    if yyjson_is_false(v):
        return False
    if yyjson_is_null(v):
        return None
    raise _Unsure()  # a raw number: only with read flags this module never uses


cdef inline str _text(yyjson_val *v):
    return PyUnicode_DecodeUTF8(yyjson_get_str(v), <Py_ssize_t>yyjson_get_len(v), NULL)


cdef inline size_t _put(char *buffer, size_t at, const char *s, size_t n) noexcept:
    """Append n bytes at `at` when they fit in KEY_BUFFER; returns the new end, or KEY_BUFFER + 1."""
    if at > KEY_BUFFER or n > KEY_BUFFER - at:
        return KEY_BUFFER + 1
    memcpy(buffer + at, s, n)
    return at + n


cdef inline size_t _put_value(char *buffer, size_t at, yyjson_val *v) noexcept:
    return _put(buffer, at, yyjson_get_str(v), yyjson_get_len(v))


cdef object _root(object fast):
    """The DomCheck of a point's root FastNode (None: it models no root test, ask the exact path)."""
    if fast is not None and fast.exact is not None:
        return None
    return DomCheck(fast)


UNWRITTEN = object()  # Front._written: the exact path must write this result

# What the exact path needs for an event, when C does not prove it valid
cdef enum:
    E_CONVERT = 0    # unknown to C: the kernel's event_result on the converted event
    E_POINT = 1      # a planned event: the kernel's result for that point and the converted event
    E_UNPLANNED = 2  # a match key the plan lacks (custom events, screen views: names only needed)


cdef class Front:
    """The native front end of one CompiledPlan: `validate_line(bytes) -> bytes` as the kernel's.

    Built by the compiled kernel's `prepare` with the kernel functions that make its exact path:
    event_result(plan, event), point_result(plan, point, value), user_attributes_result(plan,
    batch) and whole_line(plan, line), which answers every line the DOM path does not (including
    batches that fail: BatchFailure), and fast_nodes: id(point) -> the FastNode the kernel built for
    each checked point, which the DOM checks are made from. Counters tell how much work took that path.
    """

    cdef object plan, event_result, point_result, user_attributes_result, whole_line, unplanned_result
    cdef object route       # a router's: batch routing fields (dict) -> the Front of the plan version, or None
    cdef _ByteSet keys
    cdef tuple key_points   # per key: the DataPoint
    cdef tuple key_checks   # per key: its DomCheck, or None when only the exact path can tell
    cdef tuple key_errors   # per key: (DomErrors, the result's head) or None: the exact path writes its errors
    cdef int ua_mode        # 0 skip, 1 the invalid-schema result, 2 validate
    cdef object ua_point
    cdef DomCheck ua_check
    cdef tuple ua_errors
    cdef yyjson_alc *alc
    cdef readonly long long lines, events, exact_events, exact_attributes, exact_lines, written_events

    def __cinit__(self):
        self.alc = yyjson_alc_dyn_new()
        if self.alc == NULL:
            raise MemoryError()

    def __dealloc__(self):
        if self.alc != NULL:
            yyjson_alc_dyn_free(self.alc)

    def __init__(self, plan, *, event_result, point_result, user_attributes_result, whole_line, fast_nodes):
        from validator.results import unplanned_result

        self.plan = plan
        self.event_result = event_result
        self.point_result = point_result
        self.user_attributes_result = user_attributes_result
        self.whole_line = whole_line
        self.unplanned_result = unplanned_result
        checked = {id(point) for point in checked_points(plan)}
        checks = {}  # id(point) -> (DomCheck or None, its errors or None), however many keys share it
        names, points, verdicts, writers = [], [], [], []
        for key, point in plan.lookup.items():
            encoded = _utf8(key)
            if encoded is None:
                continue  # no event's key can be a lone surrogate: C never finds it, Python does
            if id(point) not in checks:
                checks[id(point)] = (
                    (_root(fast_nodes[id(point)]), self._errors(point)) if id(point) in checked else (None, None)
                )
            names.append(encoded)
            points.append(point)
            verdicts.append(checks[id(point)][0])
            writers.append(checks[id(point)][1])
        self.keys = _ByteSet(names)
        self.key_points = tuple(points)
        self.key_checks = tuple(verdicts)
        self.key_errors = tuple(writers)
        self.ua_mode = {"skip": 0, "invalid": 1, "validate": 2}[plan.ua_mode]
        self.ua_point = plan.ua_point
        if self.ua_mode == 2 and plan.ua_point is not None and id(plan.ua_point) in checked:
            self.ua_check = _root(fast_nodes[id(plan.ua_point)])
            self.ua_errors = self._errors(plan.ua_point)

    @staticmethod
    def routed(route, whole_line):
        """A front end for several plan versions: each line's routing fields, read in C, pick the Front
        that checks it.

        route(fields) gets a dict with the batch's `context` and `environment` members (as decoded
        Python values; absent members absent) and answers the Front of the plan version the batch
        routes to, or None when that version has none; it raises BatchFailure where routing fails.
        whole_line(None, line) answers the lines no Front can (validate_line's fallback).
        """
        cdef Front front = Front.__new__(Front)
        front.route = route
        front.whole_line = whole_line
        return front

    cdef Front _routed(self, yyjson_doc *doc, const char *text, size_t length):
        """The Front this batch routes to; None when no Front can tell (the caller's path then decides)."""
        cdef yyjson_val *root = yyjson_doc_get_root(doc)
        cdef yyjson_val *found
        if not yyjson_is_obj(root):
            return None
        if yyjson_doc_get_val_count(doc) > MAX_DEPTH and dpv_too_deep(text, length, MAX_DEPTH):
            return None
        fields = {}
        found = dpv_last(root, b"context", 7)
        if found != NULL:
            fields["context"] = convert(found)
        found = dpv_last(root, b"environment", 11)
        if found != NULL:
            fields["environment"] = convert(found)
        target = self.route(fields)
        if target is None:
            return None
        return <Front?>target

    @staticmethod
    def _errors(point):
        """(DomErrors, the head of its result text) for a point whose errors C can write, else None."""
        if point.native is None or point.node is None:
            return None  # lenient plans, and points the kernel never walks natively
        head = (RESULT_PREFIX + '"match":' + point.match_json + ',"validation_errors":[').encode()
        return DomErrors(point.node), head

    cdef object _written(self, tuple errors, yyjson_val *value):
        """The result of `value` written by its DomErrors walk: its text, None when it is valid after
        all, or UNWRITTEN when the exact path must write it."""
        cdef DomErrors walk = <DomErrors>errors[0]
        cdef bytes head = <bytes>errors[1]
        cdef _Place root
        cdef _Text text  # per call: pattern and format tests may let another thread in meanwhile
        cdef size_t start = <size_t>PyBytes_GET_SIZE(head)
        root.parent = NULL
        root.segment = NULL
        text.data = NULL
        text.size = text.cap = 0
        try:
            _write_bytes(&text, head)
            try:
                if walk.collect(value, &root, True, &text) < 0:
                    return UNWRITTEN
            except Exception:
                return UNWRITTEN  # a regex time limit, say: the exact path raises it where it belongs
            if text.size == start:
                return None
            # Each error began with a comma: the first one's goes.
            memmove(text.data + start, text.data + start + 1, text.size - start - 1)
            text.size -= 1
            _write(&text, b"]}}", 3)
            self.written_events += 1
            return PyUnicode_DecodeUTF8(text.data, <Py_ssize_t>text.size, NULL)
        finally:
            free(text.data)

    def stats(self):
        """Counts so far: lines, events seen in C, what went to the exact path (Python objects), and
        the events and user attributes that failed and whose errors C wrote (`written_events`)."""
        return {
            "lines": self.lines,
            "events": self.events,
            "exact_events": self.exact_events,
            "exact_attributes": self.exact_attributes,
            "exact_lines": self.exact_lines,
            "written_events": self.written_events,
        }

    # -- entry points -------------------------------------------------------------------------------

    def validate_line(self, line):
        """One NDJSON batch line in, one result line out (no newline): the kernel's validate_line."""
        cdef int events = 0
        if type(line) is not bytes:
            self.exact_lines += 1
            return self.whole_line(self.plan, line)
        result = self._line(PyBytes_AS_STRING(line), <size_t>PyBytes_GET_SIZE(line), &events, False)
        if result is None:
            self.exact_lines += 1
            return self.whole_line(self.plan, line)
        return result

    def check_line(self, line):
        """(result line, number of events) for a line holding a batch object, as
        PlanValidator.check_line gives; None when the caller's own path must answer."""
        cdef int events = 0
        if type(line) is not bytes:
            return None
        result = self._line(PyBytes_AS_STRING(line), <size_t>PyBytes_GET_SIZE(line), &events, True)
        if result is None:
            self.exact_lines += 1
            return None
        return result, events

    def validate_block(self, block, deep=None, blank=None):
        """The result lines of a block of whole NDJSON lines, each followed by b"\\n".

        Lines are split in C as the NDJSON reader splits them: on b"\\n", a b"\\r" before it
        dropped, whitespace-only lines skipped (the block's last line needs no newline). One
        result per other line, in order; b"" when there is none. `deep(line)` answers a line whose
        validation recursed too deep for this stack (PlanValidator.validate_line retries on a deep
        one); without it RecursionError propagates. `blank(line)`, when given, is the reader's own
        test for lines it skips beyond ASCII white space (asked only of lines that do not parse).
        """
        cdef list out = self._block(block, deep, False, blank)
        if not out:
            return b""
        out.append(b"")
        return b"\n".join(out)

    def check_block(self, block, check_line, blank=None):
        """(index, result line, events) for each non-blank line of a block of whole NDJSON lines, as
        PlanValidator.check_line answers it; index counts every line of the block from 0.

        Lines are split as validate_block splits them. `check_line(line)` (PlanValidator.check_line)
        answers the lines this front end leaves to it (not a batch object, ...) and those whose
        validation recursed too deep for this stack; `blank` is as for validate_block.
        """
        return self._block(block, check_line, True, blank)

    def check_lines(self, lines, check_line, blank=None, bint every=False, bint rows=False):
        """A reader's block of NDJSON lines, checked as check_line checks each: (results, valid, events,
        others).

        lines: a list of lines as the NDJSON reader cuts them (without b"\\n"), or the bytes of whole
        lines joined by b"\\n" (split here, in C). A b"\\r" at the end of a line is dropped and
        white-space-only lines are skipped, as for validate_block; `blank` is as there. results: the
        result line of every other line, in order; valid: how many of them are the valid result;
        events: the sum of their event counts (unreadable batches count none); others: (ordinal in
        results, index of the line, result, events, the line) for each result that is not the valid
        one, or for every result when `every`. check_line(line) answers the lines this front end
        leaves to it (not a batch object, too deep for this stack, ...), as PlanValidator.check_line.
        rows: a list of values (a Parquet column's rows), each answered as it is: no b"\\r" dropped,
        none skipped as blank. `lines` may also be BinaryRows (always rows), read from Arrow's buffers.
        """
        cdef long long counts[2]  # valid results, events
        cdef list results = []
        cdef list others = []
        cdef Py_ssize_t index, count
        cdef const char *start
        cdef const char *end
        cdef const char *newline
        counts[0] = counts[1] = 0
        if type(lines) is bytes:
            start = PyBytes_AS_STRING(lines)
            end = start + PyBytes_GET_SIZE(lines)
            index = 0
            while start < end:
                newline = <const char *>memchr(start, 10, <size_t>(end - start))
                if newline == NULL:
                    newline = end
                self._scan_line(results, others, counts, None, start, <Py_ssize_t>(newline - start), index,
                                check_line, blank, every, rows)
                start = newline + 1
                index += 1
        elif type(lines) is list:
            count = PyList_GET_SIZE(lines)
            for index in range(count):
                line = <object>PyList_GET_ITEM(lines, index)
                if type(line) is not bytes:
                    raise TypeError("lines are bytes")
                self._scan_line(results, others, counts, line, PyBytes_AS_STRING(line), PyBytes_GET_SIZE(line),
                                index, check_line, blank, every, rows)
        else:
            # Imported here: the readers import this module (for `newlines`), so it cannot import them.
            from validator.readers.records import BinaryRows

            if type(lines) is not BinaryRows:
                raise TypeError("lines are a list of bytes, bytes, or BinaryRows")
            self._scan_rows(results, others, counts, lines, check_line, blank, every)
        return results, counts[0], counts[1], others

    cdef int _scan_rows(self, list results, list others, long long *counts, object rows, object check_line,
                        object blank, bint every) except -1:
        """check_lines for the rows of an Arrow binary array, read from its buffers in place."""
        # memoryview(...).cast("B"): pyarrow's buffers say signed char, bytes unsigned: both read as bytes
        cdef const unsigned char[::1] data = memoryview(rows.data).cast("B")
        cdef const unsigned char[::1] raw_offsets = memoryview(rows.offsets).cast("B")
        cdef Py_ssize_t first = rows.first, count = rows.count, index
        cdef bint wide = rows.wide
        cdef Py_ssize_t width = 8 if wide else 4
        cdef const int32_t *narrow_at = <const int32_t *>&raw_offsets[0] if raw_offsets.shape[0] else NULL
        cdef const int64_t *wide_at = <const int64_t *>narrow_at
        cdef int64_t start, end, size = data.shape[0]
        cdef const char *base = NULL
        if size:
            base = <const char *>&data[0]
        if first < 0 or count < 0 or (first + count + 1) * width > raw_offsets.shape[0]:
            if count:
                raise ValueError("BinaryRows: offsets out of range")
        for index in range(count):
            if wide:
                start, end = wide_at[first + index], wide_at[first + index + 1]
            else:
                start, end = narrow_at[first + index], narrow_at[first + index + 1]
            if start < 0 or end < start or end > size:
                raise ValueError("BinaryRows: offsets out of range")
            # An empty row is answered like an empty line (no bytes to point at when all are empty).
            self._scan_line(results, others, counts, None, (base + start) if base != NULL else EMPTY_TEXT,
                            <Py_ssize_t>(end - start), index, check_line, blank, every, True)
        return 0

    cdef int _scan_line(self, list results, list others, long long *counts, object line, const char *start,
                        Py_ssize_t size, Py_ssize_t index, object check_line, object blank,
                        bint every, bint rows) except -1:
        """check_lines for one line (`line`: its bytes object when there is one, else None)."""
        cdef Py_ssize_t length = size
        cdef int events = 0
        cdef bint good
        if not rows:
            if length and start[length - 1] == 13:
                length -= 1
            if _blank(start, <size_t>length):
                return 0
        result = self._line(start, <size_t>length, &events, True)
        if result is None:
            if line is None or length != size:
                line = start[:length]
            if not rows and blank is not None and blank(line):
                return 0  # a line the reader also skips (JSON never parses it, so only asked here)
            self.exact_lines += 1
            result, found = check_line(line)
            events = found
        good = result is VALID_LINE or result == VALID_LINE
        if good:
            counts[0] += 1
        if events > 0:
            counts[1] += events
        if every or not good:
            if line is None or length != size:
                line = start[:length]
            others.append((len(results), index, result, events, line))
        results.append(result)
        return 0

    cdef list _block(self, object block, object fallback, bint checking, object blank):
        cdef const char *start
        cdef const char *end
        cdef const char *newline
        cdef size_t length
        cdef Py_ssize_t index = 0
        cdef int events = 0
        cdef list out = []
        if type(block) is not bytes:
            raise TypeError("a block is bytes")
        start = PyBytes_AS_STRING(block)
        end = start + PyBytes_GET_SIZE(block)
        while start < end:
            newline = <const char *>memchr(start, 10, <size_t>(end - start))
            if newline == NULL:
                newline = end
            length = <size_t>(newline - start)
            if length and start[length - 1] == 13:
                length -= 1
            if not _blank(start, length):
                events = 0
                result = self._line(start, length, &events, checking)
                if result is not None:
                    out.append((index, result, events) if checking else result)
                else:
                    line = start[:length]
                    if blank is not None and blank(line):
                        # a line the reader also skips (JSON never parses it, so only asked here)
                        start = newline + 1
                        index += 1
                        continue
                    self.exact_lines += 1
                    if checking:
                        result, found = fallback(line)
                        out.append((index, result, found))
                    else:
                        try:
                            out.append(self.whole_line(self.plan, line))
                        except RecursionError:
                            if fallback is None:
                                raise
                            out.append(fallback(line))
            start = newline + 1
            index += 1
        return out

    # -- one line -----------------------------------------------------------------------------------

    cdef object _line(self, const char *text, size_t length, int *events, bint checking):
        """The result line, or None when only the whole-line path can answer; sets *events.

        `checking`: for check_line, which leaves a batch without an `events` array to the caller
        (its rules for those, such as refusing a data plan, stay in one place).
        """
        cdef yyjson_read_err error
        cdef yyjson_doc *doc
        self.lines += 1
        # yyjson only reads, never writes, the text (no in-situ flag): the cast drops const only.
        cdef Front target = self
        doc = yyjson_read_opts(<char *>text, length, 0, self.alc, &error)
        if doc == NULL:
            return None
        try:
            if self.route is not None:
                target = self._routed(doc, text, length)
                if target is None:
                    return None
            return target._batch(doc, text, length, events, checking)
        except (_Unsure, BatchFailure, RecursionError):
            # A batch that fails (the reference throws), or a stack too shallow: the whole-line path
            # words and locates the failure, so that its rules for those stay in one place.
            return None
        finally:
            yyjson_doc_free(doc)

    cdef object _batch(self, yyjson_doc *doc, const char *text, size_t length, int *events, bint checking):
        cdef yyjson_val *root = yyjson_doc_get_root(doc)
        cdef yyjson_val *found
        cdef yyjson_val *event
        cdef yyjson_arr_iter it
        cdef list results = None
        if not yyjson_is_obj(root):
            return None  # validate_line and check_line answer differently: the caller's path decides
        if yyjson_doc_get_val_count(doc) > MAX_DEPTH and dpv_too_deep(text, length, MAX_DEPTH):
            return None
        found = dpv_last(root, b"events", 6)
        if checking and (found == NULL or yyjson_is_null(found)):
            return None
        if found != NULL and not yyjson_is_null(found):
            if not yyjson_is_arr(found):
                return None  # the reference throws: the kernel words it
            events[0] = <int>yyjson_arr_size(found)
            yyjson_arr_iter_init(found, &it)
            event = yyjson_arr_iter_next(&it)
            while event != NULL:
                self.events += 1
                if yyjson_is_obj(event):
                    result = self._event(event)
                    if result is not None:
                        if results is None:
                            results = []
                        results.append(result)
                elif yyjson_is_null(event):
                    return None  # the reference throws reading its event_type: the kernel words it
                else:
                    if results is None:
                        results = []
                    results.append(UNPLANNABLE_RESULT)
                event = yyjson_arr_iter_next(&it)
        if self.ua_mode == 1:
            if results is None:
                results = []
            results.append(INVALID_UA_SCHEMA_RESULT)
        elif self.ua_mode == 2:
            found = dpv_last(root, b"user_attributes", 15)
            if not (found != NULL and yyjson_is_obj(found) and self.ua_check is not None
                    and self.ua_check.check(found, True)):
                result = UNWRITTEN
                if found != NULL and yyjson_is_obj(found) and self.ua_errors is not None:
                    result = self._written(self.ua_errors, found)
                if result is UNWRITTEN:
                    self.exact_attributes += 1
                    batch = {} if found == NULL else {"user_attributes": convert(found)}
                    result = self.user_attributes_result(self.plan, batch)
                if result is not None:
                    if results is None:
                        results = []
                    results.append(result)
        if results is None:
            return VALID_LINE
        return RESULTS_HEAD + ",".join(results).encode() + RESULTS_TAIL

    cdef object _event(self, yyjson_val *event):
        """The serialized result of one event object, or None when it is valid."""
        cdef char key[KEY_BUFFER]
        cdef size_t size = 0
        cdef Py_ssize_t index
        cdef int how = E_CONVERT
        cdef yyjson_val *kind
        cdef yyjson_val *name
        cdef PyObject *check
        size = self._match_key(event, key, &kind, &name)
        if size <= KEY_BUFFER:
            index = self.keys.find(key, size)
            if index >= 0:
                check = PyTuple_GET_ITEM(self.key_checks, index)
                if <object>check is not None and (<DomCheck>check).check(event, True):
                    return None
                how = E_POINT
            elif name != NULL:
                how = E_UNPLANNED
        if how == E_POINT:
            errors = PyTuple_GET_ITEM(self.key_errors, index)
            if <object>errors is not None:
                result = self._written(<tuple>errors, event)
                if result is not UNWRITTEN:
                    return result
        self.exact_events += 1
        if how == E_POINT:
            return self.point_result(self.plan, <object>PyTuple_GET_ITEM(self.key_points, index), convert(event))
        if how == E_UNPLANNED:
            # The unplanned result of a custom event or screen view depends on its type and names
            # only (results.unplanned_result memoizes it by them): no need to convert the event.
            if kind != NULL:
                return self.unplanned_result(
                    {"event_type": "custom_event", "data": {"event_name": _text(name),
                                                            "custom_event_type": _text(kind)}}
                )
            return self.unplanned_result({"event_type": "screen_view", "data": {"screen_name": _text(name)}})
        return self.event_result(self.plan, convert(event))

    cdef size_t _match_key(self, yyjson_val *event, char *key, yyjson_val **kind, yyjson_val **name):
        """getMatchKey in C for the shapes whose key is certain, written into key; its length, or
        KEY_BUFFER + 1 when C cannot tell (the exact path then matches the converted event).
        *kind / *name are set for custom events (both) and screen views (name) whose names are strings."""
        cdef yyjson_val *event_type
        cdef yyjson_val *data
        cdef yyjson_val *first
        cdef yyjson_val *second
        cdef const char *s
        cdef size_t n, at
        kind[0] = NULL
        name[0] = NULL
        dpv_last2(event, b"event_type", 10, &event_type, b"data", 4, &data)
        if event_type == NULL or not yyjson_is_str(event_type):
            return KEY_BUFFER + 1
        s = yyjson_get_str(event_type)
        n = yyjson_get_len(event_type)
        if data == NULL or not yyjson_is_obj(data):
            # Only the simple types have a key without data; they do not read it.
            if _is_simple(s, n):
                return _put(key, 0, s, n)
            return KEY_BUFFER + 1
        if n == 12 and _same(s, b"custom_event", 12):
            dpv_last2(data, b"custom_event_type", 17, &first, b"event_name", 10, &second)
            if first == NULL or second == NULL or not yyjson_is_str(first) or not yyjson_is_str(second):
                return KEY_BUFFER + 1
            kind[0], name[0] = first, second
            at = _put(key, 0, b"custom_event:", 13)
            at = _put_value(key, at, first)
            at = _put(key, at, b":", 1)
            return _put_value(key, at, second)
        if n == 11 and _same(s, b"screen_view", 11):
            first = dpv_last(data, b"screen_name", 11)
            if first == NULL or not yyjson_is_str(first):
                return KEY_BUFFER + 1
            name[0] = first
            return _put_value(key, _put(key, 0, b"screen_view::", 13), first)
        if n == 14 and _same(s, b"commerce_event", 14):
            return _commerce_key(data, key)
        if n == 28 and _same(s, b"application_state_transition", 28):
            first = dpv_last(data, b"application_transition_type", 27)
            if first == NULL or not yyjson_is_str(first):
                return KEY_BUFFER + 1
            return _put_value(key, _put(key, 0, b"application_state_transition:", 29), first)
        if _is_simple(s, n):
            return _put(key, 0, s, n)
        return KEY_BUFFER + 1


cdef inline bint _same(const char *s, const char *literal, size_t n) noexcept:
    cdef size_t i
    for i in range(n):
        if s[i] != literal[i]:
            return False
    return True


# The event types whose match key is the type itself (matching.SIMPLE_EVENT_TYPES).
cdef _ByteSet SIMPLE_TYPES = _ByteSet(sorted(name.encode() for name in SIMPLE_EVENT_TYPES))


cdef inline bint _is_simple(const char *s, size_t n) noexcept:
    return SIMPLE_TYPES.find(s, n) >= 0


cdef size_t _commerce_key(yyjson_val *data, char *key) noexcept:
    """commerce_key for the certain shapes: product_action, else promotion_action, else impressions."""
    cdef yyjson_val *action = dpv_last(data, b"product_action", 14)
    cdef yyjson_val *name
    if action != NULL:
        if not yyjson_is_obj(action):
            return KEY_BUFFER + 1  # null, or truthy non-objects: matching.py words those
        name = dpv_last(action, b"action", 6)
        if name == NULL or not yyjson_is_str(name):
            return KEY_BUFFER + 1
        return _put_value(key, _put(key, 0, b"product_action:", 15), name)
    action = dpv_last(data, b"promotion_action", 16)
    if action != NULL:
        if not yyjson_is_obj(action):
            return KEY_BUFFER + 1
        name = dpv_last(action, b"action", 6)
        if name == NULL or not yyjson_is_str(name):
            return KEY_BUFFER + 1
        return _put_value(key, _put(key, 0, b"promotion_action:", 17), name)
    action = dpv_last(data, b"product_impressions", 19)
    if action != NULL and yyjson_is_arr(action):
        return _put(key, 0, b"product_impression", 18)  # any array is truthy
    return KEY_BUFFER + 1


cdef inline bint _blank(const char *s, size_t n) noexcept:
    """Empty or ASCII white space only (bytes.isspace), as the NDJSON reader skips."""
    cdef size_t i
    for i in range(n):
        if s[i] != 32 and not (9 <= s[i] <= 13):
            return False
    return True


def newlines(bytes data, Py_ssize_t begin=0, Py_ssize_t stop=-1):
    """data.count(b"\\n", begin, stop) (stop -1: the end), with memchr (bytes.count tests one byte at
    a time)."""
    cdef Py_ssize_t size = PyBytes_GET_SIZE(data)
    if stop < 0 or stop > size:
        stop = size
    if begin < 0:
        begin = 0
    if begin >= stop:
        return 0
    cdef const char *start = PyBytes_AS_STRING(data) + begin
    cdef const char *end = PyBytes_AS_STRING(data) + stop
    cdef Py_ssize_t count = 0
    while start < end:
        start = <const char *>memchr(start, 10, <size_t>(end - start))
        if start == NULL:
            break
        count += 1
        start += 1
    return count


def loads(text):
    """The Python value of a JSON text as this module reads it (for tests: must equal orjson.loads).

    Raises ValueError where yyjson refuses the text or it nests deeper than orjson allows.
    """
    cdef yyjson_read_err error
    cdef yyjson_doc *doc
    cdef bytes data = bytes(text)
    doc = yyjson_read_opts(PyBytes_AS_STRING(data), <size_t>PyBytes_GET_SIZE(data), 0, NULL, &error)
    if doc == NULL:
        raise ValueError((<bytes>error.msg).decode())
    try:
        if yyjson_doc_get_val_count(doc) > MAX_DEPTH and dpv_too_deep(
            PyBytes_AS_STRING(data), <size_t>PyBytes_GET_SIZE(data), MAX_DEPTH
        ):
            raise ValueError("nested too deep for the native path")
        return convert(yyjson_doc_get_root(doc))
    finally:
        yyjson_doc_free(doc)
