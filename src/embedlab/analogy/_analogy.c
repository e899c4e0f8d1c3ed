/*
 * Analogy argmax for the benchmark sets (analogy.py): the C kernel behind 3CosAdd over a whole
 * vocabulary, one tile of words at a time.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdint.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "../common/_cpu.h"

/*
 * Analogy argmax: for each question q, the best word w of sum_m coef[q,m] * P[row[q,m], w] over a
 * tile of the vocabulary, skipping the question's own words. P holds the similarities of the
 * benchmark's few distinct words with the tile, so a question costs three row reads instead of a
 * GEMV over the whole vocabulary. Running bests persist across tiles (processed in ascending
 * order, strict '>' keeps the lower index on ties). The sum is evaluated as
 * (c0*p0 + c1*p1) + c2*p2 without FMA contraction on every code path, so results never depend on
 * the CPU.
 */
typedef struct {
    const float *P;      /* [u, T] */
    int64_t T, w0;       /* tile width and the vocabulary index of its first word */
    const int32_t *rows; /* [nq, 3] rows of P */
    const float *coef;   /* [nq, 3] */
    const int32_t *excl; /* [nq, 3] vocabulary indices excluded */
    int64_t q0, q1;
    int32_t *best;
    float *best_score;
} argmax_job;

static inline void argmax_lanes(const argmax_job *j, int64_t q, int64_t w, int64_t m,
                                const float *a, const float *b, const float *c, float ca, float cb,
                                float cc) {
    const int32_t *ex = j->excl + q * 3;
    for (int64_t l = 0; l < m; l++) {
        float v = (ca * a[w + l] + cb * b[w + l]) + cc * c[w + l];
        int32_t idx = (int32_t)(j->w0 + w + l);
        if (v > j->best_score[q] && idx != ex[0] && idx != ex[1] && idx != ex[2]) {
            j->best_score[q] = v;
            j->best[q] = idx;
        }
    }
}

