/* Entries of a word2vec binary file: "word " followed by dim little-endian float32 values, an
 * optional newline after each vector (word2vec.c writes one, gensim does not).
 *
 * scan(data, dim, max_count, vectors, blob, offsets, hashes, status, detail, nthreads)
 *     reads up to max_count complete entries from the start of `data` and returns
 *     (n_entries, bytes_consumed, blob_length). An entry that does not fit completely in `data`
 *     ends the scan (the caller gives more bytes, or reports a truncated file). Like gensim's
 *     loader, the newlines before a word are not part of it; everything up to the next space is.
 *     Each word goes to `blob` followed by one space (a word cannot contain one), its vector to
 *     row i of `vectors` ([max_count, dim] float32), the byte offset of the word's first byte to
 *     offsets[i], the FNV-1a hash of its bytes to hashes[i], and a status per entry (0 ok,
 *     4 a value is not finite: detail = its 1-based position, 5 the word is empty).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define ST_NOT_FINITE 4
#define ST_EMPTY_WORD 5

static int get_buf(PyObject *o, Py_buffer *b, int writable, Py_ssize_t min_bytes, const char *what) {
    if (PyObject_GetBuffer(o, b, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0) return -1;
    if (b->len < min_bytes) {
        PyErr_Format(PyExc_ValueError, "%s buffer is too small", what);
        PyBuffer_Release(b);
        return -1;
    }
    return 0;
}

/* 1-based position of the first inf or nan among n raw float32 values, 0 if all are finite. */
static int first_not_finite(const uint32_t *v, int n) {
    uint32_t any = 0;
    for (int i = 0; i < n; i++) any |= ((v[i] >> 23) & 0xffu) == 0xffu;
    if (!any) return 0;
    for (int i = 0; i < n; i++)
        if (((v[i] >> 23) & 0xffu) == 0xffu) return i + 1;
    return 0;
}

typedef struct {
    const char *base;
    float *vectors;
    const int64_t *offsets;
    int32_t *status, *detail;
    int dim;
    Py_ssize_t first, last;
} copy_job;

/* Rows first..last: the vector after each word (whose length the scan left in detail[i]) to its
 * row, and the finiteness check; run on several threads, as it touches every byte. */
