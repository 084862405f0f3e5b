/*
 * Native n-gram counting for classifier.features: the hot loop of vectorizing.
 *
 * A Vocabulary holds the fitted terms (unigrams and bigrams of lower-case word tokens) in two
 * open-addressing hash tables. count(docs) scans each document's UTF-8 once, splits it into
 * tokens exactly as Python's re.findall(r"\w\w+") does on the same (normalised) text, lower-cases
 * ASCII on the fly, looks tokens and consecutive token pairs up, and returns the CSR structure of
 * the term-count matrix (row pointers, column indices sorted within each row, counts) as bytes,
 * plus, per document, the number of tokens and of tokens found in the vocabulary.
 *
 * Non-ASCII word characters are classified by a bitmap of Unicode code points built at import
 * with Py_UNICODE_ISALNUM, the test the re module itself uses for \w in str patterns. Documents
 * that need more than ASCII lower-casing (NFKC, HTML) are normalised in Python first.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N_CODEPOINTS 0x110000

typedef struct {
    uint64_t hash;
    Py_ssize_t offset; /* into the character pool */
    int32_t length;
    int32_t feature;   /* column of the unigram, or -1 */
    int32_t token_id;  /* id used in bigram keys, or -1 (slot empty when length == -1) */
} TokenSlot;

typedef struct {
    uint64_t key;      /* (first token id << 32) | second token id; UINT64_MAX when empty */
    int32_t feature;
} PairSlot;

typedef struct {
    PyObject_HEAD
    TokenSlot *tokens;
    size_t token_mask;
    PairSlot *pairs;
    size_t pair_mask;
    char *pool;
    Py_ssize_t pool_size, pool_capacity;
    int32_t n_token_ids;
    int32_t n_features;
    int ngram_low, ngram_high;
} Vocabulary;

static uint8_t word_bitmap[N_CODEPOINTS / 8];
static uint8_t ascii_word[128];
static uint8_t ascii_lower[128];

