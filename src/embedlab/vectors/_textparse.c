/*
 * Multi-threaded parser for GloVe-format text: "word v1 ... vd" per line.
 *
 * Why C: parsing 20 million decimal numbers is the whole cost of loading GloVe; NumPy and pandas
 * spend most of their time in per-token overhead. Each value is converted exactly as
 * float32(float(token)) would convert it: a decimal with at most 19 significant digits and a small
 * exponent is converted with Clinger's fast path (one correctly rounded IEEE multiplication or
 * division, which equals a correctly rounded strtod), every other token goes through strtod; the
 * double is then rounded to float32.
 *
 * The module knows nothing of files or error messages; it fills caller-owned buffers (any object
 * with the buffer protocol) and a per-line status code that the Python side turns into messages.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    ST_OK = 0,
    ST_TOO_FEW = 1,     /* detail: number of values found */
    ST_TOO_MANY = 2,    /* detail: number of numeric fields found */
    ST_NOT_NUMBER = 3,  /* detail: 1-based index of the offending value */
    ST_NOT_FINITE = 4,  /* detail: 1-based index of the offending value */
    ST_EMPTY_WORD = 5,  /* detail: 0 */
};

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Returns 0 and stores the value, 1 for a token that is not a decimal number, 2 for inf/nan or a
 * value outside the float32 range. */
static int parse_value(const char *p, const char *end, float *out) {
    const char *s = p;
    int neg = 0;
    if (s < end && (*s == '-' || *s == '+')) {
        neg = (*s == '-');
        s++;
    }
    uint64_t mant = 0;
    int ndigits = 0, exp10 = 0, any = 0, overflow = 0;
    while (s < end && (unsigned)(*s - '0') < 10) {
        any = 1;
        if (mant == 0 && *s == '0') { s++; continue; }
        if (ndigits < 19) { mant = mant * 10 + (uint64_t)(*s - '0'); ndigits++; }
        else { overflow = 1; exp10++; }
        s++;
    }
    if (s < end && *s == '.') {
        s++;
        while (s < end && (unsigned)(*s - '0') < 10) {
            any = 1;
            if (mant == 0 && *s == '0') { exp10--; s++; continue; }
            if (ndigits < 19) { mant = mant * 10 + (uint64_t)(*s - '0'); ndigits++; exp10--; }
            else { overflow = 1; }
            s++;
        }
    }
    if (!any) goto special;
    if (s < end && (*s == 'e' || *s == 'E')) {
        s++;
        int eneg = 0, e = 0, edig = 0;
        if (s < end && (*s == '-' || *s == '+')) { eneg = (*s == '-'); s++; }
        while (s < end && (unsigned)(*s - '0') < 10) {
            if (e < 100000) e = e * 10 + (*s - '0');
            edig++;
            s++;
        }
        if (!edig) return 1;
        exp10 += eneg ? -e : e;
    }
    if (s != end) return 1;
    double d;
    if (!overflow && mant <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        d = (double)mant;
        d = exp10 < 0 ? d / POW10[-exp10] : d * POW10[exp10];
    } else {
        char buf[512];
        size_t n = (size_t)(end - p);
        char *tmp = n < sizeof buf ? buf : (char *)malloc(n + 1);
        if (!tmp) return 1;
        memcpy(tmp, p, n);
        tmp[n] = 0;
        char *stop;
        d = strtod(tmp, &stop);
        int bad = (stop != tmp + n);
        if (tmp != buf) free(tmp);
        if (bad) return 1;
        neg = 0; /* strtod kept the sign */
    }
    if (neg) d = -d;
    float f = (float)d;
    if (!isfinite(f)) return 2;
    *out = f;
    return 0;

special: {
        /* inf, infinity, nan (any case, optional sign) are numbers, but not finite ones. */
        size_t n = (size_t)(end - s);
        if ((n == 3 && strncasecmp(s, "inf", 3) == 0) || (n == 8 && strncasecmp(s, "infinity", 8) == 0) ||
            (n == 3 && strncasecmp(s, "nan", 3) == 0))
            return 2;
        return 1;
    }
}


/* The common case, inlined: a plain decimal of at most 19 digits ended by a space or the line end.
 * Returns 1 and advances *pp past the token on success; 0 leaves the token to parse_value. */
