"""What several stages share: the config and its documentation, the job log, atomic writes,
downloads, tables (TSV and HTML), plots and the SLURM fit check. It imports no stage."""
