"""The analysis of image embeddings: the settings each subset uses, t-SNE, KMeans and the SVM
protocol."""