static inline int scan_fast(const char **pp, const char *end, float *out) {
    const char *s = *pp;
    int neg = 0;
    if (s < end && *s == '-') { neg = 1; s++; }
    uint64_t m = 0;
    const char *d0 = s;
    while (s < end && (unsigned)(*s - '0') < 10) { m = m * 10 + (uint64_t)(*s - '0'); s++; }
    int nd = (int)(s - d0), e10 = 0;
    if (s < end && *s == '.') {
        s++;
        const char *f0 = s;
        while (s < end && (unsigned)(*s - '0') < 10) { m = m * 10 + (uint64_t)(*s - '0'); s++; }
        nd += (int)(s - f0);
        e10 = -(int)(s - f0);
    }
    if (nd == 0 || nd > 19) return 0;
    if (s < end && (*s == 'e' || *s == 'E')) {
        s++;
        int eneg = 0, e = 0;
        if (s < end && (*s == '-' || *s == '+')) { eneg = (*s == '-'); s++; }
        const char *x0 = s;
        while (s < end && (unsigned)(*s - '0') < 10 && s - x0 < 4) { e = e * 10 + (*s - '0'); s++; }
        if (s == x0) return 0;
        e10 += eneg ? -e : e;
    }
    if (s < end && *s != ' ') return 0;
    if (m > (1ULL << 53) || e10 < -22 || e10 > 22) return 0;
    double d = (double)m;
    d = e10 < 0 ? d / POW10[-e10] : d * POW10[e10];
    float f = (float)(neg ? -d : d);
    if (!isfinite(f)) return 0;
    *out = f;
    *pp = s;
    return 1;
}

/* Forward pass over a well-formed line: word up to the first space, then exactly `dim` values.
 * Returns the end of the word, or NULL when the line needs the careful backward pass. */
static inline const char *parse_line_fast(const char *ls, const char *le, int dim, float *row) {
    const char *we = memchr(ls, ' ', (size_t)(le - ls));
    if (!we || we == ls) return NULL;
    const char *p = we;
    for (int k = 0; k < dim; k++) {
        if (p >= le || *p != ' ') return NULL;
        p++;
        if (!scan_fast(&p, le, &row[k])) return NULL;
    }
    return p == le ? we : NULL;
}

typedef struct {
    const char *data;
    const int64_t *starts; /* n_lines + 1 offsets: line i is data[starts[i] : starts[i+1]] */
    int64_t first, last;   /* lines [first, last) */
    int dim;
    float *vectors;
    char *words;           /* words written from words_pos on, each followed by '\n' */
    int64_t words_pos, words_len;
    int32_t *status, *detail;
    uint64_t *hashes;      /* FNV-1a of each word, so duplicates are found without a Python set */
} job_t;

