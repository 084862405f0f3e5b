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
 *
 * Where the time goes, and how it is kept short: a bitmap of word bytes (SSE2, 16 ASCII bytes at
 * a time); a quick pass that tries the aliases only at capitalised words, so that
 * most texts, which name no place, stop there; tokens and their flags only for the others; the
 * lexicon looked up only for the tokens a rule asks about. The scan of a batch runs without the
 * GIL, and Python objects are built after it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Lexicon classes: the same bits as in geo.py. */
enum {
    GOV = 1 << 0, FUNCTION = 1 << 1, PLACE_PREP = 1 << 2, NAMING = 1 << 3, STATE = 1 << 4,
    COMPANY = 1 << 5, LOCATIVE = 1 << 6, TARGET = 1 << 7, GROUP = 1 << 8, TWO = 1 << 9,
    THREE = 1 << 10, MANY = 1 << 11, RIVER = 1 << 12, US_STATE = 1 << 13, ACT_NOUN = 1 << 14,
    COORD = 1 << 15, ARTICLE = 1 << 16, OWNER = 1 << 17, GEORGIA_US = 1 << 18,
    STATE_WORD2 = 1 << 19, STATE_NOUN = 1 << 20, FROM = 1 << 21, SUBJECT = 1 << 22,
    SKIP = 1 << 23, NOT_PARTNER = 1 << 24, STOP = 1 << 25, VERB = 1 << 26, SAY = 1 << 27,
    SPORT = 1 << 28, FOOD = 1 << 29, QUANT = 1 << 30,
};
/* Alias flags. */
enum {
    ALIAS_BLOC = 1, ALIAS_DOUBTFUL = 2, ALIAS_DEMONYM = 4, ALIAS_GROUP_BLOC = 8,
    ALIAS_FALSE_FRIEND = 16, ALIAS_US = 32, ALIAS_GEORGIA = 64, ALIAS_WASHINGTON = 128,
    ALIAS_EU = 256, ALIAS_TURKEY = 512,
};
/* Roles of a mention (see role). */
enum { NOT_ACTING = 0, ACTING = 1, REPORTING = 2 };
/* Sentences at the start of a text whose parties make the scope (a headline counts as one). */
#define LEAD_SENTENCES 2
/* Token flags. */
enum {
    T_UPPER = 1, T_BREAK = 2, T_COMMA = 4, T_SPACE = 8, T_HYPHEN = 16, T_POSSESSIVE = 32,
    T_ALIAS = 64, T_ANCHOR = 256, T_NUMBER = 512, T_HAS_BITS = 1024,
};

#define MAX_LEXICON_WORD 24
#define FIRST_WORD_BITS (1u << 16)
#define NUMBER_FILTER 4096u
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

/* A word. T_ANCHOR: an alias may start with it; T_NUMBER: it may be a number word; T_HAS_BITS:
   ``bits`` holds its lexicon classes, which are looked up only when a rule asks (see tbits). */
typedef struct {
    int64_t start, end;
    uint32_t flags, bits;
} Token;

typedef struct {
    int32_t entity, flags, first, last;
    int64_t start, end;
} Mention;

typedef struct GeoScannerS {
    PyObject_HEAD
    Trie aliases, false_friends;
    int32_t *alias_entity, *alias_flags;
    LexSlot *lexicon;
    size_t lexicon_mask;
    int64_t max_false_friend; /* bytes of the longest false-friend phrase */
    uint8_t first_words[FIRST_WORD_BITS / 8]; /* hashes of the first words of aliases */
    uint8_t anchor_byte[256];                 /* first bytes of aliases */
    uint8_t numbers[NUMBER_FILTER / 8]; /* number_key of the number words */
    uint32_t number_lengths[256];       /* bit L of [c]: a number word of L bytes starts with c */
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
    size_t slot = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & t->mask;
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
                size_t slot = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & t->mask;
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
    uint64_t *words; /* bitmap: bit i set when byte i of the text belongs to a word */
    int64_t cap_words;
    const struct GeoScannerS *g;
    const uint8_t *s; /* the text */
    int64_t n;        /* its length */
    Token *tokens;
    int64_t n_tokens, cap_tokens;
    Mention *mentions;
    int64_t n_mentions, cap_mentions;
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

/* Key of a word in the number-word filter: its length and its first and last bytes. */
static inline uint32_t number_key(const uint8_t *word, int64_t len) {
    return ((uint32_t)ascii_lower(word[0]) * 961u + ascii_lower(word[len - 1]) * 31u +
            (uint32_t)len) % NUMBER_FILTER;
}

/* Fill w->words: one bit per byte of s, set for the bytes of word characters. Runs of 16 ASCII
   bytes go at once where SSE2 is there; other characters one at a time. ``i`` is always at the
   start of a character: a run ends before a non-ASCII byte, a character is stepped over whole. */
static int word_bitmap(const uint8_t *s, int64_t n, Scratch *w) {
    int64_t n_words = n / 64 + 2;
    if (grow((void **)&w->words, &w->cap_words, n_words, sizeof(uint64_t))) return -1;
    uint64_t *bm = w->words;
    memset(bm, 0, sizeof(uint64_t) * (size_t)n_words);
    int64_t i = 0;
#ifdef __SSE2__
    const __m128i d0 = _mm_set1_epi8(0x2F), d1 = _mm_set1_epi8(0x3A);
    const __m128i a0 = _mm_set1_epi8(0x60), a1 = _mm_set1_epi8(0x7B), fold = _mm_set1_epi8(0x20);
#endif
    while (i < n) {
#ifdef __SSE2__
        if (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
            if (!_mm_movemask_epi8(v)) { /* 16 ASCII bytes */
                __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, d0), _mm_cmplt_epi8(v, d1));
                __m128i folded = _mm_or_si128(v, fold);
                __m128i alpha =
                    _mm_and_si128(_mm_cmpgt_epi8(folded, a0), _mm_cmplt_epi8(folded, a1));
                uint64_t mask = (uint32_t)_mm_movemask_epi8(_mm_or_si128(digit, alpha));
                int shift = (int)(i & 63);
                bm[i >> 6] |= mask << shift;
                if (shift > 48) bm[(i >> 6) + 1] |= mask >> (64 - shift);
                i += 16;
                continue;
            }
        }
#endif
        int sep, len = char_at(s, n, i, &sep);
        if (!sep)
            for (int k = 0; k < len; k++, i++) bm[i >> 6] |= 1ull << (i & 63);
        else
            i += len;
    }
    return 0;
}

