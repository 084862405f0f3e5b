/*
 * Native n-gram counting for classifier.features: the hot loop of vectorizing.
 *
 * A Vocabulary holds the fitted terms (word n-grams, n <= 3, tokens joined by one space) in two
 * open-addressing hash tables: one of tokens, one of n-grams keyed by the ids of their tokens.
 * count(docs) scans each document's UTF-8 once, splits it into tokens exactly as Python's
 * re.findall(r"\w\w+") does on the same text, lower-cases ASCII on the fly (when asked), drops stop
 * words, looks up every n-gram ending at each token, and returns the CSR structure of the
 * term-count matrix (row pointers, column indices in order of first occurrence within each row,
 * counts) as bytes, plus, per document, the number of tokens and of tokens that occur in the
 * vocabulary.
 *
 * Non-ASCII word characters are classified by a bitmap of Unicode code points built at import
 * with Py_UNICODE_ISALNUM, the test the re module itself uses for \w in str patterns. Non-ASCII
 * documents are lower-cased (and, for the tagger, normalised) in Python before they reach this
 * code. The scan runs without the GIL, so several threads can count at once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N_CODEPOINTS 0x110000
#define ID_BITS 21
#define MAX_TOKEN_IDS ((1 << ID_BITS) - 1) /* the all-ones id marks "no token" in bigram keys */
#define NO_ID ((uint64_t)MAX_TOKEN_IDS)
#define EMPTY_KEY UINT64_MAX
/* A bitset over n-gram key hashes that fits in the L1/L2 cache: most consecutive token pairs of
   a text are not terms, and the bitset rejects them without touching the (large) gram table. */
#define FILTER_BITS (1u << 20)

/* 16 bytes, so that four slots share a cache line. */
typedef struct {
    uint32_t hash;
    uint32_t offset;  /* into the pool, where a uint16 length precedes the bytes; EMPTY_SLOT if free */
    int32_t feature;  /* column of the unigram, or -1 */
    int32_t token_id; /* id used in n-gram keys; -1 if none, STOP_WORD for a stop word */
} TokenSlot;

#define EMPTY_SLOT UINT32_MAX
#define STOP_WORD (-2)
#define MAX_TOKEN_BYTES 65535

typedef struct {
    uint64_t key; /* three 21-bit token ids; EMPTY_KEY when the slot is free */
    int32_t feature;
} GramSlot;

typedef struct {
    PyObject_HEAD
    TokenSlot *tokens;
    size_t token_mask;
    GramSlot *grams;
    size_t gram_mask;
    uint8_t *gram_filter; /* FILTER_BITS bits */
    char *pool;
    int64_t pool_size, pool_capacity;
    int32_t n_token_ids;
    int32_t n_features;
    int ngram_low, ngram_high, lowercase;
} Vocabulary;

static uint8_t word_bitmap[N_CODEPOINTS / 8];
static uint8_t ascii_word[128];
static uint8_t ascii_lower[128];

