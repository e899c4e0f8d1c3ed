"""The neighbours stage (workflow/rules/neighbors.smk): every word's exact nearest neighbours,
in chunk jobs and a merge."""
