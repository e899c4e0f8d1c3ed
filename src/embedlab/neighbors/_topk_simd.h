/* The SIMD paths of _topk.c's fused block product + selection (AVX2+FMA 6x16 tiles, AVX-512F
 * 12x32 tiles); included by _topk.c after the portable path, whose types and helpers they use. */
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) static void fused_avx2(const blk_t *b, topk_t *t) {
    enum { R = 6, N = 16 };
    const int K = b->K;
    const int64_t G = group_cols(b);
    for (int64_t jg = 0; jg < b->nJ; jg += G)
        for (int64_t it = 0; it < b->mI; it += R) {
            const float *a = b->A + it * K;
            for (int64_t jt = jg; jt < b->nJ && jt < jg + G; jt += N) {
                if (b->diagonal && jt + N - 1 <= it) continue;
                const float *p = b->B + jt * K;
                __m256 c[R][2];
                for (int r = 0; r < R; r++) c[r][0] = c[r][1] = _mm256_setzero_ps();
                const float *ak = a, *pk = p;
                for (int k = 0; k < K; k++, ak += R, pk += N) {
                    __m256 b0 = _mm256_loadu_ps(pk), b1 = _mm256_loadu_ps(pk + 8);
                    for (int r = 0; r < R; r++) {
                        __m256 ar = _mm256_broadcast_ss(ak + r);
                        c[r][0] = _mm256_fmadd_ps(ar, b0, c[r][0]);
                        c[r][1] = _mm256_fmadd_ps(ar, b1, c[r][1]);
                    }
                }
                float trb[R], tcb[N];
                const float *tr = t->thr + b->I0 + it, *tc = t->thr + b->J0 + jt;
                if (it + R > b->bI || jt + N > b->bJ) { /* an edge tile: pad with +inf */
                    thresholds(b, t, it, jt, trb, tcb);
                    tr = trb;
                    tc = tcb;
                }
                __m256 tc0 = _mm256_loadu_ps(tc), tc1 = _mm256_loadu_ps(tc + 8);
                __m256 hj0 = _mm256_loadu_ps(b->hJ + jt), hj1 = _mm256_loadu_ps(b->hJ + jt + 8);
                uint32_t mrow[R], mcol[R], any = 0;
                for (int r = 0; r < R; r++) {
                    __m256 trr = _mm256_set1_ps(tr[r]), hir = _mm256_set1_ps(b->hI[it + r]);
                    mrow[r] = (uint32_t)_mm256_movemask_ps(
                                  _mm256_cmp_ps(_mm256_sub_ps(c[r][0], hj0), trr, _CMP_GE_OQ)) |
                              (uint32_t)_mm256_movemask_ps(
                                  _mm256_cmp_ps(_mm256_sub_ps(c[r][1], hj1), trr, _CMP_GE_OQ)) << 8;
                    mcol[r] = (uint32_t)_mm256_movemask_ps(
                                  _mm256_cmp_ps(_mm256_sub_ps(c[r][0], hir), tc0, _CMP_GE_OQ)) |
                              (uint32_t)_mm256_movemask_ps(
                                  _mm256_cmp_ps(_mm256_sub_ps(c[r][1], hir), tc1, _CMP_GE_OQ)) << 8;
                    any |= mrow[r] | mcol[r];
                }
                if (any) {
                    float cs[R * N];
                    for (int r = 0; r < R; r++) {
                        _mm256_storeu_ps(cs + r * N, c[r][0]);
                        _mm256_storeu_ps(cs + r * N + 8, c[r][1]);
                    }
                    tile_hits(b, t, it, jt, cs, mrow, mcol);
                }
            }
        }
}

__attribute__((target("avx512f"))) static void fused_avx512(const blk_t *b, topk_t *t) {
    enum { R = 12, N = 32 };
    const int K = b->K;
    const int64_t G = group_cols(b);
    for (int64_t jg = 0; jg < b->nJ; jg += G)
        for (int64_t it = 0; it < b->mI; it += R) {
            const float *a = b->A + it * K;
            for (int64_t jt = jg; jt < b->nJ && jt < jg + G; jt += N) {
                if (b->diagonal && jt + N - 1 <= it) continue;
                const float *p = b->B + jt * K;
                __m512 c[R][2];
                for (int r = 0; r < R; r++) c[r][0] = c[r][1] = _mm512_setzero_ps();
                const float *ak = a, *pk = p;
                for (int k = 0; k < K; k++, ak += R, pk += N) {
                    __m512 b0 = _mm512_loadu_ps(pk), b1 = _mm512_loadu_ps(pk + 16);
                    for (int r = 0; r < R; r++) {
                        __m512 ar = _mm512_set1_ps(ak[r]);
                        c[r][0] = _mm512_fmadd_ps(ar, b0, c[r][0]);
                        c[r][1] = _mm512_fmadd_ps(ar, b1, c[r][1]);
                    }
                }
                float trb[R], tcb[N];
                const float *tr = t->thr + b->I0 + it, *tc = t->thr + b->J0 + jt;
                if (it + R > b->bI || jt + N > b->bJ) { /* an edge tile: pad with +inf */
                    thresholds(b, t, it, jt, trb, tcb);
                    tr = trb;
                    tc = tcb;
                }
                __m512 tc0 = _mm512_loadu_ps(tc), tc1 = _mm512_loadu_ps(tc + 16);
                __m512 hj0 = _mm512_loadu_ps(b->hJ + jt), hj1 = _mm512_loadu_ps(b->hJ + jt + 16);
                uint32_t mrow[R], mcol[R], any = 0;
                for (int r = 0; r < R; r++) {
                    __m512 trr = _mm512_set1_ps(tr[r]), hir = _mm512_set1_ps(b->hI[it + r]);
                    mrow[r] = (uint32_t)_mm512_cmp_ps_mask(_mm512_sub_ps(c[r][0], hj0), trr,
                                                           _CMP_GE_OQ) |
                              (uint32_t)_mm512_cmp_ps_mask(_mm512_sub_ps(c[r][1], hj1), trr,
                                                           _CMP_GE_OQ)
                                  << 16;
                    mcol[r] = (uint32_t)_mm512_cmp_ps_mask(_mm512_sub_ps(c[r][0], hir), tc0,
                                                           _CMP_GE_OQ) |
                              (uint32_t)_mm512_cmp_ps_mask(_mm512_sub_ps(c[r][1], hir), tc1,
                                                           _CMP_GE_OQ)
                                  << 16;
                    any |= mrow[r] | mcol[r];
                }
                if (any) {
                    float cs[R * N];
                    for (int r = 0; r < R; r++) {
                        _mm512_storeu_ps(cs + r * N, c[r][0]);
                        _mm512_storeu_ps(cs + r * N + 16, c[r][1]);
                    }
                    tile_hits(b, t, it, jt, cs, mrow, mcol);
                }
            }
        }
}
#endif
