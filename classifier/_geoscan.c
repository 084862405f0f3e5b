/*
 * Native countries/blocs/scope extraction for classifier.geo: the same rules as the module's
 * Python reference (_extract_reference and the functions it calls), on UTF-8 bytes.
 *
 * GeoScanner(aliases, false_friends, lexicon, codes, scopes) takes the tables that
 * classifier.geo.Gazetteer compiles: (alias bytes, entity index, ALIAS_* flags) triples, the
 * lower-case false-friend phrases, (word, class bits) pairs of the cue lexicon, the entity codes
 * and the scope names. extract_many(texts, as_dicts) returns one (countries, blocs, scope) tuple,
 * or dict, per text.
 *
 * Offsets here are byte offsets where the reference uses character offsets; the rules only
 * compare offsets with each other, so the answers are the same. Every test of a token's length
 * that could differ between the two (one-letter words, "-ed" endings) is made on ASCII words only.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Lexicon classes: the same bits as in geo.py. */
enum {
    GOV = 1 << 0, FUNCTION = 1 << 1, PLACE_PREP = 1 << 2, NAMING = 1 << 3, STATE = 1 << 4,
    COMPANY = 1 << 5, LOCATIVE = 1 << 6, TARGET = 1 << 7, GROUP = 1 << 8, TWO = 1 << 9,
    THREE = 1 << 10, MANY = 1 << 11, RIVER = 1 << 12, US_STATE = 1 << 13, ACT_NOUN = 1 << 14,
    COORD = 1 << 15, ARTICLE = 1 << 16, OWNER = 1 << 17, GEORGIA_US = 1 << 18,
    STATE_WORD2 = 1 << 19, STATE_NOUN = 1 << 20, FROM = 1 << 21, SUBJECT = 1 << 22,
    SKIP = 1 << 23, BORDER = 1 << 24, STOP = 1 << 25, VERB = 1 << 26, SAY = 1 << 27,
};
/* Alias flags. */
enum {
    ALIAS_BLOC = 1, ALIAS_DOUBTFUL = 2, ALIAS_DEMONYM = 4, ALIAS_GROUP_BLOC = 8,
    ALIAS_FALSE_FRIEND = 16, ALIAS_US = 32, ALIAS_GEORGIA = 64, ALIAS_WASHINGTON = 128,
    ALIAS_EU = 256,
};
/* Token flags. */
enum {
    T_UPPER = 1, T_BREAK = 2, T_COMMA = 4, T_SPACE = 8, T_HYPHEN = 16, T_POSSESSIVE = 32,
    T_ALIAS = 64, T_ED = 128,
};

#define MAX_LEXICON_WORD 24
#define FIRST_WORD_BITS (1u << 16)
#define MAX_ENTITIES 4096

/* A trie over bytes: edges in an open-addressing table keyed by (node << 8 | byte). */
typedef struct {
    uint64_t *keys; /* 0 marks a free slot (node ids start at 1, so no edge has key 0) */
    int32_t *children;
    size_t mask;
    int32_t *value; /* per node: the word index that ends there, or -1 */
    int32_t n_nodes, capacity;
    int32_t root_child[256];
} Trie;

typedef struct {
    char word[MAX_LEXICON_WORD];
    uint8_t used, length;
    uint32_t bits;
} LexSlot;

typedef struct {
    int64_t start, end;
    uint32_t flags, bits;
    uint32_t word_hash;  /* of the word as written: does an alias start with it? */
    uint32_t lower_hash; /* of the lower-cased word: the lexicon key */
    int32_t lexical; /* whether it may be in the lexicon: ASCII and at most MAX_LEXICON_WORD bytes */
} Token;

typedef struct {
    int32_t entity, flags, first, last;
    int64_t start, end;
} Mention;

typedef struct {
    PyObject_HEAD
    Trie aliases, false_friends;
    int32_t *alias_entity, *alias_flags;
    LexSlot *lexicon;
    size_t lexicon_mask;
    uint8_t first_words[FIRST_WORD_BITS / 8]; /* hashes of the first words of aliases */
    PyObject *codes;  /* tuple of str */
    PyObject *scopes; /* tuple of 5 str */
    int32_t n_entities;
} GeoScanner;

/* ---- tries ----------------------------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static int trie_init(Trie *t, size_t total_bytes) {
    size_t size = 64;
    while (size < 2 * total_bytes + 2) size <<= 1;
    t->keys = calloc(size, sizeof(uint64_t));
    t->children = calloc(size, sizeof(int32_t));
    t->mask = size - 1;
    t->capacity = (int32_t)total_bytes + 2;
    t->value = malloc(sizeof(int32_t) * (size_t)t->capacity);
    if (!t->keys || !t->children || !t->value) return -1;
    for (int32_t i = 0; i < t->capacity; i++) t->value[i] = -1;
    for (int i = 0; i < 256; i++) t->root_child[i] = 0;
    t->n_nodes = 2; /* 0: none, 1: the root */
    return 0;
}

