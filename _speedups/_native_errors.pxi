# Included by _native.pyx (a textual include: it shares that module's names, types and imports).

# -- validation errors written on the DOM -------------------------------------------------------------
# The kernel's ErrorWalker (_kernel_c.pyx), error for error, walking the yyjson value instead of the
# converted event, and writing each validation_error's JSON text (results.error_text) straight into
# a buffer. Wherever the text could depend on more than this walk sees (a path digin would follow
# differently, keys JavaScript orders otherwise, duplicate keys, numbers JavaScript would round, a
# value nested deeper than STRINGIFY_LEVELS, a subschema only the Python collector models, any
# exception) the walk answers UNSURE and the event takes the exact path, which stays the oracle.

cdef struct _Text:
    char *data
    size_t size
    size_t cap


cdef int _reserve(_Text *text, size_t extra) except -1:
    cdef size_t cap = text.cap if text.cap else 4096
    cdef char *grown
    while cap - text.size < extra:
        cap *= 2
    if cap != text.cap:
        grown = <char *>realloc(text.data, cap)
        if grown == NULL:
            raise MemoryError()
        text.data = grown
        text.cap = cap
    return 0


cdef inline int _write(_Text *text, const char *s, size_t n) except -1:
    if text.cap - text.size < n:
        _reserve(text, n)
    memcpy(text.data + text.size, s, n)
    text.size += n
    return 0


cdef inline int _write_bytes(_Text *text, bytes data) except -1:
    return _write(text, PyBytes_AS_STRING(data), <size_t>PyBytes_GET_SIZE(data))


cdef const char *_HEX = b"0123456789abcdef"
cdef const char *_SHORT_ESCAPES = b"btn?fr"  # \b \t \n (\v has none) \f \r


cdef int _write_escaped(_Text *text, const char *s, size_t n) except -1:
    """The inside of JSON.stringify's text of a string, from valid UTF-8 without lone surrogates
    (the only strings a strict yyjson read gives): quote, backslash and control characters escaped."""
    cdef size_t i, need = n
    cdef unsigned char c
    cdef char *out
    for i in range(n):  # the exact size first: a long value must not reserve six times its length
        c = <unsigned char>s[i]
        if c < 0x20:
            need += 1 if (c == 0x08 or c == 0x09 or c == 0x0A or c == 0x0C or c == 0x0D) else 5
        elif c == 0x22 or c == 0x5C:
            need += 1
    if text.cap - text.size < need:
        _reserve(text, need)
    out = text.data + text.size
    for i in range(n):
        c = <unsigned char>s[i]
        if c >= 0x20 and c != 0x22 and c != 0x5C:
            out[0] = <char>c
            out += 1
        elif c == 0x22 or c == 0x5C:
            out[0] = 92  # backslash
            out[1] = <char>c
            out += 2
        elif c == 0x08 or c == 0x09 or c == 0x0A or c == 0x0C or c == 0x0D:
            out[0] = 92
            out[1] = _SHORT_ESCAPES[c - 0x08]
            out += 2
        else:
            out[0] = 92
            out[1] = 117  # u
            out[2] = 48
            out[3] = 48
            out[4] = _HEX[c >> 4]
            out[5] = _HEX[c & 15]
            out += 6
    text.size = <size_t>(out - text.data)
    return 0


cdef extern from "Python.h":
    char *PyOS_double_to_string(double val, char format_code, int precision, int flags, int *ptype) except NULL
    void PyMem_Free(void *p)