/* The first position >= i whose bit is ``set`` (n if none). */
static inline int64_t next_bit(const uint64_t *bm, int64_t i, int64_t n, int set) {
    while (i < n) {
        uint64_t word = set ? bm[i >> 6] : ~bm[i >> 6];
        word &= ~0ull << (i & 63);
        if (word) {
            int64_t found = (i & ~63LL) + __builtin_ctzll(word);
            return found < n ? found : n;
        }
        i = (i | 63) + 1;
    }
    return n;
}

/* Split s into tokens with their flags (after word_bitmap); lexicon classes come later, on
   demand (tbits). First the word boundaries, from the bitmap a word at a time; then the flags. */
static int tokenize(const GeoScanner *g, const uint8_t *s, int64_t n, Scratch *w) {
    const uint64_t *bm = w->words;
    int64_t n_words = (n + 63) / 64, count = 0;
    uint64_t carry = 0; /* bit 63 of the previous bitmap word */
    int64_t start = 0;
    for (int64_t k = 0; k < n_words; k++) {
        uint64_t edges = bm[k] ^ ((bm[k] << 1) | carry); /* a bit where a word starts or ends */
        carry = bm[k] >> 63;
        while (edges) {
            int64_t i = (k << 6) + __builtin_ctzll(edges);
            edges &= edges - 1;
            if ((bm[k] >> (i & 63)) & 1) {
                start = i;
                continue;
            }
            if (count == w->cap_tokens &&
                grow((void **)&w->tokens, &w->cap_tokens, count + 1, sizeof(Token)))
                return -1;
            w->tokens[count].start = start;
            w->tokens[count++].end = i;
        }
    }
    if (carry) { /* a word runs to the end of the text */
        if (count == w->cap_tokens &&
            grow((void **)&w->tokens, &w->cap_tokens, count + 1, sizeof(Token)))
            return -1;
        w->tokens[count].start = start;
        w->tokens[count++].end = n;
    }
    int64_t previous_end = 0, kept = 0;
    for (int64_t k = 0; k < count; k++) {
        int64_t token_start = w->tokens[k].start, i = w->tokens[k].end;
        int64_t gap_a = previous_end, gap_b = token_start, wlen = i - token_start;
        previous_end = i;
        uint8_t first = s[token_start];
        if (kept && wlen == 1 && first == 's' &&
            ((gap_b - gap_a == 1 && s[gap_a] == '\'') ||
             (gap_b - gap_a == 3 && memcmp(s + gap_a, "\xe2\x80\x99", 3) == 0))) {
            w->tokens[kept - 1].flags |= T_POSSESSIVE;
            continue;
        }
        uint32_t flags = (first >= 'A' && first <= 'Z') ? T_UPPER : 0;
        if (gap_b - gap_a == 1 && s[gap_a] == ' ') {
            if (kept) flags |= T_SPACE; /* the common case: one space */
        } else if (kept) {
            int spaces = 1, brk = 0, dot = 0;
            for (int64_t j = gap_a; j < gap_b; j++) {
                uint8_t ch = s[j];
                if (ch == ' ') continue;
                spaces = 0;
                if (ch == ',') {
                    flags |= T_COMMA;
                } else if (ch == '.') {
                    dot = 1;
                } else if (ch == '\n' || ch == '!' || ch == '?' || ch == ';' || ch == ':') {
                    brk = 1;
                } else if (ch == '-') {
                    brk |= j > gap_a && j + 1 < gap_b && s[j - 1] == ' ' && s[j + 1] == ' ';
                } else if (ch == 0xE2 && j + 2 < gap_b && s[j + 1] == 0x80) {
                    brk |= s[j + 2] == 0x93 || s[j + 2] == 0x94; /* en and em dashes */
                }
            }
            const Token *last = &w->tokens[kept - 1];
            if (dot && !(last->end - last->start == 1 && s[last->start] < 0x80)) brk = 1;
            if ((gap_b - gap_a == 1 && s[gap_a] == '-') ||
                (gap_b - gap_a == 2 && s[gap_a] == '.' && s[gap_a + 1] == '-')) {
                flags |= T_HYPHEN; /* "Singapore-based", "U.S.-listed" */
            } else if (spaces) {
                flags |= T_SPACE;
            }
            if (brk) flags |= T_BREAK;
        }
        if (wlen < 32 && (g->number_lengths[first] >> wlen) & 1) {
            uint32_t key = number_key(s + token_start, wlen);
            if (g->numbers[key >> 3] & (1u << (key & 7))) flags |= T_NUMBER;
        }
        if (g->anchor_byte[first]) {
            uint32_t h = word_hash(s + token_start, wlen, 0) & (FIRST_WORD_BITS - 1);
            if (g->first_words[h >> 3] & (1u << (h & 7))) flags |= T_ANCHOR;
        }
        w->tokens[kept++] = (Token){token_start, i, flags, 0};
    }
    w->n_tokens = kept;
    return 0;
}

