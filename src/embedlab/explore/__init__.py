"""The exploration stage (workflow/rules/explore.smk): interactive maps, the Embedding Projector
folders, image retrieval and thumbnails."""