static void argmax_generic(const argmax_job *j) {
    for (int64_t q = j->q0; q < j->q1; q++) {
        const int32_t *r = j->rows + q * 3;
        const float *cf = j->coef + q * 3;
        argmax_lanes(j, q, 0, j->T, j->P + r[0] * j->T, j->P + r[1] * j->T, j->P + r[2] * j->T,
                     cf[0], cf[1], cf[2]);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static void argmax_avx2(const argmax_job *j) {
    for (int64_t q = j->q0; q < j->q1; q++) {
        const int32_t *r = j->rows + q * 3;
        const float *cf = j->coef + q * 3;
        const float *a = j->P + r[0] * j->T, *b = j->P + r[1] * j->T, *c = j->P + r[2] * j->T;
        __m256 ca = _mm256_set1_ps(cf[0]), cb = _mm256_set1_ps(cf[1]), cc = _mm256_set1_ps(cf[2]);
        int64_t w = 0;
        for (; w + 16 <= j->T; w += 16) {
            __m256 v0 = _mm256_add_ps(
                _mm256_add_ps(_mm256_mul_ps(ca, _mm256_loadu_ps(a + w)),
                              _mm256_mul_ps(cb, _mm256_loadu_ps(b + w))),
                _mm256_mul_ps(cc, _mm256_loadu_ps(c + w)));
            __m256 v1 = _mm256_add_ps(
                _mm256_add_ps(_mm256_mul_ps(ca, _mm256_loadu_ps(a + w + 8)),
                              _mm256_mul_ps(cb, _mm256_loadu_ps(b + w + 8))),
                _mm256_mul_ps(cc, _mm256_loadu_ps(c + w + 8)));
            __m256 best = _mm256_set1_ps(j->best_score[q]);
            __m256 hit = _mm256_or_ps(_mm256_cmp_ps(v0, best, _CMP_GT_OQ),
                                      _mm256_cmp_ps(v1, best, _CMP_GT_OQ));
            if (_mm256_movemask_ps(hit)) argmax_lanes(j, q, w, 16, a, b, c, cf[0], cf[1], cf[2]);
        }
        if (w < j->T) argmax_lanes(j, q, w, j->T - w, a, b, c, cf[0], cf[1], cf[2]);
    }
}
#endif

static void *argmax_run(void *arg) {
    argmax_job *j = (argmax_job *)arg;
#if defined(__x86_64__) && defined(__GNUC__)
    if (have_avx2_fma()) {
        argmax_avx2(j);
        return NULL;
    }
#endif
    argmax_generic(j);
    return NULL;
}

/* analogy_argmax(P [u, T] float32, T, w0, rows [nq,3] int32, coef [nq,3] float32,
 *                excl [nq,3] int32, best [nq] int32, best_score [nq] float32, nthreads)
 * best/best_score are updated in place (initialise them to -1 / -inf). */
static PyObject *analogy_argmax(PyObject *self, PyObject *args) {
    PyObject *P_o, *rows_o, *coef_o, *excl_o, *best_o, *bs_o;
    long long T, w0;
    int nthreads;
    if (!PyArg_ParseTuple(args, "OLLOOOOOi", &P_o, &T, &w0, &rows_o, &coef_o, &excl_o, &best_o,
                          &bs_o, &nthreads))
        return NULL;
    Py_buffer P, R, C, E, BI, BS;
    int got = 0;
    PyObject *ret = NULL;
    if (get_buffer(P_o, &P, 0, "P") < 0) goto out;
    got = 1;
    if (get_buffer(rows_o, &R, 0, "rows") < 0) goto out;
    got = 2;
    if (get_buffer(coef_o, &C, 0, "coef") < 0) goto out;
    got = 3;
    if (get_buffer(excl_o, &E, 0, "excl") < 0) goto out;
    got = 4;
    if (get_buffer(best_o, &BI, 1, "best") < 0) goto out;
    got = 5;
    if (get_buffer(bs_o, &BS, 1, "best_score") < 0) goto out;
    got = 6;
    {
        int64_t nq = BI.len / 4, u = T > 0 ? P.len / 4 / T : 0;
        if (T <= 0 || w0 < 0 || P.len != u * T * 4 || R.len != nq * 12 || C.len != nq * 12 ||
            E.len != nq * 12 || BS.len != nq * 4) {
            PyErr_SetString(PyExc_ValueError, "analogy_argmax: inconsistent buffer sizes");
            goto out;
        }
        const int32_t *rows = (const int32_t *)R.buf;
        for (int64_t i = 0; i < nq * 3; i++)
            if (rows[i] < 0 || rows[i] >= u) {
                PyErr_SetString(PyExc_ValueError, "analogy_argmax: row outside P");
                goto out;
            }
        if (nthreads < 1) nthreads = 1;
        if (nthreads > 64) nthreads = 64;
        if (nq < 64 * nthreads) nthreads = 1;
        argmax_job jobs[64];
        pthread_t tid[64];
        int started[64] = {0};
        for (int t = 0; t < nthreads; t++) {
            argmax_job *j = &jobs[t];
            j->P = (const float *)P.buf;
            j->T = T;
            j->w0 = w0;
            j->rows = rows;
            j->coef = (const float *)C.buf;
            j->excl = (const int32_t *)E.buf;
            j->q0 = nq * t / nthreads;
            j->q1 = nq * (t + 1) / nthreads;
            j->best = (int32_t *)BI.buf;
            j->best_score = (float *)BS.buf;
        }
        Py_BEGIN_ALLOW_THREADS
        for (int t = 1; t < nthreads; t++)
            started[t] = pthread_create(&tid[t], NULL, argmax_run, &jobs[t]) == 0;
        argmax_run(&jobs[0]);
        for (int t = 1; t < nthreads; t++) {
            if (started[t]) pthread_join(tid[t], NULL);
            else argmax_run(&jobs[t]);
        }
        Py_END_ALLOW_THREADS
        ret = Py_None;
        Py_INCREF(ret);
    }
out:
    if (got >= 6) PyBuffer_Release(&BS);
    if (got >= 5) PyBuffer_Release(&BI);
    if (got >= 4) PyBuffer_Release(&E);
    if (got >= 3) PyBuffer_Release(&C);
    if (got >= 2) PyBuffer_Release(&R);
    if (got >= 1) PyBuffer_Release(&P);
    return ret;
}

static PyMethodDef methods[] = {
    {"analogy_argmax", analogy_argmax, METH_VARARGS, "Batched 3CosAdd argmax over P rows."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "_analogy",
                                    "Batched 3CosAdd argmax kernel.", -1, methods};

PyMODINIT_FUNC PyInit__analogy(void) { return PyModule_Create(&moddef); }
