/*
 * Running top-k selection fed by blocks of a similarity matrix.
 *
 * Why C: the exact all-pairs neighbour search over a 400,000-word vocabulary looks at 8e10
 * similarities (each pair once, thanks to symmetry). NumPy would need a GEMM that writes every
 * block out and several passes over it (mask, argpartition, sort); here each value is compared
 * with two running thresholds (its row's k-th best and its column's) while still in a register,
 * and only the rare winners are inserted.
 *
 * Ordering is total and deterministic: higher key first, ties broken by the lower word index.
 * A key is s - h[other], where s is the block value and h the caller's per-word offset (0 for
 * cosine; |x|^2/2 for Euclidean, which turns "largest key" into "smallest distance").
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

typedef struct {
    float *score;   /* [n, k], sorted best first */
    int32_t *index; /* [n, k] */
    float *thr;     /* [n]: max(score[:, k-1], a known lower bound of the final k-th key);
                       contiguous so the scan can load it with SIMD; it never decreases */
    int k;
} topk_t;

/* Insert (key, idx) into list `r` if it reaches the threshold and beats the current k-th entry.
 * A key equal to the threshold is offered: it may be the final k-th entry itself. */
static inline void insert(topk_t *t, int64_t r, float key, int32_t idx) {
    const int k = t->k;
    float *s = t->score + r * k;
    int32_t *ix = t->index + r * k;
    if (key < t->thr[r] || key < s[k - 1] || (key == s[k - 1] && idx >= ix[k - 1])) return;
    int p = k - 1;
    while (p > 0 && (key > s[p - 1] || (key == s[p - 1] && idx < ix[p - 1]))) {
        s[p] = s[p - 1];
        ix[p] = ix[p - 1];
        p--;
    }
    s[p] = key;
    ix[p] = idx;
    if (s[k - 1] > t->thr[r]) t->thr[r] = s[k - 1];
}