static inline uint32_t fnv1a(const char *s, int64_t n) {
    uint32_t h = 2166136261u;
    for (int64_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t gram_key(uint64_t a, uint64_t b, uint64_t c) {
    return (a << (2 * ID_BITS)) | (b << ID_BITS) | c;
}

/* A power of two with load factor at most 2/3 for n entries. */
static size_t table_size(size_t n) {
    size_t size = 16;
    while (2 * size < 3 * n + 3) size <<= 1;
    return size;
}

static inline uint16_t pooled_length(const char *pool, uint32_t offset) {
    uint16_t length;
    memcpy(&length, pool + offset, sizeof length);
    return length;
}

static TokenSlot *find_token(const Vocabulary *v, const char *s, int64_t n, uint32_t h) {
    size_t i = (size_t)mix64(h) & v->token_mask;
    for (;;) {
        TokenSlot *slot = &v->tokens[i];
        if (slot->offset == EMPTY_SLOT) return slot; /* where it would go */
        if (slot->hash == h && pooled_length(v->pool, slot->offset) == n &&
            memcmp(v->pool + slot->offset + 2, s, (size_t)n) == 0)
            return slot;
        i = (i + 1) & v->token_mask;
    }
}

static inline int32_t find_gram(const Vocabulary *v, uint64_t key) {
    uint64_t h = mix64(key);
    uint32_t bit = (uint32_t)(h >> 40) & (FILTER_BITS - 1);
    if (!((v->gram_filter[bit >> 3] >> (bit & 7)) & 1)) return -1;
    size_t i = (size_t)h & v->gram_mask;
    for (;;) {
        const GramSlot *slot = &v->grams[i];
        if (slot->key == key) return slot->feature;
        if (slot->key == EMPTY_KEY) return -1;
        i = (i + 1) & v->gram_mask;
    }
}

static TokenSlot *add_token(Vocabulary *v, const char *s, int64_t n) {
    if (n > MAX_TOKEN_BYTES) {
        PyErr_SetString(PyExc_ValueError, "a vocabulary term has a word longer than 65535 bytes");
        return NULL;
    }
    uint32_t h = fnv1a(s, n);
    TokenSlot *slot = find_token(v, s, n, h);
    if (slot->offset != EMPTY_SLOT) return slot;
    if (v->pool_size + n + 2 > UINT32_MAX - 1) {
        PyErr_SetString(PyExc_OverflowError, "the vocabulary is too large for the native counter");
        return NULL;
    }
    if (v->pool_size + n + 2 > v->pool_capacity) {
        int64_t capacity = (v->pool_capacity + n + 2) * 2;
        char *pool = PyMem_Realloc(v->pool, (size_t)capacity);
        if (!pool) {
            PyErr_NoMemory();
            return NULL;
        }
        v->pool = pool;
        v->pool_capacity = capacity;
    }
    uint16_t length = (uint16_t)n;
    memcpy(v->pool + v->pool_size, &length, sizeof length);
    memcpy(v->pool + v->pool_size + 2, s, (size_t)n);
    slot->hash = h;
    slot->offset = (uint32_t)v->pool_size;
    slot->feature = -1;
    slot->token_id = -1;
    v->pool_size += n + 2;
    return slot;
}

static void Vocabulary_dealloc(Vocabulary *self) {
    PyMem_Free(self->tokens);
    PyMem_Free(self->grams);
    PyMem_Free(self->gram_filter);
    PyMem_Free(self->pool);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Rebuild the token table at its real size: a smaller table stays in cache during lookups. */
static int compact_tokens(Vocabulary *self) {
    size_t used = 0;
    for (size_t i = 0; i <= self->token_mask; i++) used += self->tokens[i].offset != EMPTY_SLOT;
    size_t compact = table_size(used);
    if (compact > self->token_mask) return 0;
    TokenSlot *old = self->tokens, *fresh = PyMem_Malloc(compact * sizeof(TokenSlot));
    if (!fresh) return -1;
    size_t old_capacity = self->token_mask + 1;
    for (size_t i = 0; i < compact; i++) fresh[i].offset = EMPTY_SLOT;
    self->tokens = fresh;
    self->token_mask = compact - 1;
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i].offset == EMPTY_SLOT) continue;
        size_t j = (size_t)mix64(old[i].hash) & self->token_mask;
        while (fresh[j].offset != EMPTY_SLOT) j = (j + 1) & self->token_mask;
        fresh[j] = old[i];
    }
    PyMem_Free(old);
    return 0;
}

