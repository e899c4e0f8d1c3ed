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

#include "../common/_cpu.h"

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


/* ---------------------------------------------------------------------------------------------
 * Fused block product + selection. Computing the block with a BLAS GEMM and then scanning it
 * costs a write and a read of every value, and a BLAS reaches a fraction of peak at d = 50.
 * Here an MR x NR register tile of X_I X_J^T is accumulated with FMAs over d, compared with the
 * row and column thresholds while still in registers, and only a tile with a winner is spilled.
 * Three paths, chosen at run time (or forced by the caller): portable C (6x16 tiles), AVX2+FMA
 * (6x16: 12 ymm accumulators) and AVX-512F (12x32: 24 zmm accumulators, two 512-bit FMAs per
 * cycle on server cores). Each value is fmaf(a, b, acc) accumulated in order over d on every
 * path, and the threshold tests are the same comparisons, so results are bit-identical whatever
 * the path, tile, block size or chunking (tested).
 */
enum { KERNEL_GENERIC = 0, KERNEL_AVX2 = 1, KERNEL_AVX512 = 2 };
static const char *KERNEL_NAMES[] = {"generic", "avx2", "avx512"};
static const int KERNEL_MR[] = {6, 6, 12};
static const int KERNEL_NR[] = {16, 16, 32};
#define MAXMR 12
#define MAXNR 32
/* columns of B kept hot in L2 while every row tile of A passes over them */
#define L2_BYTES (768 * 1024)

typedef struct {
    const float *A;  /* [mI/MR][K][MR] block I in MR-row panels, zero-padded to mI */
    const float *B;  /* [nJ/NR][K][NR] block J transposed in NR-column panels, zero-padded */
    const float *hI; /* [mI] */
    const float *hJ; /* [nJ] */
    int64_t bI, bJ, mI, nJ, I0, J0;
    int K, diagonal, MR, NR;
} blk_t;

static void thresholds(const blk_t *b, const topk_t *t, int64_t it, int64_t jt, float *tr,
                       float *tc) {
    for (int r = 0; r < b->MR; r++) tr[r] = it + r < b->bI ? t->thr[b->I0 + it + r] : INFINITY;
    for (int l = 0; l < b->NR; l++) tc[l] = jt + l < b->bJ ? t->thr[b->J0 + jt + l] : INFINITY;
}

/* Insert the lanes of a spilled tile that reached a threshold (insert() re-checks exactly). */
static void tile_hits(const blk_t *b, topk_t *t, int64_t it, int64_t jt, const float *cs,
                      const uint32_t *mrow, const uint32_t *mcol) {
    for (int r = 0; r < b->MR; r++) {
        int64_t i = it + r;
        uint32_t m = mrow[r] | mcol[r];
        while (m) {
            int l = __builtin_ctz(m);
            m &= m - 1;
            int64_t j = jt + l;
            if (i >= b->bI || j >= b->bJ || (b->diagonal && j <= i)) continue;
            float v = cs[r * b->NR + l];
            if (mrow[r] >> l & 1) insert(t, b->I0 + i, v - b->hJ[j], (int32_t)(b->J0 + j));
            if (mcol[r] >> l & 1) insert(t, b->J0 + j, v - b->hI[i], (int32_t)(b->I0 + i));
        }
    }
}

/* Column groups of whole panels whose slice of B fits in L2 (all of it when d is small). */
static int64_t group_cols(const blk_t *b) {
    int64_t g = L2_BYTES / ((int64_t)b->K * 4) / b->NR * b->NR;
    return g < b->NR ? b->NR : g;
}

static void fused_generic(const blk_t *b, topk_t *t) {
    const int K = b->K, MR = b->MR, NR = b->NR;
    const int64_t G = group_cols(b);
    for (int64_t jg = 0; jg < b->nJ; jg += G)
        for (int64_t it = 0; it < b->mI; it += MR) {
            const float *a = b->A + it * K;
            for (int64_t jt = jg; jt < b->nJ && jt < jg + G; jt += NR) {
                if (b->diagonal && jt + NR - 1 <= it) continue; /* all on or below diagonal */
                const float *p = b->B + jt * K;
                float c[MAXMR * MAXNR] = {0};
                for (int k = 0; k < K; k++)
                    for (int r = 0; r < MR; r++)
                        for (int l = 0; l < NR; l++)
                            c[r * NR + l] = fmaf(a[k * MR + r], p[k * NR + l], c[r * NR + l]);
                float tr[MAXMR], tc[MAXNR];
                thresholds(b, t, it, jt, tr, tc);
                uint32_t mrow[MAXMR], mcol[MAXMR], any = 0;
                for (int r = 0; r < MR; r++) {
                    mrow[r] = mcol[r] = 0;
                    for (int l = 0; l < NR; l++) {
                        float v = c[r * NR + l];
                        mrow[r] |= (uint32_t)(v - b->hJ[jt + l] >= tr[r]) << l;
                        mcol[r] |= (uint32_t)(v - b->hI[it + r] >= tc[l]) << l;
                    }
                    any |= mrow[r] | mcol[r];
                }
                if (any) tile_hits(b, t, it, jt, c, mrow, mcol);
            }
        }
}

