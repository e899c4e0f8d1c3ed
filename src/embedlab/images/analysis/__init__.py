"""The analysis of image embeddings: the settings each subset uses (each setting's rule:
`settings`; both subsets' settings decided once, settings.json: `decisions`), t-SNE, KMeans and
the SVM protocol."""