static void trie_free(Trie *t) {
    free(t->keys);
    free(t->children);
    free(t->value);
    t->keys = NULL;
    t->children = NULL;
    t->value = NULL;
}

static inline int32_t trie_child(const Trie *t, int32_t node, uint8_t byte) {
    if (node == 1) return t->root_child[byte];
    uint64_t key = ((uint64_t)node << 8) | byte;
    size_t slot = mix64(key) & t->mask;
    while (t->keys[slot]) {
        if (t->keys[slot] == key) return t->children[slot];
        slot = (slot + 1) & t->mask;
    }
    return 0;
}

static void trie_add(Trie *t, const uint8_t *word, Py_ssize_t n, int32_t value) {
    int32_t node = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        int32_t child = trie_child(t, node, word[i]);
        if (!child) {
            child = t->n_nodes++;
            if (node == 1) {
                t->root_child[word[i]] = child;
            } else {
                uint64_t key = ((uint64_t)node << 8) | word[i];
                size_t slot = mix64(key) & t->mask;
                while (t->keys[slot]) slot = (slot + 1) & t->mask;
                t->keys[slot] = key;
                t->children[slot] = child;
            }
        }
        node = child;
    }
    t->value[node] = value;
}

/* ---- characters ------------------------------------------------------------------------ */

static uint8_t ascii_word[256]; /* 1 for ASCII letters and digits (filled at import) */

static inline int ascii_alnum(uint8_t c) { return ascii_word[c]; }

static inline uint8_t ascii_lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Length in bytes of the character at s[i], and whether it separates tokens (see the
   reference's _separator). */
static inline int char_at(const uint8_t *s, int64_t n, int64_t i, int *separator) {
    uint8_t c = s[i];
    if (c < 0x80) {
        *separator = !ascii_alnum(c);
        return 1;
    }
    int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + len > n) len = (int)(n - i);
    uint32_t cp = 0;
    if (len == 2) {
        cp = ((uint32_t)(c & 0x1F) << 6) | (s[i + 1] & 0x3F);
    } else if (len == 3) {
        cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
    } else if (len == 4) {
        cp = 0x10000; /* never a separator */
    }
    *separator = (cp >= 0x80 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x206F) ||
                 (cp >= 0x3000 && cp <= 0x303F);
    return len;
}

static inline int separator_at(const uint8_t *s, int64_t n, int64_t i) {
    int sep;
    char_at(s, n, i, &sep);
    return sep;
}

/* ---- lexicon --------------------------------------------------------------------------- */

/* The tokenizer's word hash (h * 31 + byte), over the bytes as written or lower-cased. */
static inline uint32_t word_hash(const uint8_t *s, int64_t n, int lower) {
    uint32_t h = 0;
    for (int64_t i = 0; i < n; i++) h = h * 31 + (lower ? ascii_lower(s[i]) : s[i]);
    return h;
}

static inline uint32_t spread(uint32_t h) { return (uint32_t)mix64(h); }

/* Lexicon classes of the (ASCII) word s[0:n], read lower-cased, whose lower-cased FNV-1a hash
   is ``hash`` (see word_hash). */
static uint32_t lexicon_bits(const GeoScanner *g, const uint8_t *s, int64_t n, uint32_t hash) {
    size_t slot = spread(hash) & g->lexicon_mask;
    while (g->lexicon[slot].used) {
        const LexSlot *e = &g->lexicon[slot];
        if (e->length == n) {
            int64_t k = 0;
            while (k < n && (uint8_t)e->word[k] == ascii_lower(s[k])) k++;
            if (k == n) return e->bits;
        }
        slot = (slot + 1) & g->lexicon_mask;
    }
    return 0;
}

/* ---- one document ---------------------------------------------------------------------- */

typedef struct {
    Token *tokens;
    int64_t n_tokens, cap_tokens;
    Mention *mentions;
    int64_t n_mentions, cap_mentions;
    int64_t *spans; /* false-friend spans: start, end pairs */
    int64_t n_spans, cap_spans;
    int8_t *verdicts;
    int64_t cap_verdicts;
    Mention *kept;
    int64_t cap_kept;
} Scratch;

static int grow(void **buffer, int64_t *capacity, int64_t needed, size_t item) {
    if (needed <= *capacity) return 0;
    int64_t cap = *capacity ? *capacity : 64;
    while (cap < needed) cap *= 2;
    void *p = realloc(*buffer, (size_t)cap * item);
    if (!p) return -1;
    *buffer = p;
    *capacity = cap;
    return 0;
}

static int gap_contains(const uint8_t *s, int64_t a, int64_t b, const char *needle, int64_t k) {
    for (int64_t i = a; i + k <= b; i++)
        if (memcmp(s + i, needle, (size_t)k) == 0) return 1;
    return 0;
}

/* Split s into tokens with their flags; lexicon classes come later (lexicon_pass), only for
   texts that name a country. */