#include "_topk_simd.h"

static int kernel_supported(int kernel) {
    return kernel == KERNEL_GENERIC || (kernel == KERNEL_AVX2 && have_avx2_fma()) ||
           (kernel == KERNEL_AVX512 && have_avx512());
}

static int best_kernel(void) {
    return have_avx512() ? KERNEL_AVX512 : have_avx2_fma() ? KERNEL_AVX2 : KERNEL_GENERIC;
}

/* kernels() -> the paths this CPU runs, portable first, the one used by default last. */
static PyObject *kernels(PyObject *self, PyObject *noargs) {
    PyObject *out = PyList_New(0);
    for (int k = KERNEL_GENERIC; out && k <= KERNEL_AVX512; k++) {
        if (!kernel_supported(k)) continue;
        PyObject *s = PyUnicode_FromString(KERNEL_NAMES[k]);
        if (!s || PyList_Append(out, s) < 0) Py_CLEAR(out);
        Py_XDECREF(s);
    }
    return out;
}

/* fused_update(x [n, K] float32, K, h [n] float32, i0, i1, j0, j1, score, index, thr,
 *              kernel="auto")
 * Feeds all pairs of rows x[i0:i1] x x[j0:j1] (only j > i when the ranges are equal).
 * kernel: "auto" (the fastest this CPU runs), "generic", "avx2" or "avx512". */