/* Whether the ASCII word t ends in "ed" and has more than three letters ("announced"). */
static int ends_ed(const Scratch *w, const Token *t) {
    int64_t len = t->end - t->start;
    const uint8_t *word = w->s + t->start;
    if (len <= 3 || word[len - 2] != 'e' || word[len - 1] != 'd') return 0;
    for (int64_t k = 0; k < len; k++)
        if (word[k] >= 0x80) return 0;
    return 1;
}

/* The lexicon classes of token t, looked up the first time they are asked for. */
static uint32_t tbits(const Scratch *w, const Token *token) {
    Token *t = (Token *)token;
    if (t->flags & T_HAS_BITS) return t->bits;
    uint32_t bits = 0;
    int64_t wlen = t->end - t->start;
    const uint8_t *word = w->s + t->start;
    int lexical = wlen <= MAX_LEXICON_WORD;
    for (int64_t k = 0; lexical && k < wlen; k++) lexical = word[k] < 0x80;
    if (lexical) {
        bits = lexicon_bits(w->g, word, wlen, word_hash(word, wlen, 1));
        if (wlen <= 3 && word[0] >= '0' && word[0] <= '9') {
            int value = 0, digits = 1;
            for (int64_t j = 0; j < wlen; j++) {
                if (word[j] < '0' || word[j] > '9') digits = 0;
                value = value * 10 + (word[j] - '0');
            }
            if (digits) bits = value == 2 ? TWO : value == 3 ? THREE : value > 3 ? MANY : 0;
        }
    }
    t->bits = bits;
    t->flags |= T_HAS_BITS;
    return bits;
}