static int get(PyObject *o, Py_buffer *b, int writable, const char *name) {
    if (PyObject_GetBuffer(o, b, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous buffer", name);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
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

static int have_avx2_fma(void);

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
    if (get(P_o, &P, 0, "P") < 0) goto out;
    got = 1;
    if (get(rows_o, &R, 0, "rows") < 0) goto out;
    got = 2;
    if (get(coef_o, &C, 0, "coef") < 0) goto out;
    got = 3;
    if (get(excl_o, &E, 0, "excl") < 0) goto out;
    got = 4;
    if (get(best_o, &BI, 1, "best") < 0) goto out;
    got = 5;
    if (get(bs_o, &BS, 1, "best_score") < 0) goto out;
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

/* ---------------------------------------------------------------------------------------------
 * Fused block product + selection. Computing the block with a BLAS GEMM and then scanning it
 * costs a write and a read of every value, and OpenBLAS reaches a fraction of peak at d = 50.
 * Here a 6x16 register tile of X_I X_J^T is accumulated with FMAs over d, compared with the row
 * and column thresholds while still in registers, and only a tile with a winner is spilled.
 * Each value is fmaf(a, b, acc) accumulated in order over d, on every code path, so results are
 * bit-identical whatever the CPU, block size or chunking.
 */
#define MR 6
#define NR 16

typedef struct {
    const float *A;  /* [mI][K] rows of block I, zero-padded to mI (multiple of MR) */
    const float *B;  /* [nJ/NR][K][NR] block J transposed in NR-column panels, zero-padded */
    const float *hI; /* [mI] */
    const float *hJ; /* [nJ] */
    int64_t bI, bJ, mI, nJ, I0, J0;
    int K, diagonal;
} blk_t;

static void tile_hits(const blk_t *b, topk_t *t, int64_t it, int64_t jt, float c[MR][NR]) {
    for (int r = 0; r < MR; r++) {
        int64_t i = it + r;
        if (i >= b->bI) break;
        for (int l = 0; l < NR; l++) {
            int64_t j = jt + l;
            if (j >= b->bJ) break;
            if (b->diagonal && j <= i) continue;
            float v = c[r][l];
            insert(t, b->I0 + i, v - b->hJ[j], (int32_t)(b->J0 + j));
            insert(t, b->J0 + j, v - b->hI[i], (int32_t)(b->I0 + i));
        }
    }
}

static void thresholds(const blk_t *b, const topk_t *t, int64_t it, int64_t jt, float tr[MR],
                       float tc[NR]) {
    for (int r = 0; r < MR; r++) tr[r] = it + r < b->bI ? t->thr[b->I0 + it + r] : INFINITY;
    for (int l = 0; l < NR; l++) tc[l] = jt + l < b->bJ ? t->thr[b->J0 + jt + l] : INFINITY;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) static void fused_avx2(const blk_t *b, topk_t *t) {
    const int K = b->K;
    for (int64_t it = 0; it < b->mI; it += MR) {
        const float *a = b->A + it * K;
        for (int64_t jt = 0; jt < b->nJ; jt += NR) {
            if (b->diagonal && jt + NR - 1 <= it) continue; /* whole tile on or below diagonal */
            const float *p = b->B + jt * K;
            __m256 c[MR][2];
            for (int r = 0; r < MR; r++) c[r][0] = c[r][1] = _mm256_setzero_ps();
            for (int k = 0; k < K; k++) {
                __m256 b0 = _mm256_loadu_ps(p + k * NR), b1 = _mm256_loadu_ps(p + k * NR + 8);
                for (int r = 0; r < MR; r++) {
                    __m256 ar = _mm256_broadcast_ss(a + r * K + k);
                    c[r][0] = _mm256_fmadd_ps(ar, b0, c[r][0]);
                    c[r][1] = _mm256_fmadd_ps(ar, b1, c[r][1]);
                }
            }
            float tr[MR], tc[NR];
            thresholds(b, t, it, jt, tr, tc);
            __m256 tc0 = _mm256_loadu_ps(tc), tc1 = _mm256_loadu_ps(tc + 8);
            __m256 hj0 = _mm256_loadu_ps(b->hJ + jt), hj1 = _mm256_loadu_ps(b->hJ + jt + 8);
            unsigned mrow[MR], mcol[MR], any = 0;
            for (int r = 0; r < MR; r++) {
                __m256 trr = _mm256_set1_ps(tr[r]), hir = _mm256_set1_ps(b->hI[it + r]);
                mrow[r] = (unsigned)_mm256_movemask_ps(
                              _mm256_cmp_ps(_mm256_sub_ps(c[r][0], hj0), trr, _CMP_GE_OQ)) |
                          (unsigned)_mm256_movemask_ps(
                              _mm256_cmp_ps(_mm256_sub_ps(c[r][1], hj1), trr, _CMP_GE_OQ)) << 8;
                mcol[r] = (unsigned)_mm256_movemask_ps(
                              _mm256_cmp_ps(_mm256_sub_ps(c[r][0], hir), tc0, _CMP_GE_OQ)) |
                          (unsigned)_mm256_movemask_ps(
                              _mm256_cmp_ps(_mm256_sub_ps(c[r][1], hir), tc1, _CMP_GE_OQ)) << 8;
                any |= mrow[r] | mcol[r];
            }
            if (any) {
                float cs[MR][NR];
                for (int r = 0; r < MR; r++) {
                    _mm256_storeu_ps(cs[r], c[r][0]);
                    _mm256_storeu_ps(cs[r] + 8, c[r][1]);
                }
                /* only the lanes that reached a threshold; insert() re-checks exactly */
                for (int r = 0; r < MR; r++) {
                    int64_t i = it + r;
                    unsigned m = mrow[r] | mcol[r];
                    while (m) {
                        int l = __builtin_ctz(m);
                        m &= m - 1;
                        int64_t j = jt + l;
                        if (i >= b->bI || j >= b->bJ || (b->diagonal && j <= i)) continue;
                        float v = cs[r][l];
                        if (mrow[r] >> l & 1) insert(t, b->I0 + i, v - b->hJ[j], (int32_t)(b->J0 + j));
                        if (mcol[r] >> l & 1) insert(t, b->J0 + j, v - b->hI[i], (int32_t)(b->I0 + i));
                    }
                }
            }
        }
    }
}
#endif

static void fused_generic(const blk_t *b, topk_t *t) {
    const int K = b->K;
    for (int64_t it = 0; it < b->mI; it += MR) {
        const float *a = b->A + it * K;
        for (int64_t jt = 0; jt < b->nJ; jt += NR) {
            if (b->diagonal && jt + NR - 1 <= it) continue;
            const float *p = b->B + jt * K;
            float c[MR][NR] = {{0}};
            for (int k = 0; k < K; k++)
                for (int r = 0; r < MR; r++)
                    for (int l = 0; l < NR; l++) c[r][l] = fmaf(a[r * K + k], p[k * NR + l], c[r][l]);
            float tr[MR], tc[NR];
            thresholds(b, t, it, jt, tr, tc);
            int hit = 0;
            for (int r = 0; r < MR; r++)
                for (int l = 0; l < NR; l++)
                    hit |= (c[r][l] - b->hJ[jt + l] >= tr[r]) | (c[r][l] - b->hI[it + r] >= tc[l]);
            if (hit) tile_hits(b, t, it, jt, c);
        }
    }
}

static int have_avx2_fma(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* fused_update(x [n, K] float32, h [n] float32, i0, i1, j0, j1, score, index, thr)
 * Feeds all pairs of rows x[i0:i1] x x[j0:j1] (only j > i when the ranges are equal). */
static PyObject *fused_update(PyObject *self, PyObject *args) {
    PyObject *x_o, *h_o, *score_o, *index_o, *thr_o;
    long long i0, i1, j0, j1;
    int K, force_generic = 0;
    if (!PyArg_ParseTuple(args, "OiOLLLLOOO|p", &x_o, &K, &h_o, &i0, &i1, &j0, &j1, &score_o,
                          &index_o, &thr_o, &force_generic))
        return NULL;
    Py_buffer X, H, S, IX, TH;
    int got = 0;
    PyObject *ret = NULL;
    float *A = NULL, *B = NULL, *hI = NULL, *hJ = NULL;
    if (get(x_o, &X, 0, "x") < 0) goto out;
    got = 1;
    if (get(h_o, &H, 0, "h") < 0) goto out;
    got = 2;
    if (get(score_o, &S, 1, "score") < 0) goto out;
    got = 3;
    if (get(index_o, &IX, 1, "index") < 0) goto out;
    got = 4;
    if (get(thr_o, &TH, 1, "thr") < 0) goto out;
    got = 5;
    {
        int64_t n = TH.len / 4;
        if (K < 1 || X.len != n * K * 4 || H.len != n * 4 || n == 0 || S.len % (n * 4) != 0 ||
            IX.len != S.len) {
            PyErr_SetString(PyExc_ValueError, "fused_update: inconsistent buffer sizes");
            goto out;
        }
        if (!(0 <= i0 && i0 < i1 && i1 <= n && 0 <= j0 && j0 < j1 && j1 <= n) ||
            (i0 == j0) != (i1 == j1) || (i0 != j0 && j0 < i1 && i0 < j1)) {
            PyErr_SetString(PyExc_ValueError, "fused_update: bad or overlapping block ranges");
            goto out;
        }
        topk_t t = {(float *)S.buf, (int32_t *)IX.buf, (float *)TH.buf, (int)(S.len / (n * 4))};
        blk_t b;
        b.bI = i1 - i0;
        b.bJ = j1 - j0;
        b.mI = (b.bI + MR - 1) / MR * MR;
        b.nJ = (b.bJ + NR - 1) / NR * NR;
        b.I0 = i0;
        b.J0 = j0;
        b.K = K;
        b.diagonal = (i0 == j0);
        A = (float *)calloc((size_t)(b.mI * K), sizeof(float));
        B = (float *)calloc((size_t)(b.nJ * K), sizeof(float));
        hI = (float *)calloc((size_t)b.mI, sizeof(float));
        hJ = (float *)calloc((size_t)b.nJ, sizeof(float));
        if (!A || !B || !hI || !hJ) {
            PyErr_NoMemory();
            goto out;
        }
        const float *x = (const float *)X.buf, *h = (const float *)H.buf;
        int use_avx2 = !force_generic && have_avx2_fma();
        Py_BEGIN_ALLOW_THREADS
        memcpy(A, x + i0 * K, (size_t)(b.bI * K) * sizeof(float));
        memcpy(hI, h + i0, (size_t)b.bI * sizeof(float));
        memcpy(hJ, h + j0, (size_t)b.bJ * sizeof(float));
        for (int64_t j = 0; j < b.bJ; j++) /* panel p holds columns [p*NR, p*NR+NR) as [K][NR] */
            for (int k = 0; k < K; k++)
                B[(j / NR) * NR * K + k * NR + (j % NR)] = x[(j0 + j) * K + k];
        b.A = A;
        b.B = B;
        b.hI = hI;
        b.hJ = hJ;
#if defined(__x86_64__) && defined(__GNUC__)
        if (use_avx2) fused_avx2(&b, &t);
        else fused_generic(&b, &t);
#else
        (void)use_avx2;
        fused_generic(&b, &t);
#endif
        Py_END_ALLOW_THREADS
        ret = Py_None;
        Py_INCREF(ret);
    }
out:
    free(A);
    free(B);
    free(hI);
    free(hJ);
    if (got >= 5) PyBuffer_Release(&TH);
    if (got >= 4) PyBuffer_Release(&IX);
    if (got >= 3) PyBuffer_Release(&S);
    if (got >= 2) PyBuffer_Release(&H);
    if (got >= 1) PyBuffer_Release(&X);
    return ret;
}

static PyMethodDef methods[] = {
    {"fused_update", fused_update, METH_VARARGS, "Block product and top-k selection in one pass."},
    {"analogy_argmax", analogy_argmax, METH_VARARGS, "Batched 3CosAdd argmax over P rows."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "_topk",
                                    "Exact top-k selection kernels.", -1, methods};

PyMODINIT_FUNC PyInit__topk(void) { return PyModule_Create(&moddef); }