/* Vocabulary(terms, ngram_low, ngram_high, lowercase, stop_words) */
static int Vocabulary_init(Vocabulary *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
    PyObject *terms, *stop_words;
    int low, high, lowercase;
    if (!PyArg_ParseTuple(args, "OiipO", &terms, &low, &high, &lowercase, &stop_words)) return -1;
    if (low < 1 || high > 3 || low > high) {
        PyErr_SetString(PyExc_ValueError, "the native counter supports ngram_range within (1, 3)");
        return -1;
    }
    PyObject *seq = PySequence_Fast(terms, "terms must be a sequence of str");
    if (!seq) return -1;
    PyObject *stops = PySequence_Fast(stop_words, "stop_words must be a sequence of str");
    if (!stops) {
        Py_DECREF(seq);
        return -1;
    }
    Py_ssize_t n_terms = PySequence_Fast_GET_SIZE(seq), n_stops = PySequence_Fast_GET_SIZE(stops);
    self->ngram_low = low;
    self->ngram_high = high;
    self->lowercase = lowercase;
    self->n_features = (int32_t)n_terms;
    size_t token_capacity = table_size((size_t)(n_terms * 3 + n_stops));
    self->tokens = PyMem_Malloc(token_capacity * sizeof(TokenSlot));
    self->token_mask = token_capacity - 1;
    Py_ssize_t n_grams = 0;
    for (Py_ssize_t j = 0; j < n_terms; j++) {
        PyObject *term = PySequence_Fast_GET_ITEM(seq, j);
        if (PyUnicode_Check(term) && PyUnicode_FindChar(term, ' ', 0, PyUnicode_GET_LENGTH(term), 1) >= 0)
            n_grams++;
    }
    size_t gram_capacity = table_size((size_t)n_grams);
    self->grams = PyMem_Malloc(gram_capacity * sizeof(GramSlot));
    self->gram_mask = gram_capacity - 1;
    self->gram_filter = PyMem_Calloc(FILTER_BITS / 8, 1);
    if (!self->tokens || !self->grams || !self->gram_filter) goto nomem;
    for (size_t i = 0; i < token_capacity; i++) self->tokens[i].offset = EMPTY_SLOT;
    for (size_t i = 0; i < gram_capacity; i++) self->grams[i].key = EMPTY_KEY;

    for (Py_ssize_t j = 0; j < n_stops; j++) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(stops, j), &n);
        if (!s) goto fail;
        TokenSlot *slot = add_token(self, s, n);
        if (!slot) goto fail;
        slot->token_id = STOP_WORD;
    }
    for (Py_ssize_t j = 0; j < n_terms; j++) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(seq, j), &n);
        if (!s) goto fail;
        uint64_t ids[3] = {NO_ID, NO_ID, NO_ID};
        int parts = 0;
        const char *start = s, *end = s + n;
        while (start <= end) {
            const char *space = memchr(start, ' ', (size_t)(end - start));
            const char *stop = space ? space : end;
            if (parts == 3) {
                PyErr_SetString(PyExc_ValueError, "a term has more than three words");
                goto fail;
            }
            TokenSlot *slot = add_token(self, start, stop - start);
            if (!slot) goto fail;
            if (parts == 0 && !space) {
                slot->feature = (int32_t)j;
            } else {
                if (slot->token_id < 0) {
                    if (self->n_token_ids >= MAX_TOKEN_IDS) {
                        PyErr_SetString(PyExc_OverflowError, "too many distinct tokens in n-grams");
                        goto fail;
                    }
                    slot->token_id = self->n_token_ids++;
                }
                ids[parts] = (uint64_t)slot->token_id;
            }
            parts++;
            if (!space) break;
            start = space + 1;
        }
        if (parts == 1) continue;
        /* Bigrams (a, b) are stored as (NO_ID, a, b), trigrams as (a, b, c). */
        uint64_t key = parts == 2 ? gram_key(NO_ID, ids[0], ids[1]) : gram_key(ids[0], ids[1], ids[2]);
        size_t i = (size_t)mix64(key) & self->gram_mask;
        while (self->grams[i].key != EMPTY_KEY && self->grams[i].key != key) i = (i + 1) & self->gram_mask;
        self->grams[i].key = key;
        self->grams[i].feature = (int32_t)j;
        uint32_t bit = (uint32_t)(mix64(key) >> 40) & (FILTER_BITS - 1);
        self->gram_filter[bit >> 3] |= (uint8_t)(1u << (bit & 7));
    }
    Py_DECREF(seq);
    Py_DECREF(stops);
    if (compact_tokens(self) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
nomem:
    PyErr_NoMemory();
fail:
    Py_DECREF(seq);
    Py_DECREF(stops);
    return -1;
}

/* A growable array of the output (malloc: it is filled without the GIL). */
typedef struct {
    char *data;
    size_t size, capacity;
} Buffer;

static int reserve(Buffer *b, size_t extra) {
    if (b->size + extra <= b->capacity) return 0;
    size_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity < b->size + extra) capacity *= 2;
    char *data = realloc(b->data, capacity);
    if (!data) return -1;
    b->data = data;
    b->capacity = capacity;
    return 0;
}

/* Decode one UTF-8 code point at s[*i] (s[*i] >= 0x80) and advance past it. The text comes
   from a Python str, so it is valid UTF-8; a malformed sequence still only yields U+FFFD. */
static inline uint32_t decode_utf8(const uint8_t *s, int64_t n, int64_t *i) {
    uint8_t c = s[*i];
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (extra == 0 || *i + extra >= n) {
        (*i)++;
        return 0xFFFD;
    }
    uint32_t cp = c & (0x3F >> extra);
    for (int k = 1; k <= extra; k++) cp = (cp << 6) | (s[*i + k] & 0x3F);
    *i += extra + 1;
    return cp < N_CODEPOINTS ? cp : 0xFFFD;
}