static int tokenize(const uint8_t *s, int64_t n, Scratch *w) {
    int64_t i = 0, previous_end = 0;
    w->n_tokens = 0;
    while (i < n) {
        uint8_t c = s[i];
        int sep, len;
        if (c < 0x80) {
            if (!ascii_alnum(c)) {
                i++;
                continue;
            }
        } else {
            len = char_at(s, n, i, &sep);
            if (sep) {
                i += len;
                continue;
            }
        }
        int64_t start = i;
        int ascii = 1;
        uint32_t word_hash = 0, lower_hash = 0;
        while (i < n) {
            c = s[i];
            if (c < 0x80) {
                if (!ascii_alnum(c)) break;
                word_hash = word_hash * 31 + c;
                lower_hash = lower_hash * 31 + ascii_lower(c);
                i++;
            } else {
                len = char_at(s, n, i, &sep);
                if (sep) break;
                ascii = 0;
                for (int j = 0; j < len; j++) word_hash = word_hash * 31 + s[i + j];
                i += len;
            }
        }
        int64_t gap_a = previous_end, gap_b = start, wlen = i - start;
        previous_end = i;
        if (w->n_tokens && wlen == 1 && s[start] == 's' &&
            ((gap_b - gap_a == 1 && s[gap_a] == '\'') ||
             (gap_b - gap_a == 3 && memcmp(s + gap_a, "\xe2\x80\x99", 3) == 0))) {
            w->tokens[w->n_tokens - 1].flags |= T_POSSESSIVE;
            continue;
        }
        uint32_t flags = (s[start] >= 'A' && s[start] <= 'Z') ? T_UPPER : 0;
        if (w->n_tokens) {
            int spaces = 1, brk = 0, dot = 0;
            for (int64_t k = gap_a; k < gap_b; k++) {
                uint8_t g = s[k];
                if (g == ' ') continue;
                spaces = 0;
                if (g == ',') {
                    flags |= T_COMMA;
                } else if (g == '.') {
                    dot = 1;
                } else if (g == '\n' || g == '!' || g == '?' || g == ';' || g == ':') {
                    brk = 1;
                } else if (g == '-') {
                    brk |= k > gap_a && k + 1 < gap_b && s[k - 1] == ' ' && s[k + 1] == ' ';
                } else if (g == 0xE2 && k + 2 < gap_b && s[k + 1] == 0x80) {
                    brk |= s[k + 2] == 0x93 || s[k + 2] == 0x94; /* en and em dashes */
                }
            }
            const Token *last = &w->tokens[w->n_tokens - 1];
            if (dot && !(last->end - last->start == 1 && s[last->start] < 0x80)) brk = 1;
            if (gap_b - gap_a == 1 && s[gap_a] == '-') {
                flags |= T_HYPHEN;
            } else if (spaces) {
                flags |= T_SPACE;
            }
            if (brk) flags |= T_BREAK;
        }
        if (ascii && wlen > 3 && s[i - 2] == 'e' && s[i - 1] == 'd') flags |= T_ED;
        if (w->n_tokens == w->cap_tokens &&
            grow((void **)&w->tokens, &w->cap_tokens, w->n_tokens + 1, sizeof(Token)))
            return -1;
        w->tokens[w->n_tokens++] =
            (Token){start, i, flags, 0, word_hash, lower_hash, ascii && wlen <= MAX_LEXICON_WORD};
    }
    return 0;
}

/* The lexicon classes of every token, and their union. */
static uint32_t lexicon_pass(const GeoScanner *g, const uint8_t *s, Scratch *w) {
    uint32_t doc_bits = 0;
    for (int64_t k = 0; k < w->n_tokens; k++) {
        Token *t = &w->tokens[k];
        if (!t->lexical) continue;
        int64_t wlen = t->end - t->start;
        const uint8_t *word = s + t->start;
        uint32_t bits = lexicon_bits(g, word, wlen, t->lower_hash);
        if (wlen <= 3 && word[0] >= '0' && word[0] <= '9') {
            int value = 0, digits = 1;
            for (int64_t j = 0; j < wlen; j++) {
                if (word[j] < '0' || word[j] > '9') digits = 0;
                value = value * 10 + (word[j] - '0');
            }
            if (digits) bits = value == 2 ? TWO : value == 3 ? THREE : value > 3 ? MANY : 0;
        }
        t->bits = bits;
        doc_bits |= bits;
    }
    return doc_bits;
}

/* End of the longest trie word at s[start:] that ends at a word boundary, or -1; with
   ``lower``, the text is read lower-cased (ASCII). */