static inline uint64_t fnv1a(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void *parse_lines(void *arg) {
    job_t *j = (job_t *)arg;
    const int dim = j->dim;
    char *w = j->words + j->words_pos;
    for (int64_t i = j->first; i < j->last; i++) {
        const char *ls = j->data + j->starts[i];
        const char *le = j->data + j->starts[i + 1];
        if (le > ls && le[-1] == '\n') le--;
        if (le > ls && le[-1] == '\r') le--;
        while (le > ls && le[-1] == ' ') le--; /* tolerated trailing blanks */
        float *row = j->vectors + (size_t)i * (size_t)dim;
        const char *fast_we = parse_line_fast(ls, le, dim, row);
        if (fast_we) {
            size_t n = (size_t)(fast_we - ls);
            memcpy(w, ls, n);
            w += n;
            *w++ = '\n';
            j->status[i] = ST_OK;
            j->detail[i] = 0;
            j->hashes[i] = fnv1a(ls, n);
            continue;
        }
        int st = ST_OK, det = 0;
        /* The vector is the last `dim` space-separated fields; everything before is the word, so
         * words that contain spaces (glove.840B) survive. Walk back from the end of the line. */
        const char *p = le;
        int k;
        for (k = dim - 1; k >= 0; k--) {
            const char *fe = p;
            while (p > ls && p[-1] != ' ') p--;
            if (p == ls) { /* ran into the start: this field is the word, too few values */
                st = ST_TOO_FEW;
                det = dim - 1 - k;
                break;
            }
            int r = parse_value(p, fe, &row[k]);
            if (r && st == ST_OK) {
                st = r == 1 ? ST_NOT_NUMBER : ST_NOT_FINITE;
                det = k + 1;
            }
            p--; /* the separating space */
        }
        const char *we = p;
        if (st == ST_OK) {
            if (we == ls) {
                st = ST_EMPTY_WORD;
            } else {
                /* A word whose last space-separated part is a number means a line with more values
                 * than `dim` (a joined or corrupt line), not a word with spaces. */
                const char *q = we;
                while (q > ls && q[-1] != ' ') q--;
                float dummy;
                if (q > ls && parse_value(q, we, &dummy) != 1) {
                    int extra = 0;
                    const char *r = we;
                    while (r > ls) {
                        const char *fe = r;
                        while (r > ls && r[-1] != ' ') r--;
                        if (r == ls || parse_value(r, fe, &dummy) == 1) break;
                        extra++;
                        r--;
                    }
                    st = ST_TOO_MANY;
                    det = dim + extra;
                }
            }
        }
        if (st == ST_TOO_FEW) {
            /* count all fields after the first so the message can say how many values there were */
            int n = 0;
            for (const char *q = ls; q < le; q++) n += (*q == ' ');
            det = n;
        }
        j->hashes[i] = 0;
        if (st == ST_OK) {
            size_t n = (size_t)(we - ls);
            memcpy(w, ls, n);
            w += n;
            j->hashes[i] = fnv1a(ls, n);
            det = memchr(ls, ' ', n) != NULL; /* for OK lines: does the word contain a space? */
        }
        j->status[i] = st;
        j->detail[i] = det;
        *w++ = '\n';
    }
    j->words_len = (int64_t)(w - (j->words + j->words_pos));
    return NULL;
}

static int get_buf(PyObject *o, Py_buffer *b, int writable, Py_ssize_t itemsize, Py_ssize_t min_items,
                   const char *what) {
    if (PyObject_GetBuffer(o, b, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0) return -1;
    if (b->len < itemsize * min_items) {
        PyErr_Format(PyExc_ValueError, "%s buffer is too small", what);
        PyBuffer_Release(b);
        return -1;
    }
    return 0;
}

/* count_lines(data) -> number of lines (a last line without '\n' counts). */
static PyObject *count_lines(PyObject *self, PyObject *args) {
    Py_buffer d;
    if (!PyArg_ParseTuple(args, "y*", &d)) return NULL;
    const char *p = (const char *)d.buf, *end = p + d.len;
    int64_t n = 0;
    Py_BEGIN_ALLOW_THREADS
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        n++;
        if (!nl) break;
        p = nl + 1;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&d);
    return PyLong_FromLongLong(n);
}

/* line_starts(data, out_int64) fills n_lines + 1 offsets. */
static PyObject *line_starts(PyObject *self, PyObject *args) {
    PyObject *data_o, *out_o;
    if (!PyArg_ParseTuple(args, "OO", &data_o, &out_o)) return NULL;
    Py_buffer d, o;
    if (PyObject_GetBuffer(data_o, &d, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(out_o, &o, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&d);
        return NULL;
    }
    int64_t cap = o.len / 8, n = 0;
    int64_t *out = (int64_t *)o.buf;
    const char *base = (const char *)d.buf, *p = base, *end = base + d.len;
    int full = 0;
    Py_BEGIN_ALLOW_THREADS
    while (p < end) {
        if (n >= cap) { full = 1; break; }
        out[n++] = p - base;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) { p = end; break; }
        p = nl + 1;
    }
    if (!full) {
        if (n < cap) out[n] = d.len;
        else full = 1;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&d);
    PyBuffer_Release(&o);
    if (full) {
        PyErr_SetString(PyExc_ValueError, "line_starts: output buffer is too small");
        return NULL;
    }
    return PyLong_FromLongLong(n);
}

/* parse(data, starts, dim, vectors, words, status, detail, hashes, nthreads)
 *   -> list of (offset, length) of the word segments in `words`, in line order.
 * `words` must hold len(data) + n_lines bytes. */
static PyObject *parse(PyObject *self, PyObject *args) {
    PyObject *data_o, *starts_o, *vec_o, *words_o, *status_o, *detail_o, *hash_o;
    int dim, nthreads;
    if (!PyArg_ParseTuple(args, "OOiOOOOOi", &data_o, &starts_o, &dim, &vec_o, &words_o, &status_o,
                          &detail_o, &hash_o, &nthreads))
        return NULL;
    if (dim < 1) return PyErr_Format(PyExc_ValueError, "dim must be positive, got %d", dim);
    if (nthreads < 1) nthreads = 1;
    if (nthreads > 64) nthreads = 64;
    Py_buffer d, s, v, w, st, de, hs;
    if (PyObject_GetBuffer(data_o, &d, PyBUF_SIMPLE) < 0) return NULL;
    if (get_buf(starts_o, &s, 0, 8, 1, "starts") < 0) { PyBuffer_Release(&d); return NULL; }
    int64_t n = s.len / 8 - 1;
    PyObject *result = NULL;
    int got = 0;
    if (get_buf(vec_o, &v, 1, 4, n * (Py_ssize_t)dim, "vectors") < 0) goto done;
    got = 1;
    if (get_buf(words_o, &w, 1, 1, d.len + n, "words") < 0) goto done;
    got = 2;
    if (get_buf(status_o, &st, 1, 4, n, "status") < 0) goto done;
    got = 3;
    if (get_buf(detail_o, &de, 1, 4, n, "detail") < 0) goto done;
    got = 4;
    if (get_buf(hash_o, &hs, 1, 8, n, "hashes") < 0) goto done;
    got = 5;
    {
        const int64_t *starts = (const int64_t *)s.buf;
        if (n > 0 && (starts[0] < 0 || starts[n] > d.len)) {
            PyErr_SetString(PyExc_ValueError, "line offsets lie outside the data");
            goto done;
        }
        if (n < nthreads * 1024) nthreads = 1;
        job_t jobs[64];
        pthread_t tids[64];
        int started[64] = {0};
        for (int t = 0; t < nthreads; t++) {
            job_t *j = &jobs[t];
            j->data = (const char *)d.buf;
            j->starts = starts;
            j->first = n * t / nthreads;
            j->last = n * (t + 1) / nthreads;
            j->dim = dim;
            j->vectors = (float *)v.buf;
            j->words = (char *)w.buf;
            /* a line's word is shorter than the line, so each job fits before the next one's start */
            j->words_pos = (starts[j->first] - starts[0]) + j->first;
            j->words_len = 0;
            j->status = (int32_t *)st.buf;
            j->detail = (int32_t *)de.buf;
            j->hashes = (uint64_t *)hs.buf;
        }
        Py_BEGIN_ALLOW_THREADS
        for (int t = 1; t < nthreads; t++)
            started[t] = pthread_create(&tids[t], NULL, parse_lines, &jobs[t]) == 0;
        parse_lines(&jobs[0]);
        for (int t = 1; t < nthreads; t++) {
            if (started[t]) pthread_join(tids[t], NULL);
            else parse_lines(&jobs[t]);
        }
        Py_END_ALLOW_THREADS
        result = PyList_New(nthreads);
        if (!result) goto done;
        for (int t = 0; t < nthreads; t++)
            PyList_SET_ITEM(result, t, Py_BuildValue("(LL)", (long long)jobs[t].words_pos,
                                                    (long long)jobs[t].words_len));
    }
done:
    if (got >= 5) PyBuffer_Release(&hs);
    if (got >= 4) PyBuffer_Release(&de);
    if (got >= 3) PyBuffer_Release(&st);
    if (got >= 2) PyBuffer_Release(&w);
    if (got >= 1) PyBuffer_Release(&v);
    PyBuffer_Release(&s);
    PyBuffer_Release(&d);
    return result;
}

/* parse_value(token: bytes) -> float | int error code; exposed so tests can compare with float(). */
static PyObject *py_parse_value(PyObject *self, PyObject *args) {
    Py_buffer b;
    if (!PyArg_ParseTuple(args, "y*", &b)) return NULL;
    float f = 0;
    int r = parse_value((const char *)b.buf, (const char *)b.buf + b.len, &f);
    PyBuffer_Release(&b);
    if (r) return PyLong_FromLong(r);
    return PyFloat_FromDouble((double)f);
}

static PyMethodDef methods[] = {
    {"count_lines", count_lines, METH_VARARGS, "Number of lines in a buffer."},
    {"line_starts", line_starts, METH_VARARGS, "Fill an int64 buffer with line start offsets."},
    {"parse", parse, METH_VARARGS, "Parse GloVe lines into caller-owned buffers."},
    {"parse_value", py_parse_value, METH_VARARGS, "Parse one token as float32 (tests)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "_textparse",
                                    "Exact, multi-threaded GloVe text parsing.", -1, methods};

PyMODINIT_FUNC PyInit__textparse(void) { return PyModule_Create(&moddef); }
