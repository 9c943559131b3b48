/* C helpers of the native front end (_native.pyx): plain functions over yyjson values, no Python.
 *
 * yyjson itself is not in this repository: setup.py compiles yyjson.c from the pinned `yyjson`
 * package on PyPI and puts its directory on the include path.
 */
#ifndef DPV_NATIVE_H
#define DPV_NATIVE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "yyjson.h"

/* The value of the LAST member of obj called name: a Python dict built from the same text keeps
 * the last duplicate's value, and so does JSON.parse. */
static inline yyjson_val *dpv_last(yyjson_val *obj, const char *name, size_t n) {
    yyjson_obj_iter it;
    yyjson_val *key, *found = NULL;
    yyjson_obj_iter_init(obj, &it);
    while ((key = yyjson_obj_iter_next(&it))) {
        if (yyjson_get_len(key) == n && memcmp(yyjson_get_str(key), name, n) == 0)
            found = yyjson_obj_iter_get_val(key);
    }
    return found;
}

/* The last values of two members, in one pass (either may stay NULL). */
static inline void dpv_last2(yyjson_val *obj, const char *a, size_t an, yyjson_val **va,
                             const char *b, size_t bn, yyjson_val **vb) {
    yyjson_obj_iter it;
    yyjson_val *key;
    *va = NULL;
    *vb = NULL;
    yyjson_obj_iter_init(obj, &it);
    while ((key = yyjson_obj_iter_next(&it))) {
        size_t n = yyjson_get_len(key);
        const char *s = yyjson_get_str(key);
        if (n == an && memcmp(s, a, an) == 0) *va = yyjson_obj_iter_get_val(key);
        else if (n == bn && memcmp(s, b, bn) == 0) *vb = yyjson_obj_iter_get_val(key);
    }
}

static inline int dpv_key_is(yyjson_val *key, const char *name, size_t n) {
    return yyjson_get_len(key) == n && memcmp(yyjson_get_str(key), name, n) == 0;
}

/* Code points in valid UTF-8 (yyjson has validated it): what len() of the decoded str gives. */
static inline size_t dpv_utf8_len(const char *s, size_t n) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

static inline int dpv_is_ascii(const char *s, size_t n) {
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++) acc |= (unsigned char)s[i];
    return acc < 0x80;
}

/* Whether a JSON text (that yyjson accepted) nests arrays and objects deeper than limit. The
 * bracket count is a cheap upper bound; the string-aware scan runs only when it could be too deep. */
static inline int dpv_too_deep(const char *s, size_t n, int limit) {
    size_t brackets = 0;
    for (size_t i = 0; i < n; i++) brackets += (s[i] == '[') | (s[i] == '{');
    if (brackets <= (size_t)limit) return 0;
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = 0;
        } else if (c == '"') in_str = 1;
        else if (c == '[' || c == '{') { if (++depth > limit) return 1; }
        else if (c == ']' || c == '}') depth--;
    }
    return 0;
}

/* Whether an object has two members with the same key (only asked where a member count matters). */
static inline int dpv_has_duplicates(yyjson_val *obj) {
    yyjson_obj_iter a, b;
    yyjson_val *k1, *k2;
    yyjson_obj_iter_init(obj, &a);
    while ((k1 = yyjson_obj_iter_next(&a))) {
        b = a;
        while ((k2 = yyjson_obj_iter_next(&b))) {
            if (yyjson_equals_strn(k2, yyjson_get_str(k1), yyjson_get_len(k1))) return 1;
        }
    }
    return 0;
}

/* -- a set of byte strings, each with its index (property names, enum values, match keys) ---------- */

typedef struct {
    Py_ssize_t count;
    const char **text; /* borrowed from bytes objects the owner keeps alive */
    size_t *len;
    int32_t *slots;    /* open addressing: index, or -1 for an empty slot */
    size_t mask;
} dpv_set;

static inline uint64_t dpv_hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ULL ^ n; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* Sets this small are searched linearly: a length test rejects most names. */
#define DPV_LINEAR 8

static inline void dpv_set_clear(dpv_set *set) {
    free(set->text);
    free(set->len);
    free(set->slots);
    memset(set, 0, sizeof *set);
}

/* Fill set from count strings (no duplicates); 0 on success, -1 when memory runs out. */
static inline int dpv_set_init(dpv_set *set, Py_ssize_t count, const char **text, const size_t *len) {
    memset(set, 0, sizeof *set);
    set->count = count;
    if (count == 0) return 0;
    set->text = (const char **)malloc(sizeof(char *) * (size_t)count);
    set->len = (size_t *)malloc(sizeof(size_t) * (size_t)count);
    if (!set->text || !set->len) { dpv_set_clear(set); return -1; }
    memcpy(set->text, text, sizeof(char *) * (size_t)count);
    memcpy(set->len, len, sizeof(size_t) * (size_t)count);
    if (count <= DPV_LINEAR) return 0;
    size_t size = 16;
    while (size < (size_t)count * 2) size <<= 1;
    set->slots = (int32_t *)malloc(sizeof(int32_t) * size);
    if (!set->slots) { dpv_set_clear(set); return -1; }
    for (size_t i = 0; i < size; i++) set->slots[i] = -1;
    set->mask = size - 1;
    for (Py_ssize_t i = 0; i < count; i++) {
        size_t slot = (size_t)dpv_hash(text[i], len[i]) & set->mask;
        while (set->slots[slot] >= 0) slot = (slot + 1) & set->mask;
        set->slots[slot] = (int32_t)i;
    }
    return 0;
}

/* The index of s in set, or -1. */
static inline Py_ssize_t dpv_set_find(const dpv_set *set, const char *s, size_t n) {
    if (set->slots == NULL) {
        for (Py_ssize_t i = 0; i < set->count; i++) {
            if (set->len[i] == n && memcmp(set->text[i], s, n) == 0) return i;
        }
        return -1;
    }
    size_t slot = (size_t)dpv_hash(s, n) & set->mask;
    for (;;) {
        int32_t i = set->slots[slot];
        if (i < 0) return -1;
        if (set->len[i] == n && memcmp(set->text[i], s, n) == 0) return i;
        slot = (slot + 1) & set->mask;
    }
}

#endif
