"""The analogy stage (workflow/rules/analogy.smk): analogy queries and benchmarks, word
similarity, and the comparison of models."""