static inline uint64_t fnv1a(const char *s, Py_ssize_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 1099511628211ULL;
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

static size_t table_size(size_t n) {
    size_t size = 16;
    while (size < 2 * n + 2) size <<= 1;
    return size;
}

static TokenSlot *find_token(Vocabulary *v, const char *s, Py_ssize_t n, uint64_t h) {
    size_t i = (size_t)h & v->token_mask;
    for (;;) {
        TokenSlot *slot = &v->tokens[i];
        if (slot->length < 0) return slot; /* empty: where it would go */
        if (slot->hash == h && slot->length == n && memcmp(v->pool + slot->offset, s, (size_t)n) == 0)
            return slot;
        i = (i + 1) & v->token_mask;
    }
}

static inline int32_t find_pair(Vocabulary *v, uint64_t key) {
    size_t i = (size_t)mix64(key) & v->pair_mask;
    for (;;) {
        PairSlot *slot = &v->pairs[i];
        if (slot->key == key) return slot->feature;
        if (slot->key == UINT64_MAX) return -1;
        i = (i + 1) & v->pair_mask;
    }
}

static TokenSlot *add_token(Vocabulary *v, const char *s, Py_ssize_t n) {
    uint64_t h = fnv1a(s, n);
    TokenSlot *slot = find_token(v, s, n, h);
    if (slot->length >= 0) return slot;
    if (v->pool_size + n > v->pool_capacity) {
        Py_ssize_t capacity = (v->pool_capacity + n) * 2;
        char *pool = PyMem_Realloc(v->pool, (size_t)capacity);
        if (!pool) return NULL;
        v->pool = pool;
        v->pool_capacity = capacity;
    }
    memcpy(v->pool + v->pool_size, s, (size_t)n);
    slot->hash = h;
    slot->offset = v->pool_size;
    slot->length = (int32_t)n;
    slot->feature = -1;
    slot->token_id = -1;
    v->pool_size += n;
    return slot;
}

static void Vocabulary_dealloc(Vocabulary *self) {
    PyMem_Free(self->tokens);
    PyMem_Free(self->pairs);
    PyMem_Free(self->pool);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Vocabulary(terms, ngram_low, ngram_high) */
static int Vocabulary_init(Vocabulary *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
    PyObject *terms;
    int low, high;
    if (!PyArg_ParseTuple(args, "Oii", &terms, &low, &high)) return -1;
    if (low < 1 || high > 2 || low > high) {
        PyErr_SetString(PyExc_ValueError, "the native counter supports ngram_range within (1, 2)");
        return -1;
    }
    PyObject *seq = PySequence_Fast(terms, "terms must be a sequence of str");
    if (!seq) return -1;
    Py_ssize_t n_terms = PySequence_Fast_GET_SIZE(seq);
    self->ngram_low = low;
    self->ngram_high = high;
    self->n_features = (int32_t)n_terms;
    size_t token_capacity = table_size((size_t)n_terms * 2);
    self->tokens = PyMem_Malloc(token_capacity * sizeof(TokenSlot));
    self->token_mask = token_capacity - 1;
    size_t pair_capacity = table_size((size_t)n_terms);
    self->pairs = PyMem_Malloc(pair_capacity * sizeof(PairSlot));
    self->pair_mask = pair_capacity - 1;
    if (!self->tokens || !self->pairs) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < token_capacity; i++) self->tokens[i].length = -1;
    for (size_t i = 0; i < pair_capacity; i++) self->pairs[i].key = UINT64_MAX;

    for (Py_ssize_t j = 0; j < n_terms; j++) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(seq, j), &n);
        if (!s) goto fail;
        const char *space = memchr(s, ' ', (size_t)n);
        if (!space) {
            TokenSlot *slot = add_token(self, s, n);
            if (!slot) goto nomem;
            slot->feature = (int32_t)j;
            continue;
        }
        Py_ssize_t first_len = space - s;
        TokenSlot *first = add_token(self, s, first_len);
        if (!first) goto nomem;
        if (first->token_id < 0) first->token_id = self->n_token_ids++;
        int32_t first_id = first->token_id;
        TokenSlot *second = add_token(self, space + 1, n - first_len - 1);
        if (!second) goto nomem;
        if (second->token_id < 0) second->token_id = self->n_token_ids++;
        uint64_t key = ((uint64_t)(uint32_t)first_id << 32) | (uint32_t)second->token_id;
        size_t i = (size_t)mix64(key) & self->pair_mask;
        while (self->pairs[i].key != UINT64_MAX && self->pairs[i].key != key) i = (i + 1) & self->pair_mask;
        self->pairs[i].key = key;
        self->pairs[i].feature = (int32_t)j;
    }
    Py_DECREF(seq);
    /* The table was sized for the worst case (two new tokens per term); most tokens repeat,
       so rebuild it at its real size: a smaller table stays in cache during lookups. */
    size_t used = 0;
    for (size_t i = 0; i <= self->token_mask; i++) used += self->tokens[i].length >= 0;
    size_t compact = table_size(used);
    if (compact <= self->token_mask) {
        TokenSlot *old = self->tokens, *fresh = PyMem_Malloc(compact * sizeof(TokenSlot));
        if (!fresh) {
            PyErr_NoMemory();
            return -1;
        }
        size_t old_capacity = self->token_mask + 1;
        for (size_t i = 0; i < compact; i++) fresh[i].length = -1;
        self->tokens = fresh;
        self->token_mask = compact - 1;
        for (size_t i = 0; i < old_capacity; i++) {
            if (old[i].length < 0) continue;
            size_t j = (size_t)old[i].hash & self->token_mask;
            while (fresh[j].length >= 0) j = (j + 1) & self->token_mask;
            fresh[j] = old[i];
        }
        PyMem_Free(old);
    }
    return 0;
nomem:
    PyErr_NoMemory();
fail:
    Py_DECREF(seq);
    return -1;
}

/* Growable arrays of the output. */
typedef struct {
    char *data;
    size_t size, capacity;
} Buffer;