cdef int _write_number(_Text *text, double value) except -1:
    """Number.prototype.toString of a finite double (jsvalue.format_number, in C): the shortest
    round-trip digits (Python's repr), laid out by ECMAScript's rules."""
    cdef char *shown
    cdef char *c
    cdef char digits[32]
    cdef char out[80]
    cdef int k = 0, at = 0, i, whole = 0, zeros_after_point = 0, exponent = 0, exp_sign = 1, n
    cdef bint in_fraction = False, significant = False
    if value == 0:
        return _write(text, b"0", 1)
    shown = PyOS_double_to_string(value, b"r", 0, 0, NULL)
    try:
        c = shown
        if c[0] == 45:  # '-'
            out[at] = 45
            at += 1
            c += 1
        while c[0] != 0 and c[0] != 101:  # digits and the point, up to 'e'
            if c[0] == 46:
                in_fraction = True
            elif significant or c[0] != 48:
                significant = True
                if k == 31:
                    raise RuntimeError(f"repr gave more digits than a double has: {value!r}")
                digits[k] = c[0]
                k += 1
                if not in_fraction:
                    whole += 1
            elif in_fraction:
                zeros_after_point += 1
            c += 1
        if c[0] == 101:
            c += 1
            if c[0] == 45:
                exp_sign = -1
                c += 1
            elif c[0] == 43:
                c += 1
            while c[0] != 0:
                exponent = exponent * 10 + (c[0] - 48)
                c += 1
    finally:
        PyMem_Free(shown)
    while k > 1 and digits[k - 1] == 48:
        k -= 1  # trailing zeros ("100.0" has the digit 1, the point 3 places on)
    # n: the decimal point's place after the first significant digit's (ECMAScript's n)
    n = (whole if whole else -zeros_after_point) + exponent * exp_sign
    if k <= n <= 21:
        memcpy(out + at, digits, k)
        at += k
        for i in range(n - k):
            out[at] = 48
            at += 1
    elif 0 < n <= 21:
        memcpy(out + at, digits, n)
        at += n
        out[at] = 46
        at += 1
        memcpy(out + at, digits + n, k - n)
        at += k - n
    elif -6 < n <= 0:
        out[at] = 48
        out[at + 1] = 46
        at += 2
        for i in range(-n):
            out[at] = 48
            at += 1
        memcpy(out + at, digits, k)
        at += k
    else:
        out[at] = digits[0]
        at += 1
        if k > 1:
            out[at] = 46
            at += 1
            memcpy(out + at, digits + 1, k - 1)
            at += k - 1
        at += snprintf(out + at, sizeof(out) - at, "e%c%d", 43 if n - 1 >= 0 else 45, abs(n - 1))
    return _write(text, out, <size_t>at)


def number_text(double value):
    """_write_number's text of a finite double (for tests: jsvalue.format_number's answer)."""
    cdef _Text text
    text.data = NULL
    text.size = text.cap = 0
    try:
        _write_number(&text, value)
        return PyUnicode_DecodeUTF8(text.data, <Py_ssize_t>text.size, NULL)
    finally:
        free(text.data)


cdef inline int _write_quoted(_Text *text, const char *s, size_t n) except -1:
    _write(text, b'"', 1)
    _write_escaped(text, s, n)
    return _write(text, b'"', 1)


cdef bytes _quoted(str text):
    """results.quote as UTF-8 bytes, for texts fixed when the plan compiles."""
    return quote(text).encode()


# Where a value sits: its path segment and its parent's place, a chain on the C stack.
cdef struct _Place:
    _Place *parent
    const char *segment  # NULL at the root
    size_t length
    bint plain           # the segment is the member's name as digin would look it up: non-empty, no ~ or /
    char index[24]       # an array item's segment, written here


cdef enum:
    # what a validation_error shows (results.error_text)
    K_INVALID = 0      # actual, key, "invalid_value", expected
    K_UNKNOWN = 1      # actual, key, "unknown", expected (false schemas, item and member counts)
    K_REQUIRED = 2     # key, "missing_required", expected: the name
    K_ADDITIONAL = 3   # actual and key: the name, "unplanned"
    UNSURE = -1        # collect(): only the exact path can write this event's errors
    PLACES = 64        # path segments a pointer may have (FAST_LEVELS bounds the walk below it)
    STRINGIFY_LEVELS = 32  # nesting of an actual value written here; deeper ones go to jsout