static void *copy_rows(void *arg) {
    copy_job *j = (copy_job *)arg;
    const size_t row = (size_t)j->dim * 4;
    for (Py_ssize_t i = j->first; i < j->last; i++) {
        float *out = j->vectors + (size_t)i * (size_t)j->dim;
        memcpy(out, j->base + j->offsets[i] + j->detail[i] + 1, row);
        int bad = first_not_finite((const uint32_t *)out, j->dim);
        if (j->status[i] == 0 && bad) j->status[i] = ST_NOT_FINITE;
        j->detail[i] = j->status[i] == ST_NOT_FINITE ? bad : 0;
    }
    return NULL;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *data_o, *vec_o, *blob_o, *off_o, *hash_o, *st_o, *det_o;
    int dim, nthreads;
    Py_ssize_t max_count;
    if (!PyArg_ParseTuple(args, "OinOOOOOOi", &data_o, &dim, &max_count, &vec_o, &blob_o, &off_o,
                          &hash_o, &st_o, &det_o, &nthreads))
        return NULL;
    if (dim <= 0 || max_count < 0) {
        PyErr_SetString(PyExc_ValueError, "dim must be positive and max_count not negative");
        return NULL;
    }
    if (nthreads < 1) nthreads = 1;
    if (nthreads > 64) nthreads = 64;
    Py_buffer d, vec, blob, off, hash, st, det;
    if (PyObject_GetBuffer(data_o, &d, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    const Py_ssize_t row = (Py_ssize_t)dim * 4;
    if (get_buf(vec_o, &vec, 1, row * max_count, "vectors") < 0) goto fail_d;
    if (get_buf(blob_o, &blob, 1, 0, "blob") < 0) goto fail_vec;
    if (get_buf(off_o, &off, 1, 8 * max_count, "offsets") < 0) goto fail_blob;
    if (get_buf(hash_o, &hash, 1, 8 * max_count, "hashes") < 0) goto fail_off;
    if (get_buf(st_o, &st, 1, 4 * max_count, "status") < 0) goto fail_hash;
    if (get_buf(det_o, &det, 1, 4 * max_count, "detail") < 0) goto fail_st;

    const char *base = (const char *)d.buf, *end = base + d.len, *p = base;
    char *b = (char *)blob.buf, *bend = b + blob.len;
    int64_t *offsets = (int64_t *)off.buf;
    uint64_t *hashes = (uint64_t *)hash.buf;
    int32_t *status = (int32_t *)st.buf, *detail = (int32_t *)det.buf;
    Py_ssize_t n = 0;
    int blob_full = 0;
    Py_BEGIN_ALLOW_THREADS
    /* 1. where each entry's word and vector are: sequential, but it reads only the words */
    while (n < max_count) {
        const char *ws = p;
        while (ws < end && *ws == '\n') ws++;
        const char *sp = ws < end ? memchr(ws, ' ', (size_t)(end - ws)) : NULL;
        if (!sp || end - (sp + 1) < row) break; /* incomplete entry */
        size_t wl = (size_t)(sp - ws);
        if ((size_t)(bend - b) < wl + 1 || wl > INT32_MAX) {
            blob_full = 1;
            break;
        }
        memcpy(b, ws, wl);
        b[wl] = ' ';
        b += wl + 1;
        uint64_t h = 1469598103934665603ULL;
        for (size_t i = 0; i < wl; i++) h = (h ^ (unsigned char)ws[i]) * 1099511628211ULL;
        offsets[n] = (int64_t)(ws - base);
        hashes[n] = h;
        status[n] = wl == 0 ? ST_EMPTY_WORD : 0;
        detail[n] = (int32_t)wl;
        n++;
        p = sp + 1 + row;
    }
    /* 2. the vectors, on every thread */
    if (n < (Py_ssize_t)nthreads * 4096) nthreads = 1;
    copy_job jobs[64];
    pthread_t tids[64];
    int started[64] = {0};
    for (int t = 0; t < nthreads; t++) {
        jobs[t] = (copy_job){base, (float *)vec.buf, offsets, status, detail, dim,
                             n * t / nthreads, n * (t + 1) / nthreads};
    }
    for (int t = 1; t < nthreads; t++)
        started[t] = pthread_create(&tids[t], NULL, copy_rows, &jobs[t]) == 0;
    copy_rows(&jobs[0]);
    for (int t = 1; t < nthreads; t++) {
        if (started[t]) pthread_join(tids[t], NULL);
        else copy_rows(&jobs[t]);
    }
    Py_END_ALLOW_THREADS
    PyObject *result = blob_full ? NULL
                                 : Py_BuildValue("(nnn)", n, (Py_ssize_t)(p - base),
                                                 (Py_ssize_t)(b - (char *)blob.buf));
    if (blob_full) PyErr_SetString(PyExc_ValueError, "blob buffer is too small");
    PyBuffer_Release(&det);
    PyBuffer_Release(&st);
    PyBuffer_Release(&hash);
    PyBuffer_Release(&off);
    PyBuffer_Release(&blob);
    PyBuffer_Release(&vec);
    PyBuffer_Release(&d);
    return result;
fail_st:
    PyBuffer_Release(&st);
fail_hash:
    PyBuffer_Release(&hash);
fail_off:
    PyBuffer_Release(&off);
fail_blob:
    PyBuffer_Release(&blob);
fail_vec:
    PyBuffer_Release(&vec);
fail_d:
    PyBuffer_Release(&d);
    return NULL;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, "Read complete word2vec binary entries into caller-owned buffers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "_binparse",
                                    "word2vec binary entries -> words and float32 rows.", -1, methods};

PyMODINIT_FUNC PyInit__binparse(void) { return PyModule_Create(&moddef); }