static int64_t longest(const Trie *t, const uint8_t *s, int64_t n, int64_t start, int lower,
                       int32_t *value) {
    int32_t node = 1;
    int64_t best = -1;
    for (int64_t i = start; i < n; i++) {
        node = trie_child(t, node, lower ? ascii_lower(s[i]) : s[i]);
        if (!node) break;
        if (t->value[node] >= 0) {
            uint8_t c = s[i];
            int last_is_sep = c < 0x80 && !ascii_alnum(c);
            if (i + 1 == n || last_is_sep || separator_at(s, n, i + 1)) {
                best = i + 1;
                *value = t->value[node];
            }
        }
    }
    return best;
}

#define TOK(k) (w->tokens[(k)])

static int dropped(const Mention *m, const Scratch *w) {
    if (m->flags & ALIAS_FALSE_FRIEND) {
        for (int64_t k = 0; k < w->n_spans; k++)
            if (w->spans[2 * k] <= m->start && m->end <= w->spans[2 * k + 1]) return 1;
    }
    int64_t following = m->last + 1;
    if (following >= w->n_tokens) return 0;
    const Token *nxt = &TOK(following);
    if ((m->flags & ALIAS_WASHINGTON) && (nxt->bits & STATE_NOUN) && !(nxt->flags & T_BREAK))
        return 1;
    if (!(nxt->flags & T_COMMA) || (nxt->flags & T_BREAK) || !(nxt->flags & T_UPPER)) return 0;
    if ((nxt->bits & US_STATE) && !(m->flags & ALIAS_GEORGIA)) return 1;
    if (following + 1 < w->n_tokens && (TOK(following + 1).bits & STATE_WORD2))
        return (TOK(following + 1).flags & T_UPPER) != 0;
    for (int64_t k = 0; k < w->n_mentions; k++)
        if (w->mentions[k].first == following && (w->mentions[k].flags & ALIAS_US)) return 1;
    return 0;
}

static inline int place_or_word(const Token *t) {
    return !(t->flags & T_UPPER) || (t->flags & T_ALIAS) || (t->bits & (GOV | FUNCTION));
}

/* 1 supported, 0 rejected, -1 undecided. */
static int supported(const Mention *m, const Scratch *w, uint32_t doc_bits) {
    int64_t n = w->n_tokens;
    const Token *first = &TOK(m->first);
    const Token *before = (m->first > 0 && !(first->flags & T_BREAK)) ? &TOK(m->first - 1) : NULL;
    const Token *after = m->last + 1 < n ? &TOK(m->last + 1) : NULL;
    if (after && (after->flags & T_BREAK)) after = NULL;
    int possessive = (TOK(m->last).flags & T_POSSESSIVE) != 0;
    if (after) {
        if (after->bits & RIVER) return 0;
        if ((after->bits & COORD) && m->last + 3 < n) {
            const Token *third = &TOK(m->last + 3);
            if ((third->bits & RIVER) && !((third->flags | TOK(m->last + 2).flags) & T_BREAK))
                return 0;
        }
    }
    if (before && (before->bits & NAMING)) return 0;
    if (m->flags & ALIAS_GEORGIA) {
        if (doc_bits & GEORGIA_US) return 0;
        for (int64_t k = m->last + 1; k < n && k < m->last + 6; k++)
            if (TOK(k).bits & STATE_NOUN) return 0;
    }
    if (before && (first->flags & T_SPACE) && !place_or_word(before)) return 0;
    if (after && (after->flags & T_SPACE) && !possessive && !place_or_word(after)) return 0;
    if (before) {
        if (before->bits & PLACE_PREP) return 1;
        if ((first->flags & T_COMMA) && (before->flags & T_UPPER)) return 1;
    }
    int64_t low = m->first - 10 > 0 ? m->first - 10 : 0;
    int64_t high = m->last + 11 < n ? m->last + 11 : n;
    for (int64_t k = low; k < high; k++)
        if (TOK(k).bits & GOV) return 1;
    return -1;
}

/* Tokens after ``last`` in its noun phrase, up to ``count``: their number. */
static int64_t phrase_after(const Scratch *w, int64_t last, int64_t count) {
    int64_t k = last + 1;
    while (k < w->n_tokens && k < last + 1 + count) {
        const Token *t = &TOK(k);
        if ((t->flags & (T_BREAK | T_ED | T_COMMA)) || (t->bits & STOP)) break;
        k++;
    }
    return k - (last + 1);
}

static int64_t first_with(const Scratch *w, int64_t last, int64_t count, uint32_t bits) {
    for (int64_t k = 0; k < count; k++)
        if (TOK(last + 1 + k).bits & bits) return k;
    return 99;
}

static int64_t word_before(const Scratch *w, int64_t first) {
    int64_t k = first - 1;
    while (k >= 0 && !(TOK(k + 1).flags & T_BREAK) && (TOK(k).bits & SKIP)) k--;
    if (k < 0 || (TOK(k + 1).flags & T_BREAK)) return -1;
    return k;
}

