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

/* a[:n] == b[:n], inline: member names are short, and a call to memcmp costs more than comparing. */
static inline int dpv_eq(const char *a, const char *b, size_t n) {
    uint64_t x, y;
    uint32_t u, v;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y) return 0;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        memcpy(&u, a, 4);
        memcpy(&v, b, 4);
        if (u != v) return 0;
        memcpy(&u, a + n - 4, 4);
        memcpy(&v, b + n - 4, 4);
        return u == v;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* The value of the LAST member of obj called name: a Python dict built from the same text keeps
 * the last duplicate's value, and so does JSON.parse. */
static inline yyjson_val *dpv_last(yyjson_val *obj, const char *name, size_t n) {
    yyjson_obj_iter it;
    yyjson_val *key, *found = NULL;
    yyjson_obj_iter_init(obj, &it);
    while ((key = yyjson_obj_iter_next(&it))) {
        if (yyjson_get_len(key) == n && dpv_eq(yyjson_get_str(key), name, n))
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
        if (n == an && dpv_eq(s, a, an)) *va = yyjson_obj_iter_get_val(key);
        else if (n == bn && dpv_eq(s, b, bn)) *vb = yyjson_obj_iter_get_val(key);
    }
}

static inline int dpv_key_is(yyjson_val *key, const char *name, size_t n) {
    return yyjson_get_len(key) == n && dpv_eq(yyjson_get_str(key), name, n);
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
    /* '[' and '{' are the bytes that OR 0x20 makes '{'; blocks keep the count in 32 bits, which
       lets the compiler vectorize the loop. */
    for (size_t start = 0; start < n; start += 4096) {
        size_t end = n - start < 4096 ? n : start + 4096;
        uint32_t count = 0;
        for (size_t i = start; i < end; i++) count += (((unsigned char)s[i] | 0x20) == '{');
        brackets += count;
    }
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
    uint64_t lengths;  /* bit (length % 64) set for each member: most misses stop there */
    uint64_t firsts[4]; /* bit of each member's first byte */
} dpv_set;

/* A hash of a byte string from its length and up to 24 of its bytes (tables only need spread). */
static inline uint64_t dpv_hash(const char *s, size_t n) {
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL, x = 0, y = 0, z = 0;
    if (n >= 8) {
        memcpy(&x, s, 8);
        memcpy(&y, s + n - 8, 8);
        memcpy(&z, s + n / 2 - 4, 8);
    } else {
        for (size_t i = 0; i < n; i++) x = (x << 8) | (unsigned char)s[i];
    }
    h ^= x * 0xC2B2AE3D27D4EB4FULL;
    h ^= (y ^ (y >> 29)) * 0x165667B19E3779F9ULL;
    h ^= (z ^ (z >> 31)) * 0x9E3779B185EBCA87ULL;
    return h ^ (h >> 32);
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
    for (Py_ssize_t i = 0; i < count; i++) {
        set->lengths |= 1ULL << (len[i] & 63);
        if (len[i]) set->firsts[(unsigned char)text[i][0] >> 6] |= 1ULL << ((unsigned char)text[i][0] & 63);
    }
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
    if (!(set->lengths >> (n & 63) & 1)) return -1;
    if (n && !(set->firsts[(unsigned char)s[0] >> 6] >> ((unsigned char)s[0] & 63) & 1)) return -1;
    if (set->slots == NULL) {
        for (Py_ssize_t i = 0; i < set->count; i++) {
            if (set->len[i] == n && dpv_eq(set->text[i], s, n)) return i;
        }
        return -1;
    }
    size_t slot = (size_t)dpv_hash(s, n) & set->mask;
    for (;;) {
        int32_t i = set->slots[slot];
        if (i < 0) return -1;
        if (set->len[i] == n && dpv_eq(set->text[i], s, n)) return i;
        slot = (slot + 1) & set->mask;
    }
}

#endif
