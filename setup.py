"""The package's C extensions; everything else is declared in pyproject.toml."""

from setuptools import Extension, setup

# -ffp-contract=off: no fused multiply-adds the source does not ask for, so the portable and the
# SIMD kernels round identically (results are bit-identical across paths; tested).
FLAGS = ["-O3", "-pthread", "-ffp-contract=off"]

setup(
    ext_modules=[
        Extension(
            f"embedlab.{name}",
            sources=[f"src/embedlab/{name}.c"],
            depends=["src/embedlab/_cpu.h", "src/embedlab/_topk_simd.h"],
            extra_compile_args=FLAGS,
            extra_link_args=["-pthread"],
        )
        for name in ("_textparse", "_binparse", "_topk", "_analogy")
    ]
)