static int in_list_after(const Mention *previous, const Mention *m, const Scratch *w) {
    if (previous->last >= m->first || (TOK(m->first).flags & T_BREAK)) return 0;
    int linked = previous->last + 1 == m->first ? (TOK(m->first).flags & T_COMMA) != 0 : 0;
    for (int64_t k = previous->last + 1; k < m->first; k++) {
        const Token *t = &TOK(k);
        if ((t->flags & T_BREAK) || !(t->bits & (COORD | ARTICLE))) return 0;
        linked = linked || (t->bits & COORD) || (t->flags & T_COMMA);
    }
    return linked;
}

static int reports(const Scratch *w, int64_t phrase_end) {
    for (int64_t k = phrase_end + 1; k < w->n_tokens && k < phrase_end + 6; k++) {
        if (TOK(k).flags & (T_BREAK | T_COMMA)) return 0;
        if (TOK(k).bits & SAY) return k + 1 == w->n_tokens || (TOK(k + 1).flags & T_BREAK);
    }
    return 0;
}

static int acts(const Mention *m, const Scratch *w, int64_t phrase_end) {
    int64_t n = w->n_tokens;
    if (m->last + 1 < n) {
        const Token *nxt = &TOK(m->last + 1);
        if ((nxt->flags & T_HYPHEN) && (nxt->bits & LOCATIVE)) return 0;
    }
    int64_t index = word_before(w, m->first);
    const Token *before = index >= 0 ? &TOK(index) : NULL;
    const Token *first = &TOK(m->first);
    const Token *following = phrase_end + 1 < n ? &TOK(phrase_end + 1) : NULL;
    if (following && (following->flags & T_BREAK)) following = NULL;
    int subject = before == NULL, blocked = 0;
    if (before) {
        int after_state = index > 0 && (TOK(index - 1).bits & STATE);
        if ((before->bits & FROM) && after_state) {
            subject = 1;
        } else if (before->bits & SUBJECT) {
            blocked = index > 0 && (TOK(index - 1).bits & BORDER);
            subject = !blocked;
        } else if (before->bits & (LOCATIVE | TARGET)) {
            blocked = 1;
        } else if ((first->flags & T_COMMA) || (TOK(index + 1).flags & T_COMMA)) {
            blocked = (before->flags & T_UPPER) && index > 0 && (TOK(index - 1).bits & LOCATIVE);
            subject = !blocked;
            if (reports(w, phrase_end)) return 0;
        }
    }
    if (following && ((following->bits & VERB) || (following->flags & T_ED)) && !blocked)
        subject = 1;
    if (m->flags & ALIAS_BLOC) {
        if (m->first > 0 && (TOK(m->first - 1).bits & OWNER)) return 0;
        return subject;
    }
    if (blocked) return 0;
    int64_t count = phrase_after(w, phrase_end, 4);
    int64_t state = first_with(w, phrase_end, count, STATE);
    int64_t company = first_with(w, phrase_end, count, COMPANY);
    if (m->flags & ALIAS_DEMONYM) return state < company;
    int64_t state_or_act = first_with(w, phrase_end, count, STATE | ACT_NOUN);
    if (TOK(m->last).flags & T_POSSESSIVE) return state_or_act < company;
    if (company < state_or_act) return 0;
    return subject || state_or_act < 99;
}

/* The stated number of parties (0 if none), plus 8 when definite ("the two governments"). */
static int count_cue(const Scratch *w) {
    for (int64_t k = 0; k < w->n_tokens; k++) {
        uint32_t bits = TOK(k).bits;
        if (!(bits & (TWO | THREE | MANY))) continue;
        int64_t count = phrase_after(w, k, 3);
        for (int64_t j = 0; j < count; j++) {
            const Token *t = &TOK(k + 1 + j);
            if (t->bits & COMPANY) break;
            if (t->bits & GROUP) {
                int number = (bits & TWO) ? 2 : (bits & THREE) ? 3 : 4;
                int definite = k > 0 && (TOK(k - 1).bits & ARTICLE) && !(TOK(k).flags & T_BREAK);
                return number + (definite ? 8 : 0);
            }
        }
    }
    return 0;
}

static int scope(const Mention *found, int64_t n_found, const Scratch *w, uint8_t *acting,
                 int32_t *touched, int64_t *n_touched) {
    int64_t n_acting = 0;
    int group = 0;
    int64_t k = 0;
    while (k < n_found) {
        int64_t end = k;
        while (end + 1 < n_found && in_list_after(&found[end], &found[end + 1], w)) end++;
        int a = acts(&found[k], w, found[end].last);
        if (a) {
            for (int64_t j = k; j <= end; j++) {
                const Mention *m = &found[j];
                if (!acting[m->entity]) {
                    acting[m->entity] = 1;
                    touched[(*n_touched)++] = m->entity;
                    n_acting++;
                }
                if (m->flags & ALIAS_GROUP_BLOC) {
                    group = 1;
                } else if (m->flags & ALIAS_EU) {
                    int64_t count = phrase_after(w, m->last, 3);
                    if (first_with(w, m->last, count, GROUP) < 99) group = 1;
                }
            }
        }
        k = end + 1;
    }
    int cue = count_cue(w);
    if (!n_acting && !cue) return 0;
    if (group) return 4;
    if (cue > 8) return cue - 8;
    int counted = n_acting > 4 ? 4 : (int)n_acting;
    return counted > cue ? counted : cue;
}