static PyObject *fused_update(PyObject *self, PyObject *args) {
    PyObject *x_o, *h_o, *score_o, *index_o, *thr_o;
    long long i0, i1, j0, j1;
    int K;
    const char *kname = "auto";
    if (!PyArg_ParseTuple(args, "OiOLLLLOOO|s", &x_o, &K, &h_o, &i0, &i1, &j0, &j1, &score_o,
                          &index_o, &thr_o, &kname))
        return NULL;
    int kernel = -1;
    if (strcmp(kname, "auto") == 0) kernel = best_kernel();
    for (int k = KERNEL_GENERIC; k <= KERNEL_AVX512; k++)
        if (strcmp(kname, KERNEL_NAMES[k]) == 0) kernel = k;
    if (kernel < 0) {
        PyErr_Format(PyExc_ValueError,
                     "unknown kernel '%s': use 'auto', 'generic', 'avx2' or 'avx512'", kname);
        return NULL;
    }
    if (!kernel_supported(kernel)) {
        PyErr_Format(PyExc_ValueError, "kernel '%s' needs %s, which this CPU lacks",
                     KERNEL_NAMES[kernel], kernel == KERNEL_AVX2 ? "AVX2 and FMA" : "AVX-512F");
        return NULL;
    }
    Py_buffer X, H, S, IX, TH;
    int got = 0;
    PyObject *ret = NULL;
    float *A = NULL, *B = NULL, *hI = NULL, *hJ = NULL;
    if (get_buffer(x_o, &X, 0, "x") < 0) goto out;
    got = 1;
    if (get_buffer(h_o, &H, 0, "h") < 0) goto out;
    got = 2;
    if (get_buffer(score_o, &S, 1, "score") < 0) goto out;
    got = 3;
    if (get_buffer(index_o, &IX, 1, "index") < 0) goto out;
    got = 4;
    if (get_buffer(thr_o, &TH, 1, "thr") < 0) goto out;
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
        const int MR = KERNEL_MR[kernel], NR = KERNEL_NR[kernel];
        b.MR = MR;
        b.NR = NR;
        b.bI = i1 - i0;
        b.bJ = j1 - j0;
        b.mI = (b.bI + MR - 1) / MR * MR;
        b.nJ = (b.bJ + NR - 1) / NR * NR;
        b.I0 = i0;
        b.J0 = j0;
        b.K = K;
        b.diagonal = (i0 == j0);
        A = (float *)calloc((size_t)(b.mI * K), sizeof(float));
        B = (float *)aligned_alloc(64, ((size_t)(b.nJ * K) * sizeof(float) + 63) / 64 * 64);
        hI = (float *)calloc((size_t)b.mI, sizeof(float));
        hJ = (float *)calloc((size_t)b.nJ, sizeof(float));
        if (!A || !B || !hI || !hJ) {
            PyErr_NoMemory();
            goto out;
        }
        const float *x = (const float *)X.buf, *h = (const float *)H.buf;
        Py_BEGIN_ALLOW_THREADS
        /* panel p holds rows [p*MR, p*MR+MR) as [K][MR], so that a tile's K loop reads A
         * contiguously; rows past bI are zero (calloc) */
        for (int64_t ip = 0; ip < b.bI; ip += MR) {
            float *panel = A + ip * K;
            int64_t w = b.bI - ip < MR ? b.bI - ip : MR;
            for (int64_t r = 0; r < w; r++) {
                const float *row = x + (i0 + ip + r) * K;
                for (int k = 0; k < K; k++) panel[k * MR + r] = row[k];
            }
        }
        memcpy(hI, h + i0, (size_t)b.bI * sizeof(float));
        memcpy(hJ, h + j0, (size_t)b.bJ * sizeof(float));
        /* panel p holds columns [p*NR, p*NR+NR) as [K][NR]; columns past bJ are zero */
        for (int64_t jp = 0; jp < b.nJ; jp += NR) {
            float *panel = B + jp * K;
            int64_t w = b.bJ - jp < NR ? b.bJ - jp : NR;
            if (w < NR) memset(panel, 0, (size_t)NR * K * sizeof(float));
            for (int64_t l = 0; l < w; l++) {
                const float *row = x + (j0 + jp + l) * K;
                for (int k = 0; k < K; k++) panel[k * NR + l] = row[k];
            }
        }
        b.A = A;
        b.B = B;
        b.hI = hI;
        b.hJ = hJ;
#if defined(__x86_64__) && defined(__GNUC__)
        if (kernel == KERNEL_AVX512) fused_avx512(&b, &t);
        else if (kernel == KERNEL_AVX2) fused_avx2(&b, &t);
        else fused_generic(&b, &t);
#else
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

/* merge_into(score [n, k], index [n, k], score2 [n, k2], index2 [n, k2])
 * Each row of (score, index) becomes the best k of itself and the same row of (score2, index2):
 * a linear merge of two lists sorted best first (higher score, then lower index), the form every
 * list here has. Lists of disjoint candidates, so no duplicates arise. */
static PyObject *merge_into(PyObject *self, PyObject *args) {
    PyObject *s_o, *i_o, *s2_o, *i2_o;
    if (!PyArg_ParseTuple(args, "OOOO", &s_o, &i_o, &s2_o, &i2_o)) return NULL;
    Py_buffer S, IX, S2, IX2;
    int got = 0;
    PyObject *ret = NULL;
    if (get_buffer(s_o, &S, 1, "score") < 0) goto done;
    got = 1;
    if (get_buffer(i_o, &IX, 1, "index") < 0) goto done;
    got = 2;
    if (get_buffer(s2_o, &S2, 0, "score2") < 0) goto done;
    got = 3;
    if (get_buffer(i2_o, &IX2, 0, "index2") < 0) goto done;
    got = 4;
    {
        int64_t n = S.ndim == 2 ? S.shape[0] : -1, k = S.ndim == 2 ? S.shape[1] : 0;
        int64_t k2 = S2.ndim == 2 && S2.shape[0] == n ? S2.shape[1] : -1;
        if (n < 0 || k < 1 || k2 < 0 || S.itemsize != 4 || S2.itemsize != 4 || IX.len != S.len ||
            IX2.len != S2.len || IX.itemsize != 4 || IX2.itemsize != 4) {
            PyErr_SetString(PyExc_ValueError, "merge_into: inconsistent shapes");
            goto done;
        }
        float *s = (float *)S.buf;
        int32_t *ix = (int32_t *)IX.buf;
        const float *s2 = (const float *)S2.buf;
        const int32_t *ix2 = (const int32_t *)IX2.buf;
        float *ts = (float *)malloc((size_t)k * sizeof(float));
        int32_t *ti = (int32_t *)malloc((size_t)k * sizeof(int32_t));
        if (!ts || !ti) {
            free(ts);
            free(ti);
            PyErr_NoMemory();
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
        for (int64_t r = 0; r < n; r++) {
            const float *a = s + r * k, *c = s2 + r * k2;
            const int32_t *ai = ix + r * k, *ci = ix2 + r * k2;
            if (k2 == 0 || c[0] < a[k - 1] || (c[0] == a[k - 1] && ci[0] > ai[k - 1]))
                continue; /* nothing in the second list beats the k-th entry */
            int64_t p = 0, q = 0;
            for (int64_t o = 0; o < k; o++) {
                int take_a = q >= k2 || (p < k && (a[p] > c[q] || (a[p] == c[q] && ai[p] < ci[q])));
                if (take_a) {
                    ts[o] = a[p];
                    ti[o] = ai[p++];
                } else {
                    ts[o] = c[q];
                    ti[o] = ci[q++];
                }
            }
            memcpy(s + r * k, ts, (size_t)k * sizeof(float));
            memcpy(ix + r * k, ti, (size_t)k * sizeof(int32_t));
        }
        Py_END_ALLOW_THREADS
        free(ts);
        free(ti);
        ret = Py_None;
        Py_INCREF(ret);
    }
done:
    if (got >= 4) PyBuffer_Release(&IX2);
    if (got >= 3) PyBuffer_Release(&S2);
    if (got >= 2) PyBuffer_Release(&IX);
    if (got >= 1) PyBuffer_Release(&S);
    return ret;
}

static PyMethodDef methods[] = {
    {"fused_update", fused_update, METH_VARARGS, "Block product and top-k selection in one pass."},
    {"merge_into", merge_into, METH_VARARGS, "Merge sorted top-k lists row by row, in place."},
    {"kernels", kernels, METH_NOARGS, "The fused_update paths this CPU runs, the default last."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "_topk",
                                    "Exact top-k selection kernels.", -1, methods};

PyMODINIT_FUNC PyInit__topk(void) { return PyModule_Create(&moddef); }
