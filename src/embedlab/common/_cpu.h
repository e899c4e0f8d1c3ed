/* Helpers shared by the C extensions: buffers from Python objects, and what this CPU can run. */
#ifndef EMBEDLAB_CPU_H
#define EMBEDLAB_CPU_H
#include <Python.h>

/* A C-contiguous view of `o` (writable if asked), or -1 with a TypeError naming `name`. */
static inline int get_buffer(PyObject *o, Py_buffer *b, int writable, const char *name) {
    if (PyObject_GetBuffer(o, b, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous buffer", name);
        return -1;
    }
    return 0;
}

static inline int have_avx2_fma(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

static inline int have_avx512(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}
#endif