/* (countries, blocs, scope) of one UTF-8 text. */
static PyObject *KEY_COUNTRIES, *KEY_BLOCS, *KEY_SCOPE;

/* The answer for one text: a (countries, blocs, scope) tuple, or with ``as_dict`` a dict with
   those keys; countries and blocs are new lists of codes. Steals the references. */
static PyObject *answer(PyObject *countries, PyObject *blocs, PyObject *scope, int as_dict) {
    PyObject *out = NULL;
    if (!countries || !blocs) goto done;
    if (as_dict) {
        out = PyDict_New();
        if (out && (PyDict_SetItem(out, KEY_COUNTRIES, countries) ||
                    PyDict_SetItem(out, KEY_BLOCS, blocs) || PyDict_SetItem(out, KEY_SCOPE, scope)))
            Py_CLEAR(out);
    } else {
        out = PyTuple_Pack(3, countries, blocs, scope);
    }
done:
    Py_XDECREF(countries);
    Py_XDECREF(blocs);
    return out;
}

static PyObject *extract_one(GeoScanner *g, const uint8_t *s, int64_t n, Scratch *w,
                             uint8_t *seen, uint8_t *acting, int32_t *touched, int as_dict) {
    w->n_mentions = 0;
    if (tokenize(s, n, w)) return PyErr_NoMemory();
    int any_false_friend = 0;
    for (int64_t k = 0; k < w->n_tokens;) {
        int32_t alias = -1;
        uint32_t h = TOK(k).word_hash & (FIRST_WORD_BITS - 1);
        int64_t end = -1;
        if (g->first_words[h >> 3] & (1u << (h & 7)))
            end = longest(&g->aliases, s, n, TOK(k).start, 0, &alias);
        if (end < 0) {
            k++;
            continue;
        }
        int64_t last = k;
        while (last + 1 < w->n_tokens && TOK(last + 1).start < end) last++;
        if (grow((void **)&w->mentions, &w->cap_mentions, w->n_mentions + 1, sizeof(Mention)))
            return PyErr_NoMemory();
        int32_t flags = g->alias_flags[alias];
        w->mentions[w->n_mentions++] =
            (Mention){g->alias_entity[alias], flags, (int32_t)k, (int32_t)last, TOK(k).start, end};
        any_false_friend |= (flags & ALIAS_FALSE_FRIEND) != 0;
        if (k == last) TOK(k).flags |= T_ALIAS;
        k = last + 1;
    }
    if (!w->n_mentions)
        return answer(PyList_New(0), PyList_New(0), PyTuple_GET_ITEM(g->scopes, 0), as_dict);
    uint32_t doc_bits = lexicon_pass(g, s, w);
    w->n_spans = 0;
    if (any_false_friend) {
        for (int64_t k = 0; k < w->n_tokens; k++) {
            int32_t value;
            int64_t end = longest(&g->false_friends, s, n, TOK(k).start, 1, &value);
            if (end > 0) {
                if (grow((void **)&w->spans, &w->cap_spans, 2 * (w->n_spans + 1), sizeof(int64_t)))
                    return PyErr_NoMemory();
                w->spans[2 * w->n_spans] = TOK(k).start;
                w->spans[2 * w->n_spans + 1] = end;
                w->n_spans++;
            }
        }
    }
    /* Drop false friends in place (the reference keeps the dropped ones out of ``kept``). */
    if (grow((void **)&w->kept, &w->cap_kept, w->n_mentions, sizeof(Mention)))
        return PyErr_NoMemory();
    Mention *kept = w->kept;
    int64_t n_kept = 0;
    for (int64_t k = 0; k < w->n_mentions; k++)
        if (!dropped(&w->mentions[k], w)) kept[n_kept++] = w->mentions[k];
    if (grow((void **)&w->verdicts, &w->cap_verdicts, n_kept + 1, 1)) return PyErr_NoMemory();
    /* seen[e]: 1 when entity e has a certain mention. */
    int64_t n_touched = 0, n_certain = 0;
    for (int64_t k = 0; k < n_kept; k++) {
        int v = (kept[k].flags & ALIAS_DOUBTFUL) ? supported(&kept[k], w, doc_bits) : 1;
        w->verdicts[k] = (int8_t)v;
        if (v == 1 && !seen[kept[k].entity]) {
            seen[kept[k].entity] = 1;
            touched[n_touched++] = kept[k].entity;
            n_certain++;
        }
    }
    int64_t n_found = 0;
    for (int64_t k = 0; k < n_kept; k++) {
        int v = w->verdicts[k];
        int e = kept[k].entity;
        int keep = v == 1 || (v == -1 && (seen[e] || n_certain - (seen[e] ? 1 : 0) > 0));
        if (keep) kept[n_found++] = kept[k];
    }
    for (int64_t k = 0; k < n_touched; k++) seen[touched[k]] = 0;
    /* Codes in order of first mention. */
    PyObject *countries = PyList_New(0), *blocs = PyList_New(0), *result = NULL;
    if (!countries || !blocs) goto fail;
    n_touched = 0;
    for (int64_t k = 0; k < n_found; k++) {
        int e = kept[k].entity;
        if (seen[e]) continue;
        seen[e] = 1;
        touched[n_touched++] = e;
        PyObject *code = PyTuple_GET_ITEM(g->codes, e);
        if (PyList_Append((kept[k].flags & ALIAS_BLOC) ? blocs : countries, code)) goto fail;
    }
    for (int64_t k = 0; k < n_touched; k++) seen[touched[k]] = 0;
    n_touched = 0;
    int sc = scope(kept, n_found, w, acting, touched, &n_touched);
    for (int64_t k = 0; k < n_touched; k++) acting[touched[k]] = 0;
    return answer(countries, blocs, PyTuple_GET_ITEM(g->scopes, sc), as_dict);
fail:
    for (int64_t k = 0; k < n_touched; k++) seen[touched[k]] = 0;
    Py_XDECREF(countries);
    Py_XDECREF(blocs);
    return result;
}