/* The union of the lexicon classes of all tokens. */
static uint32_t doc_bits(const Scratch *w) {
    uint32_t bits = 0;
    for (int64_t k = 0; k < w->n_tokens; k++) bits |= tbits(w, &w->tokens[k]);
    return bits;
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

/* Whether s names a place (after word_bitmap): a cheap pass that lets most texts skip
   tokenizing. It tries the aliases at every token start with a capital or non-ASCII letter; an
   alias that starts with a small letter ("mainland China") contains one that does (GeoScanner
   checks), so the pass finds a match whenever the full one does. */
static int may_name_a_place(const GeoScanner *g, const uint8_t *s, int64_t n, const Scratch *w) {
    const uint64_t *bm = w->words;
    int64_t n_words = (n + 63) / 64;
    uint64_t carry = 0; /* bit 63 of the previous bitmap word */
    for (int64_t k = 0; k < n_words; k++) {
        uint64_t starts = bm[k] & ~((bm[k] << 1) | carry);
        carry = bm[k] >> 63;
        while (starts) {
            int64_t i = (k << 6) + __builtin_ctzll(starts);
            starts &= starts - 1;
            uint8_t first = s[i];
            if (!((first >= 'A' && first <= 'Z') || first >= 0xC0) || !g->anchor_byte[first])
                continue;
            int64_t end = next_bit(bm, i, n, 0);
            uint32_t h = word_hash(s + i, end - i, 0) & (FIRST_WORD_BITS - 1);
            int32_t value;
            if ((g->first_words[h >> 3] & (1u << (h & 7))) &&
                longest(&g->aliases, s, n, i, 0, &value) >= 0)
                return 1;
        }
    }
    return 0;
}

#define TOK(k) (w->tokens[(k)])

/* Whether a false-friend phrase ("china clay") that starts at a token contains the mention:
   only phrases that start at most max_false_friend bytes before it can. */
static int inside_false_friend(const Mention *m, const Scratch *w) {
    int64_t k = m->first;
    while (k > 0 && TOK(k - 1).start >= m->start - w->g->max_false_friend) k--;
    for (; k <= m->first; k++) {
        int32_t value;
        if (longest(&w->g->false_friends, w->s, w->n, TOK(k).start, 1, &value) >= m->end) return 1;
    }
    return 0;
}

static int dropped(const Mention *m, const Scratch *w) {
    if ((m->flags & ALIAS_FALSE_FRIEND) && inside_false_friend(m, w)) return 1;
    int64_t following = m->last + 1;
    if (following >= w->n_tokens) return 0;
    const Token *nxt = &TOK(following);
    if ((m->flags & ALIAS_WASHINGTON) && (tbits(w, nxt) & STATE_NOUN) && !(nxt->flags & T_BREAK))
        return 1;
    if (!(nxt->flags & T_COMMA) || (nxt->flags & T_BREAK) || !(nxt->flags & T_UPPER)) return 0;
    if ((tbits(w, nxt) & US_STATE) && !(m->flags & ALIAS_GEORGIA)) return 1;
    if (following + 1 < w->n_tokens && (tbits(w, &TOK(following + 1)) & STATE_WORD2))
        return (TOK(following + 1).flags & T_UPPER) != 0;
    for (int64_t k = 0; k < w->n_mentions; k++)
        if (w->mentions[k].first == following && (w->mentions[k].flags & ALIAS_US)) return 1;
    return 0;
}

static inline int place_or_word(const Scratch *w, const Token *t) {
    return !(t->flags & T_UPPER) || (t->flags & T_ALIAS) || (tbits(w, t) & (GOV | FUNCTION));
}

/* 1 supported, 0 rejected, -1 undecided. */
static int supported(const Mention *m, const Scratch *w) {
    int64_t n = w->n_tokens;
    const Token *first = &TOK(m->first);
    const Token *before = (m->first > 0 && !(first->flags & T_BREAK)) ? &TOK(m->first - 1) : NULL;
    const Token *after = m->last + 1 < n ? &TOK(m->last + 1) : NULL;
    if (after && (after->flags & T_BREAK)) after = NULL;
    int possessive = (TOK(m->last).flags & T_POSSESSIVE) != 0;
    if (after) {
        if (tbits(w, after) & RIVER) return 0;
        if ((tbits(w, after) & COORD) && m->last + 3 < n) {
            const Token *third = &TOK(m->last + 3);
            if ((tbits(w, third) & RIVER) && !((third->flags | TOK(m->last + 2).flags) & T_BREAK))
                return 0;
        }
    }
    if (before && (tbits(w, before) & NAMING)) return 0;
    if (m->flags & ALIAS_GEORGIA) {
        if (doc_bits(w) & GEORGIA_US) return 0;
        for (int64_t k = m->last + 1; k < n && k < m->last + 6; k++)
            if (tbits(w, &TOK(k)) & STATE_NOUN) return 0;
    }
    if ((m->flags & ALIAS_GEORGIA) && before && (first->flags & T_COMMA) &&
        (before->flags & T_UPPER) && !(before->flags & T_ALIAS))
        return 0; /* "Dalton, Georgia": a town, then its US state */
    if (before && (first->flags & T_SPACE) && !place_or_word(w, before)) return 0;
    if (after && (after->flags & T_SPACE) && !possessive && !place_or_word(w, after)) return 0;
    if (before) {
        if (tbits(w, before) & PLACE_PREP) return 1;
        if ((first->flags & T_COMMA) && (before->flags & T_UPPER)) return 1;
    }
    int64_t low = m->first - 10 > 0 ? m->first - 10 : 0;
    int64_t high = m->last + 11 < n ? m->last + 11 : n;
    for (int64_t k = low; k < high; k++)
        if (tbits(w, &TOK(k)) & GOV) return 1;
    if ((m->flags & ALIAS_TURKEY) && (doc_bits(w) & FOOD)) return 0; /* the bird */
    return -1;
}

/* Tokens after ``last`` in its noun phrase, up to ``count``: their number. */
static int64_t phrase_after(const Scratch *w, int64_t last, int64_t count) {
    int64_t k = last + 1;
    while (k < w->n_tokens && k < last + 1 + count) {
        const Token *t = &TOK(k);
        if ((t->flags & (T_BREAK | T_COMMA)) || ends_ed(w, t) || (tbits(w, t) & STOP)) break;
        k++;
    }
    return k - (last + 1);
}

static int64_t first_with(const Scratch *w, int64_t last, int64_t count, uint32_t bits) {
    for (int64_t k = 0; k < count; k++)
        if (tbits(w, &TOK(last + 1 + k)) & bits) return k;
    return 99;
}

static int64_t word_before(const Scratch *w, int64_t first) {
    int64_t k = first - 1;
    while (k >= 0 && !(TOK(k + 1).flags & T_BREAK) && (tbits(w, &TOK(k)) & SKIP)) k--;
    if (k < 0 || (TOK(k + 1).flags & T_BREAK)) return -1;
    return k;
}

static int in_list_after(const Mention *previous, const Mention *m, const Scratch *w) {
    if (previous->last >= m->first || (TOK(m->first).flags & T_BREAK)) return 0;
    int linked = previous->last + 1 == m->first ? (TOK(m->first).flags & T_COMMA) != 0 : 0;
    for (int64_t k = previous->last + 1; k < m->first; k++) {
        const Token *t = &TOK(k);
        if ((t->flags & T_BREAK) || !(tbits(w, t) & (COORD | ARTICLE))) return 0;
        linked = linked || (tbits(w, t) & COORD) || (t->flags & T_COMMA);
    }
    return linked;
}

static int reports(const Scratch *w, int64_t phrase_end) {
    for (int64_t k = phrase_end + 1; k < w->n_tokens && k < phrase_end + 6; k++) {
        if (TOK(k).flags & (T_BREAK | T_COMMA)) return 0;
        if (tbits(w, &TOK(k)) & SAY) return k + 1 == w->n_tokens || (TOK(k + 1).flags & T_BREAK);
    }
    return 0;
}

/* Whether the mention's sentence is about sport: "Japan beat Italy 3-2". */
static int in_sport(const Mention *m, const Scratch *w) {
    int64_t start = m->first, end = m->last + 1;
    while (start > 0 && !(TOK(start).flags & T_BREAK)) start--;
    while (end < w->n_tokens && !(TOK(end).flags & T_BREAK)) end++;
    for (int64_t k = start; k < end; k++)
        if (tbits(w, &TOK(k)) & SPORT) return 1;
    return 0;
}

/* The role of a mention: see _role in geo.py. */
static int role(const Mention *m, const Scratch *w, int64_t phrase_end) {
    int64_t n = w->n_tokens;
    if (m->last + 1 < n) {
        const Token *nxt = &TOK(m->last + 1);
        if ((nxt->flags & T_HYPHEN) && !(nxt->flags & T_UPPER)) return NOT_ACTING;
    }
    int64_t index = word_before(w, m->first);
    const Token *before = index >= 0 ? &TOK(index) : NULL;
    const Token *first = &TOK(m->first);
    const Token *following = phrase_end + 1 < n ? &TOK(phrase_end + 1) : NULL;
    if (following && (following->flags & T_BREAK)) following = NULL;
    int subject = before == NULL, blocked = 0;
    if (before) {
        int after_state = index > 0 && (tbits(w, &TOK(index - 1)) & STATE);
        if ((tbits(w, before) & (FROM | LOCATIVE)) && after_state) {
            subject = 1;
        } else if (tbits(w, before) & SUBJECT) {
            blocked = index > 0 && (tbits(w, &TOK(index - 1)) & NOT_PARTNER);
            subject = !blocked;
        } else if (tbits(w, before) & (LOCATIVE | TARGET)) {
            blocked = 1;
        } else if ((first->flags & T_COMMA) || (TOK(index + 1).flags & T_COMMA)) {
            blocked = (before->flags & T_UPPER) && index > 0 &&
                      (tbits(w, &TOK(index - 1)) & LOCATIVE);
            subject = !blocked;
            if (reports(w, phrase_end)) return REPORTING;
        }
    }
    if (following && ((tbits(w, following) & VERB) || ends_ed(w, following)) && !blocked)
        subject = 1;
    if (m->flags & ALIAS_BLOC) {
        if (m->first > 0 && (tbits(w, &TOK(m->first - 1)) & OWNER)) return NOT_ACTING;
        return subject ? ACTING : NOT_ACTING;
    }
    if (!subject) return NOT_ACTING;
    int64_t count = phrase_after(w, phrase_end, 4);
    int64_t state = first_with(w, phrase_end, count, STATE);
    int64_t company = first_with(w, phrase_end, count, COMPANY);
    int64_t state_or_act = first_with(w, phrase_end, count, STATE | ACT_NOUN);
    int acts;
    if (m->flags & ALIAS_DEMONYM) {
        acts = state < company;
    } else if (TOK(m->last).flags & T_POSSESSIVE) {
        acts = state_or_act < company;
    } else if (company < state_or_act) {
        acts = 0;
    } else {
        acts = state_or_act < 99 || !in_sport(m, w);
    }
    return acts ? ACTING : NOT_ACTING;
}

/* The number of parties the text states before token ``limit`` (see _count_cue in geo.py). */
static int count_cue(const Scratch *w, int64_t limit) {
    for (int64_t k = 0; k < limit; k++) {
        if (!(TOK(k).flags & T_NUMBER)) continue;
        uint32_t bits = tbits(w, &TOK(k));
        if (!(bits & (TWO | THREE | MANY))) continue;
        int64_t j = k - 1;
        while (j >= 0 && !(TOK(j + 1).flags & T_BREAK) && (tbits(w, &TOK(j)) & (QUANT | SKIP))) j--;
        if (j >= 0 && !(TOK(j + 1).flags & T_BREAK)) {
            uint32_t before = tbits(w, &TOK(j));
            if ((before & (TARGET | LOCATIVE)) && !(before & SUBJECT)) continue;
        }
        int64_t count = phrase_after(w, k, 3);
        for (int64_t i = 0; i < count; i++) {
            const Token *t = &TOK(k + 1 + i);
            if (tbits(w, t) & COMPANY) break;
            if (tbits(w, t) & GROUP) return (bits & TWO) ? 2 : (bits & THREE) ? 3 : 4;
        }
    }
    return 0;
}

/* Index of the first token after the lead (see _lead_end in geo.py). */
static int64_t lead_end(const Scratch *w) {
    int64_t sentences = 0, length = 0;
    for (int64_t k = 0; k < w->n_tokens; k++) {
        if ((TOK(k).flags & T_BREAK) && k) {
            if (length >= 4 && ++sentences == LEAD_SENTENCES) return k;
            length = 0;
        }
        length++;
    }
    return w->n_tokens;
}

/* The scope (an index in the scopes tuple) of the mentions that survived: see _scope and
   _parties in geo.py. ``marks`` is zeroed entity-indexed space: bit 1 acting, bit 2 reporting;
   the entities marked are listed in ``touched`` for the caller to clear. */
static int scope(const Mention *found, int64_t n_found, const Scratch *w, uint8_t *marks,
                 int32_t *touched, int64_t *n_touched) {
    int64_t limit = lead_end(w), n_acting = 0, n_reporting = 0;
    int group = 0;
    int64_t k = 0;
    while (k < n_found && found[k].first < limit) {
        int64_t end = k;
        while (end + 1 < n_found && in_list_after(&found[end], &found[end + 1], w)) end++;
        int r = role(&found[k], w, found[end].last);
        for (int64_t j = k; r != NOT_ACTING && j <= end; j++) {
            const Mention *m = &found[j];
            uint8_t bit = r == ACTING ? 1 : 2;
            if (!marks[m->entity]) touched[(*n_touched)++] = m->entity;
            if (!(marks[m->entity] & bit)) {
                marks[m->entity] |= bit;
                if (r == ACTING) {
                    n_acting++;
                } else {
                    n_reporting++;
                }
            }
            if (r != ACTING) continue;
            if (m->flags & ALIAS_GROUP_BLOC) {
                group = 1;
            } else if (m->flags & ALIAS_EU) {
                int64_t count = phrase_after(w, m->last, 3);
                if (first_with(w, m->last, count, GROUP) < 99) group = 1;
            }
        }
        k = end + 1;
    }
    int cue = count_cue(w, limit);
    if (!n_acting) n_acting = n_reporting;
    if (!n_acting && !cue) return 0;
    if (group) return 4;
    int counted = n_acting > 4 ? 4 : (int)n_acting;
    return counted > cue ? counted : cue;
}

/* (countries, blocs, scope) of one UTF-8 text. */
/* What the scan finds in one text: its countries and blocs (entity indices, in order of first
   mention, stored from ``offset`` in the batch's id array) and its scope. */
typedef struct {
    int64_t offset;
    int32_t n_countries, n_blocs, scope;
} Found;

/* Per-batch work space for scan_one, beyond the token scratch. */
typedef struct {
    uint8_t *seen, *acting;
    int32_t *touched, *order;
    int32_t *ids; /* entity indices of every text of the batch */
    int64_t n_ids, cap_ids;
} Batch;

/* Countries, blocs and scope of one UTF-8 text into *found. Runs without the GIL: it touches no
   Python object. Returns -1 when memory runs out. */
static int scan_one(const GeoScanner *g, const uint8_t *s, int64_t n, Scratch *w,
                    Batch *b, Found *found) {
    *found = (Found){b->n_ids, 0, 0, 0};
    w->n_mentions = 0;
    w->g = g;
    w->s = s;
    w->n = n;
    w->n_tokens = 0;
    if (word_bitmap(s, n, w)) return -1;
    if (may_name_a_place(g, s, n, w) && tokenize(g, s, n, w)) return -1;
    for (int64_t k = 0; k < w->n_tokens;) {
        int32_t alias = -1;
        int64_t end = -1;
        if (TOK(k).flags & T_ANCHOR) end = longest(&g->aliases, s, n, TOK(k).start, 0, &alias);
        if (end < 0) {
            k++;
            continue;
        }
        int64_t last = k;
        while (last + 1 < w->n_tokens && TOK(last + 1).start < end) last++;
        if (grow((void **)&w->mentions, &w->cap_mentions, w->n_mentions + 1, sizeof(Mention)))
            return -1;
        int32_t flags = g->alias_flags[alias];
        w->mentions[w->n_mentions++] =
            (Mention){g->alias_entity[alias], flags, (int32_t)k, (int32_t)last, TOK(k).start, end};
        if (k == last) TOK(k).flags |= T_ALIAS;
        k = last + 1;
    }
    if (!w->n_mentions) return 0;
    /* Drop false friends (the reference keeps the dropped ones out of ``kept``). */
    if (grow((void **)&w->kept, &w->cap_kept, w->n_mentions, sizeof(Mention))) return -1;
    Mention *kept = w->kept;
    int64_t n_kept = 0;
    for (int64_t k = 0; k < w->n_mentions; k++)
        if (!dropped(&w->mentions[k], w)) kept[n_kept++] = w->mentions[k];
    if (grow((void **)&w->verdicts, &w->cap_verdicts, n_kept + 1, 1)) return -1;
    uint8_t *seen = b->seen;
    int32_t *touched = b->touched, *order = b->order;
    /* seen[e]: 1 when entity e has a certain mention. */
    int64_t n_touched = 0, n_certain = 0;
    for (int64_t k = 0; k < n_kept; k++) {
        int v = (kept[k].flags & ALIAS_DOUBTFUL) ? supported(&kept[k], w) : 1;
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
    /* Codes in order of first mention: countries from the front of ``order``, blocs from the
       back. */
    int64_t n_countries = 0, n_blocs = 0, size = g->n_entities;
    n_touched = 0;
    for (int64_t k = 0; k < n_found; k++) {
        int e = kept[k].entity;
        if (seen[e]) continue;
        seen[e] = 1;
        touched[n_touched++] = e;
        if (kept[k].flags & ALIAS_BLOC) {
            order[size - 1 - n_blocs++] = e;
        } else {
            order[n_countries++] = e;
        }
    }
    for (int64_t k = 0; k < n_touched; k++) seen[touched[k]] = 0;
    n_touched = 0;
    found->scope = scope(kept, n_found, w, b->acting, touched, &n_touched);
    for (int64_t k = 0; k < n_touched; k++) b->acting[touched[k]] = 0;
    if (grow((void **)&b->ids, &b->cap_ids, b->n_ids + n_countries + n_blocs, sizeof(int32_t)))
        return -1;
    for (int64_t k = 0; k < n_countries; k++) b->ids[b->n_ids++] = order[k];
    for (int64_t k = 0; k < n_blocs; k++) b->ids[b->n_ids++] = order[size - 1 - k];
    found->n_countries = (int32_t)n_countries;
    found->n_blocs = (int32_t)n_blocs;
    return 0;
}

static PyObject *KEY_COUNTRIES, *KEY_BLOCS, *KEY_SCOPE;

/* A tuple of the codes of ``count`` entities. Tuples of strings cannot be in a reference cycle:
   untracked, they keep the garbage collector away from the many result dicts that hold them. */
static PyObject *codes_tuple(const GeoScanner *g, const int32_t *ids, int32_t count) {
    PyObject *tuple = PyTuple_New(count);
    if (!tuple || !count) return tuple;
    for (int32_t k = 0; k < count; k++) {
        PyObject *code = PyTuple_GET_ITEM(g->codes, ids[k]);
        Py_INCREF(code);
        PyTuple_SET_ITEM(tuple, k, code);
    }
    PyObject_GC_UnTrack(tuple);
    return tuple;
}

/* The answer for one text: a (countries, blocs, scope) tuple, or with ``as_dict`` a dict with
   those keys. */
static PyObject *answer(const GeoScanner *g, const Batch *b, const Found *f, int as_dict) {
    PyObject *countries = codes_tuple(g, b->ids + f->offset, f->n_countries);
    PyObject *blocs = codes_tuple(g, b->ids + f->offset + f->n_countries, f->n_blocs);
    PyObject *scope = PyTuple_GET_ITEM(g->scopes, f->scope), *out = NULL;
    if (countries && blocs) {
        if (as_dict) {
            out = PyDict_New();
            if (out && (PyDict_SetItem(out, KEY_COUNTRIES, countries) ||
                        PyDict_SetItem(out, KEY_BLOCS, blocs) ||
                        PyDict_SetItem(out, KEY_SCOPE, scope)))
                Py_CLEAR(out);
        } else {
            out = PyTuple_Pack(3, countries, blocs, scope);
        }
    }
    Py_XDECREF(countries);
    Py_XDECREF(blocs);
    return out;
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
            if (size) self->anchor_byte[bytes[0]] = 1;

        }
    }
    return 0;
}

