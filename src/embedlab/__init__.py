"""embedlab: the embedding-spaces lab as a reproducible pipeline.

Submodules hold one concern each (text parsing, the HDF5 store, acquisition, ...); importing the
package itself stays cheap so the command line starts fast.
"""

__version__ = "0.1.0"
