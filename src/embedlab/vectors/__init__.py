"""The vectors stage (workflow/rules/vectors.smk): getting word-vector files, reading every
format strictly, and the HDF5 word store."""