/* ---- the Python type ------------------------------------------------------------------- */

static void GeoScanner_dealloc(GeoScanner *self) {
    trie_free(&self->aliases);
    trie_free(&self->false_friends);
    free(self->alias_entity);
    free(self->alias_flags);
    free(self->lexicon);
    Py_XDECREF(self->codes);
    Py_XDECREF(self->scopes);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int build_trie(Trie *t, PyObject *words, int with_values, GeoScanner *self) {
    Py_ssize_t count = PyList_GET_SIZE(words), total = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(words, i);
        PyObject *word = with_values ? PyTuple_GetItem(item, 0) : item;
        if (!word || !PyBytes_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "GeoScanner: words must be bytes");
            return -1;
        }
        total += PyBytes_GET_SIZE(word);
    }
    if (trie_init(t, (size_t)total)) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(words, i);
        PyObject *word = with_values ? PyTuple_GET_ITEM(item, 0) : item;
        if (with_values) {
            long entity = PyLong_AsLong(PyTuple_GetItem(item, 1));
            long flags = PyLong_AsLong(PyTuple_GetItem(item, 2));
            if (PyErr_Occurred()) return -1;
            if (entity < 0 || entity >= self->n_entities) {
                PyErr_SetString(PyExc_ValueError, "GeoScanner: alias entity out of range");
                return -1;
            }
            self->alias_entity[i] = (int32_t)entity;
            self->alias_flags[i] = (int32_t)flags;
        }
        const uint8_t *bytes = (const uint8_t *)PyBytes_AS_STRING(word);
        Py_ssize_t size = PyBytes_GET_SIZE(word);
        trie_add(t, bytes, size, (int32_t)i);
        if (with_values) { /* the alias's first word, as the tokenizer would cut it */
            Py_ssize_t end = 0;
            int sep = 0;
            while (end < size) {
                int len = char_at(bytes, size, end, &sep);
                if (sep) break;
                end += len;
            }
            uint32_t h = word_hash(bytes, end, 0) & (FIRST_WORD_BITS - 1);
            self->first_words[h >> 3] |= (uint8_t)(1u << (h & 7));
        }
    }
    return 0;
}