cdef int _error(_Text *text, _Place *place, int kind, yyjson_val *found, bytes keyword, bytes expected,
                const char *name, size_t name_length) except -2:
    """Append one validation_error, a comma before it (Front._written drops the first one); UNSURE
    when its text needs more than this walk knows."""
    cdef _Place *chain[PLACES]
    cdef Py_ssize_t count = 0, i
    cdef _Place *at = place
    cdef char digits[32]
    cdef int written
    while at != NULL and at.segment != NULL:
        if not at.plain or count == PLACES:
            return UNSURE  # digin would not find this value by the pointer's segments
        chain[count] = at
        count += 1
        at = at.parent
    if kind == K_INVALID or kind == K_UNKNOWN:
        if yyjson_is_uint(found) and yyjson_get_uint(found) > SAFE_UNSIGNED:
            return UNSURE  # JavaScript shows the double nearest: left to jsout
        if yyjson_is_sint(found) and not -SAFE_SIGNED <= yyjson_get_sint(found) <= SAFE_SIGNED:
            return UNSURE
    _write(text, b",{", 2)
    if kind == K_INVALID or kind == K_UNKNOWN:
        _write(text, b'"actual":', 9)
        if yyjson_is_obj(found) or yyjson_is_arr(found):
            if _write_stringified(text, found) < 0:
                return UNSURE
        elif yyjson_is_str(found):
            _write_quoted(text, yyjson_get_str(found), yyjson_get_len(found))
        elif yyjson_is_uint(found):
            written = snprintf(digits, sizeof(digits), "%llu", <unsigned long long>yyjson_get_uint(found))
            _write(text, digits, <size_t>written)
        elif yyjson_is_sint(found):
            written = snprintf(digits, sizeof(digits), "%lld", <long long>yyjson_get_sint(found))
            _write(text, digits, <size_t>written)
        elif yyjson_is_real(found):
            _write_number(text, yyjson_get_real(found))
        elif yyjson_is_true(found):
            _write(text, b'"true"', 6)
        elif yyjson_is_false(found):
            _write(text, b'"false"', 7)
        else:
            _write(text, b'"null"', 6)
        _write(text, b",", 1)
    elif kind == K_ADDITIONAL:
        _write(text, b'"actual":', 9)
        _write_quoted(text, name, name_length)
        _write(text, b",", 1)
    _write(text, b'"error_pointer":"#', 18)
    i = count - 1
    while i >= 0:
        _write(text, b"/", 1)
        _write_escaped(text, chain[i].segment, chain[i].length)
        i -= 1
    _write(text, b'","schema_keyword":', 19)
    _write_bytes(text, keyword)
    if kind == K_ADDITIONAL:
        _write(text, b',"key":', 7)
        _write_quoted(text, name, name_length)
    elif count:
        _write(text, b',"key":', 7)
        _write_quoted(text, chain[0].segment, chain[0].length)
    if kind == K_INVALID:
        _write(text, b',"validation_error_type":"invalid_value","expected":', 52)
        _write_bytes(text, expected)
    elif kind == K_UNKNOWN:
        _write(text, b',"validation_error_type":"unknown","expected":', 46)
        _write_bytes(text, expected)
    elif kind == K_REQUIRED:
        _write(text, b',"validation_error_type":"missing_required","expected":', 55)
        _write_bytes(text, expected)
    else:
        _write(text, b',"validation_error_type":"unplanned"', 36)
    _write(text, b"}", 1)
    return 0


cdef int _write_stringified(_Text *text, yyjson_val *value) except -2:
    """getActualValue of an object or array: its JSON.stringify text, as a JSON string; UNSURE where
    jsout must write it (repeated or array-index keys, which JavaScript orders otherwise, numbers it
    would round, deep nesting)."""
    cdef _Text json
    json.data = NULL
    json.size = json.cap = 0
    try:
        if _stringify(&json, value, 0) < 0:
            return UNSURE
        return _write_quoted(text, json.data, json.size)
    finally:
        free(json.data)


cdef int _stringify(_Text *text, yyjson_val *value, int depth) except -2:
    cdef yyjson_obj_iter members
    cdef yyjson_arr_iter items
    cdef yyjson_val *key
    cdef yyjson_val *item
    cdef bint first = True
    cdef char digits[32]
    cdef int written
    if yyjson_is_str(value):
        return _write_quoted(text, yyjson_get_str(value), yyjson_get_len(value))
    if yyjson_is_uint(value):
        if yyjson_get_uint(value) > SAFE_UNSIGNED:
            return UNSURE
        written = snprintf(digits, sizeof(digits), "%llu", <unsigned long long>yyjson_get_uint(value))
        return _write(text, digits, <size_t>written)
    if yyjson_is_sint(value):
        if not -SAFE_SIGNED <= yyjson_get_sint(value) <= SAFE_SIGNED:
            return UNSURE
        written = snprintf(digits, sizeof(digits), "%lld", <long long>yyjson_get_sint(value))
        return _write(text, digits, <size_t>written)
    if yyjson_is_real(value):
        return _write_number(text, yyjson_get_real(value))
    if yyjson_is_true(value):
        return _write(text, b"true", 4)
    if yyjson_is_false(value):
        return _write(text, b"false", 5)
    if yyjson_is_null(value):
        return _write(text, b"null", 4)
    if depth >= STRINGIFY_LEVELS:
        return UNSURE
    if yyjson_is_arr(value):
        _write(text, b"[", 1)
        yyjson_arr_iter_init(value, &items)
        item = yyjson_arr_iter_next(&items)
        while item != NULL:
            if not first:
                _write(text, b",", 1)
            first = False
            if _stringify(text, item, depth + 1) < 0:
                return UNSURE
            item = yyjson_arr_iter_next(&items)
        return _write(text, b"]", 1)
    if not yyjson_is_obj(value):
        return UNSURE
    if yyjson_obj_size(value) > 1 and dpv_has_duplicates(value):
        return UNSURE
    _write(text, b"{", 1)
    yyjson_obj_iter_init(value, &members)
    key = yyjson_obj_iter_next(&members)
    while key != NULL:
        if _digit_first(yyjson_get_str(key), yyjson_get_len(key)):
            return UNSURE
        if not first:
            _write(text, b",", 1)
        first = False
        _write_quoted(text, yyjson_get_str(key), yyjson_get_len(key))
        _write(text, b":", 1)
        if _stringify(text, yyjson_obj_iter_get_val(key), depth + 1) < 0:
            return UNSURE
        key = yyjson_obj_iter_next(&members)
    return _write(text, b"}", 1)


