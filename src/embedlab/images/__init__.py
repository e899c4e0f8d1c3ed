"""The images stage (workflow/rules/images.smk): image datasets, VGG16 embeddings, and their
analysis (analysis/)."""
