"""Tests of the whole workflow: Snakemake runs, the report, SLURM, module use, faults, the
documented commands."""