static int GeoScanner_init(GeoScanner *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
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
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(false_friends); i++) {
        Py_ssize_t size = PyBytes_GET_SIZE(PyList_GET_ITEM(false_friends, i));
        if (size > self->max_false_friend) self->max_false_friend = size;
    }
    Py_ssize_t n_words = PyList_GET_SIZE(lexicon);
    size_t size = 64;
    while (size < 2 * (size_t)n_words + 2) size <<= 1;
    self->lexicon = calloc(size, sizeof(LexSlot));
    if (!self->lexicon) {
        PyErr_NoMemory();
        return -1;
    }
    self->lexicon_mask = size - 1;
    for (int c = '0'; c <= '9'; c++) /* numbers of one to three digits */
        for (int64_t len = 1; len <= 3; len++)
            for (int last = '0'; last <= '9'; last++) {
                uint8_t word[3] = {(uint8_t)c, (uint8_t)last, (uint8_t)last};
                if (len == 1 && last != c) continue;
                word[len - 1] = (uint8_t)last;
                self->number_lengths[c] |= 1u << len;
                uint32_t key = number_key(word, len);
                self->numbers[key >> 3] |= (uint8_t)(1u << (key & 7));
            }
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
        if (bits & (TWO | THREE | MANY) && len > 0) {
            /* Both cases of the first letter: the tokenizer sees words as written. */
            uint8_t c = (uint8_t)word[0];
            self->number_lengths[c] |= 1u << len;
            if (c >= 'a' && c <= 'z') self->number_lengths[c - 32] |= 1u << len;
            uint32_t key = number_key((const uint8_t *)word, len);
            self->numbers[key >> 3] |= (uint8_t)(1u << (key & 7));
        }
    }
    return 0;
}