cdef inline bint _plain(const char *s, size_t n) noexcept:
    """A member name that is its own pointer segment and that digin looks up as it is."""
    return n > 0 and memchr(s, b"~", n) == NULL and memchr(s, b"/", n) == NULL


cdef inline bint _digit_first(const char *s, size_t n) noexcept:
    return n > 0 and 48 <= <unsigned char>s[0] <= 57


cdef class DomErrors:
    """One schema node's error walk (the kernel's ErrorWalker) on yyjson values."""

    cdef bint unsure, always_false, empty, type_upfront
    cdef int type_bits, type_positional
    cdef bint number_group, string_group, array_group, object_group, properties_rule
    cdef bint has_max, max_exclusive, has_min, min_exclusive
    cdef double max_limit, min_limit
    cdef bytes type_expected, max_keyword, min_keyword, max_expected, min_expected
    cdef Py_ssize_t max_length, min_length, max_items, min_items, max_props, min_props
    cdef bytes max_length_expected, min_length_expected, max_items_expected, min_items_expected
    cdef bytes max_props_expected, min_props_expected, pattern_expected, format_expected
    cdef object pattern, pattern_ascii, pattern_automaton, format_check, format_ascii, format_automaton
    cdef Py_ssize_t pattern_ascii_max, format_ascii_max
    cdef DomErrors items, additional
    cdef tuple required_early   # (slot in names, quoted name)
    cdef tuple properties       # (name UTF-8, plain, DomErrors or None, required, quoted name); slot i is property i
    cdef _ByteSet names         # the properties' names, then the other required_early names
    cdef _ByteSet property_set
    cdef bint additional_false, has_const
    cdef bytes const_string     # None: a const no JSON text can spell
    cdef _ByteSet enum_strings  # None: no enum

    def __init__(self, node, int level=0):
        self.always_false = node.always_false
        self.empty = node.empty
        if self.always_false or self.empty:
            return
        if level >= FAST_LEVELS or needs_exact(node):
            self.unsure = True
            return
        for limit in (node.max_limit, node.min_limit):
            if type(limit) is int and not -SAFE_SIGNED <= limit <= SAFE_SIGNED:
                self.unsure = True  # a limit JavaScript would round
                return
        names = [name for name, *_ in node.properties] + list(node.required_early) + list(node.property_set)
        if any(_utf8(name) is None for name in names):
            self.unsure = True  # a name no JSON text spells: left to the exact path
            return
        self.type_upfront = node.type_upfront
        self.type_bits = 0
        for name in node.types or ():
            self.type_bits |= fastcheck.TYPE_BITS[name]
        self.type_positional = _GROUP_CODES[node.type_positional]
        self.type_expected = _quoted(node.type_message)
        self.number_group = node.number_group
        self.has_max = node.max_limit is not None
        self.max_limit = node.max_limit if self.has_max else 0.0
        self.max_exclusive = node.max_exclusive
        self.has_min = node.min_limit is not None
        self.min_limit = node.min_limit if self.has_min else 0.0
        self.min_exclusive = node.min_exclusive
        if self.has_max:
            self.max_keyword = _quoted(node.max_keyword)
            self.max_expected = _quoted(messages.limit(node.max_exclusive, True, node.max_limit))
        if self.has_min:
            self.min_keyword = _quoted(node.min_keyword)
            self.min_expected = _quoted(messages.limit(node.min_exclusive, False, node.min_limit))
        self.string_group = node.string_group
        self.max_length = _count(node.max_length)
        self.min_length = _count(node.min_length)
        if node.max_length is not None:
            self.max_length_expected = _quoted(messages.max_length(node.max_length))
        if node.min_length is not None:
            self.min_length_expected = _quoted(messages.min_length(node.min_length))
        self.pattern_ascii_max = self.format_ascii_max = -1
        if node.pattern is not None:
            self.pattern = node.pattern.test
            self.pattern_ascii = node.pattern.ascii_search
            self.pattern_ascii_max = node.pattern.ascii_max
            self.pattern_automaton = None if self.pattern_ascii is None else _automaton(self.pattern_ascii)
            self.pattern_expected = _quoted(messages.pattern(node.pattern.source))
        if node.format_check is not None:
            self.format_check = node.format_check
            checker = node.format_checker
            self.format_ascii = checker.ascii_search if checker is not None else None
            self.format_ascii_max = checker.ascii_max if checker is not None else -1
            self.format_automaton = None if self.format_ascii is None else _automaton(self.format_ascii)
            self.format_expected = _quoted(messages.format_(node.format_name))
        self.array_group = node.array_group
        self.max_items = _count(node.max_items)
        self.min_items = _count(node.min_items)
        if node.max_items is not None:
            self.max_items_expected = _quoted(messages.max_items(node.max_items))
        if node.min_items is not None:
            self.min_items_expected = _quoted(messages.min_items(node.min_items))
        self.items = _dom_errors(node.items, level)
        self.object_group = node.object_group
        self.max_props = _count(node.max_props)
        self.min_props = _count(node.min_props)
        if node.max_props is not None:
            self.max_props_expected = _quoted(messages.max_properties(node.max_props))
        if node.min_props is not None:
            self.min_props_expected = _quoted(messages.min_properties(node.min_props))
        listed = [_utf8(name) for name, *_ in node.properties]
        slots = {name: slot for slot, name in enumerate(listed)}
        for name in node.required_early:
            slots.setdefault(_utf8(name), len(slots))
        self.names = _ByteSet(sorted(slots, key=slots.get))
        self.required_early = tuple((slots[_utf8(name)], _quoted(name)) for name in node.required_early)
        self.properties_rule = node.properties_rule
        self.properties = tuple(
            (_utf8(name), _plain_name(name) and escaped == name, _dom_errors(child, level), required,
             _quoted(name))
            for name, escaped, child, required in node.properties
        )
        self.property_set = _ByteSet(sorted(_utf8(name) for name in node.property_set))
        self.additional_false = node.additional_false
        self.additional = _dom_errors(node.additional_schema, level)
        self.has_const = node.has_const
        if self.has_const:
            self.const_string = _utf8(node.const)
        if node.enum is not None:
            self.enum_strings = _ByteSet([b for b in map(_utf8, node.enum) if b is not None])

    cdef bint _type_ok(self, yyjson_val *v) noexcept:
        cdef int bits = self.type_bits
        cdef double number
        if yyjson_is_uint(v) or yyjson_is_sint(v):
            return (bits & T_INTEGRAL) != 0 or (bits & T_FRACTION) != 0
        if yyjson_is_real(v):
            number = yyjson_get_real(v)
            return (bits & T_FRACTION) != 0 or ((bits & T_INTEGRAL) != 0 and number == floor(number))
        if yyjson_is_str(v):
            return (bits & T_STRING) != 0
        if yyjson_is_obj(v):
            return (bits & T_OBJECT) != 0
        if yyjson_is_arr(v):
            return (bits & T_ARRAY) != 0
        if yyjson_is_bool(v):
            return (bits & T_BOOLEAN) != 0
        if yyjson_is_null(v):
            return (bits & T_NULL) != 0
        return False

    cdef int collect(self, yyjson_val *v, _Place *place, bint stripped, _Text *text) except -2:
        """Append v's validation_errors; 0 when done, UNSURE when the exact path must write them."""
        cdef double number = 0.0
        cdef uint64_t whole
        cdef int64_t signed
        cdef bint is_number = yyjson_is_num(v)
        if self.always_false:
            return _error(text, place, K_UNKNOWN, v, _FALSE_KEYWORD, _FALSE_EXPECTED, NULL, 0)
        if self.empty:
            return 0
        if self.unsure:
            return UNSURE
        if is_number:
            if yyjson_is_uint(v):
                whole = yyjson_get_uint(v)
                if whole > SAFE_UNSIGNED:
                    return UNSURE
                number = <double>whole
            elif yyjson_is_sint(v):
                signed = yyjson_get_sint(v)
                if signed > SAFE_SIGNED or signed < -SAFE_SIGNED:
                    return UNSURE
                number = <double>signed
            else:
                number = yyjson_get_real(v)
                if not isfinite(number):
                    return UNSURE
        if self.type_upfront and not self._type_ok(v):
            if _error(text, place, K_INVALID, v, _TYPE_KEYWORD, self.type_expected, NULL, 0) < 0:
                return UNSURE
        if self.number_group:
            if is_number:
                if self.has_max and (number >= self.max_limit if self.max_exclusive else number > self.max_limit):
                    if _error(text, place, K_INVALID, v, self.max_keyword, self.max_expected, NULL, 0) < 0:
                        return UNSURE
                if self.has_min and (number <= self.min_limit if self.min_exclusive else number < self.min_limit):
                    if _error(text, place, K_INVALID, v, self.min_keyword, self.min_expected, NULL, 0) < 0:
                        return UNSURE
            elif self.type_positional == GROUP_NUMBER:
                if _error(text, place, K_INVALID, v, _TYPE_KEYWORD, self.type_expected, NULL, 0) < 0:
                    return UNSURE
        if self.string_group:
            if yyjson_is_str(v):
                if self._strings(v, place, text) < 0:
                    return UNSURE
            elif self.type_positional == GROUP_STRING:
                if _error(text, place, K_INVALID, v, _TYPE_KEYWORD, self.type_expected, NULL, 0) < 0:
                    return UNSURE
        if self.array_group:
            if yyjson_is_arr(v):
                if self._arrays(v, place, text) < 0:
                    return UNSURE
            elif self.type_positional == GROUP_ARRAY:
                if _error(text, place, K_INVALID, v, _TYPE_KEYWORD, self.type_expected, NULL, 0) < 0:
                    return UNSURE
        if self.object_group:
            if yyjson_is_obj(v):
                if self._objects(v, place, stripped, text) < 0:
                    return UNSURE
            elif self.type_positional == GROUP_OBJECT:
                if _error(text, place, K_INVALID, v, _TYPE_KEYWORD, self.type_expected, NULL, 0) < 0:
                    return UNSURE
        if self.has_const:
            if not (yyjson_is_str(v) and self.const_string is not None
                    and <size_t>PyBytes_GET_SIZE(self.const_string) == yyjson_get_len(v)
                    and dpv_eq(PyBytes_AS_STRING(self.const_string), yyjson_get_str(v), yyjson_get_len(v))):
                if _error(text, place, K_INVALID, v, _CONST_KEYWORD, _CONST_EXPECTED, NULL, 0) < 0:
                    return UNSURE
        if self.enum_strings is not None:
            if not (yyjson_is_str(v) and self.enum_strings.find(yyjson_get_str(v), yyjson_get_len(v)) >= 0):
                if _error(text, place, K_INVALID, v, _ENUM_KEYWORD, _ENUM_EXPECTED, NULL, 0) < 0:
                    return UNSURE
        return 0

    cdef int _strings(self, yyjson_val *v, _Place *place, _Text *text) except -2:
        cdef const char *s = yyjson_get_str(v)
        cdef size_t n = yyjson_get_len(v)
        cdef Py_ssize_t length = <Py_ssize_t>dpv_utf8_len(s, n)
        cdef bint ascii
        if self.max_length >= 0 and length > self.max_length:
            if _error(text, place, K_INVALID, v, _MAX_LENGTH_KEYWORD, self.max_length_expected, NULL, 0) < 0:
                return UNSURE
        if self.min_length >= 0 and length < self.min_length:
            if _error(text, place, K_INVALID, v, _MIN_LENGTH_KEYWORD, self.min_length_expected, NULL, 0) < 0:
                return UNSURE
        if self.pattern is None and self.format_check is None:
            return 0
        ascii = dpv_is_ascii(s, n)
        if self.pattern is not None:
            if not _matches(self.pattern, self.pattern_ascii, self.pattern_automaton, self.pattern_ascii_max,
                            s, n, length, ascii):
                if _error(text, place, K_INVALID, v, _PATTERN_KEYWORD, self.pattern_expected, NULL, 0) < 0:
                    return UNSURE
        if self.format_check is not None:
            if not _matches(self.format_check, self.format_ascii, self.format_automaton, self.format_ascii_max,
                            s, n, length, ascii):
                if _error(text, place, K_INVALID, v, _FORMAT_KEYWORD, self.format_expected, NULL, 0) < 0:
                    return UNSURE
        return 0

    cdef int _arrays(self, yyjson_val *v, _Place *place, _Text *text) except -2:
        cdef Py_ssize_t size = <Py_ssize_t>yyjson_arr_size(v), index = 0
        cdef yyjson_arr_iter it
        cdef yyjson_val *item_value
        cdef _Place item
        if self.max_items >= 0 and size > self.max_items:
            if _error(text, place, K_UNKNOWN, v, _MAX_ITEMS_KEYWORD, self.max_items_expected, NULL, 0) < 0:
                return UNSURE
        if self.min_items >= 0 and size < self.min_items:
            if _error(text, place, K_UNKNOWN, v, _MIN_ITEMS_KEYWORD, self.min_items_expected, NULL, 0) < 0:
                return UNSURE
        if self.items is not None:
            item.parent = place
            item.plain = True
            item.segment = item.index
            yyjson_arr_iter_init(v, &it)
            item_value = yyjson_arr_iter_next(&it)
            while item_value != NULL:
                item.length = <size_t>snprintf(item.index, sizeof(item.index), "%zd", index)
                # Inside arrays the reference keeps nulls: not stripped.
                if self.items.collect(item_value, &item, False, text) < 0:
                    return UNSURE
                index += 1
                item_value = yyjson_arr_iter_next(&it)
        return 0

    cdef int _objects(self, yyjson_val *v, _Place *place, bint stripped, _Text *text) except -2:
        cdef Py_ssize_t count = self.names.table.count, index
        cdef yyjson_val *small[STACK_NAMES]
        cdef yyjson_val **last = small
        if count > STACK_NAMES:
            last = <yyjson_val **>malloc(sizeof(yyjson_val *) * count)
            if last == NULL:
                raise MemoryError()
        try:
            for index in range(count):
                last[index] = NULL
            return self._members(v, place, stripped, text, last)
        finally:
            if last != small:
                free(last)

    cdef int _members(self, yyjson_val *v, _Place *place, bint stripped, _Text *text,
                      yyjson_val **last) except -2:
        cdef yyjson_obj_iter it
        cdef yyjson_val *key
        cdef yyjson_val *member
        cdef const char *name
        cdef size_t length
        cdef Py_ssize_t index, present = 0, unlisted = 0
        cdef bint counts = self.max_props >= 0 or self.min_props >= 0
        cdef bint others = self.properties_rule and (self.additional_false or self.additional is not None)
        cdef DomErrors sub
        cdef _Place child
        # One pass: each listed member's value, and what makes this walk unsure.
        yyjson_obj_iter_init(v, &it)
        key = yyjson_obj_iter_next(&it)
        while key != NULL:
            member = yyjson_obj_iter_get_val(key)
            name = yyjson_get_str(key)
            length = yyjson_get_len(key)
            if stripped and length == 9 and dpv_eq(name, b"__proto__", 9):
                return UNSURE  # null stripping drops this key (it sets a prototype)
            if others and _digit_first(name, length):
                return UNSURE  # JavaScript lists array-index keys first: left to the exact path
            index = self.names.find(name, length)
            if index >= 0:
                if last[index] != NULL:
                    return UNSURE  # a repeated name: the converted dict keeps one member
                last[index] = member
            else:
                unlisted += 1
            if not (stripped and yyjson_is_null(member)):
                present += 1
            key = yyjson_obj_iter_next(&it)
        if unlisted > 1 and (counts or others) and dpv_has_duplicates(v):
            return UNSURE  # repeated names among the others: the member count or the order would differ
        if counts:
            if self.max_props >= 0 and present > self.max_props:
                if _error(text, place, K_UNKNOWN, v, _MAX_PROPS_KEYWORD, self.max_props_expected, NULL, 0) < 0:
                    return UNSURE
            if self.min_props >= 0 and present < self.min_props:
                if _error(text, place, K_UNKNOWN, v, _MIN_PROPS_KEYWORD, self.min_props_expected, NULL, 0) < 0:
                    return UNSURE
        for slot, quoted in self.required_early:
            member = last[<Py_ssize_t>slot]
            if member == NULL or (stripped and yyjson_is_null(member)):
                if _error(text, place, K_REQUIRED, v, _REQUIRED_KEYWORD, quoted, NULL, 0) < 0:
                    return UNSURE
        if not self.properties_rule:
            return 0
        child.parent = place
        if others:
            yyjson_obj_iter_init(v, &it)
            key = yyjson_obj_iter_next(&it)
            while key != NULL:
                member = yyjson_obj_iter_get_val(key)
                name = yyjson_get_str(key)
                length = yyjson_get_len(key)
                key = yyjson_obj_iter_next(&it)
                if (stripped and yyjson_is_null(member)) or self.property_set.find(name, length) >= 0:
                    continue
                if self.additional_false:
                    if _error(text, place, K_ADDITIONAL, v, _ADDITIONAL_KEYWORD, None, name, length) < 0:
                        return UNSURE
                else:
                    child.segment = name
                    child.length = length
                    child.plain = _plain(name, length)
                    if self.additional.collect(member, &child, stripped, text) < 0:
                        return UNSURE
        index = 0
        for name_bytes, plain, walker, required, quoted in self.properties:
            member = last[index]
            index += 1
            if member == NULL or (stripped and yyjson_is_null(member)):
                if required:
                    if _error(text, place, K_REQUIRED, v, _REQUIRED_KEYWORD, quoted, NULL, 0) < 0:
                        return UNSURE
            elif walker is not None:
                sub = <DomErrors>walker
                child.segment = PyBytes_AS_STRING(name_bytes)
                child.length = <size_t>PyBytes_GET_SIZE(name_bytes)
                child.plain = plain
                if sub.collect(member, &child, stripped, text) < 0:
                    return UNSURE
        return 0