static inline int is_word_codepoint(uint32_t cp) { return (word_bitmap[cp >> 3] >> (cp & 7)) & 1; }

typedef struct {
    const uint8_t *text;
    int64_t length;
} Span;

typedef struct {
    int32_t row_plus_one, slot; /* zero-initialised: calloc'd pages cost nothing until touched */
} Seen;

typedef struct {
    Buffer indices, counts, scratch;
    int64_t *indptr;
    int32_t *n_tokens, *n_known;
    Seen *seen; /* per feature: the last row it was seen in, and its slot in that row */
} Output;

/* Count every document; returns 0, or -1 when out of memory. Runs without the GIL. */
static int count_all(const Vocabulary *v, const Span *docs, int64_t n_docs, Output *o) {
    const int lowercase = v->lowercase;
    int64_t nnz = 0;
    o->indptr[0] = 0;
    for (int64_t d = 0; d < n_docs; d++) {
        const uint8_t *s = docs[d].text;
        const int64_t n = docs[d].length;
        const int64_t row_start = nnz;
        int32_t tokens = 0, known = 0;
        /* Token ids of the two previous tokens; NO_ID + 1 means "no token there". */
        uint64_t previous = NO_ID + 1, before_previous = NO_ID + 1;
        if (reserve(&o->scratch, (size_t)n + 8) < 0) return -1;
        int64_t i = 0;
        while (i < n) {
            int64_t start = i;
            uint32_t cp;
            int is_word;
            if (s[i] < 0x80) {
                is_word = ascii_word[s[i]];
                i++;
            } else {
                cp = decode_utf8(s, n, &i);
                is_word = is_word_codepoint(cp);
            }
            if (!is_word) continue;
            /* Extend the run of word characters, copying it (lower-cased) to the scratch. */
            uint8_t *out = (uint8_t *)o->scratch.data;
            size_t size = 0;
            int64_t chars = 1;
            for (int64_t k = start; k < i; k++) out[size++] = (s[k] < 0x80 && lowercase) ? ascii_lower[s[k]] : s[k];
            while (i < n) {
                if (s[i] < 0x80) {
                    if (!ascii_word[s[i]]) break;
                    out[size++] = lowercase ? ascii_lower[s[i]] : s[i];
                    i++;
                } else {
                    int64_t next = i;
                    cp = decode_utf8(s, n, &next);
                    if (!is_word_codepoint(cp)) break;
                    memcpy(out + size, s + i, (size_t)(next - i));
                    size += (size_t)(next - i);
                    i = next;
                }
                chars++;
            }
            if (chars < 2) continue; /* \w\w+ : a single word character is not a token */
            int32_t feature = -1;
            uint64_t id = NO_ID + 2; /* a token in no n-gram of the vocabulary */
            if (size <= MAX_TOKEN_BYTES) {
                uint32_t h = fnv1a((const char *)out, (int64_t)size);
                const TokenSlot *slot = find_token(v, (const char *)out, (int64_t)size, h);
                if (slot->offset != EMPTY_SLOT) {
                    if (slot->token_id == STOP_WORD) continue;
                    feature = slot->feature;
                    if (slot->token_id >= 0) id = (uint64_t)slot->token_id;
                    known += feature >= 0 || slot->token_id >= 0;
                }
            }
            tokens++;
            int32_t found[3];
            int n_found = 0;
            if (v->ngram_low == 1 && feature >= 0) found[n_found++] = feature;
            if (v->ngram_low <= 2 && v->ngram_high >= 2 && previous < NO_ID && id < NO_ID) {
                int32_t f = find_gram(v, gram_key(NO_ID, previous, id));
                if (f >= 0) found[n_found++] = f;
            }
            if (v->ngram_high >= 3 && before_previous < NO_ID && previous < NO_ID && id < NO_ID) {
                int32_t f = find_gram(v, gram_key(before_previous, previous, id));
                if (f >= 0) found[n_found++] = f;
            }
            before_previous = previous;
            previous = id;
            for (int k = 0; k < n_found; k++) {
                int32_t f = found[k];
                Seen *seen = &o->seen[f];
                if (seen->row_plus_one == (int32_t)d + 1) {
                    ((float *)o->counts.data)[row_start + seen->slot] += 1.0f;
                    continue;
                }
                if (reserve(&o->indices, sizeof(int32_t)) < 0 || reserve(&o->counts, sizeof(float)) < 0)
                    return -1;
                seen->row_plus_one = (int32_t)d + 1;
                seen->slot = (int32_t)(nnz - row_start);
                ((int32_t *)o->indices.data)[nnz] = f;
                ((float *)o->counts.data)[nnz] = 1.0f;
                o->indices.size += sizeof(int32_t);
                o->counts.size += sizeof(float);
                nnz++;
            }
        }
        o->indptr[d + 1] = nnz;
        o->n_tokens[d] = tokens;
        o->n_known[d] = known;
    }
    return 0;
}

