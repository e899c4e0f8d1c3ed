"""The package's C extensions; everything else is declared in pyproject.toml."""

from setuptools import Extension, setup

# -ffp-contract=off: no fused multiply-adds the source does not ask for, so the portable and the
# SIMD kernels round identically (results are bit-identical across paths; tested).
FLAGS = ["-O3", "-pthread", "-ffp-contract=off"]

# each extension beside the Python that calls it
EXTENSIONS = {
    "vectors": ("_textparse", "_binparse"),
    "neighbors": ("_topk",),
    "analogy": ("_analogy",),
}

setup(
    ext_modules=[
        Extension(
            f"embedlab.{stage}.{name}",
            sources=[f"src/embedlab/{stage}/{name}.c"],
            depends=["src/embedlab/common/_cpu.h", "src/embedlab/neighbors/_topk_simd.h"],
            extra_compile_args=FLAGS,
            extra_link_args=["-pthread"],
        )
        for stage, names in EXTENSIONS.items()
        for name in names
    ]
)