static int GeoScanner_init(GeoScanner *self, PyObject *args, PyObject *kwds) {
    PyObject *aliases, *false_friends, *lexicon, *codes, *scopes;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!", &PyList_Type, &aliases, &PyList_Type, &false_friends,
                          &PyList_Type, &lexicon, &PyList_Type, &codes, &PyList_Type, &scopes))
        return -1;
    if (PyList_GET_SIZE(scopes) != 5 || PyList_GET_SIZE(codes) > MAX_ENTITIES) {
        PyErr_SetString(PyExc_ValueError, "GeoScanner: 5 scopes and at most 4096 codes");
        return -1;
    }
    self->codes = PyList_AsTuple(codes);
    self->scopes = PyList_AsTuple(scopes);
    if (!self->codes || !self->scopes) return -1;
    self->n_entities = (int32_t)PyList_GET_SIZE(codes);
    Py_ssize_t n_aliases = PyList_GET_SIZE(aliases);
    self->alias_entity = malloc(sizeof(int32_t) * (size_t)(n_aliases + 1));
    self->alias_flags = malloc(sizeof(int32_t) * (size_t)(n_aliases + 1));
    if (!self->alias_entity || !self->alias_flags) {
        PyErr_NoMemory();
        return -1;
    }
    if (build_trie(&self->aliases, aliases, 1, self)) return -1;
    if (build_trie(&self->false_friends, false_friends, 0, self)) return -1;
    Py_ssize_t n_words = PyList_GET_SIZE(lexicon);
    size_t size = 64;
    while (size < 2 * (size_t)n_words + 2) size <<= 1;
    self->lexicon = calloc(size, sizeof(LexSlot));
    if (!self->lexicon) {
        PyErr_NoMemory();
        return -1;
    }
    self->lexicon_mask = size - 1;
    for (Py_ssize_t i = 0; i < n_words; i++) {
        PyObject *pair = PyList_GET_ITEM(lexicon, i);
        const char *word;
        Py_ssize_t len;
        unsigned long bits;
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "GeoScanner: lexicon entries are (word, bits)");
            return -1;
        }
        word = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(pair, 0), &len);
        bits = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(pair, 1));
        if (!word || PyErr_Occurred()) return -1;
        if (len > MAX_LEXICON_WORD) continue; /* never looked up */
        size_t slot = spread(word_hash((const uint8_t *)word, len, 1)) & self->lexicon_mask;
        while (self->lexicon[slot].used) slot = (slot + 1) & self->lexicon_mask;
        memcpy(self->lexicon[slot].word, word, (size_t)len);
        self->lexicon[slot].length = (uint8_t)len;
        self->lexicon[slot].used = 1;
        self->lexicon[slot].bits = (uint32_t)bits;
    }
    return 0;
}

static PyObject *GeoScanner_extract_many(GeoScanner *self, PyObject *args) {
    PyObject *texts;
    int as_dict = 0;
    if (!PyArg_ParseTuple(args, "O|p", &texts, &as_dict)) return NULL;
    PyObject *seq = PySequence_Fast(texts, "extract_many expects a sequence of str");
    if (!seq) return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    PyObject *out = PyList_New(count);
    Scratch w = {0};
    uint8_t *seen = calloc((size_t)self->n_entities + 1, 1);
    uint8_t *acting = calloc((size_t)self->n_entities + 1, 1);
    int32_t *touched = malloc(sizeof(int32_t) * ((size_t)self->n_entities + 1));
    if (!out || !seen || !acting || !touched) {
        if (out) PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "extract_many: item %zd is %.100s, not str", i,
                         Py_TYPE(text)->tp_name);
            goto fail;
        }
        Py_ssize_t n;
        PyObject *encoded = NULL;
        const char *s = PyUnicode_AsUTF8AndSize(text, &n);
        if (!s) { /* lone surrogates: encode them as the reference sees them, one per char */
            PyErr_Clear();
            encoded = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
            if (!encoded) goto fail;
            s = PyBytes_AS_STRING(encoded);
            n = PyBytes_GET_SIZE(encoded);
        }
        PyObject *found = extract_one(self, (const uint8_t *)s, n, &w, seen, acting, touched, as_dict);
        Py_XDECREF(encoded);
        if (!found) goto fail;
        PyList_SET_ITEM(out, i, found);
    }
    free(w.tokens);
    free(w.mentions);
    free(w.spans);
    free(w.verdicts);
    free(w.kept);
    free(seen);
    free(acting);
    free(touched);
    Py_DECREF(seq);
    return out;
fail:
    free(w.tokens);
    free(w.mentions);
    free(w.spans);
    free(w.verdicts);
    free(w.kept);
    free(seen);
    free(acting);
    free(touched);
    Py_XDECREF(out);
    Py_DECREF(seq);
    return NULL;
}

static PyMethodDef GeoScanner_methods[] = {
    {"extract_many", (PyCFunction)GeoScanner_extract_many, METH_VARARGS,
     "extract_many(texts, as_dicts=False) -> list of (countries, blocs, scope) tuples, or of\n"
     "dicts with those keys; countries and blocs are lists of codes"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject GeoScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "classifier._geoscan.GeoScanner",
    .tp_basicsize = sizeof(GeoScanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Countries, blocs and scope extraction over compiled gazetteer tables.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)GeoScanner_init,
    .tp_dealloc = (destructor)GeoScanner_dealloc,
    .tp_methods = GeoScanner_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_geoscan", "Native scanner behind classifier.geo.", -1, NULL,
};

PyMODINIT_FUNC PyInit__geoscan(void) {
    for (int c = 0; c < 256; c++)
        ascii_word[c] = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    KEY_COUNTRIES = PyUnicode_InternFromString("countries");
    KEY_BLOCS = PyUnicode_InternFromString("blocs");
    KEY_SCOPE = PyUnicode_InternFromString("scope");
    if (!KEY_COUNTRIES || !KEY_BLOCS || !KEY_SCOPE) return NULL;
    if (PyType_Ready(&GeoScannerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&GeoScannerType);
    if (PyModule_AddObject(m, "GeoScanner", (PyObject *)&GeoScannerType) < 0) {
        Py_DECREF(&GeoScannerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