/* The UTF-8 bytes of a str; a text with lone surrogates is encoded as the reference sees it (one
   code point each), into *keep, which the caller releases. */
static const char *utf8_of(PyObject *text, Py_ssize_t *n, PyObject **keep) {
    const char *s = PyUnicode_AsUTF8AndSize(text, n);
    if (s) return s;
    PyErr_Clear();
    *keep = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
    if (!*keep) return NULL;
    *n = PyBytes_GET_SIZE(*keep);
    return PyBytes_AS_STRING(*keep);
}

static PyObject *GeoScanner_extract_many(GeoScanner *self, PyObject *args) {
    PyObject *texts;
    int as_dict = 0;
    if (!PyArg_ParseTuple(args, "O|p", &texts, &as_dict)) return NULL;
    /* A tuple of our own: other threads may change the caller's list while the GIL is released,
       and the texts must outlive the scan. */
    PyObject *seq = PySequence_Tuple(texts);
    if (!seq) return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(seq);
    size_t entities = (size_t)self->n_entities + 1;
    PyObject *out = NULL, *keep = PyList_New(0);
    Scratch w = {0};
    Batch b = {calloc(entities, 1), calloc(entities, 1), malloc(sizeof(int32_t) * entities),
               malloc(sizeof(int32_t) * entities), NULL, 0, 0};
    const char **starts = malloc(sizeof(char *) * ((size_t)count + 1));
    Py_ssize_t *sizes = malloc(sizeof(Py_ssize_t) * ((size_t)count + 1));
    Found *found = malloc(sizeof(Found) * ((size_t)count + 1));
    if (!keep || !b.seen || !b.acting || !b.touched || !b.order || !starts || !sizes || !found) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text = PyTuple_GET_ITEM(seq, i), *bytes = NULL;
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "extract_many: item %zd is %.100s, not str", i,
                         Py_TYPE(text)->tp_name);
            goto done;
        }
        starts[i] = utf8_of(text, &sizes[i], &bytes);
        if (!starts[i]) goto done;
        if (bytes) {
            int failed = PyList_Append(keep, bytes);
            Py_DECREF(bytes);
            if (failed) goto done;
        }
    }
    int failed = 0;
    /* The scan reads only the UTF-8 buffers, which the texts (and ``keep``) hold: other threads
       may run meanwhile, such as the tagger scoring the same batch. */
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count && !failed; i++)
        failed = scan_one(self, (const uint8_t *)starts[i], sizes[i], &w, &b, &found[i]);
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    out = PyList_New(count);
    for (Py_ssize_t i = 0; out && i < count; i++) {
        PyObject *item = answer(self, &b, &found[i], as_dict);
        if (!item) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, item);
    }
done:
    free(w.tokens);
    free(w.mentions);
    free(w.verdicts);
    free(w.kept);
    free(w.words);
    free(b.seen);
    free(b.acting);
    free(b.touched);
    free(b.order);
    free(b.ids);
    free(starts);
    free(sizes);
    free(found);
    Py_XDECREF(keep);
    Py_DECREF(seq);
    return out;
}

static PyMethodDef GeoScanner_methods[] = {
    {"extract_many", (PyCFunction)GeoScanner_extract_many, METH_VARARGS,
     "extract_many(texts, as_dicts=False) -> list of (countries, blocs, scope) tuples, or of\n"
     "dicts with those keys; countries and blocs are tuples of codes"},
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
    PyModuleDef_HEAD_INIT, "_geoscan", "Native scanner behind classifier.geo.", -1, NULL, NULL, NULL, NULL, NULL,
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