cdef bint _matches(object test, object ascii_search, object automaton, Py_ssize_t ascii_max,
                   const char *s, size_t n, Py_ssize_t length, bint ascii) except -1:
    """The kernel's pattern or format test of a string (its raw ASCII search where it serves)."""
    if ascii_search is not None and ascii and length <= ascii_max:
        if automaton is not NO_AUTOMATON:
            return (<_Automaton>automaton).search(s, n)
        return ascii_search(PyUnicode_DecodeUTF8(s, <Py_ssize_t>n, NULL)) is not None
    return bool(test(PyUnicode_DecodeUTF8(s, <Py_ssize_t>n, NULL)))


cdef inline bint _plain_name(str name):
    return len(name) > 0 and "~" not in name and "/" not in name


cdef object _dom_errors(object node, int level):
    """The walk of a subschema one level below `level`."""
    if node is None:
        return None
    return DomErrors(node, level + 1)


cdef int GROUP_NONE = 0, GROUP_NUMBER = 1, GROUP_STRING = 2, GROUP_ARRAY = 3, GROUP_OBJECT = 4
_GROUP_CODES = {None: GROUP_NONE, "number": GROUP_NUMBER, "string": GROUP_STRING, "array": GROUP_ARRAY,
                "object": GROUP_OBJECT}