static PyObject *Vocabulary_count(Vocabulary *self, PyObject *docs_arg) {
    PyObject *docs = PySequence_Fast(docs_arg, "docs must be a sequence of str");
    if (!docs) return NULL;
    Py_ssize_t n_docs = PySequence_Fast_GET_SIZE(docs);
    size_t rows = (size_t)(n_docs ? n_docs : 1), features = (size_t)(self->n_features ? self->n_features : 1);
    Output o = {0};
    Span *spans = malloc(rows * sizeof(Span));
    o.indptr = malloc((rows + 1) * sizeof(int64_t));
    o.n_tokens = malloc(rows * sizeof(int32_t));
    o.n_known = malloc(rows * sizeof(int32_t));
    o.seen = calloc(features, sizeof(Seen));
    PyObject *result = NULL;
    if (!spans || !o.indptr || !o.n_tokens || !o.n_known || !o.seen) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        PyObject *doc = PySequence_Fast_GET_ITEM(docs, d);
        if (!PyUnicode_Check(doc)) {
            PyErr_Format(PyExc_TypeError, "docs[%zd] is %s, expected str", d, Py_TYPE(doc)->tp_name);
            goto done;
        }
        Py_ssize_t n;
        spans[d].text = (const uint8_t *)PyUnicode_AsUTF8AndSize(doc, &n);
        if (!spans[d].text) goto done;
        spans[d].length = n;
    }
    int status;
    /* The strings stay alive (docs holds them) and the vocabulary is read-only here. */
    Py_BEGIN_ALLOW_THREADS
    status = count_all(self, spans, n_docs, &o);
    Py_END_ALLOW_THREADS
    if (status < 0) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_BuildValue(
        "(y#y#y#y#y#)",
        (const char *)o.indptr, (Py_ssize_t)((n_docs + 1) * sizeof(int64_t)),
        o.indices.data ? o.indices.data : "", (Py_ssize_t)o.indices.size,
        o.counts.data ? o.counts.data : "", (Py_ssize_t)o.counts.size,
        (const char *)o.n_tokens, (Py_ssize_t)(n_docs * sizeof(int32_t)),
        (const char *)o.n_known, (Py_ssize_t)(n_docs * sizeof(int32_t)));
done:
    Py_DECREF(docs);
    free(spans);
    free(o.indptr);
    free(o.n_tokens);
    free(o.n_known);
    free(o.seen);
    free(o.indices.data);
    free(o.counts.data);
    free(o.scratch.data);
    return result;
}

static PyMethodDef Vocabulary_methods[] = {
    {"count", (PyCFunction)Vocabulary_count, METH_O,
     "count(docs) -> (indptr, indices, counts, n_tokens, n_known) as bytes: int64, int32, "
     "float32, int32, int32."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject VocabularyType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "classifier._fastcount.Vocabulary",
    .tp_basicsize = sizeof(Vocabulary),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Vocabulary(terms, ngram_low, ngram_high, lowercase, stop_words): n-gram counter.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Vocabulary_init,
    .tp_dealloc = (destructor)Vocabulary_dealloc,
    .tp_methods = Vocabulary_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastcount", "Native n-gram counting for classifier.", -1,
    NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastcount(void) {
    for (int c = 0; c < 128; c++) {
        ascii_word[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        ascii_lower[c] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : (uint8_t)c;
    }
    for (Py_UCS4 cp = 0; cp < N_CODEPOINTS; cp++)
        if (cp == '_' || Py_UNICODE_ISALNUM(cp)) word_bitmap[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    if (PyType_Ready(&VocabularyType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&VocabularyType);
    if (PyModule_AddObject(m, "Vocabulary", (PyObject *)&VocabularyType) < 0) {
        Py_DECREF(&VocabularyType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