static int buffer_reserve(Buffer *b, size_t extra) {
    if (b->size + extra <= b->capacity) return 0;
    size_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity < b->size + extra) capacity *= 2;
    char *data = PyMem_Realloc(b->data, capacity);
    if (!data) return -1;
    b->data = data;
    b->capacity = capacity;
    return 0;
}

static int compare_int32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Decode one UTF-8 code point at s[*i] (s[*i] >= 0x80) and advance past it. The text comes
   from a Python str, so it is valid UTF-8; a malformed sequence still only yields U+FFFD. */
static inline uint32_t decode_utf8(const uint8_t *s, Py_ssize_t n, Py_ssize_t *i) {
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

static PyObject *Vocabulary_count(Vocabulary *self, PyObject *docs_arg) {
    PyObject *docs = PySequence_Fast(docs_arg, "docs must be a sequence of str");
    if (!docs) return NULL;
    Py_ssize_t n_docs = PySequence_Fast_GET_SIZE(docs);
    Buffer indices = {0}, counts = {0}, scratch = {0};
    int64_t *indptr = PyMem_Malloc((size_t)(n_docs + 1) * sizeof(int64_t));
    int32_t *n_tokens = PyMem_Malloc((size_t)(n_docs ? n_docs : 1) * sizeof(int32_t));
    int32_t *n_known = PyMem_Malloc((size_t)(n_docs ? n_docs : 1) * sizeof(int32_t));
    /* last_row[f]: the last row in which feature f was seen; where[f]: its slot in that row. */
    int32_t *last_row = PyMem_Malloc((size_t)(self->n_features ? self->n_features : 1) * sizeof(int32_t));
    int64_t *where = PyMem_Malloc((size_t)(self->n_features ? self->n_features : 1) * sizeof(int64_t));
    PyObject *result = NULL;
    if (!indptr || !n_tokens || !n_known || !last_row || !where) {
        PyErr_NoMemory();
        goto done;
    }
    for (int32_t f = 0; f < self->n_features; f++) last_row[f] = -1;
    const int unigrams = self->ngram_low == 1, bigrams = self->ngram_high == 2;
    int64_t nnz = 0;
    indptr[0] = 0;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        PyObject *doc = PySequence_Fast_GET_ITEM(docs, d);
        if (!PyUnicode_Check(doc)) {
            PyErr_Format(PyExc_TypeError, "docs[%zd] is %s, expected str", d, Py_TYPE(doc)->tp_name);
            goto done;
        }
        Py_ssize_t n;
        const uint8_t *s = (const uint8_t *)PyUnicode_AsUTF8AndSize(doc, &n);
        if (!s) goto done;
        int64_t row_start = nnz;
        int32_t tokens = 0, known = 0, previous_id = -1;
        Py_ssize_t i = 0;
        while (i < n) {
            /* Skip to the start of a word character. */
            Py_ssize_t start = i;
            uint32_t cp;
            int is_word;
            if (s[i] < 0x80) {
                is_word = ascii_word[s[i]];
                i++;
            } else {
                cp = decode_utf8(s, n, &i);
                is_word = (word_bitmap[cp >> 3] >> (cp & 7)) & 1;
            }
            if (!is_word) continue;
            /* Extend the run of word characters, lower-casing ASCII into the scratch buffer. */
            scratch.size = 0;
            Py_ssize_t chars = 1;
            if (buffer_reserve(&scratch, (size_t)(n - start) + 4) < 0) {
                PyErr_NoMemory();
                goto done;
            }
            uint8_t *out = (uint8_t *)scratch.data;
            for (Py_ssize_t k = start; k < i; k++) out[scratch.size++] = s[k] < 0x80 ? ascii_lower[s[k]] : s[k];
            while (i < n) {
                Py_ssize_t here = i;
                if (s[i] < 0x80) {
                    if (!ascii_word[s[i]]) break;
                    out[scratch.size++] = ascii_lower[s[i]];
                    i++;
                } else {
                    Py_ssize_t next = i;
                    cp = decode_utf8(s, n, &next);
                    if (!((word_bitmap[cp >> 3] >> (cp & 7)) & 1)) break;
                    memcpy(out + scratch.size, s + here, (size_t)(next - here));
                    scratch.size += (size_t)(next - here);
                    i = next;
                }
                chars++;
            }
            if (chars < 2) continue; /* \w\w+ : a single word character is not a token */
            tokens++;
            uint64_t h = fnv1a(scratch.data, (Py_ssize_t)scratch.size);
            TokenSlot *slot = find_token(self, scratch.data, (Py_ssize_t)scratch.size, h);
            int32_t feature = -1, token_id = -1;
            if (slot->length >= 0) {
                feature = slot->feature;
                token_id = slot->token_id;
            }
            int32_t found[2];
            int n_found = 0;
            if (feature >= 0) {
                known++;
                if (unigrams) found[n_found++] = feature;
            }
            if (bigrams && previous_id >= 0 && token_id >= 0) {
                uint64_t key = ((uint64_t)(uint32_t)previous_id << 32) | (uint32_t)token_id;
                int32_t pair = find_pair(self, key);
                if (pair >= 0) found[n_found++] = pair;
            }
            previous_id = token_id;
            for (int k = 0; k < n_found; k++) {
                int32_t f = found[k];
                if (last_row[f] == (int32_t)d) {
                    ((float *)counts.data)[where[f]] += 1.0f;
                } else {
                    if (buffer_reserve(&indices, sizeof(int32_t)) < 0 || buffer_reserve(&counts, sizeof(float)) < 0) {
                        PyErr_NoMemory();
                        goto done;
                    }
                    last_row[f] = (int32_t)d;
                    where[f] = nnz;
                    ((int32_t *)indices.data)[nnz] = f;
                    ((float *)counts.data)[nnz] = 1.0f;
                    indices.size += sizeof(int32_t);
                    counts.size += sizeof(float);
                    nnz++;
                }
            }
        }
        /* Sort the row by column, carrying the counts along. */
        int64_t row_nnz = nnz - row_start;
        if (row_nnz > 1) {
            int32_t *cols = (int32_t *)indices.data + row_start;
            float *vals = (float *)counts.data + row_start;
            qsort(cols, (size_t)row_nnz, sizeof(int32_t), compare_int32);
            /* where[f] is still the unsorted slot of column f: take the counts from a copy. */
            if (buffer_reserve(&scratch, (size_t)row_nnz * sizeof(float)) < 0) {
                PyErr_NoMemory();
                goto done;
            }
            float *copy = (float *)scratch.data;
            memcpy(copy, vals, (size_t)row_nnz * sizeof(float));
            for (int64_t k = 0; k < row_nnz; k++) vals[k] = copy[where[cols[k]] - row_start];
        }
        indptr[d + 1] = nnz;
        n_tokens[d] = tokens;
        n_known[d] = known;
    }
    result = Py_BuildValue(
        "(y#y#y#y#y#)",
        (const char *)indptr, (Py_ssize_t)((n_docs + 1) * sizeof(int64_t)),
        indices.data ? indices.data : "", (Py_ssize_t)indices.size,
        counts.data ? counts.data : "", (Py_ssize_t)counts.size,
        (const char *)n_tokens, (Py_ssize_t)(n_docs * sizeof(int32_t)),
        (const char *)n_known, (Py_ssize_t)(n_docs * sizeof(int32_t)));
done:
    Py_DECREF(docs);
    PyMem_Free(indptr);
    PyMem_Free(n_tokens);
    PyMem_Free(n_known);
    PyMem_Free(last_row);
    PyMem_Free(where);
    PyMem_Free(indices.data);
    PyMem_Free(counts.data);
    PyMem_Free(scratch.data);
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
    .tp_doc = "Vocabulary(terms, ngram_low, ngram_high): native n-gram counter.",
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