cdef bytes _TYPE_KEYWORD = b'"type"', _CONST_KEYWORD = b'"const"', _ENUM_KEYWORD = b'"enum"'
cdef bytes _MAX_LENGTH_KEYWORD = b'"maxLength"', _MIN_LENGTH_KEYWORD = b'"minLength"'
cdef bytes _PATTERN_KEYWORD = b'"pattern"', _FORMAT_KEYWORD = b'"format"'
cdef bytes _MAX_ITEMS_KEYWORD = b'"maxItems"', _MIN_ITEMS_KEYWORD = b'"minItems"'
cdef bytes _MAX_PROPS_KEYWORD = b'"maxProperties"', _MIN_PROPS_KEYWORD = b'"minProperties"'
cdef bytes _REQUIRED_KEYWORD = b'"required"', _ADDITIONAL_KEYWORD = b'"additionalProperties"'
cdef bytes _FALSE_KEYWORD = b'"false schema"'
# The keywords written as K_INVALID above are the ones results.error_text words "invalid_value".
assert {"type", "const", "enum", "maxLength", "minLength", "pattern", "format", "maximum", "minimum",
        "exclusiveMaximum", "exclusiveMinimum"} <= INVALID_VALUE_KEYWORDS
assert not {"maxItems", "minItems", "maxProperties", "minProperties", "false schema"} & INVALID_VALUE_KEYWORDS
cdef bytes _FALSE_EXPECTED = _quoted(messages.FALSE_SCHEMA)
cdef bytes _CONST_EXPECTED = _quoted(messages.CONST)
cdef bytes _ENUM_EXPECTED = _quoted(messages.ENUM)
